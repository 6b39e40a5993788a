# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of postgres_backup (pg_dump, retention, restore check).

Not a public API; it may change between any two releases.

A backup is ``<dest>/<prefix>-<UTC timestamp>.<instance>.dump`` in pg_dump's custom format
(backup_files.py); the instance tag is a digest of the server's system identifier and the database's
oid, so a database deleted and created again under the same name is another instance.
pg_dump writes to a hidden temporary name in the same directory; the file gets its final name only
once the dump is complete and, when asked, proven to restore, so a file with the final name is
always a whole, checked backup and retention never counts a bad one. The tools run through tools.py.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import backup_files as files
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import tools
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import is_unknown, refuse_unknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Deadline

SCRATCH_MARK = "_lk_restore_"
MAX_IDENTIFIER_BYTES = 63
_PREFIX = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,199}$")

ARGUMENT_SPEC = pg.connection_options(
    timeout={"type": "int", "default": 3600},
    dest={"type": "path", "required": True},
    prefix={"type": "str"},
    retention={"type": "int", "default": 7},
    max_age={"type": "int", "default": 0},
    restore_check={"type": "bool", "default": True},
    restore_check_url={"type": "str", "no_log": True},
    pg_bin_dir={"type": "path"},
)

# User tables whose data pg_dump writes: ordinary and partitioned tables outside the system schemas,
# not temporary, not members of an extension (an extension creates those itself).
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


# ----------------------------------------------------------------------------------------- checks
def validate(params: dict) -> dict[str, Any]:
    """The checked and derived options: database, prefix, dest; ValueError names what is wrong."""
    for name in ("retention", "max_age"):
        if params[name] < 0:
            raise ValueError(f"{name} must be 0 or more, not {params[name]}")
    if params["timeout"] <= 0:
        raise ValueError(f"timeout must be more than 0 seconds, not {params['timeout']}")
    pg.connection_kwargs(params["url"], params.get("sslmode"), 1)
    if params.get("restore_check_url"):
        try:
            pg.connection_kwargs(params["restore_check_url"], params.get("sslmode"), 1)
        except ValueError as exc:
            raise ValueError(f"restore_check_url: {exc}") from None
    database = pg.url_database(params["url"])
    if not database:
        raise ValueError(f"url names no database ({pg.where(params['url'])}): add /<database> to it")
    prefix = params.get("prefix") or database
    if not _PREFIX.match(prefix):
        raise ValueError(f"prefix {prefix!r} must start with a letter, digit or _ and hold only letters, digits "
                         "and _ . @ + - (set prefix when the database name has other characters)")
    dest = params["dest"]
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise ValueError(f"dest {dest} exists and is not a directory")
    if params.get("pg_bin_dir") and not os.path.isdir(params["pg_bin_dir"]):
        raise ValueError(f"pg_bin_dir {params['pg_bin_dir']} is not a directory")
    return {"database": database, "prefix": prefix, "dest": dest}


def scratch_name(database: str) -> str:
    """`<database>_lk_restore_<random>`, cut to PostgreSQL's 63-byte identifier limit."""
    tail = f"{SCRATCH_MARK}{uuid.uuid4().hex[:8]}"
    head = database.encode("utf-8")[:MAX_IDENTIFIER_BYTES - len(tail)].decode("utf-8", errors="ignore")
    return head + tail


# ---------------------------------------------------------------------------------------- the run
@dataclass
class Job:
    """One run of the module: its options, secrets, time budget and the warnings met on the way."""

    params: dict
    secrets: Secrets
    database: str
    prefix: str
    dest: str
    now: datetime
    deadline: Deadline
    warnings: list[str] = field(default_factory=list)
    instance: str | None = None

    def connect(self, url: str) -> Any:
        return pg.connect({"url": url, "sslmode": self.params.get("sslmode"),
                           "timeout": min(tools.CONNECT_TIMEOUT, self.params["timeout"])}, self.secrets)

    def bin_dir(self) -> str:
        return tools.find_bin_dir(self.params.get("pg_bin_dir"), self.params["restore_check"])

    def final_path(self) -> str:
        return os.path.join(self.dest, files.backup_name(self.prefix, self.now, self.instance))


@dataclass
class Outcome:
    """The backup made (or the newest one), the backups kept and removed, and the restore check's report."""

    backup: dict[str, Any] | None
    kept: list[files.Backup]
    removed: list[str]
    restore_check: dict[str, Any] | None = None


# ------------------------------------------------------------------------------------- databases
def list_tables(cur: Any) -> list[tuple[str, str]]:
    cur.execute(TABLES_SQL)
    return [tuple(row) for row in cur.fetchall()]


