# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_postgres: migration order, checksums and plan; URL and sslmode handling; no password in any message."""
from __future__ import annotations

import hashlib

import psycopg2
import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError

PASSWORD = "s3cret-Pa55"
URL = f"postgresql://app:{PASSWORD}@db.internal:6543/appdb"


# ------------------------------------------------------------------------------- files and checksums
@pytest.fixture
def migrations_dir(tmp_path):
    (tmp_path / "0002_posts.sql").write_text("CREATE TABLE posts (id int);\n")
    (tmp_path / "0001_users.sql").write_text("CREATE TABLE users (id int);\n")
    (tmp_path / "0010_index.sql").write_text("CREATE INDEX ON posts (id);\n")
    (tmp_path / "README.md").write_text("not a migration")
    (tmp_path / "0003_dir.sql").mkdir()
    return tmp_path


def test_checksum_is_sha256_of_the_bytes():
    assert pg.checksum(b"SELECT 1;") == hashlib.sha256(b"SELECT 1;").hexdigest()


def test_files_are_sql_only_and_ordered_by_name(migrations_dir):
    found = pg.migration_files(str(migrations_dir))
    assert [m.version for m in found] == ["0001_users.sql", "0002_posts.sql", "0010_index.sql"]
    assert found[0].checksum == pg.checksum(b"CREATE TABLE users (id int);\n")
    assert found[0].path == str(migrations_dir / "0001_users.sql")


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(ResourceError, match="nowhere"):
        pg.migration_files(str(tmp_path / "nowhere"))


def test_empty_directory_has_nothing_to_do(tmp_path):
    assert pg.migration_files(str(tmp_path)) == []


# --------------------------------------------------------------------------------------------- plan
def _m(version: str, text: str = "") -> pg.Migration:
    return pg.Migration(version, pg.checksum((text or version).encode()), f"/m/{version}")


def test_plan_nothing_applied_means_all_pending_in_order():
    files = [_m("0001_a.sql"), _m("0002_b.sql")]
    pending, skipped = pg.plan(files, {})
    assert pending == files and skipped == []


def test_plan_skips_applied_and_keeps_order():
    files = [_m("0001_a.sql"), _m("0002_b.sql"), _m("0003_c.sql")]
    pending, skipped = pg.plan(files, {"0001_a.sql": files[0].checksum, "0003_c.sql": files[2].checksum})
    assert [m.version for m in pending] == ["0002_b.sql"]
    assert [m.version for m in skipped] == ["0001_a.sql", "0003_c.sql"]


def test_plan_all_applied_is_idle():
    files = [_m("0001_a.sql")]
    assert pg.plan(files, {"0001_a.sql": files[0].checksum}) == ([], files)


def test_plan_refuses_a_changed_applied_migration_by_name():
    files = [_m("0001_a.sql"), _m("0002_b.sql", "edited"), _m("0003_new.sql")]
    applied = {"0001_a.sql": files[0].checksum, "0002_b.sql": pg.checksum(b"original")}
    with pytest.raises(ResourceError) as caught:
        pg.plan(files, applied)
    assert "0002_b.sql" in str(caught.value)
    assert "0001_a.sql" not in str(caught.value)
    assert caught.value.details == {"changed_migrations": ["0002_b.sql"]}


def test_plan_ignores_applied_migrations_without_a_file():
    files = [_m("0002_b.sql")]
    pending, skipped = pg.plan(files, {"0001_gone.sql": "abc"})
    assert pending == files and skipped == []


# --------------------------------------------------------------------------------------- lock, table
def test_lock_key_is_stable_signed_64_bit_and_per_table():
    key = pg.lock_key("launchkit_migrations")
    assert key == pg.lock_key("launchkit_migrations")
    assert -(2 ** 63) <= key < 2 ** 63
    assert key != pg.lock_key("other_migrations")


@pytest.mark.parametrize("table, parts", [
    ("launchkit_migrations", ("launchkit_migrations",)),
    ("ops.schema_migrations", ("ops", "schema_migrations")),
])
def test_table_parts(table, parts):
    assert pg.table_parts(table) == parts


@pytest.mark.parametrize("table", ["a.b.c", "drop table x;", "1abc", "", "a-b"])
def test_table_parts_rejects_odd_names(table):
    with pytest.raises(ValueError):
        pg.table_parts(table)


# --------------------------------------------------------------------------------------- URL, sslmode
def test_connection_kwargs_passes_the_url_and_no_sslmode_by_default():
    assert pg.connection_kwargs(URL, None, 10) == {"dsn": URL, "connect_timeout": 10}


