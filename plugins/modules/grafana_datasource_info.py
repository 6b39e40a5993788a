#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_datasource_info
short_description: Read Grafana data sources
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - One data source (O(uid)), those of one name, or all of them.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  name:
    description: Only data sources of this name.
    type: str
  uid:
    description: Only this data source.
    type: str
"""

EXAMPLES = r"""
- name: The Prometheus data source of Grafana Cloud
  launchkit.paas.grafana_datasource_info:
    uid: grafanacloud-prom
  register: prom
"""

RETURN = r"""
datasources:
  description: The data sources found, each as returned by M(launchkit.paas.grafana_datasource).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import datasource
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**datasource.INFO_OPTIONS), datasource.run_datasource_info, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
