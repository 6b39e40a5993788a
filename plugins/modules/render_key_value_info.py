#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_key_value_info
short_description: Read Render Key Value instances
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - List the Key Value instances of a workspace, or one by name or id, with their connection strings
    (password masked unless O(return_secrets=true)).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.render.datastore_info
  - launchkit.paas.attributes.info
"""

EXAMPLES = r"""
- name: Read the Redis of the stack
  launchkit.paas.render_key_value_info:
    name: scoop-redis
  register: found

- name: Show its status
  ansible.builtin.debug:
    msg: "{{ found.key_values[0].status }}"
"""

RETURN = r"""
key_values:
  description: The instances found, each as returned by M(launchkit.paas.render_key_value).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.key_value import run_key_value_info


MODULE = Module(options.datastore_info(), run_key_value_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
