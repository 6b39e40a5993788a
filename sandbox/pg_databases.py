"""Real databases and login roles on a local PostgreSQL, for the Postgres instances the sandbox serves.

The sandbox connects with an admin URL (``--pg-url`` / ``SANDBOX_PG_URL``). Everything it creates is
marked with ``COMMENT ON DATABASE/ROLE '<MARK> <state dir>'``: it only ever drops what carries its
own mark, or the mark of a sandbox whose state dir is gone. psycopg2 is imported only when a
PostgreSQL is configured.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

MARK = "launchkit-sandbox"
CONNECT_TIMEOUT = 5
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5432


class PgUnavailable(Exception):
    """The sandbox's PostgreSQL cannot be reached or refused an admin statement."""


@dataclass(frozen=True)
class PgLogin:
    """One database and the role that owns it."""

    database: str
    user: str
    password: str

    def url(self, host: str, port: int) -> str:
        return (f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
                f"@{host}:{port}/{quote(self.database, safe='')}")


class PgServer:
    """Admin access to one PostgreSQL server: create, suspend, resume, restart and drop databases."""

    def __init__(self, admin_url: str, owner_tag: str) -> None:
        self.admin_url = admin_url
        self.mark = f"{MARK} {owner_tag}"
        parts = urlsplit(admin_url)
        hostname = parts.hostname or ""
        self.host = hostname if hostname and not hostname.startswith("/") else DEFAULT_HOST
        self.port = parts.port or DEFAULT_PORT

    def describe(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "mark": self.mark}

    # --- connections -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _admin(self, database: str | None = None) -> Iterator[Any]:
        """An autocommit cursor on the admin URL (or, as admin, in ``database``); every failure becomes
        PgUnavailable."""
        try:
            import psycopg2  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            raise PgUnavailable("psycopg2 is not installed in the sandbox's Python") from exc
        url = self.admin_url
        if database is not None:
            url = urlunsplit(urlsplit(url)._replace(path=f"/{quote(database, safe='')}"))
        try:
            connection = psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT)
        except psycopg2.Error as exc:
            raise PgUnavailable(f"cannot connect to the sandbox PostgreSQL at {self.host}:{self.port}: "
                                f"{str(exc).strip()}") from exc
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                yield cursor
        except psycopg2.Error as exc:
            raise PgUnavailable(f"the sandbox PostgreSQL refused: {str(exc).strip()}") from exc
        finally:
            connection.close()

    @staticmethod
    def _sql() -> Any:
        from psycopg2 import sql  # pylint: disable=import-outside-toplevel

        return sql

    # --- names -------------------------------------------------------------------------------
    def taken(self, database: str | None = None, user: str | None = None) -> list[str]:
        """Which of the given names already exist on the server (databases and roles are cluster-wide)."""
        found: list[str] = []
        with self._admin() as cursor:
            if database is not None:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                if cursor.fetchone():
                    found.append(f"database {database!r}")
            if user is not None:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
                if cursor.fetchone():
                    found.append(f"role {user!r}")
        return found

    # --- lifecycle ---------------------------------------------------------------------------
    def create(self, login: PgLogin) -> None:
        """A login role with the password, a UTF8 database it owns, both marked; no other role may connect."""
        sql = self._sql()
        user, database = sql.Identifier(login.user), sql.Identifier(login.database)
        mark = sql.Literal(self.mark)
        with self._admin() as cursor:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(user, sql.Literal(login.password)))
            cursor.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(user, mark))
            try:
                cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8' "
                                       "LC_COLLATE 'C' LC_CTYPE 'C'").format(database, user))
            except Exception:
                cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(user))
                raise
            cursor.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(database, mark))
            cursor.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))

    def add_user(self, database: str, user: str, password: str, like: str) -> None:
        """Another login role, marked, with the access of the role ``like`` (its member, inheriting its
        privileges: the database it owns, its objects)."""
        sql = self._sql()
        with self._admin() as cursor:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB INHERIT PASSWORD {}").format(
                sql.Identifier(user), sql.Literal(password)))
            cursor.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(sql.Identifier(user), sql.Literal(self.mark)))
            cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(like), sql.Identifier(user)))
            cursor.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(user)))

    def remove_user(self, database: str, user: str, heir: str) -> None:
        """Drop a login role of ours: its sessions end, what it owns in ``database`` (the database too)
        passes to ``heir``, then the role is gone and its password refused."""
        sql = self._sql()
        with self._admin() as cursor:
            if self._note(cursor, "pg_authid", "rolname", user) is None:
                return
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE usename = %s AND pid <> pg_backend_pid()", (user,))
        with self._admin(database) as cursor:
            cursor.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(user), sql.Identifier(heir)))
            cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(user)))
        with self._admin() as cursor:
            cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))

    def open_connections(self, users: list[str]) -> dict[str, int]:
        """How many sessions each of these roles has open."""
        with self._admin() as cursor:
            cursor.execute("SELECT usename, count(*) FROM pg_stat_activity WHERE usename = ANY(%s) GROUP BY usename",
                           (users,))
            found = dict(cursor.fetchall())
        return {user: int(found.get(user, 0)) for user in users}

    def allow_connections(self, database: str, allowed: bool) -> None:
        """Suspend (False: new connections refused, open ones ended) or resume (True) a database."""
        sql = self._sql()
        with self._admin() as cursor:
            cursor.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(database), sql.Literal(allowed)))
            if not allowed:
                self._terminate(cursor, database)

    def restart(self, database: str) -> None:
        """End every open connection to the database, as a server restart would."""
        with self._admin() as cursor:
            self._terminate(cursor, database)

    @staticmethod
    def _terminate(cursor: Any, database: str) -> None:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))

    def drop(self, login: PgLogin, users: tuple[str, ...] = ()) -> None:
        """Drop the database (even with open connections), its role and its other ``users``, only when
        they carry our mark."""
        with self._admin() as cursor:
            self._drop_marked(cursor, [login.database], [login.user, *users])

    def drop_all(self) -> list[str]:
        """Drop every database and role carrying this sandbox's mark or that of a sandbox whose state
        dir no longer exists; answer what was dropped."""
        with self._admin() as cursor:
            cursor.execute("SELECT d.datname, s.description FROM pg_database d JOIN pg_shdescription s "
                           "ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass "
                           "WHERE s.description LIKE %s", (f"{MARK} %",))
            databases = [name for name, note in cursor.fetchall() if self._ours_or_orphan(note)]
            cursor.execute("SELECT r.rolname, s.description FROM pg_roles r JOIN pg_shdescription s "
                           "ON s.objoid = r.oid AND s.classoid = 'pg_authid'::regclass "
                           "WHERE s.description LIKE %s", (f"{MARK} %",))
            roles = [name for name, note in cursor.fetchall() if self._ours_or_orphan(note)]
            self._drop_marked(cursor, databases, roles)
        return [*databases, *roles]

    def _ours_or_orphan(self, note: str) -> bool:
        if note == self.mark:
            return True
        owner_dir = note[len(MARK) + 1:]
        return owner_dir.startswith("/") and not Path(owner_dir).exists()

    def _drop_marked(self, cursor: Any, databases: list[str], roles: list[str]) -> None:
        sql = self._sql()
        for database in databases:
            if self._note(cursor, "pg_database", "datname", database) is not None:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        for role in roles:
            if self._note(cursor, "pg_authid", "rolname", role) is None:
                continue
            try:
                cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            except Exception as exc:  # noqa: BLE001 - a role still owning objects elsewhere stays, logged
                print(f"sandbox: cannot drop PostgreSQL role {role}: {str(exc).strip()}", file=sys.stderr)

    def _note(self, cursor: Any, catalog: str, column: str, name: str) -> str | None:
        """The mark on an object of ours (this sandbox's or an orphan's), else None (never touch it)."""
        sql = self._sql()
        cursor.execute(sql.SQL("SELECT s.description FROM {catalog} c JOIN pg_shdescription s "
                               "ON s.objoid = c.oid AND s.classoid = {regclass}::regclass "
                               "WHERE c.{column} = %s").format(
            catalog=sql.Identifier(catalog), regclass=sql.Literal(catalog), column=sql.Identifier(column)),
            (name,))
        row = cursor.fetchone()
        return row[0] if row and row[0].startswith(f"{MARK} ") and self._ours_or_orphan(row[0]) else None
