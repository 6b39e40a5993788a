#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vercel_env
short_description: Set and remove single env entries of a Vercel project, for given targets
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Key-level management of a project's environment variables. A Vercel project may hold one key several times,
    for other targets or git branches, so an entry is known by its key, its set of targets and its git branch
    together. The module creates, updates or removes only the entries of exactly O(targets) and O(git_branch) for
    the keys in O(env); every other entry is left as it is, unless O(purge=true).
  - An entry of the key for other targets is someone else's and is never touched. One whose targets overlap
    O(targets) without being the same set (say C([production, preview]) when O(targets) is C([production])) is a
    clash Vercel refuses (C(ENV_CONFLICT)); the module fails before any write, naming that entry and what to do.
  - Values are compared where Vercel shows them - a C(plain) value from the project's list, an C(encrypted) one
    read decrypted one entry at a time. A C(sensitive) value is never readable; it is compared by a digest the
    collection keeps in the state backend (O(state_backend)) - with V(file) in O(state_dir), file
    C(vercel/<project id>.env.json) (mode 0600, no value in it), with V(postgresql) a sealed row of that name - per entry
    its id, the C(updatedAt) Vercel showed right after this module wrote it, and an HMAC-SHA256 of the value. The
    entry is unchanged when Vercel still shows that C(updatedAt) and the wanted value has the kept HMAC. O(update)
    decides what happens to a value that cannot be compared.
  - An entry of another type than O(type) is updated to O(type) with the value.
  - Every value is treated as a secret. The diff lists keys, never values.
  - Changing env does not change running deployments; Vercel applies env to new deployments only
    (M(launchkit.paas.vercel_deployment) redeploys production).
extends_documentation_fragment:
  - launchkit.paas.vercel
  - launchkit.paas.http_client
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes.actions
options:
  env:
    description:
      - Keys and their values. Values are never shown. With O(state=absent) only the keys count.
      - Keys are variable names - letters, digits and C(_), not starting with a digit.
    type: dict
    default: {}
  targets:
    description: The targets of the entries managed; the set together with O(git_branch) names them.
    type: list
    elements: str
    choices: [production, preview, development]
    default: [production]
  git_branch:
    description: Only for O(targets=[preview]) - the entries of that git branch.
    type: str
  type:
    description:
      - The type of the entries written. V(sensitive) values can never be read back, by anyone.
    type: str
    choices: [plain, encrypted, sensitive]
    default: encrypted
  state:
    description: V(present) creates or updates the entries of O(env); V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  update:
    description:
      - What happens to an existing entry whose value cannot be read back (V(sensitive), or an encrypted value Vercel
        does not decrypt for the token). Readable values are always compared themselves.
      - V(on_digest_change) writes it unless the digest kept in the state backend shows it holds the value; without a kept
        digest it is written (with a warning), after which the digest is kept.
      - V(always) writes it on every run.
      - V(on_create) never writes an existing entry; only missing ones are created.
    type: str
    choices: [on_digest_change, always, on_create]
    default: on_digest_change
  purge:
    description:
      - Also remove the entries of exactly O(targets) and O(git_branch) whose key is not in O(env). Entries of other
        targets or branches, and Vercel's C(system) entries, are never removed. Destructive; off by default.
    type: bool
    default: false
  return_previous:
    description:
      - Return the values the changed entries had before in RV(previous), for a rollback record. The result is then
        hidden from the output as with C(no_log) (C(register) still gets it whole).
    type: bool
    default: false
  state_dir:
    description:
      - Directory where the digests of written values are kept per project, beside the rollout's other state, with
        O(state_backend=file). Without it a value that cannot be read back is written on every run with
        O(update=on_digest_change).
      - With O(state_backend=postgresql) the digests are rows of the state database, and a record with no row
        yet is read from this directory when it holds one.
      - Defaults to the E(LAUNCHKIT_STATE_DIR) environment variable.
    type: path
"""

EXAMPLES = r"""
- name: Point production at Redis, leaving the project's other env alone
  launchkit.paas.vercel_env:
    project: scoop-web
    team_id: team_abc123
    env:
      REDIS_URL: "{{ redis_url }}"
    type: sensitive
    state_dir: "{{ launchkit_state_dir }}"
  register: scoop_env

- name: A preview-only setting for one branch
  launchkit.paas.vercel_env:
    project: scoop-web
    targets: [preview]
    git_branch: staging
    type: plain
    env:
      FEATURE_FLAGS: beta

- name: Remove a key from production
  launchkit.paas.vercel_env:
    project: scoop-web
    env:
      REDISCLOUD_URL: ""
    state: absent
"""

RETURN = r"""
project:
  description: The project whose env was managed.
  returned: always
  type: dict
  contains:
    id: {description: "Project id.", type: str}
    name: {description: "Project name.", type: str}
targets:
  description: The targets of the entries managed, sorted.
  returned: always
  type: list
  elements: str
git_branch:
  description: Their git branch, or null.
  returned: always
  type: str
created:
  description: Keys whose entry was (in check mode, would be) created.
  returned: always
  type: list
  elements: str
updated:
  description: Keys whose entry was (or would be) given a new value or type.
  returned: always
  type: list
  elements: str
deleted:
  description: Keys whose entry was (or would be) removed.
  returned: always
  type: list
  elements: str
unchanged:
  description: Keys of O(env) whose entry already held the value (or was left alone with O(update=on_create)).
  returned: always
  type: list
  elements: str
previous:
  description:
    - 'For each created, updated or deleted key, the value its entry had before - null where there was no entry,
      C({"value_not_shown": true}) where Vercel does not show the value.'
  returned: when O(return_previous=true)
  type: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.vercel import env
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.options import module_options


MODULE = Module(module_options(**env.options()), env.run_env, precheck=env.check_params)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
