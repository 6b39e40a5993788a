#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: postgres_migrate
short_description: Apply ordered, checksummed SQL migrations to a PostgreSQL database once
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Applies the C(*.sql) files of a directory (for example C(0001_create_users.sql)) in the order of their
    names, each in its own transaction together with its row in a tracking table, so a migration is either
    applied and recorded or not at all.
  - Migrations already recorded are skipped. An applied migration whose file changed since (its sha256
    differs) is an error naming the file; it is never re-run.
  - A failing migration is rolled back and the error names the file and the database's message. The
    migrations before it stay applied.
  - Runs hold a PostgreSQL advisory lock derived from O(table), so two concurrent runs cannot both migrate;
    the second waits, then finds the migrations applied.
  - Statements that cannot run inside a transaction block (such as C(CREATE INDEX CONCURRENTLY)) are not supported.
extends_documentation_fragment:
  - launchkit.paas.postgres
  - launchkit.paas.attributes
attributes:
  check_mode:
    support: full
    details: Reads the tracking table (all migrations are pending when it is missing) and applies nothing.
      An O(url) of C((known after apply)) (a database the run creates first) connects nowhere, and every migration is pending.
  diff_mode:
    support: full
    details: The diff lists the pending migration files.
options:
  path:
    description: Directory holding the migration files; only files ending in C(.sql) are read, ordered by name.
    type: path
    required: true
  table:
    description: Tracking table (C(name) or C(schema.name)), created when missing, with the columns
      C(version) (the file name), C(checksum) (sha256), C(applied_at) and C(duration_ms).
    type: str
    default: launchkit_migrations
"""

EXAMPLES = r"""
- name: Apply the app's migrations
  launchkit.paas.postgres_migrate:
    url: "{{ database_url }}"
    path: "{{ playbook_dir }}/files/migrations"
    sslmode: require
  register: migrations

- name: What would run, without running it
  launchkit.paas.postgres_migrate:
    url: "{{ database_url }}"
    path: "{{ playbook_dir }}/files/migrations"
  check_mode: true
  diff: true
"""

RETURN = r"""
applied:
  description: "Migration files applied by this run, in order (empty in check mode); on failure, those applied before it."
  returned: always
  type: list
  elements: str
  sample: ["0003_add_index.sql"]
pending:
  description: "Number of migrations that were pending when the run began (in check mode: would be applied)."
  returned: always
  type: int
pending_files:
  description: "The pending migration files, in the order they are (or would be) applied."
  returned: always
  type: list
  elements: str
skipped_count:
  description: "Number of migrations skipped because they were already applied (not C(skipped), which Ansible reserves)."
  returned: always
  type: int
failed_migration:
  description: "The file of the migration that failed."
  returned: when a migration failed
  type: str
changed_migrations:
  description: "Applied migrations whose file changed since they ran."
  returned: when such a change is refused
  type: list
  elements: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.postgres.connection import postgres_module
from ansible_collections.launchkit.paas.plugins.module_utils.postgres.migrate import ARGUMENT_SPEC, run_migrations


MODULE = postgres_module(ARGUMENT_SPEC, run_migrations)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
