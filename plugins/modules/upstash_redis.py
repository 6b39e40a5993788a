#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: upstash_redis
short_description: Manage an Upstash Redis database
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, update or delete an Upstash Redis database through the Upstash Developer API.
  - The database is found by O(name); several databases with the same name make the module fail.
  - Returns the C(rediss://) URL, the REST URL and the REST tokens, masked unless O(return_secrets=true).
  - Upstash eviction is a switch, not a Redis policy; with O(eviction=false) (the default) writes are
    refused when the database is full, which is what a job queue needs. O(maxmemory_policy) maps a Redis policy
    onto the switch.
  - TLS is always on for new databases and cannot be turned off.
extends_documentation_fragment:
  - launchkit.paas.upstash
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  name:
    description: Database name.
    type: str
    required: true
  state:
    description: Whether the database should exist.
    type: str
    choices: [present, absent]
    default: present
  platform:
    description: Cloud platform. Cannot be changed after create.
    type: str
    choices: [aws, gcp]
    default: aws
  primary_region:
    description: Primary region, for example V(us-east-1). Required unless O(state=absent). Cannot be changed after create.
    type: str
    choices: [us-east-1, us-east-2, us-west-1, us-west-2, ca-central-1, eu-central-1, eu-west-1, eu-west-2,
              sa-east-1, ap-south-1, ap-northeast-1, ap-southeast-1, ap-southeast-2, af-south-1, us-central1,
              us-east4, europe-west1, asia-northeast1]
  read_regions:
    description: Read replica regions; must not include O(primary_region).
    type: list
    elements: str
    choices: [us-east-1, us-east-2, us-west-1, us-west-2, ca-central-1, eu-central-1, eu-west-1, eu-west-2,
              sa-east-1, ap-south-1, ap-northeast-1, ap-southeast-1, ap-southeast-2]
  plan:
    description: Plan at create. Later plan changes are not made by this module.
    type: str
    choices: [free, payg, fixed_250mb, fixed_1gb, fixed_5gb, fixed_10gb, fixed_50gb, fixed_100gb, fixed_500gb]
  budget:
    description: Monthly budget in dollars, at create.
    type: int
  eviction:
    description: Evict entries when the database is full. Keep V(false) for queues, V(true) for caches.
    type: bool
  maxmemory_policy:
    description:
      - The Redis eviction policy wanted, in Redis's spelling (V(allkeys-lru)) or Render's (V(allkeys_lru)), instead
        of O(eviction). Upstash has only an eviction switch - V(noeviction) turns it off, any other policy turns it on.
      - Upstash evicts with its one algorithm, optimistic-volatile (volatile-random and allkeys-random combined),
        so a policy such as V(allkeys-lru) is not what it applies - the module warns, naming both.
    type: str
    choices: [noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random,
              volatile-ttl, allkeys_lru, allkeys_lfu, allkeys_random, volatile_lru, volatile_lfu, volatile_random,
              volatile_ttl]
  tls:
    description: TLS. Always on for new databases; V(true) enables it on an old database without TLS. V(false) is refused.
    type: bool
  return_secrets:
    description: Return the URL, password and REST tokens in clear. Set C(no_log) on the task when you do.
    type: bool
    default: false
  reset_password:
    description:
      - Replace the database's password with a new one (Upstash's reset-password, which also replaces the
        REST tokens). B(The old password stops working at once) - Upstash keeps no second password - so put
        the new one (RV(database.redis_url) with O(return_secrets=true)) into every app that uses the
        database right after this task.
      - Every run with it resets again (the result is always changed); in check mode nothing is reset.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A queue Redis for the worker (no eviction)
  launchkit.paas.upstash_redis:
    name: synckairos-queue
    primary_region: us-east-1
    eviction: false
  register: queue

- name: The same, with its URL in clear to wire into the app
  launchkit.paas.upstash_redis:
    name: synckairos-queue
    primary_region: us-east-1
    return_secrets: true
  register: queue_secret
  no_log: true

- name: A new password (the old one stops working at once)
  launchkit.paas.upstash_redis:
    name: synckairos-queue
    primary_region: us-east-1
    reset_password: true
    return_secrets: true
  register: queue_reset
  no_log: true
"""

RETURN = r"""
database:
  description: The database after the change; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Database id.", type: str}
    name: {description: "Database name.", type: str}
    state: {description: "Database state.", type: str}
    primary_region: {description: "Primary region.", type: str}
    read_regions: {description: "Read regions.", type: list, elements: str}
    tls: {description: "Whether TLS is on.", type: bool}
    eviction: {description: "Whether eviction is on.", type: bool}
    endpoint: {description: "Host name.", type: str}
    port: {description: "Port.", type: int}
    plan: {description: "Plan type.", type: str}
    redis_url: {description: "Redis URL; password masked unless O(return_secrets=true).", type: str}
    rest_url: {description: "REST API URL.", type: str}
    rest_token: {description: "REST token; masked unless O(return_secrets=true).", type: str}
    read_only_rest_token: {description: "Read-only REST token; masked unless O(return_secrets=true).", type: str}
action:
  description: What the module did, V(create), V(update), V(delete), V(reset_password) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.upstash import redis
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.options import module_options


MODULE = Module(module_options(redis.OPTIONS), redis.run_redis,
                mutually_exclusive=[["eviction", "maxmemory_policy"]])


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
