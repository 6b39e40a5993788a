#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_api_key
short_description: Manage a restricted SendGrid API key and hand its secret over once
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, update the scopes of, rotate or delete a SendGrid API key.
  - The key is found by O(api_key_id), or else by O(name). SendGrid does not keep key names unique;
    several keys with the name make the module fail and list their ids, so set O(api_key_id).
  - B(The secret is returned once.) SendGrid shows a key's secret only in the answer to its creation.
    The run that creates (or rotates) the key returns it in RV(api_key.secret), unmasked, so the next
    task can write it straight into the app's environment. B(Set C(no_log) to true on the task.)
    Later runs return RV(api_key.secret) as V(null), RV(api_key.secret_available) V(false) and say why in RV(msg).
  - A key made without scopes has full access in SendGrid. This module always sends scopes, V(mail.send)
    when O(scopes) is not set, unless O(full_access=true) is asked for explicitly.
  - Scopes are compared as sets. Scopes SendGrid adds to keys on its own (V(2fa_exempt), V(2fa_required),
    V(sender_verification_eligible), V(sender_verification_legacy)) are ignored unless listed in O(scopes).
    A scope change is one C(PUT) of name and scopes; the key and its secret stay the same.
  - The diff shows the name and scopes, never the secret.
extends_documentation_fragment:
  - launchkit.paas.sendgrid
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  name:
    description:
      - Key name. Required unless O(state=absent) with O(api_key_id).
      - Names are how keys are found, so a key is never renamed when found by name.
        With O(api_key_id), a different O(name) renames the key.
    type: str
  api_key_id:
    description:
      - Id of the key. Use it when several keys share a name, or to manage a key whatever its name.
      - Only the key with this id is acted on; when SendGrid's answer holds no key with this id, the key
        counts as not existing.
      - With O(state=present) the key must exist; the module does not create a key with a chosen id.
    type: str
  state:
    description: Whether the key should exist.
    type: str
    choices: [present, absent]
    default: present
  scopes:
    description:
      - The key's scopes. When not set, V(mail.send), the only scope an app needs to send mail.
      - Order and duplicates do not matter. Excludes O(full_access=true).
    type: list
    elements: str
  full_access:
    description:
      - Create a key with full access (SendGrid's behaviour when no scopes are sent). A warning is returned.
      - Only applies when the key is created (or rotated); the scopes of an existing key are then left as they are.
    type: bool
    default: false
  rotate:
    description:
      - Replace the key. A new key with the same name and the wanted scopes is created first, then the old
        key is deleted. The new secret is returned in RV(api_key.secret), and the id changes.
      - Every run with O(rotate=true) rotates again; use it in a task run on purpose, not in every rollout.
    type: bool
    default: false
  keep_previous:
    description:
      - With O(rotate=true), keep the old key instead of deleting it, and return its id in
        RV(previous_api_key_id). Both keys then work, so the new one can be put into the app, deployed and
        proven before the old one is deleted (with O(api_key_id) and O(state=absent)).
      - Until the old key is deleted, two keys share the name; a task that finds the key by O(name) fails
        and lists both ids.
    type: bool
    default: false
notes:
  - SendGrid's first API key must be made in its web app; this module needs one with the C(api_keys) scopes.
  - An account holds at most 100 keys.
seealso:
  - name: SendGrid API keys
    description: SendGrid's API key reference.
    link: https://www.twilio.com/docs/sendgrid/api-reference/api-keys
"""

EXAMPLES = r"""
- name: A mail-only key for the app, its secret straight into the app's environment
  launchkit.paas.sendgrid_api_key:
    name: scoop-production-mail
  register: mail_key
  no_log: true

- name: Put the new secret into the web service (only when it was just created)
  launchkit.paas.render_env_vars:
    service: scoop-web
    env:
      SENDGRID_API_KEY: "{{ mail_key.api_key.secret }}"
  when: mail_key.api_key.secret_available
  no_log: true

- name: Allow scheduled sends as well
  launchkit.paas.sendgrid_api_key:
    name: scoop-production-mail
    scopes: [mail.send, user.scheduled_sends.create, user.scheduled_sends.read]

- name: Rotate the key (new secret, old key deleted)
  launchkit.paas.sendgrid_api_key:
    name: scoop-production-mail
    rotate: true
  register: rotated
  no_log: true

- name: Rotate in steps - a new key beside the old one
  launchkit.paas.sendgrid_api_key:
    name: scoop-production-mail
    rotate: true
    keep_previous: true
  register: rotated
  no_log: true

- name: Once the app runs with the new key, delete the old one
  launchkit.paas.sendgrid_api_key:
    api_key_id: "{{ rotated.previous_api_key_id }}"
    state: absent

- name: Revoke one of two keys with the same name
  launchkit.paas.sendgrid_api_key:
    api_key_id: qfTQ6KG0QBiwWdJ0-pCLCA
    state: absent
"""

RETURN = r"""
api_key:
  description: The key after the change; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "The key's id (api_key_id).", type: str}
    name: {description: "Key name.", type: str}
    scopes: {description: "Scopes of the key, sorted, as SendGrid reports them.", type: list, elements: str}
    secret:
      description:
        - The key itself (C(SG.xxx.yyy)), returned only by the run that created or rotated it; null otherwise.
        - It is not masked. Set C(no_log) on the task.
      type: str
    secret_available: {description: "Whether RV(api_key.secret) holds the secret (only on create and rotate).", type: bool}
action:
  description: What the module did, V(create), V(update), V(rotate), V(delete) or V(none).
  returned: always
  type: str
previous_api_key_id:
  description: The id of the old key, kept by O(rotate=true) with O(keep_previous=true); null otherwise.
  returned: always
  type: str
msg:
  description: Why RV(api_key.secret) is null, when it is.
  returned: when the key exists but was not created or rotated by this run, or in check mode
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid import api_key
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.options import module_options


MODULE = Module(module_options(api_key.OPTIONS), api_key.run_api_key, required_one_of=api_key.REQUIRED_ONE_OF)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
