# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of postgres_migrate and postgres_check against a real PostgreSQL.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError

try:
    import psycopg2
    from psycopg2 import sql

    HAS_PSYCOPG2 = True
    PSYCOPG2_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_PSYCOPG2 = False
    PSYCOPG2_IMPORT_ERROR = exc

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_TABLE = "launchkit_migrations"
SCHEMES = ("postgres", "postgresql")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


# ------------------------------------------------------------------------------ URL and connection
def url_secrets(url: str | None) -> list[str]:
    """The password of `url` as written and as decoded (libpq decodes %xx), to be masked."""
    if not url:
        return []
    raw = urlsplit(url).password
    return [raw, unquote(raw)] if raw else []


def redact(text: str, secrets: Secrets | list[str] | set[str]) -> str:
    values = secrets.values if isinstance(secrets, Secrets) else set(secrets)
    for value in sorted((v for v in values if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def where(url: str) -> str:
    """host:port/database of `url`, never its user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}/{parts.path.lstrip('/') or '(default)'}"


def url_database(url: str) -> str | None:
    """The database named in `url` (decoded), or None when it names none."""
    return unquote(urlsplit(url).path.lstrip("/")) or None


def with_database(url: str, database: str) -> str:
    """`url` pointing at another database of the same server, with the same credentials and query."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""), parts.query, parts.fragment))


# Query parameters that ORMs read from a DATABASE_URL but libpq refuses ("invalid URI query
# parameter"): Prisma's pgbouncer=true (Supabase's pooler URL carries it), connection_limit, pool_timeout,
# schema, socket_timeout, statement_cache_size, and its TLS spellings sslaccept/sslidentity. The
# controller's connections leave them out; the app keeps its URL as it is.
CLIENT_ONLY_PARAMS = frozenset({"pgbouncer", "connection_limit", "pool_timeout", "schema", "socket_timeout",
                                "statement_cache_size", "sslaccept", "sslidentity"})


def libpq_url(url: str) -> str:
    """`url` without the query parameters only ORMs understand (CLIENT_ONLY_PARAMS)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if key not in CLIENT_ONLY_PARAMS]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def url_sslmode(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("sslmode")
    return values[-1] if values else None


def connection_kwargs(url: str, sslmode: str | None, timeout: float) -> dict[str, Any]:
    """psycopg2.connect() arguments: the URL as DSN; an explicit sslmode wins over the URL's own."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(f"url must start with postgres:// or postgresql://, not {scheme or 'nothing'}://")
    in_url = url_sslmode(url)
    if in_url is not None and in_url not in SSLMODES:
        raise ValueError(f"the url's sslmode={in_url} is not one of {', '.join(SSLMODES)}")
    kwargs: dict[str, Any] = {"dsn": libpq_url(url), "connect_timeout": max(1, int(round(timeout)))}
    if sslmode:
        kwargs["sslmode"] = sslmode
    return kwargs


def connect(params: dict, secrets: Secrets) -> Any:
    secrets.add(*url_secrets(params["url"]))
    kwargs = connection_kwargs(params["url"], params.get("sslmode"), params.get("timeout") or 10)
    try:
        return psycopg2.connect(**kwargs)
    except psycopg2.Error as exc:
        raise ResourceError(redact(f"cannot connect to PostgreSQL at {where(params['url'])}: "
                                   f"{error_message(exc)}", secrets)) from None


def error_message(exc: Exception) -> str:
    text = (getattr(exc, "pgerror", None) or str(exc)).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


# ------------------------------------------------------------------------------- migrations, pure
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


# ----------------------------------------------------------------------------- migrations, database
def _ensure_table(cur: Any, parts: tuple[str, ...]) -> None:
    cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (version text PRIMARY KEY, checksum text NOT NULL, "
                        "applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL)")
                .format(sql.Identifier(*parts)))


def _read_applied(cur: Any, parts: tuple[str, ...]) -> dict[str, str]:
    cur.execute("SELECT to_regclass(%s)", (".".join(f'"{p}"' for p in parts),))
    if cur.fetchone()[0] is None:
        return {}
    cur.execute(sql.SQL("SELECT version, checksum FROM {}").format(sql.Identifier(*parts)))
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
            cur.execute(sql.SQL("INSERT INTO {} (version, checksum, duration_ms) VALUES (%s, %s, %s)")
                        .format(sql.Identifier(*parts)),
                        (migration.version, migration.checksum, int((time.perf_counter() - start) * 1000)))
        conn.commit()
    except psycopg2.Error as exc:
        conn.rollback()
        raise ResourceError(redact(f"migration {migration.version} failed and was rolled back: {error_message(exc)}",
                                   secrets), failed_migration=migration.version) from None


def run_migrations(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    parts = table_parts(params["table"])
    migrations = migration_files(params["path"])
    conn = connect(params, secrets)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            if not check_mode:
                # Held for the whole run: a second run waits here, then finds everything applied.
                cur.execute("SELECT pg_advisory_lock(%s)", (lock_key(params["table"]),))
                _ensure_table(cur, parts)
            applied = _read_applied(cur, parts)
        pending, skipped = plan(migrations, applied)
        done: list[str] = []
        if not check_mode and pending:
            conn.autocommit = False
            for migration in pending:
                try:
                    _apply(conn, parts, migration, secrets)
                except ResourceError as exc:
                    # The migrations before the failing one stay applied: say so.
                    exc.details.update(applied=list(done), changed=bool(done))
                    raise
                done.append(migration.version)
    except psycopg2.Error as exc:
        raise ResourceError(redact(f"migrations on {where(params['url'])} failed: {error_message(exc)}", secrets)) from None
    finally:
        conn.close()  # also releases the session's advisory lock
    names = [m.version for m in pending]
    result: dict[str, Any] = {
        "changed": bool(names) if check_mode else bool(done),
        "applied": done, "pending": len(names), "pending_files": names, "skipped_count": len(skipped),
        "warnings": [],
    }
    missing = sorted(set(applied) - {m.version for m in migrations})
    if missing:
        result["warnings"].append(f"applied migrations with no file in {params['path']}: {', '.join(missing)}")
    if names:
        result["diff"] = {"before": {"pending": names}, "after": {"pending": []},
                          "before_header": f"{params['table']} (pending)", "after_header": f"{params['table']} (applied)"}
    return result


# ------------------------------------------------------------------------------------------- check
def headroom(max_connections: int, reserved: int, used: int) -> dict[str, Any]:
    """Connections left for ordinary roles (superuser-reserved slots excluded)."""
    free = max(0, max_connections - reserved - used)
    return {"max_connections": max_connections, "superuser_reserved": reserved, "used": used, "free": free,
            "percent_used": round(used * 100.0 / max_connections, 1) if max_connections else 100.0}


def _check_write(conn: Any, schema: str) -> tuple[bool, str, str | None]:
    """Create, fill and read a scratch table, then roll back: (writable, where, why not)."""
    name = f"launchkit_check_{uuid.uuid4().hex[:12]}"
    attempts = [("schema", sql.SQL("CREATE TABLE {} (id integer)").format(sql.Identifier(schema, name)),
                 sql.Identifier(schema, name)),
                ("temp", sql.SQL("CREATE TEMP TABLE {} (id integer)").format(sql.Identifier(name)),
                 sql.Identifier(name))]
    reason = None
    for target, create, ident in attempts:
        try:
            with conn.cursor() as cur:
                cur.execute(create)
                cur.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(ident))
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(ident))
                ok = cur.fetchone()[0] == 1
            return ok, target, None
        except psycopg2.Error as exc:
            reason = error_message(exc)
        finally:
            conn.rollback()
    return False, "none", reason


