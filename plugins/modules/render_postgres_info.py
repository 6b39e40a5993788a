#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_postgres_info
short_description: Read Render Postgres databases
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - List the Postgres databases of a workspace, or one by name or id, with their connection info
    (passwords masked unless O(return_secrets=true)).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.render.datastore_info
  - launchkit.paas.attributes.info
"""

EXAMPLES = r"""
- name: Read the database of the stack
  launchkit.paas.render_postgres_info:
    name: scoop-db
  register: found

- name: Show its status
  ansible.builtin.debug:
    msg: "{{ found.postgres[0].status }}"
"""

RETURN = r"""
postgres:
  description: The databases found, each as returned by M(launchkit.paas.render_postgres); empty when none matches.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.postgres import run_postgres_info


MODULE = Module(options.datastore_info(), run_postgres_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
