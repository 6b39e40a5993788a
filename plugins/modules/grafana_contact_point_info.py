#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_contact_point_info
short_description: Read Grafana contact points
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Every contact point, or those of one name. Secure settings are listed by name only.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  name:
    description: Only contact points of this name.
    type: str
"""

EXAMPLES = r"""
- name: The contact points
  launchkit.paas.grafana_contact_point_info:
  register: contact_points
"""

RETURN = r"""
contact_points:
  description: The contact points found, each as returned by M(launchkit.paas.grafana_contact_point).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import contact_point
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**contact_point.INFO_OPTIONS), contact_point.run_contact_point_info, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
