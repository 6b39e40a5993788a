"""The PgBouncer that scripts/sandbox-up.sh starts in front of the sandbox's PostgreSQL (SANDBOX_PG_POOLER_URL):
a transaction pooler like Supabase's on port 6543.

Transaction mode is shown by what it does, not only by its config: a client holds a server connection only
for one transaction, so session state (a SET, a session-level advisory lock) that one client leaves on its
server connection is seen by the next client the pooler hands that connection to, and two clients in
transactions at once get two server connections. That is why migrations must not go through it.

The tests make their own login role and database the way the seed does (sandbox/pg_databases.py), so no
other client shares their pool, and drop them afterwards.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from conftest import pg_admin_url, pg_pooler_url
from sandbox.pg_databases import PgLogin, PgServer
from tests.pooler_console import pooler_show

LOCK_KEY = 7_013_013


def address(url: str) -> str:
    """host:port of a postgresql:// URL (no user, no password)."""
    return url.split("://", 1)[1].rsplit("@", 1)[-1].split("/", 1)[0]


def connect(login: PgLogin, url: str, password: str | None = None):
    host, port = address(url).rsplit(":", 1)
    return psycopg2.connect(PgLogin(login.database, login.user, password or login.password).url(host, int(port)),
                            connect_timeout=10)


def one(connection, sql: str, args: tuple = ()) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchone()


@pytest.fixture(name="login")
def fixture_login(tmp_path: Path) -> Iterator[PgLogin]:
    """A password-protected owner and its database, made as the seed makes them; dropped afterwards."""
    suffix = secrets.token_hex(4)
    login = PgLogin(f"pooled_{suffix}", f"pooled_{suffix}", secrets.token_urlsafe(12))
    server = PgServer(pg_admin_url(), str(tmp_path))
    server.create(login)
    yield login
    server.drop(login)


def test_the_pooler_lends_a_server_connection_per_transaction(login):
    url = pg_pooler_url()
    first, second = connect(login, url), connect(login, url)
    try:
        # First client, one transaction: session state left on its server connection, then commit.
        backend = one(first, "SELECT pg_backend_pid()")[0]
        one(first, "SELECT set_config('application_name', 'left-by-the-first-client', false)")
        one(first, "SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        first.commit()

        # The second client (the first is still connected) gets that server connection, and what the first
        # client's session set: its application_name and its advisory lock.
        seen = one(second, "SELECT pg_backend_pid(), current_setting('application_name'), (SELECT count(*) FROM "
                           "pg_locks WHERE locktype = 'advisory' AND objid = %s AND pid = pg_backend_pid())",
                   (LOCK_KEY,))
        assert seen == (backend, "left-by-the-first-client", 1)
        second.commit()

        # Two transactions open at once: two server connections.
        mine = one(first, "SELECT pg_backend_pid()")[0]
        other = one(second, "SELECT pg_backend_pid()")[0]
        assert mine != other
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()

    # Directly, each client is its own session: the second sees nothing of the first's.
    direct = pg_admin_url()
    first, second = connect(login, direct), connect(login, direct)
    try:
        one(first, "SELECT set_config('application_name', 'left-by-the-first-client', false)")
        first.commit()
        assert one(second, "SELECT current_setting('application_name')") == ("",)
    finally:
        first.close()
        second.close()


def test_the_pooler_says_transaction_mode_and_counts_the_transactions(login):
    connection = connect(login, pg_pooler_url())
    try:
        for _transaction in range(3):
            one(connection, "SELECT 1")
            connection.commit()
    finally:
        connection.close()
    pools = {(row["database"], row["user"]): row for row in pooler_show("POOLS")}
    counts = {row["database"]: row for row in pooler_show("STATS")}
    assert pools[(login.database, login.user)]["pool_mode"] == "transaction"
    assert counts[login.database]["total_xact_count"] >= 3


def test_roles_log_in_with_their_own_passwords_only(login):
    url = pg_pooler_url()
    # A role made after the pooler started logs in without a reload (auth_query reads its secret at login).
    connection = connect(login, url)
    assert one(connection, "SELECT current_user, current_database()") == (login.user, login.database)
    connection.close()

    with pytest.raises(psycopg2.OperationalError, match="authentication failed"):
        connect(login, url, password="not-" + login.password)
    # The admin role gets no secret from the pooler: it is trusted only directly.
    admin = PgLogin("postgres", "postgres", "any")
    with pytest.raises(psycopg2.OperationalError):
        connect(admin, url)

    # A new password (a rotation) counts at the next login; the old one is refused.
    rotated = secrets.token_urlsafe(12)
    admin_connection = psycopg2.connect(pg_admin_url(), connect_timeout=10)
    admin_connection.autocommit = True
    try:
        with admin_connection.cursor() as cursor:
            cursor.execute(f'ALTER ROLE "{login.user}" PASSWORD %s', (rotated,))
    finally:
        admin_connection.close()
    connection = connect(login, url, password=rotated)
    assert one(connection, "SELECT current_user") == (login.user,)
    connection.close()
    with pytest.raises(psycopg2.OperationalError, match="authentication failed"):
        connect(login, url)


def test_the_env_file_gives_the_pooler_without_any_login():
    url = pg_pooler_url()
    assert url.startswith("postgresql://127.0.0.1:") and url.endswith("/postgres") and "@" not in url
    assert address(url) != address(pg_admin_url())


def test_after_a_failed_server_login_the_pooler_backs_off_and_the_collection_waits_it_out(login, tmp_path):
    """PgBouncer refuses every login to a database for server_login_retry (15 s) once a server login to it
    failed, as here while the database is gone: the postgres modules' connect tries again until it is let in."""
    server = PgServer(pg_admin_url(), str(tmp_path))
    server.drop(login)
    host, port = address(pg_pooler_url()).rsplit(":", 1)
    with pytest.raises(psycopg2.OperationalError):  # the database is gone: the pooler's server login fails
        psycopg2.connect(login.url(host, int(port)), connect_timeout=3)
    server.create(login)
    with pytest.raises(psycopg2.OperationalError, match="server login has been failing"):
        connect(login, pg_pooler_url())
    connection = pg.connect({"url": login.url(host, int(port)), "sslmode": None, "timeout": 10}, Secrets())
    try:
        assert one(connection, "SELECT current_database()") == (login.database,)
    finally:
        connection.close()
