# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of postgres_backup (pg_dump, retention, restore check).

Not a public API; it may change between any two releases.

A backup is ``<dest>/<prefix>-<UTC timestamp>.dump`` in pg_dump's custom format. pg_dump writes to a
hidden temporary name in the same directory; the file gets its final name only once the dump is
complete and, when asked, proven to restore, so a file with the final name is always a whole,
checked backup and retention never counts a bad one.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError

SUFFIX = ".dump"
STAMP = "%Y%m%dT%H%M%S"
PG_LIB = "/usr/lib/postgresql"
CONNECT_TIMEOUT = 30
SCRATCH_MARK = "_lk_restore_"
MAX_IDENTIFIER_BYTES = 63
STDERR_LINES = 20
_PREFIX = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,199}$")
_CLIENT_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )", re.MULTILINE)

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


# ------------------------------------------------------------------------------------ file names
@dataclass(frozen=True)
class Backup:
    path: str
    created_at: datetime
    size_bytes: int | None

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size_bytes": self.size_bytes, "created_at": iso(self.created_at)}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def backup_name(prefix: str, when: datetime) -> str:
    """`<prefix>-20250301T020000.123Z.dump`: UTC, to the millisecond so quick runs never collide."""
    when = when.astimezone(timezone.utc)
    return f"{prefix}-{when.strftime(STAMP)}.{when.microsecond // 1000:03d}Z{SUFFIX}"


def name_pattern(prefix: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(prefix)}-(\d{{8}}T\d{{6}})(?:\.(\d{{1,6}}))?Z{re.escape(SUFFIX)}$")