def count_rows(cur: Any, tables: list[tuple[str, str]]) -> dict[str, int]:
    rows = {}
    for schema, name in tables:
        cur.execute(pg.statement("SELECT count(*) FROM {}", schema, name))
        rows[f"{schema}.{name}"] = cur.fetchone()[0]
    return rows


def compare(source: dict[str, int], restored: dict[str, int]) -> list[str]:
    """What differs between the tables (and row counts) of the source and of the restore."""
    differences = [f"{t} is missing from the restore" for t in sorted(set(source) - set(restored))]
    differences += [f"{t} is in the restore only" for t in sorted(set(restored) - set(source))]
    differences += [f"{t} has {source[t]} row(s) in the source and {restored[t]} after the restore"
                    for t in sorted(set(source) & set(restored)) if source[t] != restored[t]]
    return differences


def open_snapshot(conn: Any, warnings: list[str]) -> str | None:
    """Start a repeatable-read transaction and export its snapshot, which pg_dump then shares.

    The row counts read in this transaction are then exactly what pg_dump writes, even while the
    app keeps writing. A server that cannot export one (a standby, some poolers) gets a plain dump.
    """
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            return cur.fetchone()[0]
    except pg.psycopg2.Error as exc:
        conn.rollback()
        warnings.append(f"the server cannot export a snapshot ({pg.error_message(exc)}): the dump and the row "
                        "counts of the restore check are taken separately and differ if the database is written "
                        "meanwhile")
        return None


# ------------------------------------------------------------------------------------- identity
IDENTITY_SQL = "SELECT oid::text FROM pg_database WHERE datname = current_database()"
SYSTEM_ID_SQL = "SELECT system_identifier::text FROM pg_control_system()"


def instance_tag(job: Job) -> str:
    """`i` and ten hex digits naming this database instance: its cluster's system identifier and its oid.

    A cluster that hides pg_control_system() is named by the URL's host, port and database instead,
    with the oid, which a database created again under the same name does not keep.
    """
    url = job.params["url"]
    conn = job.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(IDENTITY_SQL)
            oid = cur.fetchone()[0]
            try:
                cur.execute(SYSTEM_ID_SQL)
                system = cur.fetchone()[0]
            except pg.psycopg2.Error:
                conn.rollback()
                system = pg.where(url)
    except pg.psycopg2.Error as exc:
        raise pg.failure(f"reading the identity of {pg.where(url)} failed", exc, job.secrets) from None
    finally:
        conn.close()
    return "i" + hashlib.sha256(f"{system}/{oid}".encode("utf-8")).hexdigest()[:10]


# ------------------------------------------------------------------------------------------ dump
@dataclass
class Dump:
    """A complete pg_dump archive at a temporary path, with what the source held when it was taken."""
    path: str
    tables: int
    rows: dict[str, int]


def write_dump(job: Job, bin_dir: str) -> Dump:
    """pg_dump the source into a hidden 0600 file in dest; nothing is left behind when it fails."""
    url = job.params["url"]
    pg_dump = os.path.join(bin_dir, "pg_dump")
    conn = job.connect(url)
    try:
        problem = tools.dump_problem(pg_dump, conn, job.secrets)
        if problem:
            job.warnings.append(problem)
        snapshot = open_snapshot(conn, job.warnings)
        with conn.cursor() as cur:
            tables = list_tables(cur)
            rows = count_rows(cur, tables) if job.params["restore_check"] else {}
        fd, tmp = tempfile.mkstemp(dir=job.dest, prefix=f".{os.path.basename(job.final_path())}.",
                                   suffix=".partial")
        os.close(fd)
        try:
            _pg_dump(job, pg_dump, tmp, snapshot, problem)
            files.seal(tmp)
        except BaseException:
            files.remove_quietly(tmp)
            raise
    except pg.psycopg2.Error as exc:
        raise pg.failure(f"reading the tables of {pg.where(url)} failed", exc, job.secrets) from None
    finally:
        conn.close()
    return Dump(tmp, len(tables), rows)


def _pg_dump(job: Job, pg_dump: str, path: str, snapshot: str | None, problem: str | None) -> None:
    target, password = tools.tool_target(job.params["url"], job.params.get("sslmode"))
    argv = [pg_dump, "--format=custom", f"--file={path}", "--no-password"]
    argv += [f"--snapshot={snapshot}"] if snapshot else []
    done = tools.run_tool(argv + [f"--dbname={target}"], password, job.deadline, "pg_dump", job.secrets)
    tools.check_exit(done, f"pg_dump of {pg.where(job.params['url'])}", job.secrets,
                     hint=f"; {problem}" if problem else "")


