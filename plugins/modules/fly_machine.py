#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_machine
short_description: Create, update or delete a Fly.io Machine
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - A Machine is found by O(identity), metadata key/values written into its C(config.metadata) (for example
    C(launchkit_role=web)), or by O(id); never by name, which Fly.io generates when none is given.
  - Fly.io has no partial update, so O(config) is the Machine's whole config. It is compared as a subset of the
    config Fly returns (Fly fills in defaults) - every key given must hold the given value, lists item by item.
    When something differs, the module sends exactly O(config), plus O(identity) and the secrets version kept in
    metadata (C(launchkit_secrets_version)); a key left out of O(config) is gone after that update.
  - An update is made under a lease (its nonce in the C(fly-machine-lease-nonce) header), with the Machine's
    current version as C(current_version), so a concurrent change makes it fail instead of being overwritten.
    An update restarts a running Machine unless O(skip_launch=true).
  - A create refused for lack of capacity (C(insufficient_capacity)) is tried again in each of O(fallback_regions),
    in order; without them the module fails with that reason.
  - The diff shows the config keys that change; C(env) by key only and C(files) by path only. C(config) itself is
    not treated as secret (it is part of the task's arguments); put secrets in the app's secrets with
    M(launchkit.paas.fly_secrets), which every Machine gets as environment variables.
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  identity:
    description:
      - Metadata key/values that identify the Machine among the app's Machines (values are strings). Written
        into C(config.metadata). Required unless O(id) is given. Several Machines matching fail the module.
    type: dict
  id:
    description: The Machine's id, instead of O(identity).
    type: str
  name:
    description: Machine name at create (Fly generates one when unset). Not used to find the Machine.
    type: str
  state:
    description: Whether the Machine should exist.
    type: str
    choices: [present, absent]
    default: present
  config:
    description:
      - The whole Machine config (C(image), C(guest), C(services), C(checks), C(env), C(metadata), ...), as the
        Machines API's C(MachineConfig). Required with O(state=present); C(image) is required in it.
    type: dict
  region:
    description: Region at create (for example V(ams)). A Machine cannot move; another region on an existing Machine fails.
    type: str
  fallback_regions:
    description: Regions to create the Machine in, in order, when O(region) has no capacity.
    type: list
    elements: str
    default: []
  skip_launch:
    description: Create or update the Machine without starting it.
    type: bool
    default: false
  min_secrets_version:
    description:
      - The app's secrets version the Machine must see (the RV(launchkit.paas.fly_secrets#module:version) of
        M(launchkit.paas.fly_secrets)). Kept in the Machine's metadata as C(launchkit_secrets_version), since Fly
        shows it nowhere; a Machine on an older kept version is updated.
    type: int
  lease_ttl:
    description: Seconds the lease taken for an update or delete lasts if it is not given back.
    type: int
    default: 120
  force:
    description: With O(state=absent), stop a running Machine before destroying it.
    type: bool
    default: true
  wait:
    description: After a create or update (without O(skip_launch)), wait until the Machine is started.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: The web Machine of the app
  launchkit.paas.fly_machine:
    app: synckairos-production
    identity:
      launchkit_role: web
    region: ams
    fallback_regions: [fra, cdg]
    min_secrets_version: "{{ fly_secrets_result.version }}"
    config:
      image: registry.fly.io/synckairos:v42
      guest: {cpu_kind: shared, cpus: 1, memory_mb: 512}
      services:
        - protocol: tcp
          internal_port: 8080
          ports:
            - {port: 443, handlers: [tls, http]}
      checks:
        health: {type: http, port: 8080, path: /health, interval: 15s, timeout: 2s}
"""

RETURN = r"""
machine:
  description: The Machine; null once deleted, or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Machine id.", type: str}
    name: {description: "Machine name.", type: str}
    region: {description: "Region.", type: str}
    state: {description: "State (started, stopped, ...).", type: str}
    version: {description: "The Machine's version (instance_id).", type: str}
    image: {description: "Image of its config.", type: str}
    metadata: {description: "Its config's metadata.", type: dict}
    secrets_version: {description: "The secrets version kept in its metadata, null when none.", type: int}
    private_ip: {description: "6PN address.", type: str}
    checks: {description: "Health checks, each with name and status.", type: list, elements: dict}
    created_at: {description: "Created time.", type: str}
    updated_at: {description: "Updated time.", type: str}
action:
  description: What the module did, V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import machine
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**machine.OPTIONS), machine.run_machine)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