def test_connection_kwargs_option_overrides_url_sslmode():
    kwargs = pg.connection_kwargs(URL + "?sslmode=disable", "verify-full", 2.4)
    assert kwargs["sslmode"] == "verify-full"
    assert kwargs["connect_timeout"] == 2


def test_connection_kwargs_keeps_the_url_sslmode_for_libpq():
    kwargs = pg.connection_kwargs(URL + "?sslmode=require", None, 0.1)
    assert "sslmode" not in kwargs and kwargs["dsn"].endswith("sslmode=require")
    assert kwargs["connect_timeout"] == 1


def test_url_sslmode():
    assert pg.url_sslmode(URL + "?application_name=x&sslmode=verify-ca") == "verify-ca"
    assert pg.url_sslmode(URL) is None


def test_bad_url_sslmode_is_refused_without_the_password():
    with pytest.raises(ValueError) as caught:
        pg.connection_kwargs(URL + "?sslmode=sometimes", None, 5)
    assert "sslmode=sometimes" in str(caught.value) and PASSWORD not in str(caught.value)


@pytest.mark.parametrize("url", [f"mysql://root:{PASSWORD}@h/db", "db.internal:5432", ""])
def test_non_postgres_urls_are_refused_without_the_password(url):
    with pytest.raises(ValueError) as caught:
        pg.connection_kwargs(url, None, 5)
    assert PASSWORD not in str(caught.value)


def test_where_never_shows_user_or_password():
    assert pg.where(URL) == "db.internal:6543/appdb"
    assert pg.where("postgres://h") == "h:5432/(default)"


def test_url_secrets_include_the_decoded_password():
    assert pg.url_secrets("postgres://u:p%40ss%2Fw@h/db") == ["p%40ss%2Fw", "p@ss/w"]
    assert pg.url_secrets("postgres://u@h/db") == []
    assert pg.url_secrets(None) == []


def test_redact_masks_longest_first():
    assert pg.redact("a p@ss/word b p@ss", ["p@ss", "p@ss/word"]) == "a ******** b ********"


# ------------------------------------------------------------------------- fakes: no password leaks
class FakeCursor:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, query, args=None):
        text = query if isinstance(query, str) else repr(query)
        self.conn.executed.append(text)
        if self.conn.fail_on and self.conn.fail_on in text:
            raise psycopg2.ProgrammingError(f"syntax error near password {PASSWORD}")
        self.last = text

    def fetchone(self):
        return self.conn.rows.pop(0)

    def fetchall(self):
        return self.conn.rows.pop(0)


class FakeConnection:
    def __init__(self, rows=None, fail_on=None):
        self.rows = list(rows or [])
        self.fail_on = fail_on
        self.executed: list[str] = []
        self.commits = 0
        self.rollbacks = 0
        self.closed = False
        self.autocommit = False

    def cursor(self):
        return FakeCursor(self)

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1

    def close(self):
        self.closed = True


def test_connect_failure_names_the_server_not_the_password(monkeypatch):
    def refuse(**kwargs):
        raise psycopg2.OperationalError(f'FATAL:  password authentication failed for user "app" ({PASSWORD})')

    monkeypatch.setattr(pg.psycopg2, "connect", refuse)
    secrets = Secrets()
    with pytest.raises(ResourceError) as caught:
        pg.connect({"url": URL, "sslmode": None, "timeout": 5}, secrets)
    message = str(caught.value)
    assert "db.internal:6543/appdb" in message and "password authentication failed" in message
    assert PASSWORD not in message
    assert PASSWORD in secrets.values


def test_failing_migration_rolls_back_names_the_file_and_hides_the_password(tmp_path):
    path = tmp_path / "0002_bad.sql"
    path.write_text("SELEKT 1;")
    migration = pg.Migration("0002_bad.sql", pg.checksum(b"SELEKT 1;"), str(path))
    conn = FakeConnection(fail_on="SELEKT")
    secrets = Secrets()
    secrets.add(PASSWORD)
    with pytest.raises(ResourceError) as caught:
        pg._apply(conn, ("launchkit_migrations",), migration, secrets)
    assert "0002_bad.sql" in str(caught.value) and "syntax error" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert caught.value.details == {"failed_migration": "0002_bad.sql"}
    assert conn.rollbacks == 1 and conn.commits == 0


def test_a_migration_commits_with_its_tracking_row(tmp_path):
    path = tmp_path / "0001_ok.sql"
    path.write_text("CREATE TABLE t (id int);")
    migration = pg.Migration("0001_ok.sql", pg.checksum(b"CREATE TABLE t (id int);"), str(path))
    conn = FakeConnection()
    pg._apply(conn, ("launchkit_migrations",), migration, Secrets())
    assert conn.executed[0] == "CREATE TABLE t (id int);"
    assert "INSERT INTO" in conn.executed[1]
    assert conn.commits == 1 and conn.rollbacks == 0


