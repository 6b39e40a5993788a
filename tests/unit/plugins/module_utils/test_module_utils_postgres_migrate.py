# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""postgres/migrate: migration order, checksums and plan, the lock, the tracking table; no password in any
message."""
from __future__ import annotations

import hashlib

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import migrate as pm
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from postgres_fakes import PASSWORD, URL, FakeConnection


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
    assert pm.checksum(b"SELECT 1;") == hashlib.sha256(b"SELECT 1;").hexdigest()


def test_files_are_sql_only_and_ordered_by_name(migrations_dir):
    found = pm.migration_files(str(migrations_dir))
    assert [m.version for m in found] == ["0001_users.sql", "0002_posts.sql", "0010_index.sql"]
    assert found[0].checksum == pm.checksum(b"CREATE TABLE users (id int);\n")
    assert found[0].path == str(migrations_dir / "0001_users.sql")


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(ResourceError, match="nowhere"):
        pm.migration_files(str(tmp_path / "nowhere"))


def test_empty_directory_has_nothing_to_do(tmp_path):
    assert pm.migration_files(str(tmp_path)) == []


# --------------------------------------------------------------------------------------------- plan
def _m(version: str, text: str = "") -> pm.Migration:
    return pm.Migration(version, pm.checksum((text or version).encode()), f"/m/{version}")


def test_plan_nothing_applied_means_all_pending_in_order():
    files = [_m("0001_a.sql"), _m("0002_b.sql")]
    pending, skipped = pm.plan(files, {})
    assert pending == files and skipped == []


def test_plan_skips_applied_and_keeps_order():
    files = [_m("0001_a.sql"), _m("0002_b.sql"), _m("0003_c.sql")]
    pending, skipped = pm.plan(files, {"0001_a.sql": files[0].checksum, "0003_c.sql": files[2].checksum})
    assert [m.version for m in pending] == ["0002_b.sql"]
    assert [m.version for m in skipped] == ["0001_a.sql", "0003_c.sql"]


def test_plan_all_applied_is_idle():
    files = [_m("0001_a.sql")]
    assert pm.plan(files, {"0001_a.sql": files[0].checksum}) == ([], files)


def test_plan_refuses_a_changed_applied_migration_by_name():
    files = [_m("0001_a.sql"), _m("0002_b.sql", "edited"), _m("0003_new.sql")]
    applied = {"0001_a.sql": files[0].checksum, "0002_b.sql": pm.checksum(b"original")}
    with pytest.raises(ResourceError) as caught:
        pm.plan(files, applied)
    assert "0002_b.sql" in str(caught.value)
    assert "0001_a.sql" not in str(caught.value)
    assert caught.value.details == {"changed_migrations": ["0002_b.sql"]}


def test_plan_ignores_applied_migrations_without_a_file():
    files = [_m("0002_b.sql")]
    pending, skipped = pm.plan(files, {"0001_gone.sql": "abc"})
    assert pending == files and skipped == []


# --------------------------------------------------------------------------------------- lock, table
def test_lock_key_is_stable_signed_64_bit_and_per_table():
    key = pm.lock_key("launchkit_migrations")
    assert key == pm.lock_key("launchkit_migrations")
    assert -(2 ** 63) <= key < 2 ** 63
    assert key != pm.lock_key("other_migrations")


@pytest.mark.parametrize("table, parts", [
    ("launchkit_migrations", ("launchkit_migrations",)),
    ("ops.schema_migrations", ("ops", "schema_migrations")),
])
def test_table_parts(table, parts):
    assert pm.table_parts(table) == parts


@pytest.mark.parametrize("table", ["a.b.c", "drop table x;", "1abc", "", "a-b"])
def test_table_parts_rejects_odd_names(table):
    with pytest.raises(ValueError):
        pm.table_parts(table)


def test_failing_migration_rolls_back_names_the_file_and_hides_the_password(tmp_path):
    path = tmp_path / "0002_bad.sql"
    path.write_text("SELEKT 1;")
    migration = pm.Migration("0002_bad.sql", pm.checksum(b"SELEKT 1;"), str(path))
    conn = FakeConnection(fail_on="SELEKT")
    secrets = Secrets()
    secrets.add(PASSWORD)
    with pytest.raises(ResourceError) as caught:
        pm._apply(conn, ("launchkit_migrations",), migration, secrets)
    assert "0002_bad.sql" in str(caught.value) and "syntax error" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert caught.value.details == {"failed_migration": "0002_bad.sql"}
    assert conn.rollbacks == 1 and conn.commits == 0


def test_a_migration_commits_with_its_tracking_row(tmp_path):
    path = tmp_path / "0001_ok.sql"
    path.write_text("CREATE TABLE t (id int);")
    migration = pm.Migration("0001_ok.sql", pm.checksum(b"CREATE TABLE t (id int);"), str(path))
    conn = FakeConnection()
    pm._apply(conn, ("launchkit_migrations",), migration, Secrets())
    assert conn.executed[0] == "CREATE TABLE t (id int);"
    assert "INSERT INTO" in conn.executed[1]
    assert conn.commits == 1 and conn.rollbacks == 0


def test_run_migrations_in_check_mode_takes_no_lock_and_writes_nothing(monkeypatch, migrations_dir):
    conn = FakeConnection(rows=[(None,)])  # to_regclass: no tracking table yet
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: conn)
    params = {"url": URL, "path": str(migrations_dir), "table": "launchkit_migrations", "sslmode": None, "timeout": 5}
    result = pm.run_migrations(params, True, Secrets())
    assert result["changed"] is True and result["applied"] == []
    assert result["pending_files"] == ["0001_users.sql", "0002_posts.sql", "0010_index.sql"]
    assert result["diff"]["before"]["pending"] == result["pending_files"]
    assert not any("advisory" in q or "CREATE" in q or "INSERT" in q for q in conn.executed)
    assert conn.closed