def run_check(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    conn = connect(params, secrets)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
                        "current_database(), current_user, current_setting('max_connections')::int, "
                        "current_setting('superuser_reserved_connections')::int")
            version, version_num, database, user, max_conn, reserved = cur.fetchone()
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
            used = cur.fetchone()[0]
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                        "AND table_type = 'BASE TABLE' ORDER BY table_name", (params["schema"],))
            tables = [row[0] for row in cur.fetchall()]
        conn.rollback()
        writable, write_target, why = _check_write(conn, params["schema"])
    except psycopg2.Error as exc:
        raise ResourceError(redact(f"PostgreSQL check of {where(params['url'])} failed: {error_message(exc)}",
                                   secrets)) from None
    finally:
        conn.close()
    report = {"server_version": version, "server_version_num": version_num, "database": database, "user": user,
              "schema": params["schema"], "tables": tables, "writable": writable, "write_target": write_target,
              "connections": headroom(max_conn, reserved, used)}
    if why:
        report["write_error"] = redact(why, secrets)
    failures = []
    if params["require_write"] and not writable:
        failures.append(f"the role {user} cannot write ({report.get('write_error')})")
    free = report["connections"]["free"]
    if free < params["min_free_connections"]:
        failures.append(f"only {free} connection(s) free of max_connections={max_conn} ({used} in use, "
                        f"{reserved} reserved for superusers); min_free_connections is "
                        f"{params['min_free_connections']}: raise max_connections or add a pooler such as PgBouncer")
    if failures:
        raise ResourceError(redact(f"PostgreSQL check of {where(params['url'])} failed: " + "; ".join(failures),
                                   secrets), postgres=report)
    return {"changed": False, "postgres": report}
