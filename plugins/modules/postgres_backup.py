#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: postgres_backup
short_description: Back up a PostgreSQL database with pg_dump, keep the newest few, and prove the dump restores
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Dumps the database of O(url) (Render, Supabase, Neon, or any PostgreSQL) with C(pg_dump) in its custom
    format to C(<dest>/<prefix>-<UTC timestamp>.<instance>.dump), for example
    C(app-20250301T020000.123Z.i3f2a9c01d2.dump), mode C(0600).
  - The instance tag (RV(instance)) names the database the backup was taken of, from the server's system
    identifier and the database's oid (read-only queries, made in check mode too). A database deleted and
    created again under the same name is another instance, so backups of the old one never count as fresh
    backups of the new one and retention never removes them; the module warns about them instead. Files of
    the older untagged form count as another instance's.
  - C(pg_dump) writes to a hidden temporary name in O(dest); the file gets its final name only when the dump
    is complete and, with O(restore_check), proven to restore. A failed dump or check leaves no file behind
    and removes no older backup.
  - The restore check creates a scratch database C(<database>_lk_restore_<random>), restores the dump into it
    with C(pg_restore --no-owner --no-acl), compares its tables and their row counts with the source, and always
    drops it, forcing out any session on PostgreSQL 13 and later. The source's counts are read in the snapshot that
    C(pg_dump) dumps, so a database written meanwhile still compares equal.
  - Keeps the newest O(retention) backups of O(prefix) and this instance and removes older ones. Only files
    named like this prefix's backups of this instance are ever removed.
  - With O(max_age), no dump is made while the newest backup is younger than O(max_age) seconds, so a
    rollout that runs again changes nothing.
  - The password reaches C(pg_dump) and C(pg_restore) through their environment (E(PGPASSWORD)), never their
    command line; messages name the server and database, never the password or the URL.
  - Warns when C(pg_dump) is older than the server's major version (C(pg_dump) then refuses to dump) and names
    the client version to install.
extends_documentation_fragment:
  - launchkit.paas.postgres
  - launchkit.paas.attributes
attributes:
  check_mode:
    support: full
    details: Connects read-only to compare versions, dumps nothing, removes nothing, creates no scratch database;
      predicts RV(action) and the files retention would remove. An O(url) of C((known after apply)) (a database
      the run creates first) connects nowhere and predicts a dump.
  diff_mode:
    support: full
    details: The diff lists the backup file names of O(prefix) before and after.
