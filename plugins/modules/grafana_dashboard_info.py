#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_dashboard_info
short_description: Read Grafana dashboards
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - One dashboard with its JSON model (O(uid)), or the dashboards found by Grafana's search (C(type=dash-db)),
    optionally in one folder or matching a query.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  uid:
    description: Only this dashboard, with its model (an empty list when it does not exist).
    type: str
  folder_uid:
    description: Only dashboards of this folder.
    type: str
  query:
    description: Only dashboards whose title matches this search text.
    type: str
"""

EXAMPLES = r"""
- name: The stack's dashboards
  launchkit.paas.grafana_dashboard_info:
    folder_uid: scoop-production
  register: dashboards
"""

RETURN = r"""
dashboards:
  description: The dashboards found, each as returned by M(launchkit.paas.grafana_dashboard); with O(uid), also its C(model).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import dashboard
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**dashboard.INFO_OPTIONS), dashboard.run_dashboard_info, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
