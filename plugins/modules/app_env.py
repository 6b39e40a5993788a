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
  - Check mode plans. A value given as C((known after apply)) (the P(launchkit.paas.known_after_apply#filter)
    stand-in for a value only a create makes) plans its key as set and shows it so in the diff; what a
    check-mode task plans is kept for the run, so a later check-mode task (another phase, a copy from a
    service) reads each service's env as the real run would find it then. A real run refuses the stand-in.
  - With O(record_phase), the phase's rollback record (see M(launchkit.paas.rollback_record)) gets the exact
    previous value of each key about to change (C(null) for a key that did not exist) before the first
    write. What the record already holds wins, so it keeps the values from before the rollout.
  - O(service_env) gives some services keys of their own (a frontend's C(VITE_SENTRY_DSN), say).
  - O(commit_env_key) sets a key in each service to the commit id of its latest deploy (Render's deploys
    list), or of the latest deploy of O(commit_from) in all of them; where that deploy has no commit (an image
    deploy, or no deploy yet) the key is left as it is and a warning says so.
  - O(generate) makes app secrets once. A key listed there gets one value in all its services - the value
    they already hold, copied to those that lack it - and only when none of them has the key a new random
    value made on the controller. It is never made again; services that hold different values fail the task
    before any write. A generated value is never returned, logged or shown in a diff.
  - Every value is treated as a secret. The diff and the return values name keys, never values.
  - Writing env does not restart anything. Render applies env on the service's next deploy; Fly.io Machines are rolled
    onto the new secrets version; Vercel applies env to new deployments (redeploy production).
  - "The interface is the same on every platform (O(platform)). On C(vercel) a service is a Vercel project (name or
    id); each key is an env entry of exactly O(vercel_targets) of type O(vercel_env_type), created, updated or
    deleted as M(launchkit.paas.vercel_env) does it, and the rollback record gets the previous value read back
    decrypted (C({\"value_not_shown\": true}) for a C(sensitive) one, which a rollback leaves as the run set it)."
extends_documentation_fragment:
  - launchkit.paas.platform
  - launchkit.paas.http_client
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes.actions
options:
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
  service_env:
    description:
      - Keys for some services only, by service (as named in O(services)); they win over O(env) and over copied
        keys in that service.
      - Values are secrets, never logged.
    type: dict
    default: {}
  commit_env_key:
    description:
      - Set this key (for example C(SENTRY_RELEASE)) in each service to the commit id of the service's latest deploy.
      - A service whose latest deploy has no commit keeps the key as it is; a warning names it.
    type: str
  commit_from:
    description:
      - With O(commit_env_key), every service gets the commit of this service's latest deploy (one release for
        the whole app, say the web service's) instead of its own. It must be one of O(services).
    type: str
  generate:
    description:
      - Keys made once and kept (C(SECRET_KEY_BASE), C(JWT_SECRET)), one value for all the entry's services.
    type: list
    elements: dict
    default: []
    suboptions:
      key:
        description: The env key.
        type: str
        required: true
      services:
        description: The services (of O(services)) that share the value; all of O(services) when empty.
        type: list
        elements: str
        default: []
      length:
        description: Characters of a new value (at least 16).
        type: int
        default: 64
      format:
        description: Alphabet of a new value (C(base64) and C(urlsafe) without padding).
        type: str
        choices: [hex, base64, urlsafe, alphanumeric]
        default: hex
  remove:
    description: Keys to remove from each service.
    type: list
    elements: str
    default: []
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
    description:
      - Keep the previous values in this phase's rollback record (C(<record_dir>/<record_stack>/<record_phase>.json),
        or its row with O(state_backend=postgresql)).
    type: str
  record_dir:
    description: The directory of the rollback records with O(state_backend=file). Defaults to E(LAUNCHKIT_STATE_DIR).
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

- name: App secrets - the master key from the vault, a shared secret generated once, the release
  launchkit.paas.app_env:
    services: [scoop-web, scoop-sidekiq]
    env:
      RAILS_MASTER_KEY: "{{ vault_rails_master_key }}"
    service_env:
      scoop-web:
        SENTRY_ENVIRONMENT: production
    commit_env_key: SENTRY_RELEASE
    generate:
      - key: SECRET_KEY_BASE
        length: 128
        format: hex
    record_phase: app_secrets
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
  no_log: true

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
    known_after_apply:
      description:
        - In check mode, the keys of RV(services[].set_keys) given the value C((known after apply)), a
          stand-in for a value that only the real run makes (the URL of a Redis about to be created, say).
          A real run refuses the stand-in before any call.
      type: list
      elements: str
    removed_keys:
      description: Keys removed.
      type: list
      elements: str
    unchanged_keys:
      description: Keys asked for in this service (O(env), O(service_env), O(copy), O(copy_from), O(commit_env_key), O(generate)) that already had their value.
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
generated:
  description: Each key of O(generate), what happened to it, and where (names only, never a value).
  returned: when O(generate) is set
  type: list
  elements: dict
  contains:
    key:
      description: The key.
      type: str
    action:
      description: C(kept) (every service had it), C(copied) (the value some had, written to the others) or C(generated) (a new value, made on the controller).
      type: str
      choices: [kept, copied, generated]
    services:
      description: The services that share it.
      type: list
      elements: str
    written_to:
      description: The services it is written to (in check mode, would be).
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

from ansible_collections.launchkit.paas.plugins.module_utils.core.env import SECRET_FORMATS
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import run_app_env
from ansible_collections.launchkit.paas.plugins.module_utils.platform.options import platform_options
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import state_options

ARGUMENT_SPEC = platform_options(
    services=dict(type="list", elements="str", required=True),
    services_name=dict(type="str", default="services"),
    env=dict(type="dict", default={}, no_log=True),
    service_env=dict(type="dict", default={}, no_log=True),
    commit_env_key=dict(type="str", no_log=False),
    commit_from=dict(type="str"),
    generate=dict(type="list", elements="dict", default=[], options=dict(
        key=dict(type="str", required=True, no_log=False),
        services=dict(type="list", elements="str", default=[]),
        length=dict(type="int", default=64),
        format=dict(type="str", choices=list(SECRET_FORMATS), default="hex"),
    )),
    remove=dict(type="list", elements="str", default=[], no_log=False),
    copy_from=dict(type="str"),
    copy_keys=dict(type="list", elements="str", default=[], no_log=False),
    copy_overwrite=dict(type="list", elements="str", default=[]),
    copy=dict(type="dict", default={}),
    record_phase=dict(type="str"),
    record_dir=dict(type="path", fallback=(env_fallback, ["LAUNCHKIT_STATE_DIR"])),
    record_stack=dict(type="str"),
    record_extra=dict(type="dict", default={}),
    record_always=dict(type="bool", default=False),
    **state_options(),
)

# record_dir is checked by the file backend (the postgresql one needs none).
MODULE = Module(ARGUMENT_SPEC, run_app_env, required_by={"record_phase": ["record_stack"]})


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
