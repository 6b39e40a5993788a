#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sentry_client_key
short_description: Manage a Sentry project's client key (DSN)
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Make sure a project has the client key whose public DSN the app sends its errors to (C(SENTRY_DSN)),
    and return that DSN.
  - The key is found by O(key_id), else by O(name). When no key has that name, the project has exactly one
    key and that key is the one Sentry made with the project (named C(Default)), that key is adopted
    instead of creating a second one (O(adopt_default)). Its name is left as it is, so it stays recognisable
    as the project's own key; to give a project a second key, set O(adopt_default=false) on that task.
  - A changed O(rate_limit) is updated in place; with O(key_id), a different O(name) renames the key.
  - The DSN is re-readable at any time, yet it is a credential of the app's clients; it is returned masked
    unless O(return_secrets=true). On sentry.io the key id equals the public key, so it is masked as well.
  - Deleting a key (O(state=absent)) breaks every deployed client that sends with its DSN. It needs O(name)
    or O(key_id); the key Sentry made with the project (C(Default)) is only deleted with O(force=true).
extends_documentation_fragment:
  - launchkit.paas.sentry
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  project:
    description: Slug of the project.
    type: str
    required: true
  name:
    description:
      - Key name (at most 64 characters). Required unless O(key_id) is set.
    type: str
  key_id:
    description:
      - Id of an existing key; takes precedence over O(name). Never creates a key.
    type: str
  adopt_default:
    description:
      - Adopt the project's only key when it is Sentry's C(Default) key and no key is named O(name).
    type: bool
    default: true
  rate_limit:
    description:
      - Cap on the errors the key accepts per time window. Not set means left as it is.
    type: dict
    suboptions:
      count:
        description: Errors accepted per window.
        type: int
        required: true
      window:
        description: Window in seconds, at most 86400.
        type: int
        required: true
  force:
    description:
      - With O(state=absent), also delete the key Sentry made with the project (named C(Default)).
    type: bool
    default: false
  return_secrets:
    description:
      - Return the public DSN (and key id) in clear. Set C(no_log) on the task when you do.
    type: bool
    default: false
  state:
    description:
      - Whether the key should exist. V(absent) deletes it, and every client using its DSN stops reporting.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The DSN of the app (the project's default key, adopted)
  launchkit.paas.sentry_client_key:
    project: scoop-production
    name: scoop-production
    rate_limit: {count: 1000, window: 3600}
    return_secrets: true
  register: sentry_key
  no_log: true

- name: Hand the DSN to the app
  ansible.builtin.set_fact:
    sentry_dsn: "{{ sentry_key.client_key.dsn.public }}"
  no_log: true
"""

RETURN = r"""
client_key:
  description: The key; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Key id (the public key on sentry.io; masked unless O(return_secrets=true)).", type: str}
    name: {description: "Key name.", type: str}
    project_id: {description: "Numeric project id.", type: int}
    is_active: {description: "Whether the key accepts events.", type: bool}
    rate_limit: {description: "Rate limit as C({count, window}), or null.", type: dict}
    adopted: {description: "Whether this is the project's default key, adopted instead of creating one.", type: bool}
    date_created: {description: "When the key was created.", type: str}
    dsn:
      description: "DSNs of the key."
      type: dict
      contains:
        public: {description: "The public DSN (C(SENTRY_DSN)); key masked unless O(return_secrets=true).", type: str}
action:
  description: What the module did, V(create), V(update), V(adopt), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sentry import options
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client_key import run_client_key


MODULE = Module(options.client_key(), run_client_key, required_one_of=[("name", "key_id")])


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
