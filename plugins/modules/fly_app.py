#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_app
short_description: Create or delete a Fly.io app
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create an app in an organization (and optionally a custom private network), or delete it, through the
    Fly.io Machines API.
  - App names are global across Fly.io, not per organization. An app of this name in another organization the
    token can see makes the module fail; a name Fly refuses as taken (C(name_taken)) is reported as taken,
    possibly by an app in an organization this token cannot see.
  - The organization and the network cannot change after create.
  - Deleting an app deletes its Machines, volumes, secrets and certificates.
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  name:
    description: App name, unique across Fly.io.
    type: str
    required: true
  state:
    description: Whether the app should exist. O(org) is required to create it.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: Custom private network (6PN) name at create; unset uses the organization's default network.
    type: str
  force:
    description: With O(state=absent), stop the app's running Machines first; without it Fly refuses to delete an app whose Machines run.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The app of the production stack
  launchkit.paas.fly_app:
    name: synckairos-production
    org: synckairos

- name: Remove a review app
  launchkit.paas.fly_app:
    name: synckairos-pr-42
    state: absent
"""

RETURN = r"""
app:
  description: The app; null once deleted, or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "App id.", type: str}
    name: {description: "App name.", type: str}
    org: {description: "Organization slug.", type: str}
    network: {description: "Private network.", type: str}
    status: {description: "App status.", type: str}
    machine_count: {description: "Number of Machines.", type: int}
    volume_count: {description: "Number of volumes.", type: int}
action:
  description: What the module did, V(create), V(delete), V(adopt) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import app
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**app.OPTIONS), app.run_app)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