def parse_name(name: str, prefix: str) -> datetime | None:
    """The UTC time in a backup file name of `prefix`, or None when the name is not one of its backups."""
    match = name_pattern(prefix).match(name)
    if not match:
        return None
    try:
        when = datetime.strptime(match[1], STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return when.replace(microsecond=int(match[2].ljust(6, "0"))) if match[2] else when


def list_backups(dest: str, prefix: str) -> list[Backup]:
    """The backups of `prefix` in `dest` (regular files only), newest first."""
    if not os.path.isdir(dest):
        return []
    found = []
    with os.scandir(dest) as entries:
        for entry in entries:
            when = parse_name(entry.name, prefix)
            if when is not None and entry.is_file(follow_symlinks=False):
                found.append(Backup(entry.path, when, entry.stat(follow_symlinks=False).st_size))
    return sorted(found, key=lambda b: (b.created_at, b.name), reverse=True)


def retention_split(backups: list[Backup], retention: int) -> tuple[list[Backup], list[Backup]]:
    """(kept, removed) of `backups` (newest first): the newest `retention` stay; 0 keeps all."""
    if retention <= 0:
        return list(backups), []
    return list(backups[:retention]), list(backups[retention:])


def needs_dump(newest: Backup | None, max_age: int, now: datetime) -> bool:
    """A dump is due unless the newest backup is younger than `max_age` seconds (0: always due)."""
    if max_age <= 0 or newest is None:
        return True
    return (now - newest.created_at).total_seconds() >= max_age


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


# ------------------------------------------------------------------------------------- versions
def client_version(text: str) -> int | None:
    """`pg_dump --version` output as a version number like the server's (15.4 -> 150004, 9.6.2 -> 90602)."""
    match = _CLIENT_VERSION.search(text or "")
    if not match:
        return None
    major, minor, patch = (int(part or 0) for part in match.groups())
    return major * 10000 + (minor if major >= 10 else minor * 100 + patch)


def major_key(version_num: int) -> tuple[int, int]:
    return (version_num // 10000, 0) if version_num >= 100000 else (version_num // 10000, version_num // 100 % 100)


def major_label(version_num: int) -> str:
    first, second = major_key(version_num)
    return f"{first}.{second}" if version_num < 100000 else str(first)


def installed_bin_dirs(root: str = PG_LIB) -> list[tuple[tuple[int, ...], str]]:
    """(version, bin dir) of the PostgreSQL installations under `root` with a pg_dump, newest first."""
    found = []
    for name in os.listdir(root) if os.path.isdir(root) else []:
        path = os.path.join(root, name, "bin")
        if re.fullmatch(r"\d+(\.\d+)?", name) and os.access(os.path.join(path, "pg_dump"), os.X_OK):
            found.append((tuple(int(p) for p in name.split(".")), path))
    return sorted(found, reverse=True)


def version_problem(client_num: int | None, server_num: int, pg_dump: str, root: str = PG_LIB) -> str | None:
    """The warning when pg_dump is older than the server's major version (pg_dump then refuses to dump)."""
    if client_num is None or major_key(client_num) >= major_key(server_num):
        return None
    server = major_label(server_num)
    text = (f"pg_dump {major_label(client_num)} ({pg_dump}) is older than the server's PostgreSQL {server} and "
            f"cannot dump it: install the PostgreSQL {server} client tools (Debian and Ubuntu: the package "
            f"postgresql-client-{server}, from apt.postgresql.org when the release has none) and set pg_bin_dir "
            "to their bin directory")
    newer = [path for version, path in installed_bin_dirs(root) if version >= major_key(server_num)[:len(version)]]
    if newer:
        text += f"; {newer[0]} has one: set pg_bin_dir: {newer[0]}"
    return text


# ---------------------------------------------------------------------------------------- tools
def find_bin_dir(pg_bin_dir: str | None, need_restore: bool, root: str = PG_LIB) -> str:
    """Where pg_dump (and pg_restore) are: pg_bin_dir, else PATH, else the newest install under `root`."""
    tools = ["pg_dump", "pg_restore"] if need_restore else ["pg_dump"]
    if pg_bin_dir:
        missing = [t for t in tools if not os.access(os.path.join(pg_bin_dir, t), os.X_OK)]
        if missing:
            raise ResourceError(f"pg_bin_dir {pg_bin_dir} has no executable {' or '.join(missing)}")
        return pg_bin_dir
    on_path = shutil.which("pg_dump")
    if on_path and all(shutil.which(t) for t in tools):
        return os.path.dirname(on_path)
    installed = installed_bin_dirs(root)
    if installed:
        return installed[0][1]
    raise ResourceError("pg_dump was not found on PATH nor under /usr/lib/postgresql: install the PostgreSQL "
                        "client tools (Debian and Ubuntu: postgresql-client) or set pg_bin_dir")


def tool_target(url: str, sslmode: str | None) -> tuple[str, str | None]:
    """(`url` without its password, for a tool's argv; the password, for its environment).

    An sslmode option replaces the URL's own, as it does for the psycopg2 connections.
    """
    parts = urlsplit(url)
    user_info, at, host = parts.netloc.rpartition("@")
    user, colon, raw_password = user_info.partition(":")
    password = unquote(raw_password) if colon and raw_password else None
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "password":
            password = value or password
        elif key in pg.CLIENT_ONLY_PARAMS:  # pg_dump refuses them as libpq does
            continue
        elif not (sslmode and key == "sslmode"):
            query.append((key, value))
    if sslmode:
        query.append(("sslmode", sslmode))
    netloc = f"{user}@{host}" if at and user else host
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), "")), password


def tool_env(password: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    env.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT))
    return env


def stderr_tail(text: str, secrets: Secrets) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return pg.redact(" | ".join(lines[-STDERR_LINES:]), secrets) or "no message"


