#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_secrets
short_description: Set and unset single secrets of a Fly.io app
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Key-level ownership of an app's secrets through C(POST /apps/{app}/secrets) (keys with a value are set,
    keys sent as null are unset, in one call). Keys not in O(secrets) or O(remove) are never touched, unless
    O(purge=true).
  - Every value is write-only. Fly.io never returns a value and computes each secret's digest by an algorithm it
    does not publish, so the module keeps its own digests in the state backend (O(state_backend)) - with
    V(file) in O(state_dir), file C(fly/<app>.secrets.json) (mode 0600, no value in it), with V(postgresql) a
    sealed row of that name - after each write, per key, the digest Fly shows for it and an HMAC-SHA256 of the
    value under a random key of that record. A key is unchanged when Fly still shows the kept digest (nobody set it
    since) and the wanted value has the kept HMAC. A key that exists without a kept digest is written again
    with O(update=always) (with a warning), or left alone with O(update=on_create).
  - Setting secrets does not restart Machines. They get the new values when updated with the returned
    RV(version) as their minimum secrets version (M(launchkit.paas.fly_deploy)).
  - The diff lists keys, never values.
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes.actions
options:
  secrets:
    description: Keys to set and their values. Values are never shown.
    type: dict
    default: {}
  remove:
    description: Keys to unset. A key that does not exist is ignored.
    type: list
    elements: str
    default: []
  purge:
    description: Also unset every key of the app that is not in O(secrets). Destructive; off by default.
    type: bool
    default: false
  update:
    description:
      - V(always) sets a key whose value differs from the one kept in the state backend, or cannot be compared
        because no digest is kept for it.
      - V(on_create) sets only keys the app does not have; an existing key is left as it is whatever its value.
    type: str
    choices: [always, on_create]
    default: always
  state_dir:
    description:
      - Directory where the module keeps its digests (and the last secrets version it wrote) per app, beside
        the rollout's other state, with O(state_backend=file). Without it every existing key is written again
        with O(update=always).
      - With O(state_backend=postgresql) the digests are rows of the state database, and a record with no row
        yet is read from this directory when it holds one.
      - Defaults to the E(LAUNCHKIT_STATE_DIR) environment variable.
    type: path
"""

EXAMPLES = r"""
- name: The app's database and session secrets
  launchkit.paas.fly_secrets:
    app: synckairos-production
    secrets:
      DATABASE_URL: "{{ database_url }}"
      SECRET_KEY_BASE: "{{ secret_key_base }}"
    state_dir: "{{ launchkit_state_dir }}"
  register: fly_secrets_result

- name: Roll the Machines onto the new secrets
  launchkit.paas.fly_deploy:
    app: synckairos-production
    secrets_version: "{{ fly_secrets_result.version }}"
  when: fly_secrets_result.changed

- name: A key no longer used
  launchkit.paas.fly_secrets:
    app: synckairos-production
    remove: [REDISCLOUD_URL]
"""

RETURN = r"""
app:
  description: The app.
  returned: always
  type: str
set_keys:
  description: Keys that were (or in check mode would be) set.
  returned: always
  type: list
  elements: str
removed_keys:
  description: Keys that were (or would be) unset.
  returned: always
  type: list
  elements: str
unchanged_keys:
  description: Keys of O(secrets) left as they were.
  returned: always
  type: list
  elements: str
version:
  description:
    - The app's secrets version after this run's write; when nothing was written, the last version this
      module wrote for the app (kept in the state backend), else null.
    - Pass it to M(launchkit.paas.fly_deploy) O(launchkit.paas.fly_deploy#module:secrets_version).
  returned: always
  type: int
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**secrets.options()), secrets.run_secrets)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
