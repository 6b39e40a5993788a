#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_postgres_credential
short_description: Add or delete a database user (credential) of a Render Postgres
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Manage one database user of a Render Postgres through the C(/postgres/{id}/credentials) API, by its
    O(username).
  - A user that does not exist is created. Render makes the new user B(the database's default user)
    and picks its password; the password is readable only through the database's connection info, which
    speaks for the default user. After a create the module reads it and fails unless it names the new
    user, so RV(connection) is always the new user's.
  - The user that was the default before the run is returned as RV(previous_default), the one to delete
    once every app uses the new user. That is how the C(rotate_postgres_password) tag of the collection's
    playbooks rotates the password of a M(launchkit.paas.render_postgres) database.
  - O(state=absent) deletes the user. Every app that connects as that user is refused from then on.
  - A user that already exists is left as it is; the run changes nothing. To rotate again, give another
    O(username).
  - Returns the connection strings with the password masked unless O(return_secrets=true).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  postgres:
    description: The database, by id (C(dpg-...)) or by its unique name in the workspace O(owner).
    type: str
    required: true
  username:
    description: Name of the database user.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the user exists (created, as the new default user, when it does not).
      - V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  return_secrets:
    description:
      - Return the connection strings and the password unmasked. Set C(no_log) on the task when you do.
    type: bool
    default: false
notes:
  - In check mode nothing is written; a user that would be created is returned as the default user with no
    RV(connection).
  - The diff names the user; it never holds a password.
"""

EXAMPLES = r"""
- name: A new database user, which becomes the default one
  launchkit.paas.render_postgres_credential:
    postgres: scoop-db
    username: scoop_db_user_20261206
    return_secrets: true
  register: db_user
  no_log: true

- name: Once every app connects as the new user, delete the previous one
  launchkit.paas.render_postgres_credential:
    postgres: scoop-db
    username: "{{ db_user.previous_default }}"
    state: absent
"""

RETURN = r"""
credential:
  description: The user after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  contains:
    username: {description: "Name of the user.", type: str}
    default: {description: "Whether it is the database's default user.", type: bool}
    created_at: {description: "When the user was created.", type: str}
    open_connections: {description: "Sessions open as this user.", type: int}
previous_default:
  description: The database's default user before the run (null when Render names none).
  returned: always
  type: str
postgres_id:
  description: Id of the database.
  returned: always
  type: str
  sample: dpg-cmv3h5ocmk4c73f0a1b0-a
connection:
  description:
    - How to connect as the user, while it is the default user; null otherwise (Render gives no other
      user's password). Every password is C(********) unless O(return_secrets=true).
  returned: always
  type: dict
  contains:
    internal_connection_string: {description: "URL to use from services on Render.", type: str}
    external_connection_string: {description: "URL to use from outside Render.", type: str}
    psql_command: {description: "psql command line.", type: str}
    password: {description: "Password of the user.", type: str}
action:
  description: What the module did, V(create), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.postgres_credential import (
    run_postgres_credential)


MODULE = Module(options.postgres_credential(), run_postgres_credential)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
