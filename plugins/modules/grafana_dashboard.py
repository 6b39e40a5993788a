#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_dashboard
short_description: Create, update or delete a Grafana dashboard from its JSON model
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Saves the JSON model O(dashboard) with C(POST /api/dashboards/db) in O(folder_uid); the model's C(uid)
    identifies the dashboard.
  - Grafana writes C(id) and C(version) into the stored model on save (besides the uid the model carries), so the
    stored model is compared with O(dashboard) without C(id) and C(version), and the dashboard is saved only when
    something else differs (each save makes a new version in Grafana's history).
  - An update sends the version it read. When the dashboard changed in Grafana since then (or another dashboard in
    the folder has the same title), Grafana answers 412 and the module fails naming the dashboard; O(overwrite=true)
    replaces what is stored.
  - The diff shows the top-level keys of the model that change.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  dashboard:
    description:
      - The dashboard's JSON model (as exported from Grafana, or built by the role), with a C(uid) and a C(title).
        Its C(id) and C(version) are ignored.
      - Required with O(state=present).
    type: dict
  uid:
    description: The dashboard's uid, to delete a dashboard without giving its model (O(state=absent)).
    type: str
  folder_uid:
    description:
      - The uid of the folder the dashboard is saved in. Unset at create means Grafana's root (General); unset at
        update keeps the dashboard where it is.
    type: str
  commit_message:
    description:
      - The version-history message of the save (Grafana's C(message); Ansible reserves the option name C(message)).
    type: str
  overwrite:
    description: Replace the stored dashboard even when it changed in Grafana since it was read (Grafana's 412).
    type: bool
    default: false
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The stack's service dashboard
  launchkit.paas.grafana_dashboard:
    folder_uid: scoop-production
    commit_message: launchkit rollout
    dashboard: "{{ lookup('ansible.builtin.template', 'service-dashboard.json.j2') | from_json }}"
  register: dashboard

- name: Remove an old dashboard
  launchkit.paas.grafana_dashboard:
    uid: scoop-old-latency
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard; null once deleted. In check mode a dashboard to create has no url or version yet.
  returned: always
  type: dict
  contains:
    uid: {description: Dashboard uid., type: str}
    title: {description: Dashboard title., type: str}
    url: {description: Path of the dashboard in Grafana's UI., type: str}
    version: {description: The stored version after this run., type: int}
    folder_uid: {description: Folder uid (null for the root)., type: str}
action:
  description: What the module did, V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import dashboard
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**dashboard.OPTIONS), dashboard.run_dashboard, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
