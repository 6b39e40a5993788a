#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_key_value
short_description: Manage a Render Key Value (Redis-compatible) instance
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, update or delete a Render Key Value instance through the current C(/key-value) API
    (not the deprecated C(/redis) paths).
  - The instance is found by O(id), or by O(name) in the workspace O(owner); several instances with
    the same name make the module fail and ask for an id.
  - Only the options you set are compared and changed. Changing O(plan) or O(maxmemory_policy)
    restarts the instance; the module warns when it does.
  - Returns the connection strings with the password masked unless O(return_secrets=true).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.render.ip_allow_list
  - launchkit.paas.attributes.actions
options:
  name:
    description: Name of the instance.
    type: str
    required: true
  id:
    description: Id of the instance (C(red-...)); takes precedence over O(name) when looking it up.
    type: str
  state:
    description: Whether the instance should exist.
    type: str
    choices: [present, absent]
    default: present
  plan:
    description: Instance plan. V(starter) when creating without one.
    type: str
    choices: [free, starter, standard, pro, pro_plus, custom]
  region:
    description: Region. Cannot be changed after create. Render's default is V(oregon).
    type: str
    choices: [frankfurt, oregon, ohio, singapore, virginia]
  maxmemory_policy:
    description:
      - Eviction policy. Redis spellings (V(allkeys-lru)) and Render spellings (V(allkeys_lru)) are both accepted.
      - Use V(noeviction) for job queues (Sidekiq, BullMQ, Celery), an LRU/LFU policy for caches.
    type: str
    choices: [noeviction, allkeys_lfu, allkeys_lru, allkeys_random, volatile_lfu, volatile_lru, volatile_random,
              volatile_ttl, allkeys-lfu, allkeys-lru, allkeys-random, volatile-lfu, volatile-lru, volatile-random,
              volatile-ttl]
  environment_id:
    description: Render environment to create the instance in.
    type: str
  wait:
    description: Wait until the instance is C(available) after create or update.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 600
  return_secrets:
    description:
      - Return connection strings with their password. Set C(no_log) on the task when you do.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A Key Value for Sidekiq (never evict queued jobs)
  launchkit.paas.render_key_value:
    name: scoop-redis
    plan: starter
    region: oregon
    maxmemory_policy: noeviction
    ip_allow_list: []
  register: redis

- name: Get the connection string to wire into the app
  launchkit.paas.render_key_value:
    name: scoop-redis
    return_secrets: true
  register: redis_secret
  no_log: true

- name: Remove it
  launchkit.paas.render_key_value:
    name: scoop-redis
    state: absent
"""

RETURN = r"""
key_value:
  description: The instance after the change; null once deleted.
  returned: always
  type: dict
  contains:
    id: {description: "Instance id.", type: str, sample: red-cmv3h5ocmk4c73f0a1b0}
    name: {description: "Instance name.", type: str}
    plan: {description: "Plan.", type: str}
    region: {description: "Region.", type: str}
    status: {description: "'Status, C(available) when ready.'", type: str}
    maxmemory_policy: {description: "Eviction policy in Render's spelling.", type: str}
    ip_allow_list: {description: "Allowed CIDR blocks.", type: list, elements: dict}
    owner_id: {description: "Workspace id.", type: str}
    version: {description: "Key Value version.", type: str}
    dashboard_url: {description: "Dashboard link.", type: str}
    connection:
      description: Connection strings; the password is C(********) unless O(return_secrets=true).
      type: dict
      returned: unless the instance is suspended
      contains:
        internal_connection_string: {description: "URL to use from services on Render.", type: str}
        external_connection_string: {description: "URL to use from outside Render.", type: str}
        cli_command: {description: "redis-cli command line.", type: str}
action:
  description: What the module did, V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.key_value import run_key_value


MODULE = Module(options.key_value(), run_key_value)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
