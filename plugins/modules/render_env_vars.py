#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_env_vars
short_description: Set and remove single environment variables of a Render service
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Key-level ownership of a service's environment variables. The module sets only the keys in
    O(env) and removes only the keys in O(remove); every other key of the service is left as it is,
    unless O(purge=true).
  - It uses Render's per-key endpoints (C(PUT/DELETE /services/{id}/env-vars/{key})), never the
    whole-set C(PUT /services/{id}/env-vars), which replaces every variable of the service.
  - Every value is treated as a secret. The diff shows which keys change, never their values.
  - Changing variables does not deploy the service; Render applies them on the next deploy.
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  service:
    description: Service id (C(srv-...)) or its name in the workspace.
    type: str
    required: true
  env:
    description: Keys to set and their values.
    type: dict
    default: {}
  from_service:
    description:
      - Also copy the environment variables of this service (id or name), like Render's "Add from
        Service". Keys in O(env) win over copied ones; keys in O(remove) are not copied.
      - Still key by key, so copying never removes a key of the target service.
    type: str
  from_service_keys:
    description: Copy only these keys from O(from_service). A key missing there is an error.
    type: list
    elements: str
  remove:
    description: Keys to remove. A key that does not exist is ignored.
    type: list
    elements: str
    default: []
  purge:
    description: Also remove every key of the service that is not in O(env). Destructive; off by default.
    type: bool
    default: false
  return_previous:
    description:
      - Return the values the changed keys had before (null for keys that did not exist), so that a
        rollback can restore them. Set C(no_log) on the task when you do.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Point the web service and the worker at Redis, leaving their other variables alone
  launchkit.paas.render_env_vars:
    service: "{{ item }}"
    env:
      REDIS_URL: "{{ redis.key_value.connection.internal_connection_string }}"
  loop: [scoop-web, scoop-worker]
  no_log: true

- name: Give the worker the web service's environment (Render's "Add from Service")
  launchkit.paas.render_env_vars:
    service: scoop-worker
    from_service: scoop-web

- name: Remove a key that is no longer used
  launchkit.paas.render_env_vars:
    service: scoop-web
    remove: [REDISCLOUD_URL]
"""

RETURN = r"""
service:
  description: The service whose variables were managed.
  returned: always
  type: dict
  contains:
    id: {description: "Service id.", type: str}
    name: {description: "Service name.", type: str}
    type: {description: "Service type.", type: str}
set_keys:
  description: Keys that were (or in check mode would be) created or given a new value.
  returned: always
  type: list
  elements: str
removed_keys:
  description: Keys that were (or would be) removed.
  returned: always
  type: list
  elements: str
unchanged_keys:
  description: Keys of O(env) that already had the wanted value.
  returned: always
  type: list
  elements: str
previous:
  description: The former value of each changed key, null where the key did not exist.
  returned: when O(return_previous=true)
  type: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.env_vars import run_env_vars


MODULE = Module(options.env_vars(), run_env_vars)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
