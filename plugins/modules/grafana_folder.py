#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_folder
short_description: Create, rename or delete a Grafana folder
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Manages a folder by its uid through C(/api/folders). The title can change; the parent cannot (moving a folder is
    not done by this module, and a different O(parent_uid) fails with a message).
  - Deleting a folder that holds alert rules fails unless O(force_delete_rules=true), which is never implied.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  uid:
    description: The folder's uid (1 to 40 letters, digits, C(-) or C(_)).
    type: str
    required: true
  title:
    description: The folder's title. Required with O(state=present).
    type: str
  parent_uid:
    description: The uid of the parent folder, for a nested folder (Grafana's nested folders feature). Set at create only.
    type: str
  force_delete_rules:
    description:
      - With O(state=absent), also delete the alert rules stored in the folder (Grafana's C(forceDeleteRules)).
        Without it Grafana refuses to delete a folder that holds alert rules.
    type: bool
    default: false
  state:
    description: Whether the folder should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The folder of the stack's dashboards and alert rules
  launchkit.paas.grafana_folder:
    uid: scoop-production
    title: Scoop production
"""

RETURN = r"""
folder:
  description: The folder; null once deleted.
  returned: always
  type: dict
  contains:
    uid: {description: Folder uid., type: str}
    title: {description: Folder title., type: str}
    parent_uid: {description: Parent folder uid (nested folders)., type: str}
    url: {description: Path of the folder in Grafana's UI., type: str}
    version: {description: Folder version., type: int}
action:
  description: What the module did, V(create), V(update), V(delete), V(adopt) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import folder
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**folder.OPTIONS), folder.run_folder, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