class Deadline:
    """What is left of the module's timeout for the next tool."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, what: str) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise ResourceError(f"timeout of {self.seconds:g} s reached before {what}")
        return remaining


def run_tool(argv: list[str], password: str | None, deadline: Deadline, what: str,
             secrets: Secrets) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, env=tool_env(password), capture_output=True, text=True, check=False,
                              timeout=deadline.left(what))
    except subprocess.TimeoutExpired:
        raise ResourceError(f"{what} did not finish within the timeout of {deadline.seconds:g} s") from None
    except OSError as exc:
        raise ResourceError(pg.redact(f"cannot run {argv[0]}: {exc}", secrets)) from None


def tool_version(pg_dump: str, secrets: Secrets) -> int | None:
    done = run_tool([pg_dump, "--version"], None, Deadline(60), f"{pg_dump} --version", secrets)
    return client_version(done.stdout) if done.returncode == 0 else None


def toc_tables(bin_dir: str, path: str, deadline: Deadline, secrets: Secrets) -> int | None:
    """How many tables the archive at `path` holds, from its table of contents (None when unreadable)."""
    done = run_tool([os.path.join(bin_dir, "pg_restore"), "--list", path], None, deadline, "pg_restore --list",
                    secrets)
    return len(_TOC_TABLE.findall(done.stdout)) if done.returncode == 0 else None


# ------------------------------------------------------------------------------------- databases
def _connect(url: str, params: dict, secrets: Secrets) -> Any:
    return pg.connect({"url": url, "sslmode": params.get("sslmode"),
                       "timeout": min(CONNECT_TIMEOUT, params["timeout"])}, secrets)


def list_tables(cur: Any) -> list[tuple[str, str]]:
    cur.execute(TABLES_SQL)
    return [tuple(row) for row in cur.fetchall()]


def count_rows(cur: Any, tables: list[tuple[str, str]]) -> dict[str, int]:
    rows = {}
    for schema, name in tables:
        cur.execute(pg.sql.SQL("SELECT count(*) FROM {}").format(pg.sql.Identifier(schema, name)))
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


# ------------------------------------------------------------------------------------- the backup
@dataclass
class Dump:
    """A complete pg_dump archive at a temporary path, with what the source held when it was taken."""
    path: str
    database: str
    tables: int
    rows: dict[str, int]


def write_dump(params: dict, options: dict, bin_dir: str, name: str, secrets: Secrets, deadline: Deadline,
               warnings: list[str]) -> Dump:
    """pg_dump the source into a hidden 0600 file in dest; nothing is left behind when it fails."""
    url = params["url"]
    pg_dump = os.path.join(bin_dir, "pg_dump")
    conn = _connect(url, params, secrets)
    try:
        problem = version_problem(tool_version(pg_dump, secrets), conn.server_version, pg_dump)
        if problem:
            warnings.append(problem)
        snapshot = open_snapshot(conn, warnings)
        with conn.cursor() as cur:
            tables = list_tables(cur)
            rows = count_rows(cur, tables) if params["restore_check"] else {}
        fd, tmp = tempfile.mkstemp(dir=options["dest"], prefix=f".{name}.", suffix=".partial")
        os.close(fd)
        try:
            target, password = tool_target(url, params.get("sslmode"))
            argv = [pg_dump, "--format=custom", f"--file={tmp}", "--no-password"]
            argv += [f"--snapshot={snapshot}"] if snapshot else []
            done = run_tool(argv + [f"--dbname={target}"], password, deadline, "pg_dump", secrets)
            if done.returncode != 0:
                hint = f"; {problem}" if problem else ""
                raise ResourceError(pg.redact(f"pg_dump of {pg.where(url)} failed (exit {done.returncode}): "
                                              f"{stderr_tail(done.stderr, secrets)}{hint}", secrets))
            os.chmod(tmp, 0o600)
            _fsync(tmp)
        except BaseException:
            _remove_quietly(tmp)
            raise
    except pg.psycopg2.Error as exc:
        raise ResourceError(pg.redact(f"reading the tables of {pg.where(url)} failed: {pg.error_message(exc)}",
                                      secrets)) from None
    finally:
        conn.close()
    return Dump(tmp, options["database"], len(tables), rows)


def restore_check(params: dict, bin_dir: str, dump: Dump, secrets: Secrets, deadline: Deadline,
                  warnings: list[str]) -> dict[str, Any]:
    """Restore `dump` into a scratch database, compare tables and row counts, always drop it."""
    admin_url = params.get("restore_check_url") or pg.with_database(params["url"], "postgres")
    if not pg.url_database(admin_url):
        admin_url = pg.with_database(admin_url, "postgres")
    scratch = scratch_name(dump.database)
    server = pg.where(admin_url).rsplit("/", 1)[0]
    try:
        admin = _connect(admin_url, params, secrets)
    except ResourceError as exc:
        raise ResourceError(f"restore check: {exc} (restore_check_url names the server and role that create "
                            "the scratch database; set restore_check: false to skip the check)") from None
    admin.autocommit = True
    try:
        try:
            with admin.cursor() as cur:
                cur.execute(pg.sql.SQL("CREATE DATABASE {}").format(pg.sql.Identifier(scratch)))
        except pg.psycopg2.Error as exc:
            raise ResourceError(pg.redact(
                f"restore check: cannot create the scratch database {scratch} on {server}: "
                f"{pg.error_message(exc)} (give restore_check_url a role that may create databases, or set "
                "restore_check: false)", secrets)) from None
        failure: ResourceError | None = None
        restored: dict[str, int] = {}
        try:
            restored = _restore_and_count(params, bin_dir, dump, pg.with_database(admin_url, scratch), scratch,
                                          secrets, deadline)
        except ResourceError as exc:
            failure = exc
        finally:
            left = _drop(admin, scratch, server, secrets)
    finally:
        admin.close()
    note = f"; {left}" if left else ""
    if failure is not None:
        raise ResourceError(f"{failure}{note}", **failure.details) from None
    differences = compare(dump.rows, restored)
    report = {"database": scratch, "tables": len(restored), "rows": sum(restored.values()),
              "table_rows": restored, "ok": not differences}
    if differences:
        raise ResourceError(f"restore check: the restore of {pg.where(params['url'])} into {scratch} differs from "
                            f"the source: {'; '.join(differences)}{note}",
                            restore_check={**report, "differences": differences})
    if left:
        warnings.append(left)
    return report


def _restore_and_count(params: dict, bin_dir: str, dump: Dump, scratch_url: str, scratch: str, secrets: Secrets,
                       deadline: Deadline) -> dict[str, int]:
    target, password = tool_target(scratch_url, params.get("sslmode"))
    argv = [os.path.join(bin_dir, "pg_restore"), "--no-owner", "--no-acl", "--no-password",
            f"--dbname={target}", dump.path]
    done = run_tool(argv, password, deadline, "pg_restore", secrets)
    if done.returncode != 0:
        raise ResourceError(pg.redact(f"restore check: pg_restore of the new dump of {pg.where(params['url'])} into "
                                      f"{scratch} failed (exit {done.returncode}): "
                                      f"{stderr_tail(done.stderr, secrets)}", secrets))
    conn = _connect(scratch_url, params, secrets)
    try:
        with conn.cursor() as cur:
            return count_rows(cur, list_tables(cur))
    except pg.psycopg2.Error as exc:
        raise ResourceError(pg.redact(f"restore check: counting the rows of {scratch} failed: "
                                      f"{pg.error_message(exc)}", secrets)) from None
    finally:
        conn.close()


def _drop(admin: Any, scratch: str, server: str, secrets: Secrets) -> str | None:
    """Drop the scratch database; what went wrong, if anything, for the user to finish by hand."""
    force = " WITH (FORCE)" if admin.server_version >= 130000 else ""
    try:
        with admin.cursor() as cur:
            cur.execute(pg.sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(pg.sql.Identifier(scratch)))
    except pg.psycopg2.Error as exc:
        return pg.redact(f"the scratch database {scratch} on {server} could not be dropped "
                         f"({pg.error_message(exc)}): drop it by hand", secrets)
    return None


def publish(tmp: str, final: str) -> None:
    """Give the checked dump its final name (never over an existing file) and make the rename durable."""
    if os.path.lexists(final):
        raise ResourceError(f"{final} already exists; it is left as it is")
    os.rename(tmp, final)
    _fsync_dir(os.path.dirname(final))


def _fsync(path: str) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot sync a directory; the rename itself is done
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def ensure_dest(dest: str) -> None:
    if not os.path.isdir(dest):
        os.makedirs(dest, mode=0o700, exist_ok=True)
        os.chmod(dest, 0o700)


def remove_backups(backups: list[Backup], secrets: Secrets) -> list[str]:
    removed, failed = [], []
    for backup in backups:
        try:
            os.unlink(backup.path)
            removed.append(backup.path)
        except FileNotFoundError:
            removed.append(backup.path)
        except OSError as exc:
            failed.append(f"{backup.path} ({exc.strerror})")
    if failed:
        raise ResourceError(pg.redact(f"retention could not remove {', '.join(failed)}", secrets),
                            removed=removed, changed=True)
    return removed


# ------------------------------------------------------------------------------------------ run
def _predict_dump(params: dict, bin_dir: str, secrets: Secrets, warnings: list[str]) -> None:
    """Check mode: connect (read only) and compare pg_dump's version with the server's."""
    pg_dump = os.path.join(bin_dir, "pg_dump")
    conn = _connect(params["url"], params, secrets)
    try:
        problem = version_problem(tool_version(pg_dump, secrets), conn.server_version, pg_dump)
    finally:
        conn.close()
    if problem:
        warnings.append(problem)


def run_backup(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    secrets.add(*pg.url_secrets(params["url"]), *pg.url_secrets(params.get("restore_check_url")))
    secrets.add(tool_target(params["url"], None)[1])
    if params.get("restore_check_url"):
        secrets.add(tool_target(params["restore_check_url"], None)[1])
    options = validate(params)
    dest, prefix = options["dest"], options["prefix"]
    now = utc_now()
    before = list_backups(dest, prefix)
    dump_due = needs_dump(before[0] if before else None, params["max_age"], now)
    warnings: list[str] = []
    deadline = Deadline(params["timeout"])
    backup: dict[str, Any] | None = None
    check: dict[str, Any] | None = None
    if check_mode:
        if dump_due:
            _predict_dump(params, find_bin_dir(params.get("pg_bin_dir"), params["restore_check"]), secrets,
                          warnings)
        planned = [Backup(os.path.join(dest, backup_name(prefix, now)), now, None)] if dump_due else []
        kept, gone = retention_split(planned + before, params["retention"])
        kept = [b for b in kept if b not in planned]
        removed = [b.path for b in gone]
        if not dump_due:
            backup = _existing(before[0], options, params, deadline, secrets)
    else:
        if dump_due:
            bin_dir = find_bin_dir(params.get("pg_bin_dir"), params["restore_check"])
            ensure_dest(dest)
            final = os.path.join(dest, backup_name(prefix, now))
            dump = write_dump(params, options, bin_dir, os.path.basename(final), secrets, deadline, warnings)
            try:
                if params["restore_check"]:
                    check = restore_check(params, bin_dir, dump, secrets, deadline, warnings)
                publish(dump.path, final)
            except ResourceError as exc:
                _remove_quietly(dump.path)
                raise ResourceError(f"{exc}; the new dump was deleted and the older backups are kept",
                                    **exc.details) from None
            except BaseException:
                _remove_quietly(dump.path)
                raise
            backup = {**Backup(final, now, os.path.getsize(final)).as_dict(), "database": dump.database,
                      "tables": dump.tables}
        kept, gone = retention_split(list_backups(dest, prefix), params["retention"])
        removed = remove_backups(gone, secrets)
        if not dump_due:
            backup = _existing((kept or before)[0], options, params, deadline, secrets)
    after = ([backup_name(prefix, now)] if check_mode and dump_due else []) + [b.name for b in kept]
    result: dict[str, Any] = {
        "changed": dump_due or bool(removed), "action": "dump" if dump_due else "none",
        "backup": backup, "backups": [b.as_dict() for b in kept], "removed": removed,
        "restore_check": check, "warnings": warnings,
    }
    if result["changed"]:
        result["diff"] = {"before": {"backups": [b.name for b in before]}, "after": {"backups": after},
                          "before_header": f"{dest} ({prefix})", "after_header": f"{dest} ({prefix})"}
    return result


def _existing(newest: Backup, options: dict, params: dict, deadline: Deadline, secrets: Secrets) -> dict[str, Any]:
    """The newest backup, reported when max_age made a new dump unnecessary."""
    try:
        tables = toc_tables(find_bin_dir(params.get("pg_bin_dir"), True), newest.path, deadline, secrets)
    except ResourceError:
        tables = None
    return {**newest.as_dict(), "database": options["database"], "tables": tables}