# ---------------------------------------------------------------------------------- restore check
def restore_check(job: Job, bin_dir: str, dump: Dump) -> dict[str, Any]:
    """Restore `dump` into a scratch database, compare tables and row counts, always drop it."""
    admin_url = job.params.get("restore_check_url") or pg.with_database(job.params["url"], "postgres")
    if not pg.url_database(admin_url):
        admin_url = pg.with_database(admin_url, "postgres")
    scratch = scratch_name(job.database)
    server = pg.where(admin_url).rsplit("/", 1)[0]
    try:
        admin = job.connect(admin_url)
    except ResourceError as exc:
        raise ResourceError(f"restore check: {exc} (restore_check_url names the server and role that create "
                            "the scratch database; set restore_check: false to skip the check)") from None
    admin.autocommit = True
    try:
        _create(admin, scratch, server, job.secrets)
        failure: ResourceError | None = None
        restored: dict[str, int] = {}
        try:
            restored = _restore_and_count(job, bin_dir, dump, pg.with_database(admin_url, scratch), scratch)
        except ResourceError as exc:
            failure = exc
        finally:
            left = _drop(admin, scratch, server, job.secrets)
    finally:
        admin.close()
    return _judge(job, dump, scratch, restored, failure, left)


def _judge(job: Job, dump: Dump, scratch: str, restored: dict[str, int], failure: ResourceError | None,
           left: str | None) -> dict[str, Any]:
    """The report of the restore check, or the ResourceError that says what went wrong."""
    note = f"; {left}" if left else ""
    if failure is not None:
        raise ResourceError(f"{failure}{note}", **failure.details) from None
    differences = compare(dump.rows, restored)
    report = {"database": scratch, "tables": len(restored), "rows": sum(restored.values()),
              "table_rows": restored, "ok": not differences}
    if differences:
        raise ResourceError(f"restore check: the restore of {pg.where(job.params['url'])} into {scratch} differs "
                            f"from the source: {'; '.join(differences)}{note}",
                            restore_check={**report, "differences": differences})
    if left:
        job.warnings.append(left)
    return report


def _create(admin: Any, scratch: str, server: str, secrets: Secrets) -> None:
    try:
        with admin.cursor() as cur:
            cur.execute(pg.statement("CREATE DATABASE {}", scratch))
    except pg.psycopg2.Error as exc:
        raise ResourceError(secrets.redact(
            f"restore check: cannot create the scratch database {scratch} on {server}: "
            f"{pg.error_message(exc)} (give restore_check_url a role that may create databases, or set "
            "restore_check: false)")) from None


def _restore_and_count(job: Job, bin_dir: str, dump: Dump, scratch_url: str, scratch: str) -> dict[str, int]:
    target, password = tools.tool_target(scratch_url, job.params.get("sslmode"))
    argv = [os.path.join(bin_dir, "pg_restore"), "--no-owner", "--no-acl", "--no-password",
            f"--dbname={target}", dump.path]
    done = tools.run_tool(argv, password, job.deadline, "pg_restore", job.secrets)
    tools.check_exit(done, f"restore check: pg_restore of the new dump of {pg.where(job.params['url'])} into "
                           f"{scratch}", job.secrets)
    conn = job.connect(scratch_url)
    try:
        with conn.cursor() as cur:
            return count_rows(cur, list_tables(cur))
    except pg.psycopg2.Error as exc:
        raise pg.failure(f"restore check: counting the rows of {scratch} failed", exc, job.secrets) from None
    finally:
        conn.close()


def _drop(admin: Any, scratch: str, server: str, secrets: Secrets) -> str | None:
    """Drop the scratch database; what went wrong, if anything, for the user to finish by hand."""
    force = " WITH (FORCE)" if admin.server_version >= 130000 else ""
    try:
        with admin.cursor() as cur:
            cur.execute(pg.statement("DROP DATABASE IF EXISTS {}" + force, scratch))
    except pg.psycopg2.Error as exc:
        return secrets.redact(f"the scratch database {scratch} on {server} could not be dropped "
                              f"({pg.error_message(exc)}): drop it by hand")
    return None


