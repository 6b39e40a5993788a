#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: app_env
short_description: Put env keys into the services of an app on its platform, keeping the previous values for a rollback
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The one step through which the rollout phases write app config. It sets the keys in O(env) (and
    removes those in O(remove)) in every service of O(services), key by key; every other key of a
    service is left as it is.
  - Every service is looked up before the first write. A service that does not exist fails the task with
    nothing written, naming every missing one. In check mode it is a warning instead, as an earlier phase
    of the same run may create it.
  - With O(record_phase), the phase's rollback record (see M(launchkit.paas.rollback_record)) gets the exact
    previous value of each key about to change (C(null) for a key that did not exist) before the first
    write. What the record already holds wins, so it keeps the values from before the rollout.
  - Every value is treated as a secret. The diff and the return values name keys, never values.
  - Writing env does not restart anything. Render applies env on the service's next deploy.
  - O(platform=render) is the platform today; the interface is the same for every platform.
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  platform:
    description: The platform the app runs on.
    type: str
    choices: [render]
    default: render
  services:
    description: The app's services to write to, by name (unique in the workspace) or id (C(srv-...)).
    type: list
    elements: str
    required: true
  services_name:
    description: What the user calls the list of O(services) (the inventory variable, say), for the failure message.
    type: str
    default: services
  env:
    description: Keys to set and their values (secrets, never logged).
    type: dict
    default: {}
  remove:
    description: Keys to remove from each service.
    type: list
    elements: str
    default: []
  service_env:
    description:
      - Keys for one service only, by its reference in O(services) (secrets, never logged); they win over O(env)
        and over copied keys.
    type: dict
    default: {}
  copy_from:
    description:
      - A service (name or id) whose env is copied into O(services), as Render's "Add from Service" does, with the
        values read by the module and never shown. Keys given in O(env) or O(service_env) win over copied ones.
      - A service that already has a copied key keeps its own value unless it is listed in O(copy_overwrite)
        (or the phase's record lists it as created by the rollout). A service that existed before the rollout is
        adopted, and its own settings (a worker's C(WEB_CONCURRENCY), say) stay. Each key added or changed is recorded like any other (O(record_phase)).
      - The values are read only when a service lacks a key or may have it overwritten with another value.
    type: str
  copy_keys:
    description: Copy only these keys of O(copy_from) (each must exist there); all of its keys when empty.
    type: list
    elements: str
    default: []
  copy_overwrite:
    description:
      - Services (references as in O(services), or ids) whose copied keys are kept equal to O(copy_from)'s values,
        overwriting theirs (the services the rollout itself created). With O(record_phase), the services the record
        lists under C(created) (written by M(launchkit.paas.render_service) before it creates one) count too.
    type: list
    elements: str
    default: []
  copy:
    description:
      - Keys to set, in each service, to the value that service holds under another key (after O(env)),
        given as new key and the key to copy from. The value never leaves the module, so a secret that is
        shown only once (a SendGrid API key) can also be given to the app under a second name on any later run.
      - A service without the key to copy from keeps the new key unset; the module warns and names it
        in RV(services[].missing_sources).
      - A key may not be both copied and set or removed, nor copied from a key that is removed or itself copied.
    type: dict
    default: {}
  record_phase:
    description: Keep the previous values in this phase's rollback record (C(<record_dir>/<record_stack>/<record_phase>.json)).
    type: str
  record_dir:
    description: The directory of the rollback records. Defaults to E(LAUNCHKIT_STATE_DIR).
    type: path
  record_stack:
    description: The stack (the inventory host) whose record it is.
    type: str
  record_extra:
    description:
      - Other facts for the record (ids of what the phase created, for example), kept when a key changes or
        O(record_always=true); the record's own entries win.
    type: dict
    default: {}
  record_always:
    description: Keep O(record_extra) in the record even when no key changes.
    type: bool
    default: false
seealso:
  - module: launchkit.paas.render_env_vars
  - module: launchkit.paas.rollback_record
  - module: launchkit.paas.rollback_record_info
"""

EXAMPLES = r"""
- name: Put REDIS_URL into the web service and the worker, keeping the previous values
  launchkit.paas.app_env:
    services: [scoop-web, scoop-worker]
    env:
      REDIS_URL: "{{ redis_url }}"
    record_phase: redis
    record_dir: "{{ launchkit_state_dir }}"
    record_stack: "{{ inventory_hostname }}"
    record_extra:
      provider: render
      name: scoop-redis
  no_log: true

- name: Give the workers the web service's env; the one this rollout created follows it, the others only gain what they lack
  launchkit.paas.app_env:
    services: [scoop-sidekiq, legacy-worker]
    copy_from: scoop-web
    copy_overwrite: [scoop-sidekiq]
    service_env:
      scoop-sidekiq:
        SIDEKIQ_CONCURRENCY: "5"
    record_phase: worker
    record_dir: "{{ launchkit_state_dir }}"
    record_stack: "{{ inventory_hostname }}"
  no_log: true

- name: Give SMTP_PASSWORD the value of each service's SENDGRID_API_KEY (set in this run or before)
  launchkit.paas.app_env:
    services: [scoop-web, scoop-worker]
    env:
      SMTP_ADDRESS: smtp.sendgrid.net
      SMTP_PORT: 587
    copy:
      SMTP_PASSWORD: SENDGRID_API_KEY
    record_phase: email
    record_dir: "{{ launchkit_state_dir }}"
    record_stack: "{{ inventory_hostname }}"

- name: Which services lack the key (names only)
  launchkit.paas.app_env:
    services: [scoop-web]
  register: found
"""

RETURN = r"""
platform:
  description: The platform written to.
  returned: always
  type: str
  sample: render
services:
  description: Each service found, in the order given, with the key names set, removed, unchanged and all keys it has after the run.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The service's name.
      type: str
    id:
      description: The service's id.
      type: str
    type:
      description: The service's type.
      type: str
    set_keys:
      description: Keys set (new or changed value).
      type: list
      elements: str
    removed_keys:
      description: Keys removed.
      type: list
      elements: str
    unchanged_keys:
      description: Keys it manages (from O(env), O(service_env), O(copy) and O(copy_from)) that already had their value.
      type: list
      elements: str
    missing_sources:
      description: Keys to copy from (values of O(copy)) that the service does not have; their new keys were not set.
      type: list
      elements: str
    env_keys:
      description: Every key the service has after the run.
      type: list
      elements: str
missing:
  description: Services of O(services) that do not exist (only ever non-empty in check mode).
  returned: always
  type: list
  elements: str
record:
  description: The rollback record, when O(record_phase) is set; its summary names keys, never values.
  returned: when O(record_phase) is set
  type: dict
  contains:
    path:
      description: The record's file.
      type: str
    changed:
      description: Whether this run added to the record.
      type: bool
    summary:
      description: As RV(launchkit.paas.rollback_record#module:summary).
      type: dict
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import PLATFORMS, run_app_env
from ansible_collections.launchkit.paas.plugins.module_utils.render.options import module_options

ARGUMENT_SPEC = module_options(
    platform=dict(type="str", choices=sorted(PLATFORMS), default="render"),
    services=dict(type="list", elements="str", required=True),
    services_name=dict(type="str", default="services"),
    env=dict(type="dict", default={}, no_log=True),
    remove=dict(type="list", elements="str", default=[], no_log=False),
    service_env=dict(type="dict", default={}, no_log=True),
    copy_from=dict(type="str"),
    copy_keys=dict(type="list", elements="str", default=[], no_log=False),
    copy_overwrite=dict(type="list", elements="str", default=[]),
    copy=dict(type="dict", default={}),
    record_phase=dict(type="str"),
    record_dir=dict(type="path", fallback=(env_fallback, ["LAUNCHKIT_STATE_DIR"])),
    record_stack=dict(type="str"),
    record_extra=dict(type="dict", default={}),
    record_always=dict(type="bool", default=False),
)

MODULE = Module(ARGUMENT_SPEC, run_app_env, required_by={"record_phase": ["record_dir", "record_stack"]})


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