def test_run_migrations_in_check_mode_takes_no_lock_and_writes_nothing(monkeypatch, migrations_dir):
    conn = FakeConnection(rows=[(None,)])  # to_regclass: no tracking table yet
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: conn)
    params = {"url": URL, "path": str(migrations_dir), "table": "launchkit_migrations", "sslmode": None, "timeout": 5}
    result = pg.run_migrations(params, True, Secrets())
    assert result["changed"] is True and result["applied"] == []
    assert result["pending_files"] == ["0001_users.sql", "0002_posts.sql", "0010_index.sql"]
    assert result["diff"]["before"]["pending"] == result["pending_files"]
    assert not any("advisory" in q or "CREATE" in q or "INSERT" in q for q in conn.executed)
    assert conn.closed


# ---------------------------------------------------------------------------------------- headroom
def test_headroom():
    assert pg.headroom(100, 3, 17) == {"max_connections": 100, "superuser_reserved": 3, "used": 17,
                                       "free": 80, "percent_used": 17.0}
    assert pg.headroom(10, 3, 12)["free"] == 0


def _check_rows(used):
    return [("15.4", 150004, "appdb", "app", 20, 3), (used,), [("users",)], (1,)]


def test_check_reports_and_never_changes(monkeypatch):
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: FakeConnection(rows=_check_rows(5)))
    params = {"url": URL, "sslmode": None, "schema": "public", "min_free_connections": 5, "require_write": True,
              "timeout": 5}
    result = pg.run_check(params, False, Secrets())
    assert result["changed"] is False
    report = result["postgres"]
    assert report["tables"] == ["users"] and report["writable"] is True and report["write_target"] == "schema"
    assert report["connections"]["free"] == 12


def test_check_fails_on_low_headroom_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: FakeConnection(rows=_check_rows(15)))
    params = {"url": URL, "sslmode": None, "schema": "public", "min_free_connections": 5, "require_write": True,
              "timeout": 5}
    with pytest.raises(ResourceError) as caught:
        pg.run_check(params, False, Secrets())
    message = str(caught.value)
    assert "only 2 connection(s) free of max_connections=20" in message and "min_free_connections is 5" in message
    assert PASSWORD not in message
    assert caught.value.details["postgres"]["connections"]["free"] == 2


def test_check_write_falls_back_to_a_temp_table():
    conn = FakeConnection(rows=[(1,)], fail_on="Identifier('public'")
    writable, target, why = pg._check_write(conn, "public")
    assert (writable, target, why) == (True, "temp", None)
    assert conn.rollbacks == 2 and conn.commits == 0


def test_check_write_reports_why_not_and_the_check_fails_without_the_password(monkeypatch):
    conn = FakeConnection(rows=_check_rows(1)[:3], fail_on="CREATE")
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: conn)
    params = {"url": URL, "sslmode": None, "schema": "public", "min_free_connections": 5, "require_write": True,
              "timeout": 5}
    with pytest.raises(ResourceError) as caught:
        pg.run_check(params, False, Secrets())
    assert "cannot write" in str(caught.value) and PASSWORD not in str(caught.value)
    report = caught.value.details["postgres"]
    assert report["writable"] is False and report["write_target"] == "none"
    assert "syntax error" in report["write_error"] and PASSWORD not in report["write_error"]
    assert conn.commits == 0


def test_orm_only_query_parameters_are_left_out_of_the_controllers_connection():
    """Supabase's pooler URL for Prisma carries pgbouncer=true, which libpq refuses outright."""
    url = "postgresql://app:pw@pooler.supabase.com:6543/postgres?pgbouncer=true&connection_limit=1&sslmode=require"
    assert pg.libpq_url(url) == "postgresql://app:pw@pooler.supabase.com:6543/postgres?sslmode=require"
    assert pg.connection_kwargs(url, None, 5)["dsn"] == pg.libpq_url(url)
    plain = "postgresql://app:pw@db:5432/app?application_name=launchkit"
    assert pg.libpq_url(plain) == plain


def test_libpq_really_refuses_the_orm_parameters_it_is_given():
    """Why libpq_url exists: psycopg2 fails on the URL as the app has it, before any connection."""
    with pytest.raises(psycopg2.ProgrammingError, match="pgbouncer"):
        psycopg2.connect("postgresql://app:pw@127.0.0.1:1/app?pgbouncer=true", connect_timeout=1)
