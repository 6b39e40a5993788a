#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_machine_info
short_description: Read the Machines of a Fly.io app
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The app's Machines (not destroyed), all of them, those whose metadata holds every pair of O(identity), or one by O(id).
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  identity:
    description: Only Machines whose metadata holds these key/values.
    type: dict
  id:
    description: Only this Machine.
    type: str
"""

EXAMPLES = r"""
- name: The app's web Machines
  launchkit.paas.fly_machine_info:
    app: synckairos-production
    identity: {launchkit_role: web}
  register: web_machines
"""

RETURN = r"""
machines:
  description: The Machines found, each as returned by M(launchkit.paas.fly_machine).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import machine
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**machine.INFO_OPTIONS), machine.run_machine_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
