#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_alert_rule_group_info
short_description: Read Grafana alert rule groups
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - One group (O(folder_uid) and O(name)), the groups of a folder, or every group, with their rules in the shape
    M(launchkit.paas.grafana_alert_rule_group) takes.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  folder_uid:
    description: Only groups of this folder.
    type: str
  name:
    description: Only this group (needs O(folder_uid)).
    type: str
"""

EXAMPLES = r"""
- name: The stack's rule groups
  launchkit.paas.grafana_alert_rule_group_info:
    folder_uid: scoop-production
  register: rule_groups
"""

RETURN = r"""
groups:
  description: The groups found, each with C(folder_uid), C(name), C(interval) (null when listed from all rules) and C(rules).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import alert_rules
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**alert_rules.INFO_OPTIONS), alert_rules.run_rule_group_info, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