options:
  url:
    description:
      - PostgreSQL URL with its password of the database to back up, for example
        C(postgresql://app:secret@db.internal:5432/app). It must name the database.
      - An C(sslmode) query parameter in the URL is honoured unless O(sslmode) is set.
      - Query parameters that only ORMs understand and libpq refuses (such as C(pgbouncer=true)) are left out
        of the connections and of the URL given to C(pg_dump).
  dest:
    description: Directory of the backups; created with mode C(0700) when missing.
    type: path
    required: true
  prefix:
    description:
      - Start of the backup file names. Defaults to the database name of O(url).
      - Letters, digits and C(_ . @ + -), starting with a letter, digit or C(_).
    type: str
  retention:
    description:
      - How many backups of O(prefix) to keep, the new one included; older ones are removed.
      - V(0) keeps all.
    type: int
    default: 7
  max_age:
    description:
      - Seconds. No dump is made (and nothing changes unless retention removes a file) while the newest backup
        of O(prefix) is younger than this.
      - V(0) dumps on every run.
    type: int
    default: 0
  restore_check:
    description: Prove the new dump restores, into a scratch database that is dropped afterwards.
    type: bool
    default: true
  restore_check_url:
    description:
      - URL of the server and role that create the scratch database (the role needs C(CREATEDB)). Its database
        is the one connected to for C(CREATE DATABASE) and C(DROP DATABASE).
      - Defaults to the server and credentials of O(url), connecting to its maintenance database C(postgres).
    type: str
  sslmode:
    description: libpq C(sslmode) for every connection and tool; overrides the one in O(url) and O(restore_check_url).
  pg_bin_dir:
    description:
      - Directory holding C(pg_dump) and C(pg_restore), for example C(/usr/lib/postgresql/16/bin).
      - Defaults to the ones on E(PATH), else the newest C(/usr/lib/postgresql/*/bin).
    type: path
  timeout:
    description:
      - Seconds the dump and the restore check may take together.
      - Each connection waits at most 30 seconds (or O(timeout) when shorter) to be made.
    type: int
    default: 3600
requirements:
  - pg_dump and pg_restore (the PostgreSQL client tools) at least as new as the server
notes:
  - A dump of a server whose major version is newer than C(pg_dump) fails; install the matching client tools
    (Debian and Ubuntu, for example C(postgresql-client-16) from apt.postgresql.org) and set O(pg_bin_dir).
  - The restore check needs a role that may create databases on the O(restore_check_url) server. Managed
    databases whose role may not can point O(restore_check_url) at another server, or set O(restore_check=false).
"""

EXAMPLES = r"""
- name: Nightly backup, the newest 7 kept, proven to restore
  launchkit.paas.postgres_backup:
    url: "{{ database_url }}"
    dest: /var/backups/postgres
    retention: 7
  register: backup

- name: At most one backup a day, however often the rollout runs
  launchkit.paas.postgres_backup:
    url: "{{ database_url }}"
    dest: /var/backups/postgres
    prefix: scoop_production
    max_age: 86400
    sslmode: require

- name: A managed database whose role may not create databases, checked on a local server
  launchkit.paas.postgres_backup:
    url: "{{ database_url }}"
    dest: /var/backups/postgres
    restore_check_url: postgresql://postgres@127.0.0.1:5432/postgres
    pg_bin_dir: /usr/lib/postgresql/16/bin
"""

RETURN = r"""
action:
  description: "V(dump) when a dump is (or in check mode would be) made, V(none) when O(max_age) made it unnecessary."
  returned: always
  type: str
backup:
  description: "The new backup; when O(max_age) skipped the dump, the newest existing one; null in check mode when a dump is due."
  returned: always
  type: dict
  contains:
    path: {description: "Path of the backup file.", type: str, sample: /var/backups/postgres/app-20250301T020000.123Z.dump}
    size_bytes: {description: "Size of the file.", type: int}
    created_at: {description: "UTC time of the dump, from the file name, for example 2025-03-01T02:00:00.123Z.", type: str}
    database: {description: "The database dumped.", type: str}
    tables: {description: "Tables in the dump (read from the archive when the dump was skipped; null if unreadable).", type: int}
backups:
  description: "The backups of O(prefix) kept after retention, newest first (in check mode, the existing ones that would stay)."
  returned: always
  type: list
  elements: dict
  contains:
    path: {description: "Path of the backup file.", type: str}
    size_bytes: {description: "Size of the file.", type: int}
    created_at: {description: "UTC time of the dump, from the file name.", type: str}
instance:
  description: The instance tag of the database (C(i) and ten hex digits), part of its backups' file names.
  returned: always
  type: str
  sample: i3f2a9c01d2
removed:
  description: "Paths removed by retention (in check mode, that would be removed)."
  returned: always
  type: list
  elements: str
restore_check:
  description: "What the restore check compared; null when no dump was made, in check mode, or with O(restore_check=false)."
  returned: always
  type: dict
  contains:
    database: {description: "The scratch database, dropped since.", type: str}
    tables: {description: "Tables compared.", type: int}
    rows: {description: "Rows restored, all tables together.", type: int}
    table_rows: {description: "Rows per table, keyed schema.table; equal to the source's.", type: dict}
    ok: {description: "The restore holds the source's tables and row counts.", type: bool}
    differences: {description: "What differs.", type: list, elements: str, returned: on failure}
"""

from ansible_collections.launchkit.paas.plugins.module_utils.postgres.backup import ARGUMENT_SPEC, run_backup
from ansible_collections.launchkit.paas.plugins.module_utils.postgres.connection import postgres_module


MODULE = postgres_module(ARGUMENT_SPEC, run_backup)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
