# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of postgres_check (does a PostgreSQL URL work for the app?).

Not a public API; it may change between any two releases.

Reads the server, database, role and tables, proves the role can write inside a transaction that is
rolled back, and measures the connection headroom. Nothing is ever kept.
"""
from __future__ import annotations

import uuid
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import unknown_target
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

ARGUMENT_SPEC = pg.connection_options(
    schema={"type": "str", "default": "public"},
    min_free_connections={"type": "int", "default": 5},
    require_write={"type": "bool", "default": True},
)

SERVER_SQL = ("SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
              "current_database(), current_user, current_setting('max_connections')::int, "
              "current_setting('superuser_reserved_connections')::int")
USED_SQL = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
TABLES_SQL = ("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
              "AND table_type = 'BASE TABLE' ORDER BY table_name")


def headroom(max_connections: int, reserved: int, used: int) -> dict[str, Any]:
    """Connections left for ordinary roles (superuser-reserved slots excluded)."""
    free = max(0, max_connections - reserved - used)
    return {"max_connections": max_connections, "superuser_reserved": reserved, "used": used, "free": free,
            "percent_used": round(used * 100.0 / max_connections, 1) if max_connections else 100.0}


def _check_write(conn: Any, schema: str) -> tuple[bool, str, str | None]:
    """Create, fill and read a scratch table, then roll back: (writable, where, why not)."""
    name = f"launchkit_check_{uuid.uuid4().hex[:12]}"
    attempts = [("schema", "CREATE TABLE {} (id integer)", (schema, name)),
                ("temp", "CREATE TEMP TABLE {} (id integer)", (name,))]
    reason = None
    for target, create, names in attempts:
        try:
            with conn.cursor() as cur:
                cur.execute(pg.statement(create, *names))
                cur.execute(pg.statement("INSERT INTO {} VALUES (1)", *names))
                cur.execute(pg.statement("SELECT count(*) FROM {}", *names))
                ok = cur.fetchone()[0] == 1
            return ok, target, None
        except pg.psycopg2.Error as exc:
            reason = pg.error_message(exc)
        finally:
            conn.rollback()
    return False, "none", reason


def _read(conn: Any, schema: str) -> dict[str, Any]:
    """What the server says about itself, the role, its connections and the tables of `schema`."""
    with conn.cursor() as cur:
        cur.execute(SERVER_SQL)
        version, version_num, database, user, max_conn, reserved = cur.fetchone()
        cur.execute(USED_SQL)
        used = cur.fetchone()[0]
        cur.execute(TABLES_SQL, (schema,))
        tables = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return {"server_version": version, "server_version_num": version_num, "database": database, "user": user,
            "schema": schema, "tables": tables, "connections": headroom(max_conn, reserved, used)}


def _failures(report: dict[str, Any], params: dict) -> list[str]:
    failures = []
    if params["require_write"] and not report["writable"]:
        failures.append(f"the role {report['user']} cannot write ({report.get('write_error')})")
    connections = report["connections"]
    if connections["free"] < params["min_free_connections"]:
        failures.append(f"only {connections['free']} connection(s) free of "
                        f"max_connections={connections['max_connections']} ({connections['used']} in use, "
                        f"{connections['superuser_reserved']} reserved for superusers); min_free_connections is "
                        f"{params['min_free_connections']}: raise max_connections or add a pooler such as PgBouncer")
    return failures


def run_check(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    """The report; a ResourceError (with the report) when the role cannot write or connections run short."""
    skipped = unknown_target("the database", params["url"], check_mode)
    if skipped is not None:
        return skipped
    conn = pg.connect(params, secrets)
    try:
        report = _read(conn, params["schema"])
        writable, write_target, why = _check_write(conn, params["schema"])
    except pg.psycopg2.Error as exc:
        raise pg.failure(f"PostgreSQL check of {pg.where(params['url'])} failed", exc, secrets) from None
    finally:
        conn.close()
    report.update(writable=writable, write_target=write_target)
    if why:
        report["write_error"] = secrets.redact(why)
    failures = _failures(report, params)
    if failures:
        raise ResourceError(secrets.redact(f"PostgreSQL check of {pg.where(params['url'])} failed: "
                                           + "; ".join(failures)), postgres=report)
    return {"changed": False, "postgres": report}
