#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_notification_policy_info
short_description: Read Grafana's notification policy tree
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - The whole tree, and its root's routes (those with exactly the O(matchers) given, when given).
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  matchers:
    description: Only the root's routes with exactly these matchers (same forms as M(launchkit.paas.grafana_notification_policy)).
    type: list
    elements: raw
"""

EXAMPLES = r"""
- name: The policy tree
  launchkit.paas.grafana_notification_policy_info:
  register: policies
"""

RETURN = r"""
tree:
  description: The notification policy tree.
  returned: always
  type: dict
routes:
  description: The root's routes (filtered by O(matchers)).
  returned: always
  type: list
  elements: dict
receiver:
  description: The root policy's receiver.
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import policy
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**policy.INFO_OPTIONS), policy.run_policy_info, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
