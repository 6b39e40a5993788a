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
  - launchkit.paas.attributes
attributes:
  check_mode:
    support: full
    details: The write check always runs inside a transaction that is rolled back, so it also runs in check mode.
  diff_mode:
    support: N/A
    details: This module makes no changes.
options:
  url:
    description:
      - PostgreSQL URL with its password, for example C(postgresql://app:secret@db.internal:5432/app).
      - An C(sslmode) query parameter in the URL is honoured unless O(sslmode) is set.
    type: str
    required: true
  sslmode:
    description: libpq C(sslmode); overrides the one in O(url).
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
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
  timeout:
    description: Seconds to wait for the connection.
    type: float
    default: 10
requirements:
  - python >= 3.10
  - psycopg2 (or psycopg2-binary)
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import run


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True, "no_log": True},
            "sslmode": {"type": "str", "choices": list(pg.SSLMODES)},
            "schema": {"type": "str", "default": "public"},
            "min_free_connections": {"type": "int", "default": 5},
            "require_write": {"type": "bool", "default": True},
            "timeout": {"type": "float", "default": 10.0},
        },
        supports_check_mode=True,
    )
    run(module, pg.run_check, needs_requests=False, requires={"psycopg2": pg.PSYCOPG2_IMPORT_ERROR})


if __name__ == "__main__":
    main()
