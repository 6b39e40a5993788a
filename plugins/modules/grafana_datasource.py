#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_datasource
short_description: Manage a Grafana data source
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Creates, updates or deletes a data source, found by O(uid) when given, else by O(name).
  - Only the options the task sets are compared (O(json_data) key by key); an update sends the stored version.
  - O(secure_json_data) and O(basic_auth_password) are write-only (Grafana lists their names only); they are compared
    by a digest the module keeps in the state backend (O(state_backend), O(state_dir)) and written as O(update_secure) says.
  - A read-only data source (provisioned, or managed by Grafana Cloud like C(grafanacloud-prom)) that would need a
    change fails with a message.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
  - launchkit.paas.grafana.state_dir
  - launchkit.paas.rollback_record.STATE
options:
  name:
    description: The data source's name. Required with O(state=present).
    type: str
  uid:
    description: The data source's uid.
    type: str
  type:
    description: The plugin type, for example V(prometheus). Required with O(state=present).
    type: str
  url:
    description: The URL Grafana queries.
    type: str
  access:
    description: V(proxy) (Grafana's server queries) or V(direct) (the browser queries).
    type: str
    choices: [proxy, direct]
  is_default:
    description: Make it the organization's default data source.
    type: bool
  json_data:
    description: Plugin settings (C(jsonData)); compared key by key, merged into the stored ones on write.
    type: dict
  secure_json_data:
    description: Secret plugin settings (C(secureJsonData)), for example C(httpHeaderValue1). Never shown.
    type: dict
    default: {}
  basic_auth:
    description: Use basic authentication towards O(url).
    type: bool
  basic_auth_user:
    description: User of that basic authentication.
    type: str
  basic_auth_password:
    description: Password of that basic authentication (sent as C(secureJsonData.basicAuthPassword)).
    type: str
  state:
    description: Whether the data source should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The stack's Prometheus
  launchkit.paas.grafana_datasource:
    name: scoop-prometheus
    uid: scoop-prometheus
    type: prometheus
    url: https://prometheus.example.com
    access: proxy
    json_data:
      httpMethod: POST
    basic_auth: true
    basic_auth_user: grafana
    basic_auth_password: "{{ vault_prometheus_password }}"
    state_dir: "{{ launchkit_state_dir }}"
"""

RETURN = r"""
datasource:
  description: The data source; null once deleted.
  returned: always
  type: dict
  contains:
    uid: {description: Data source uid., type: str}
    name: {description: Data source name., type: str}
    type: {description: Plugin type., type: str}
    url: {description: URL., type: str}
    access: {description: Access mode., type: str}
    is_default: {description: Whether it is the default., type: bool}
    json_data: {description: Plugin settings., type: dict}
    secure_fields: {description: Names of the secure settings Grafana holds., type: list, elements: str}
    basic_auth: {description: Whether basic auth is on., type: bool}
    basic_auth_user: {description: Basic auth user., type: str}
    read_only: {description: Whether Grafana refuses changes to it., type: bool}
    version: {description: Data source version., type: int}
action:
  description: What the module did, V(create), V(update), V(delete), V(adopt) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import datasource
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**datasource.options()), datasource.run_datasource, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