# ------------------------------------------------------------------------------------------- run
def run_backup(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    if is_unknown(params["url"]):  # check mode, a database the run creates first: it has no dump yet
        if not check_mode:
            refuse_unknown("url", params["url"])
        return {"changed": True, "action": "dump", "backup": None, "backups": [], "removed": [], "restore_check": None,
                "warnings": [], "instance": None,
                "msg": "check mode: a database the run creates first; the real run dumps it and checks the restore"}
    _register(params, secrets)
    options = validate(params)
    job = Job(params, secrets, options["database"], options["prefix"], options["dest"], files.utc_now(),
              Deadline(params["timeout"]))
    job.instance = instance_tag(job)
    before = files.list_backups(job.dest, job.prefix, job.instance)
    _warn_other_instances(job)
    due = files.needs_dump(before[0] if before else None, params["max_age"], job.now)
    outcome = _predict(job, before, due) if check_mode else _carry_out(job, before, due)
    after = [files.backup_name(job.prefix, job.now, job.instance)] if check_mode and due else []
    after += [b.name for b in outcome.kept]
    result: dict[str, Any] = {
        "changed": due or bool(outcome.removed), "action": "dump" if due else "none",
        "backup": outcome.backup, "backups": [b.as_dict() for b in outcome.kept], "removed": outcome.removed,
        "restore_check": outcome.restore_check, "warnings": job.warnings, "instance": job.instance,
    }
    if result["changed"]:
        header = f"{job.dest} ({job.prefix})"
        result["diff"] = {"before": {"backups": [b.name for b in before]}, "after": {"backups": after},
                          "before_header": header, "after_header": header}
    return result


def _warn_other_instances(job: Job) -> None:
    others = files.other_instances(job.dest, job.prefix, job.instance)
    if others:
        job.warnings.append(
            f"{len(others)} backup(s) of prefix '{job.prefix}' in {job.dest} were taken of another database "
            f"instance (deleted and created again, or another server) or before instances were recorded, the "
            f"newest {others[0].name}: they are kept, never counted as backups of this database nor removed by "
            "its retention; delete them by hand once they are no longer needed")


def _register(params: dict, secrets: Secrets) -> None:
    """Both URLs' passwords, as written, as decoded, and as given in a password= query parameter."""
    for url in (params["url"], params.get("restore_check_url")):
        if url:
            secrets.add(*pg.url_secrets(url), tools.tool_target(url, None)[1])


def _predict(job: Job, before: list[files.Backup], due: bool) -> Outcome:
    """Check mode: compare pg_dump's version with the server's (read only) and predict retention."""
    if due:
        pg_dump = os.path.join(job.bin_dir(), "pg_dump")
        conn = job.connect(job.params["url"])
        try:
            problem = tools.dump_problem(pg_dump, conn, job.secrets)
        finally:
            conn.close()
        if problem:
            job.warnings.append(problem)
    planned = [files.Backup(job.final_path(), job.now, None)] if due else []
    kept, gone = files.retention_split(planned + before, job.params["retention"])
    kept = [b for b in kept if b not in planned]
    return Outcome(None if due else _existing(job, before[0]), kept, [b.path for b in gone])


def _carry_out(job: Job, before: list[files.Backup], due: bool) -> Outcome:
    backup, check = _dump(job) if due else (None, None)
    kept, gone = files.retention_split(files.list_backups(job.dest, job.prefix, job.instance),
                                       job.params["retention"])
    removed = files.remove_backups(gone, job.secrets)
    if not due:
        backup = _existing(job, (kept or before)[0])
    return Outcome(backup, kept, removed, check)


def _dump(job: Job) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Dump, check, publish: the new backup and the restore check's report."""
    bin_dir = job.bin_dir()
    files.ensure_dest(job.dest)
    final = job.final_path()
    dump = write_dump(job, bin_dir)
    check = None
    try:
        if job.params["restore_check"]:
            check = restore_check(job, bin_dir, dump)
        files.publish(dump.path, final)
    except ResourceError as exc:
        files.remove_quietly(dump.path)
        raise ResourceError(f"{exc}; the new dump was deleted and the older backups are kept",
                            **exc.details) from None
    except BaseException:
        files.remove_quietly(dump.path)
        raise
    backup = {**files.Backup(final, job.now, os.path.getsize(final)).as_dict(), "database": job.database,
              "tables": dump.tables}
    return backup, check


def _existing(job: Job, newest: files.Backup) -> dict[str, Any]:
    """The newest backup, reported when max_age made a new dump unnecessary."""
    try:
        tables = tools.toc_tables(tools.find_bin_dir(job.params.get("pg_bin_dir"), True), newest.path,
                                  job.deadline, job.secrets)
    except ResourceError:
        tables = None
    return {**newest.as_dict(), "database": job.database, "tables": tables}
