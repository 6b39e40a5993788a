#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: rollback_record
short_description: Keep a phase's rollback record (what a rollout changed and the values before it)
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - A rollout phase's record, C(<state_dir>/<stack>/<phase>.json), keeps per service the value each env
    key had before the first run that changed it (C(null) when the key did not exist), and the other
    facts the phase's rollback needs, such as the ids of what it created.
  - With O(state=present), adds the previous values of the env keys that O(results) changed and the
    facts in O(extra) to the record. What the record already holds always wins, so a later run never
    overwrites an entry and a rollback restores the state from before the rollout, not from before the
    last run. Lists (ids, names) are joined, each entry once.
  - With O(state=absent), forgets the record (after a rollback), all but the facts named in O(keep).
  - The record holds secrets (previous env values). The file is replaced atomically, mode C(0600), in a
    directory made C(0700). With O(state_backend=postgresql) the record is the row (O(stack), O(phase)) of the
    C(launchkit_state_records) table instead. With O(state_key) it is sealed (AES-256-GCM); the postgresql
    backend always seals. The module returns and shows only key names, never a value.
  - Read a record with M(launchkit.paas.rollback_record_info).
extends_documentation_fragment:
  - launchkit.paas.rollback_record
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes
  - launchkit.paas.attributes.ACTIONS
attributes:
  diff_mode:
    details: The diff shows the changed env key names per service and the facts kept, never a value.
options:
  phase:
    description: The phase whose record it is (C(redis), C(email), ...); a file name like O(stack).
    type: str
    required: true
  state:
    description: V(present) adds to the record; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  results:
    description:
      - The C(results) of a M(launchkit.paas.render_env_vars) loop run with
        O(launchkit.paas.render_env_vars#module:return_previous=true), one per service; the loop item is the
        service (its name or id, or a dict with its C(name)). Results that did not change are left out.
      - They hold the previous values of secret env keys, so they are never logged.
    type: list
    elements: dict
    default: []
  keep:
    description:
      - With O(state=absent), facts of the record that stay (C(created), say - what the rollout created, so that a
        second rollback knows it and a later rollout owns it); the previous env values are always forgotten.
    type: list
    elements: str
    default: []
  extra:
    description: Other facts to keep (ids of what the phase created, for example); the record's own entries win.
    type: dict
    default: {}
seealso:
  - module: launchkit.paas.rollback_record_info
  - module: launchkit.paas.render_env_vars
"""

EXAMPLES = r"""
- name: Put REDIS_URL into the services and keep the previous values
  launchkit.paas.render_env_vars:
    service: "{{ item }}"
    env:
      REDIS_URL: "{{ redis_url }}"
    return_previous: true
  loop: [scoop-web, scoop-worker]
  register: wiring
  no_log: true

- name: Keep them for the rollback
  launchkit.paas.rollback_record:
    state_dir: "{{ launchkit_state_dir }}"
    stack: "{{ inventory_hostname }}"
    phase: redis
    results: "{{ wiring.results }}"
    extra:
      provider: render
      name: scoop-redis

- name: Forget the record once the phase is rolled back
  launchkit.paas.rollback_record:
    state_dir: "{{ launchkit_state_dir }}"
    stack: "{{ inventory_hostname }}"
    phase: redis
    state: absent
"""

RETURN = r"""
path:
  description: Where the record is - its file, or with O(state_backend=postgresql) the database (no password), table, stack and phase.
  returned: always
  type: str
  sample: /home/ops/.launchkit/state/scoop_production/redis.json
summary:
  description:
    - What the record holds now, without a secret ({} after O(state=absent)). C(services) maps each service
      to the names of its env keys the record can restore; C(facts) names the other entries.
  returned: always
  type: dict
  sample:
    services:
      scoop-web: [REDIS_URL]
    provider: render
    name: scoop-redis
    api_key_ids: []
    alert_rules: []
    domains_created: []
    facts: [name, provider]
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import record_options, run_record

ARGUMENT_SPEC = dict(
    **record_options(),
    phase=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    results=dict(type="list", elements="dict", default=[], no_log=True),
    extra=dict(type="dict", default={}),
    keep=dict(type="list", elements="str", default=[], no_log=False),
)

MODULE = Module(ARGUMENT_SPEC, run_record, needs_requests=False)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
