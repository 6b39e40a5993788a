#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_app_info
short_description: Read Fly.io apps
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - One app by name, or every app of the organization O(org).
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  name:
    description: Only this app (an empty list when it does not exist). Without it, O(org) is required.
    type: str
"""

EXAMPLES = r"""
- name: Every app of the organization
  launchkit.paas.fly_app_info:
    org: synckairos
  register: fly_apps
"""

RETURN = r"""
apps:
  description: The apps found, each as returned by M(launchkit.paas.fly_app).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import app
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**app.INFO_OPTIONS), app.run_app_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
