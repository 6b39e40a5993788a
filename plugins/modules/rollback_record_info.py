#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: rollback_record_info
short_description: Read the rollback records of a stack's phases
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Reads the records that M(launchkit.paas.rollback_record) keeps, C(<state_dir>/<stack>/<phase>.json),
    for the phases asked for. A phase without a record is left out.
  - Returns what each record says that is no secret (C(summary)). The whole records, with the previous
    values of secret env keys, come back only with O(return_secrets=true), for a rollback to restore them;
    run that task with C(no_log).
  - With O(state_backend=postgresql), the records are rows of the C(launchkit_state_records) table in the database
    O(state_dsn) names; sealed records are opened with O(state_key).
  - A record that is not a JSON object fails the task, naming the file; so does a sealed record without its key,
    or with a key that does not match (the message says so and shows nothing of the record).
extends_documentation_fragment:
  - launchkit.paas.rollback_record
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes
  - launchkit.paas.attributes.INFO
options:
  phases:
    description: The phases whose records to read.
    type: list
    elements: str
    required: true
  return_secrets:
    description: Return the whole records in RV(records), previous env values included. Use with C(no_log).
    type: bool
    default: false
seealso:
  - module: launchkit.paas.rollback_record
"""

EXAMPLES = r"""
- name: What the records of the phases say (no secret)
  launchkit.paas.rollback_record_info:
    state_dir: "{{ launchkit_state_dir }}"
    stack: "{{ inventory_hostname }}"
    phases: [redis, email, database]
  register: records

- name: The redis record with its previous values, to restore them
  launchkit.paas.rollback_record_info:
    state_dir: "{{ launchkit_state_dir }}"
    stack: "{{ inventory_hostname }}"
    phases: [redis]
    return_secrets: true
  register: found
  no_log: true
"""

RETURN = r"""
summary:
  description:
    - Per phase with a record, what it says that is no secret. C(services) maps each service to the names
      of its env keys the record can restore; C(provider), C(name), C(api_key_ids), C(alert_rules) and
      C(domains_created) are the record's own entries; C(facts) names every entry but C(services).
  returned: always
  type: dict
  sample:
    redis:
      services:
        scoop-web: [REDIS_URL]
      provider: render
      name: scoop-redis
      api_key_ids: []
      alert_rules: []
      domains_created: []
      facts: [name, provider]
records:
  description: Per phase with a record, the whole record. C(services) maps each service to each key's previous value (C(null) when the key did not exist).
  returned: when O(return_secrets=true)
  type: dict
  sample:
    redis:
      services:
        scoop-web:
          REDIS_URL: null
      provider: render
      name: scoop-redis
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import record_options, run_record_info

ARGUMENT_SPEC = dict(
    **record_options(),
    phases=dict(type="list", elements="str", required=True),
    return_secrets=dict(type="bool", default=False),
)

MODULE = Module(ARGUMENT_SPEC, run_record_info, needs_requests=False)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
