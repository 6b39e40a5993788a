# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of postgres_migrate (ordered, checksummed SQL migrations, once).

Not a public API; it may change between any two releases.

Each migration runs in its own transaction together with its row in the tracking table, under an
advisory lock held for the whole run, so two runs never both migrate.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import is_unknown, refuse_unknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

DEFAULT_TABLE = "launchkit_migrations"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

ARGUMENT_SPEC = pg.connection_options(
    path={"type": "path", "required": True},
    table={"type": "str", "default": DEFAULT_TABLE},
)


# ------------------------------------------------------------------------------------------ pure
@dataclass(frozen=True)
class Migration:
    version: str
    checksum: str
    path: str


def checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def migration_files(path: str) -> list[Migration]:
    """The *.sql files of `path`, ordered by name (0001_..., 0002_...)."""
    if not os.path.isdir(path):
        raise ResourceError(f"migrations directory {path} does not exist")
    migrations = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if name.endswith(".sql") and os.path.isfile(full):
            with open(full, "rb") as handle:
                migrations.append(Migration(name, checksum(handle.read()), full))
    return migrations


def plan(migrations: list[Migration], applied: dict[str, str]) -> tuple[list[Migration], list[Migration]]:
    """(pending, skipped); an applied migration whose file changed since is refused."""
    changed = [m.version for m in migrations if m.version in applied and applied[m.version] != m.checksum]
    if changed:
        raise ResourceError(
            f"applied migration(s) changed since they ran: {', '.join(changed)}; an applied migration is never "
            "re-run: restore the file and put the change into a new migration", changed_migrations=changed)
    pending = [m for m in migrations if m.version not in applied]
    skipped = [m for m in migrations if m.version in applied]
    return pending, skipped


def lock_key(table: str) -> int:
    """A fixed signed 64-bit advisory lock key for `table`, the same in every run."""
    digest = hashlib.sha256(f"launchkit.paas.postgres_migrate:{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def table_parts(table: str) -> tuple[str, ...]:
    parts = tuple(table.split("."))
    if len(parts) > 2 or not all(_IDENT.match(p) for p in parts):
        raise ValueError(f"table must be a name or schema.name of letters, digits and _, not {table!r}")
    return parts


# -------------------------------------------------------------------------------------- database
def _ensure_table(cur: Any, parts: tuple[str, ...]) -> None:
    cur.execute(pg.statement("CREATE TABLE IF NOT EXISTS {} (version text PRIMARY KEY, checksum text NOT NULL, "
                             "applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL)", *parts))


def _read_applied(cur: Any, parts: tuple[str, ...]) -> dict[str, str]:
    cur.execute("SELECT to_regclass(%s)", (".".join(f'"{p}"' for p in parts),))
    if cur.fetchone()[0] is None:
        return {}
    cur.execute(pg.statement("SELECT version, checksum FROM {}", *parts))
    return dict(cur.fetchall())


def _apply(conn: Any, parts: tuple[str, ...], migration: Migration, secrets: Secrets) -> None:
    with open(migration.path, encoding="utf-8") as handle:
        text = handle.read()
    if checksum(text.encode("utf-8")) != migration.checksum:
        raise ResourceError(f"migration {migration.version} changed while running; nothing of it was applied")
    start = time.perf_counter()
    try:
        with conn.cursor() as cur:
            cur.execute(text)
            cur.execute(pg.statement("INSERT INTO {} (version, checksum, duration_ms) VALUES (%s, %s, %s)", *parts),
                        (migration.version, migration.checksum, int((time.perf_counter() - start) * 1000)))
        conn.commit()
    except pg.psycopg2.Error as exc:
        conn.rollback()
        raise pg.failure(f"migration {migration.version} failed and was rolled back", exc, secrets,
                         failed_migration=migration.version) from None


def _read_state(conn: Any, params: dict, parts: tuple[str, ...], check_mode: bool) -> dict[str, str]:
    """The applied migrations; outside check mode, first take the lock and create the table."""
    conn.autocommit = True
    with conn.cursor() as cur:
        if not check_mode:
            # Held for the whole run: a second run waits here, then finds everything applied.
            cur.execute("SELECT pg_advisory_lock(%s)", (lock_key(params["table"]),))
            _ensure_table(cur, parts)
        return _read_applied(cur, parts)


def _apply_all(conn: Any, parts: tuple[str, ...], pending: list[Migration], secrets: Secrets) -> list[str]:
    """Apply `pending` in order; a failure says which were applied before it."""
    done: list[str] = []
    conn.autocommit = False
    for migration in pending:
        try:
            _apply(conn, parts, migration, secrets)
        except ResourceError as exc:
            exc.details.update(applied=list(done), changed=bool(done))
            raise
        done.append(migration.version)
    return done


# ------------------------------------------------------------------------------------------- run
def run_migrations(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    parts = table_parts(params["table"])
    migrations = migration_files(params["path"])
    if is_unknown(params["url"]):  # check mode, a database the run creates first: every migration is pending
        if not check_mode:
            refuse_unknown("url", params["url"])
        return _result(params, migrations, {}, check_mode)
    conn = pg.connect(params, secrets)
    try:
        applied = _read_state(conn, params, parts, check_mode)
        pending = plan(migrations, applied)[0]
        done = _apply_all(conn, parts, pending, secrets) if not check_mode and pending else []
    except pg.psycopg2.Error as exc:
        raise pg.failure(f"migrations on {pg.where(params['url'])} failed", exc, secrets) from None
    finally:
        conn.close()  # also releases the session's advisory lock
    return _result(params, migrations, applied, check_mode, done)


def _result(params: dict, migrations: list[Migration], applied: dict[str, str], check_mode: bool,
            done: list[str] | None = None) -> dict[str, Any]:
    pending, skipped = plan(migrations, applied)
    done = done or []
    names = [m.version for m in pending]
    result: dict[str, Any] = {"changed": bool(names) if check_mode else bool(done), "applied": done,
                              "pending": len(names), "pending_files": names, "skipped_count": len(skipped),
                              "warnings": _orphans(params["path"], migrations, applied)}
    if names:
        result["diff"] = {"before": {"pending": names}, "after": {"pending": []},
                          "before_header": f"{params['table']} (pending)",
                          "after_header": f"{params['table']} (applied)"}
    return result


def _orphans(path: str, migrations: list[Migration], applied: dict[str, str]) -> list[str]:
    """The warning when applied migrations have no file any more."""
    missing = sorted(set(applied) - {m.version for m in migrations})
    return [f"applied migrations with no file in {path}: {', '.join(missing)}"] if missing else []
