#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_postgres
short_description: Create, update, suspend, resume or delete a Render Postgres database
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Manage a Render Postgres database through the C(/postgres) API.
  - The database is found by O(id), or by O(name) in the workspace O(owner); several databases with
    the same name make the module fail and ask for an id.
  - Only the options you set are compared and changed. O(version), O(region), O(database_name) and
    O(database_user) are set at create only; asking for another value fails before any write. A disk
    never shrinks.
  - Deleting a database loses all its data and Render cannot undo it, so O(state=absent) fails unless
    O(confirm_delete=true).
  - Returns the connection strings with the password masked unless O(return_secrets=true).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.render.ip_allow_list
  - launchkit.paas.attributes.actions
options:
  name:
    description: Name of the database as the Render Dashboard shows it.
    type: str
    required: true
  id:
    description:
      - Id of the database (C(dpg-...)); takes precedence over O(name) when looking it up.
      - With O(state=present) or O(state=suspended), a database with this id must exist.
    type: str
  state:
    description:
      - V(present) makes sure the database exists and runs (a suspended database is resumed).
      - V(suspended) makes sure it exists and is suspended (a running database is suspended).
      - V(absent) deletes it with all its data; it needs O(confirm_delete=true).
    type: str
    choices: [present, suspended, absent]
    default: present
  plan:
    description: Instance plan. Needed to create the database.
    type: str
    choices: [free, starter, standard, pro, pro_plus, custom, basic_256mb, basic_1gb, basic_4gb, pro_4gb, pro_8gb,
              pro_16gb, pro_32gb, pro_64gb, pro_128gb, pro_192gb, pro_256gb, pro_384gb, pro_512gb, accelerated_16gb,
              accelerated_32gb, accelerated_64gb, accelerated_128gb, accelerated_256gb, accelerated_384gb,
              accelerated_512gb, accelerated_768gb, accelerated_1024gb]
  version:
    description:
      - PostgreSQL major version. V(18) when creating without one.
      - Cannot change on an existing database; Render needs a new database and a restore for that.
    type: str
    choices: ['11', '12', '13', '14', '15', '16', '17', '18']
  region:
    description: Region. Set at create only. Render's default is V(oregon).
    type: str
    choices: [frankfurt, oregon, ohio, singapore, virginia]
  disk_size_gb:
    description: Disk size in GB. It can grow, never shrink.
    type: int
  high_availability:
    description: Keep a standby in another zone to fail over to.
    type: bool
  database_name:
    description: Name of the database inside the server. Set at create only; Render picks one when unset.
    type: str
  database_user:
    description: Name of the database role. Set at create only; Render picks one when unset.
    type: str
  environment_id:
    description: Render environment to create the database in. Used at create only.
    type: str
  confirm_delete:
    description:
      - Confirm that O(state=absent) may delete the database and all its data. Without it, O(state=absent)
        fails before any call to Render.
    type: bool
    default: false
  wait:
    description: Wait until the database is C(available) (or suspended, with O(state=suspended)) after a change.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 600
  return_secrets:
    description:
      - Return the connection strings and the password unmasked. Set C(no_log) on the task when you do.
    type: bool
    default: false
notes:
  - In check mode nothing is written; RV(postgres) is the database as it would be after the run, with
    RV(postgres.id) and RV(postgres.status) null for a database that would be created.
  - The diff shows the changed settings only; it never holds the password.
"""

EXAMPLES = r"""
- name: The app database, reachable only from Render and the office
  launchkit.paas.render_postgres:
    name: scoop-db
    plan: basic_1gb
    version: "17"
    region: oregon
    disk_size_gb: 15
    ip_allow_list:
      - cidr_block: 203.0.113.0/24
        description: office
  register: db

- name: Get the connection string to wire into the app
  launchkit.paas.render_postgres:
    name: scoop-db
    return_secrets: true
  register: db_secret
  no_log: true

- name: Suspend it while the stack is idle
  launchkit.paas.render_postgres:
    name: scoop-db
    state: suspended

- name: Delete it and all its data
  launchkit.paas.render_postgres:
    name: scoop-db
    state: absent
    confirm_delete: true
"""

RETURN = r"""
postgres:
  description: The database after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  contains:
    id: {description: "Database id.", type: str, sample: dpg-cmv3h5ocmk4c73f0a1b0-a}
    name: {description: "Database name in the Dashboard.", type: str}
    plan: {description: "Plan.", type: str}
    version: {description: "PostgreSQL major version.", type: str, sample: "17"}
    region: {description: "Region.", type: str}
    status: {description: "'Status, C(available) when ready, C(suspended) when suspended.'", type: str}
    disk_size_gb: {description: "Disk size in GB.", type: int}
    high_availability: {description: "Whether a standby is kept.", type: bool}
    ip_allow_list: {description: "'Allowed CIDR blocks, each with C(cidrBlock) and C(description).'", type: list,
                    elements: dict}
    database_name: {description: "Name of the database inside the server.", type: str}
    database_user: {description: "Database role.", type: str}
    owner_id: {description: "Workspace id.", type: str}
    dashboard_url: {description: "Dashboard link.", type: str}
    created_at: {description: "When the database was created.", type: str}
    connection:
      description: How to connect; every password is C(********) unless O(return_secrets=true).
      type: dict
      returned: unless the database is suspended
      contains:
        internal_connection_string: {description: "URL to use from services on Render.", type: str}
        external_connection_string: {description: "URL to use from outside Render.", type: str}
        psql_command: {description: "psql command line.", type: str}
        password: {description: "Password of the database role.", type: str}
action:
  description: What the module did, V(create), V(update), V(suspend), V(resume), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.postgres import run_postgres


MODULE = Module(options.postgres(), run_postgres)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
