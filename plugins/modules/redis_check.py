#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: redis_check
short_description: Prove that a Redis URL works for what the app will use it for
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Connects to a real Redis (C(redis://) or C(rediss://)) and checks PING, SET/GET, TTL and a
    publish/subscribe round trip, and reports the latency of each.
  - Checks that C(maxmemory-policy) fits the declared O(use). A V(queue) needs C(noeviction), because a
    queue on an evicting Redis silently loses jobs when memory fills. A V(cache) wants an LRU or LFU policy.
    Managed Redis that hides C(CONFIG) (Upstash) is judged by O(maxmemory_policy) when given.
  - Writes nothing but its own key under C(launchkit:check:), with a TTL, and deletes it.
    In check mode the SET/GET and TTL checks are skipped, so nothing is written at all.
  - Messages name the server (host and port), never the password. A O(url) that is not a C(redis://) or
    C(rediss://) URL with a host (and at most a database number after it) is refused before any connection.
  - "With O(rest_url) and O(rest_token), the same database is also checked over the Upstash REST API, as a
    serverless app (C(@upstash/redis), C(@upstash/ratelimit)) uses it - C(Authorization: Bearer <token>), each
    command a JSON array POSTed to O(rest_url), several POSTed to C(<rest_url>/pipeline) - with what a rate
    limiter does - PING, SET with EX and GET, TTL, INCR with EXPIRE, and an EVAL of a sliding-window script
    run once more than its limit (the last call must be refused). With O(rest_readonly_token), a SET with
    that token must be refused. Its keys are under C(launchkit:check:), with a TTL, and deleted at the end;
    in check mode only PING is sent."
extends_documentation_fragment:
  - launchkit.paas.attributes
attributes:
  check_mode:
    support: full
    details: The writing checks (SET/GET, TTL) are skipped in check mode. In check mode an O(url) of
      C((known after apply)) (a Redis the run creates or changes first) skips the check with a note.
  diff_mode:
    support: N/A
    details: This module makes no changes.
options:
  url:
    description: Redis URL with its password, for example C(rediss://default:secret@host:6379).
    type: str
    required: true
  use:
    description: What the Redis is for, which sets the eviction policy it needs.
    type: str
    choices: [queue, cache, any]
    default: any
  maxmemory_policy:
    description: The policy the provider is known to apply, used when the server refuses C(CONFIG GET).
    type: str
  pubsub:
    description: Check a publish/subscribe round trip (ActionCable, Socket.IO adapters need it).
    type: bool
    default: true
  ttl:
    description: TTL in seconds of the test key.
    type: int
    default: 30
  timeout:
    description: Seconds to wait for the server on each step.
    type: float
    default: 5
  ca_path:
    description: CA bundle that signed the server certificate, for C(rediss://) URLs.
    type: path
  validate_certs:
    description: Verify the server certificate for C(rediss://) URLs.
    type: bool
    default: true
  rest_url:
    description:
      - The database's Upstash REST URL, C(https://<endpoint>) (the Developer API's C(endpoint) field). Given, the
        REST checks run too. Never shown.
    type: str
  rest_token:
    description: "The database's REST token (C(rest_token)), sent as C(Authorization: Bearer). Required with O(rest_url)."
    type: str
  rest_readonly_token:
    description: The database's read-only REST token; given, a write with it must be refused.
    type: str
requirements:
  - python >= 3.10
  - redis >= 5.0
"""

EXAMPLES = r"""
- name: Prove the Upstash database a rate limiter uses, over the Redis protocol and over REST
  launchkit.paas.redis_check:
    url: "{{ vault_redis_url }}"
    rest_url: "{{ vault_redis_rest_url }}"
    rest_token: "{{ vault_redis_rest_token }}"
    rest_readonly_token: "{{ vault_redis_rest_readonly_token }}"
    use: cache

- name: Prove the queue Redis is fit for Sidekiq
  launchkit.paas.redis_check:
    url: "{{ redis_url }}"
    use: queue
  no_log: true
  register: check

- name: Report its latency
  ansible.builtin.debug:
    var: check.redis.latency_ms
"""

RETURN = r"""
redis:
  description: What was checked and measured.
  returned: always
  type: dict
  contains:
    ping: {description: "PING answered.", type: bool}
    server_version: {description: "Redis server version.", type: str}
    set_get: {description: "A value written was read back.", type: bool, returned: unless check mode}
    ttl: {description: "TTL seen on the test key.", type: int, returned: unless check mode}
    ttl_ok: {description: "The TTL was set.", type: bool, returned: unless check mode}
    pubsub: {description: "A published message came back to the subscriber.", type: bool, returned: when O(pubsub=true)}
    maxmemory_policy: {description: "The eviction policy (Redis spelling).", type: str}
    policy_source: {description: "'V(server), V(declared) or V(unknown).'", type: str}
    policy_fits: {description: "Whether the policy suits O(use); null when unknown.", type: bool}
    policy_reason: {description: "Why.", type: str}
    latency_ms: {description: "'Milliseconds per step (ping, set, get, pubsub).'", type: dict}
    skipped: {description: "Checks skipped in check mode.", type: list, elements: str}
    rest:
      description:
        - The REST checks (when O(rest_url) is given) - C(ping), C(set_get), C(ttl), C(ttl_ok), C(incr_expire),
          C(sliding_window), C(rate_limit) (C(limit), C(calls), C(admitted), C(refused)), C(readonly_refuses_write)
          and C(readonly_error) (Redis's word, such as C(NOPERM)), C(latency_ms) and C(skipped).
      type: dict
      returned: when O(rest_url) is given
"""

from ansible_collections.launchkit.paas.plugins.module_utils.redis.check import (
    ARGUMENT_SPEC, REDIS_IMPORT_ERROR, check_url, run_checks)
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module


MODULE = Module(ARGUMENT_SPEC, run_checks, needs_requests=False, requires={"redis": REDIS_IMPORT_ERROR},
                precheck=check_url)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
