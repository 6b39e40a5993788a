#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: postgres_check
short_description: Prove that a PostgreSQL URL works for the app, and that connections are left
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Connects to a real PostgreSQL and reports the server version, the database, the current user and the
    tables of a schema.
  - Proves the role can write by creating, filling and reading a scratch table in O(schema) (or, when the role
    may not create there, a temporary table) inside a transaction that is rolled back, so nothing is kept.
  - Reports the connection headroom (C(max_connections), connections in use, free for ordinary roles, percent
    used) and fails when fewer than O(min_free_connections) are free.
  - Never reports a change. Errors never contain the password.
extends_documentation_fragment:
  - launchkit.paas.postgres
  - launchkit.paas.attributes
attributes:
  check_mode:
    support: full
    details: The write check always runs inside a transaction that is rolled back, so it also runs in check mode.
      In check mode an O(url) of C((known after apply)) (a database the run creates first) skips the check with a note.
  diff_mode:
    support: N/A
    details: This module makes no changes.
options:
  schema:
    description: Schema whose tables are listed and where the write check creates its scratch table.
    type: str
    default: public
  min_free_connections:
    description: Fail when fewer connections than this are free for ordinary roles.
    type: int
    default: 5
  require_write:
    description: Fail when the role cannot write.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Prove the database is usable and has connections to spare
  launchkit.paas.postgres_check:
    url: "{{ database_url }}"
    min_free_connections: 10
  register: db

- name: Report
  ansible.builtin.debug:
    msg: "PostgreSQL {{ db.postgres.server_version }}, {{ db.postgres.connections.percent_used }}% of connections used"
"""

RETURN = r"""
postgres:
  description: What was checked and measured.
  returned: always
  type: dict
  contains:
    server_version: {description: "Server version (C(SHOW server_version)).", type: str}
    server_version_num: {description: "Server version as a number, for example 150004.", type: int}
    database: {description: "Current database.", type: str}
    user: {description: "Current user (role).", type: str}
    schema: {description: "Schema whose tables are listed.", type: str}
    tables: {description: "Base tables of the schema, sorted.", type: list, elements: str}
    writable: {description: "A scratch table could be created, written and read back (then rolled back).", type: bool}
    write_target: {description: "'Where the write check wrote: V(schema), V(temp), or V(none).'", type: str}
    write_error: {description: "The database's message when the role could not write.", type: str, returned: when not writable}
    connections: {description: "'Headroom: max_connections, superuser_reserved, used, free, percent_used.'", type: dict}
"""

from ansible_collections.launchkit.paas.plugins.module_utils.postgres.check import ARGUMENT_SPEC, run_check
from ansible_collections.launchkit.paas.plugins.module_utils.postgres.connection import postgres_module


MODULE = postgres_module(ARGUMENT_SPEC, run_check)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
