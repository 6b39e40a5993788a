#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_deploy
short_description: Roll a Fly.io app's Machines onto a secrets version and/or an image, one at a time
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The apply step of a Fly.io app. Secrets set with M(launchkit.paas.fly_secrets) reach a Machine only when it is
    updated with them as its minimum secrets version; this module does that for every Machine of the app (or those
    whose metadata holds every pair of O(metadata)), one at a time, in the order of their ids.
  - For each Machine, as flyctl's rolling deploy does - take a lease; read the Machine again under it; send its
    whole config (with O(image) when given, and the secrets version noted in its metadata) with
    C(min_secrets_version) and its version as C(current_version); wait until it is started at the new version
    (O(wait_timeout)); wait until its health checks pass (O(checks_timeout)); give the lease back. A stopped
    Machine is updated without being started.
  - The first failure stops the roll. The task fails naming the Machine, the step (lease, read, update, start,
    checks) and the reason; the Machines after it are left on their old version and are listed.
  - Fly.io shows no secrets version on a Machine, so the version it was rolled onto is kept in its
    C(config.metadata) as C(launchkit_secrets_version). A Machine already at O(secrets_version) (or newer) and on
    O(image) is not updated, so a second run changes nothing. If such a Machine runs with a health check failing
    (the one a stopped roll failed at), its checks are waited for as after an update, without a write.
  - In check mode nothing is written; RV(rolled) lists the Machines that would roll.
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  metadata:
    description: Only Machines whose metadata holds every one of these key/values.
    type: dict
    default: {}
  secrets_version:
    description: The secrets version to roll onto (the RV(launchkit.paas.fly_secrets#module:version) of M(launchkit.paas.fly_secrets)).
    type: int
  image:
    description: The image to roll onto. At least one of O(secrets_version) and O(image) is required.
    type: str
  lease_ttl:
    description: Seconds each Machine's lease lasts if it is not given back.
    type: int
    default: 120
  wait_timeout:
    description: Seconds to wait for each Machine to be started at its new version.
    type: int
    default: 300
  checks_timeout:
    description: Seconds to wait for each Machine's health checks to pass.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Apply the new secrets to the web Machines
  launchkit.paas.fly_deploy:
    app: synckairos-production
    secrets_version: "{{ fly_secrets_result.version }}"
    metadata:
      launchkit_role: web

- name: A new image everywhere
  launchkit.paas.fly_deploy:
    app: synckairos-production
    image: registry.fly.io/synckairos:v43
"""

RETURN = r"""
rolled:
  description: Ids of the Machines updated (in check mode, those that would be), in order.
  returned: always
  type: list
  elements: str
unchanged:
  description: Ids of the Machines already on the target.
  returned: always
  type: list
  elements: str
machines:
  description: Every Machine considered, with what happened to it.
  returned: success, and on failure the Machines handled before it
  type: list
  elements: dict
  contains:
    id: {description: "Machine id.", type: str}
    name: {description: "Machine name.", type: str}
    region: {description: "Region.", type: str}
    action: {description: "V(rolled) or V(unchanged).", type: str}
    state: {description: "State after the roll.", type: str}
    version_before: {description: "Version (instance_id) before.", type: str}
    version: {description: "Version after.", type: str}
    image: {description: "Image after.", type: str}
    secrets_version: {description: "Secrets version kept in its metadata after.", type: int}
secrets_version:
  description: The target secrets version.
  returned: always
  type: int
image:
  description: The target image.
  returned: always
  type: str
failed_machine:
  description: The Machine the roll stopped at.
  returned: failure
  type: str
failed_step:
  description: The step it failed at, V(lease), V(read), V(update), V(start), V(checks) or V(release).
  returned: failure
  type: str
not_rolled:
  description: Ids of the Machines left on their old version after the failure.
  returned: failure
  type: list
  elements: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import deploy
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**deploy.OPTIONS), deploy.run_deploy)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
