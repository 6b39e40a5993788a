# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""postgres/backup: validation, the dump, the restore check, retention and check mode; pg_dump and
pg_restore faked at the process level and psycopg2 at the connection level, so the module's own
code runs in every test."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
from datetime import timedelta

import psycopg2
import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import backup as pb
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import backup_files as pf
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import tools as pt
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from postgres_fakes import PASSWORD, URL, touch


def params(dest, **overrides) -> dict:
    base = {"url": URL, "dest": str(dest), "prefix": None, "retention": 7, "max_age": 0, "restore_check": True,
            "restore_check_url": None, "sslmode": None, "pg_bin_dir": None, "timeout": 3600}
    return {**base, **overrides}


# -------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("overrides, message", [
    ({"retention": -1}, "retention must be 0 or more"),
    ({"max_age": -5}, "max_age must be 0 or more"),
    ({"timeout": 0}, "timeout must be more than 0"),
    ({"prefix": "../etc"}, "prefix '../etc'"),
    ({"prefix": "a b"}, "prefix 'a b'"),
    ({"url": f"postgresql://app:{PASSWORD}@db.internal:6543"}, r"url names no database \(db.internal:6543/"),
    ({"url": f"mysql://app:{PASSWORD}@db.internal/appdb"}, "postgres://"),
    ({"url": URL + "?sslmode=sometimes"}, "sslmode=sometimes"),
    ({"restore_check_url": f"http://x:{PASSWORD}@h/db"}, "restore_check_url: url must start with postgres"),
])
def test_validate_refuses_bad_arguments_without_the_password(tmp_path, overrides, message):
    with pytest.raises(ValueError, match=message) as caught:
        pb.validate(params(tmp_path, **overrides))
    assert PASSWORD not in str(caught.value)


def test_validate_refuses_a_file_as_dest_and_a_missing_bin_dir(tmp_path):
    touch(tmp_path / "file")
    with pytest.raises(ValueError, match="is not a directory"):
        pb.validate(params(tmp_path / "file"))
    with pytest.raises(ValueError, match="pg_bin_dir"):
        pb.validate(params(tmp_path, pg_bin_dir=str(tmp_path / "nowhere")))


def test_validate_defaults_the_prefix_to_the_database(tmp_path):
    assert pb.validate(params(tmp_path / "new")) == {"database": "appdb", "prefix": "appdb",
                                                     "dest": str(tmp_path / "new")}
    assert pb.validate(params(tmp_path, prefix="scoop_production"))["prefix"] == "scoop_production"
    assert pb.validate(params(tmp_path, url=URL.replace("appdb", "app%2Ddb")))["prefix"] == "app-db"


def test_scratch_name_fits_postgres_identifiers():
    name = pb.scratch_name("appdb")
    assert re.fullmatch(r"appdb_lk_restore_[0-9a-f]{8}", name)
    assert name != pb.scratch_name("appdb")
    long = pb.scratch_name("é" * 40)  # 80 bytes: cut to whole characters within 63 bytes
    assert len(long.encode()) == 62 and long.split("_lk_restore_", maxsplit=1)[0] == "é" * 21


# ------------------------------------------------------------------------------- fakes: processes
class Tools:
    """Stands in for subprocess.run: pg_dump writes a file, pg_restore 'restores'; records every call."""

    def __init__(self, version="pg_dump (PostgreSQL) 15.4", dump_rc=0, restore_rc=0, stderr=""):
        self.version, self.dump_rc, self.restore_rc, self.stderr = version, dump_rc, restore_rc, stderr
        self.calls: list[tuple[list[str], dict]] = []

    def __call__(self, argv, env=None, capture_output=False, text=False, check=False, timeout=None):
        assert check is False and timeout and timeout > 0
        self.calls.append((argv, env))
        tool = os.path.basename(argv[0])
        if "--version" in argv:
            return subprocess.CompletedProcess(argv, 0, self.version + "\n", "")
        if tool == "pg_dump":
            path = next(a.split("=", 1)[1] for a in argv if a.startswith("--file="))
            with open(path, "wb") as handle:
                handle.write(b"PGDMP" + b"\0" * 100)
            return subprocess.CompletedProcess(argv, self.dump_rc, "", self.stderr if self.dump_rc else "")
        return subprocess.CompletedProcess(argv, self.restore_rc, "", self.stderr if self.restore_rc else "")


# ----------------------------------------------------------------------------- fakes: connections
class FakeConnection:
    """A psycopg2 connection that is its own cursor and answers the queries the backup makes."""

    def __init__(self, dsn, rows=None, fail_on=None, server_version=150004):
        self.dsn = dsn
        self.rows = dict(rows or {})
        self.fail_on = fail_on
        self.server_version = server_version
        self.executed: list[str] = []
        self.result: list[tuple] = []
        self.closed = False
        self.autocommit = False
        self.session = None

    def cursor(self):
        return contextlib.nullcontext(self)

    def execute(self, query, args=None):
        text = query if isinstance(query, str) else repr(query)
        self.executed.append(text)
        if self.fail_on and self.fail_on in text:
            raise psycopg2.ProgrammingError(f"ERROR:  permission denied (password {PASSWORD})")
        if "pg_export_snapshot" in text:
            self.result = [("00000003-0000001B-1",)]
        elif "current_database()" in text:
            self.result = [(self.rows.get("_oid", "16384"),)]
        elif "pg_control_system" in text:
            self.result = [("7716016688101537606",)]
        elif "FROM pg_class" in text:
            self.result = [tuple(t.split(".")) for t in self.rows]
        elif "count(*)" in text:
            schema, name = re.search(r"Identifier\('([^']*)', '([^']*)'\)", text).groups()
            self.result = [(self.rows[f"{schema}.{name}"],)]

    def fetchone(self):
        return self.result[0]

    def fetchall(self):
        return self.result

    def set_session(self, **kwargs):
        self.session = kwargs

    def rollback(self):
        self.result = []

    def close(self):
        self.closed = True


class Server:
    """psycopg2.connect stand-in: the source, the maintenance database and scratch databases."""

    def __init__(self, source_rows, restored_rows=None, admin_fail_on=None, server_version=150004):
        self.source_rows = source_rows
        self.restored_rows = source_rows if restored_rows is None else restored_rows
        self.admin_fail_on = admin_fail_on
        self.server_version = server_version
        self.connections: list[FakeConnection] = []

    def __call__(self, dsn, connect_timeout=None, sslmode=None):
        database = pg.url_database(dsn)
        if pb.SCRATCH_MARK in database:
            conn = FakeConnection(dsn, self.restored_rows)
        elif database == "postgres":
            conn = FakeConnection(dsn, fail_on=self.admin_fail_on, server_version=self.server_version)
        else:
            conn = FakeConnection(dsn, self.source_rows, server_version=self.server_version)
        self.connections.append(conn)
        return conn

    def admin(self) -> FakeConnection:
        return next(c for c in self.connections if pg.url_database(c.dsn) == "postgres")


@pytest.fixture
def bin_dir(tmp_path):
    path = tmp_path / "bin"
    path.mkdir()
    for tool in ("pg_dump", "pg_restore"):
        touch(path / tool).chmod(0o755)
    return str(path)


def install(monkeypatch, tools: Tools, server: Server) -> None:
    monkeypatch.setattr(pt.subprocess, "run", tools)
    monkeypatch.setattr(pg.psycopg2, "connect", server)


ROWS = {"public.users": 3, "sales.orders": 5}
# The instance tag of the fake server's database: its system identifier and its oid.
TAG = "i" + hashlib.sha256(b"7716016688101537606/16384").hexdigest()[:10]
IDENTITY = {pb.IDENTITY_SQL, pb.SYSTEM_ID_SQL}


def only_identity_read(server) -> bool:
    return all(set(c.executed) <= IDENTITY for c in server.connections)


# ------------------------------------------------------------------------------------- the backup
def test_a_backup_is_dumped_checked_renamed_and_never_shows_the_password(tmp_path, bin_dir, monkeypatch):
    tools, server = Tools(), Server(ROWS)
    install(monkeypatch, tools, server)
    dest = tmp_path / "backups"
    result = pb.run_backup(params(dest, pg_bin_dir=bin_dir), False, Secrets())
    files = os.listdir(dest)
    assert len(files) == 1 and pf.parse_name(files[0], "appdb", TAG) is not None and result["instance"] == TAG
    assert oct(os.stat(dest / files[0]).st_mode & 0o777) == "0o600"
    assert oct(os.stat(dest).st_mode & 0o777) == "0o700"
    assert result["changed"] is True and result["action"] == "dump"
    assert result["backup"]["path"] == str(dest / files[0]) and result["backup"]["tables"] == 2
    assert result["backup"]["database"] == "appdb" and result["backup"]["size_bytes"] == 105
    assert result["restore_check"]["ok"] is True and result["restore_check"]["table_rows"] == ROWS
    assert result["restore_check"]["rows"] == 8
    for argv, env in tools.calls:
        assert not any(PASSWORD in arg for arg in argv)
    dump_argv, dump_env = next(c for c in tools.calls if c[0][0].endswith("pg_dump") and "--version" not in c[0])
    assert "--format=custom" in dump_argv and "--snapshot=00000003-0000001B-1" in dump_argv
    assert dump_env["PGPASSWORD"] == PASSWORD
    restore_argv = next(c[0] for c in tools.calls if c[0][0].endswith("pg_restore"))
    assert "--no-owner" in restore_argv and "--no-acl" in restore_argv
    scratch = result["restore_check"]["database"]
    assert server.admin().executed[-1].endswith(f"Identifier('{scratch}'), SQL(' WITH (FORCE)')])")
    assert all(c.closed for c in server.connections)
    identity, source = server.connections[:2]
    assert set(identity.executed) == IDENTITY
    assert source.session == {"isolation_level": "REPEATABLE READ", "readonly": True}


def test_a_failed_pg_dump_leaves_no_file_and_is_redacted(tmp_path, bin_dir, monkeypatch):
    stderr = f'pg_dump: error: connection to server failed: password "{PASSWORD}" refused\n'
    install(monkeypatch, Tools(dump_rc=1, stderr=stderr), Server(ROWS))
    with pytest.raises(ResourceError) as caught:
        pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir), False, Secrets())
    message = str(caught.value)
    assert message.startswith("pg_dump of db.internal:6543/appdb failed (exit 1): pg_dump: error:")
    assert PASSWORD not in message and "********" in message
    assert sorted(os.listdir(tmp_path)) == ["bin"]


def test_an_older_pg_dump_warns_and_its_failure_says_what_to_install(tmp_path, bin_dir, monkeypatch):
    tools = Tools(version="pg_dump (PostgreSQL) 15.4", dump_rc=1,
                  stderr="pg_dump: error: aborting because of server version mismatch\n")
    install(monkeypatch, tools, Server(ROWS, server_version=160002))
    with pytest.raises(ResourceError) as caught:
        pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir), False, Secrets())
    assert "server version mismatch" in str(caught.value)
    assert "postgresql-client-16" in str(caught.value)


def test_check_mode_warns_about_an_older_pg_dump_and_writes_nothing(tmp_path, bin_dir, monkeypatch):
    tools = Tools(version="pg_dump (PostgreSQL) 15.4")
    server = Server(ROWS, server_version=160002)
    install(monkeypatch, tools, server)
    result = pb.run_backup(params(tmp_path / "backups", pg_bin_dir=bin_dir), True, Secrets())
    assert result["changed"] is True and result["action"] == "dump" and result["backup"] is None
    assert any("postgresql-client-16" in w for w in result["warnings"])
    assert not (tmp_path / "backups").exists()
    assert [c[0][1] for c in tools.calls] == ["--version"]
    assert only_identity_read(server)


def test_a_restore_error_fails_drops_the_scratch_database_and_keeps_no_file(tmp_path, bin_dir, monkeypatch):
    touch(tmp_path / "appdb-20200101T000000Z.dump")
    server = Server(ROWS)
    install(monkeypatch, Tools(restore_rc=1, stderr=f"pg_restore: error: could not read from input file: end of "
                                                    f"file\npg_restore: for {PASSWORD}\n"), server)
    with pytest.raises(ResourceError) as caught:
        pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, retention=1), False, Secrets())
    message = str(caught.value)
    assert "restore check: pg_restore of the new dump of db.internal:6543/appdb into appdb_lk_restore_" in message
    assert "end of file" in message and PASSWORD not in message
    assert "older backups are kept" in message
    assert any(q.startswith("Composed([SQL('DROP DATABASE IF EXISTS ')") for q in server.admin().executed)
    assert sorted(os.listdir(tmp_path)) == ["appdb-20200101T000000Z.dump", "bin"]


def test_a_scratch_database_left_behind_is_named_on_failure_and_on_success(tmp_path, bin_dir, monkeypatch):
    install(monkeypatch, Tools(restore_rc=1, stderr="pg_restore: error: bad\n"), Server(ROWS, admin_fail_on="DROP"))
    with pytest.raises(ResourceError) as caught:
        pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir), False, Secrets())
    assert re.search(r"pg_restore: error: bad; the scratch database appdb_lk_restore_[0-9a-f]{8} on "
                     r"db.internal:6543 could not be dropped \(ERROR:  permission denied \(password \*+\)\): drop it "
                     "by hand", str(caught.value))
    install(monkeypatch, Tools(), Server(ROWS, admin_fail_on="DROP"))
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir), False, Secrets())
    assert result["restore_check"]["ok"] is True
    assert [w for w in result["warnings"] if "could not be dropped" in w and PASSWORD not in w]


def test_a_row_count_mismatch_fails_naming_the_table(tmp_path, bin_dir, monkeypatch):
    server = Server(ROWS, restored_rows={"public.users": 3, "sales.orders": 4, "public.extra": 0})
    install(monkeypatch, Tools(), server)
    with pytest.raises(ResourceError) as caught:
        pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir), False, Secrets())
    message = str(caught.value)
    assert "sales.orders has 5 row(s) in the source and 4 after the restore" in message
    assert "public.extra is in the restore only" in message
    check = caught.value.details["restore_check"]
    assert check["ok"] is False and len(check["differences"]) == 2
    assert any("DROP DATABASE" in q for q in server.admin().executed)
    assert sorted(os.listdir(tmp_path)) == ["bin"]


def test_a_refused_scratch_database_names_server_and_what_to_do(tmp_path, bin_dir, monkeypatch):
    install(monkeypatch, Tools(), Server(ROWS, admin_fail_on="CREATE DATABASE"))
    with pytest.raises(ResourceError) as caught:
        pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir), False, Secrets())
    message = str(caught.value)
    assert "cannot create the scratch database appdb_lk_restore_" in message
    assert "on db.internal:6543:" in message and "restore_check: false" in message
    assert PASSWORD not in message
    assert sorted(os.listdir(tmp_path)) == ["bin"]


def test_restore_check_url_is_used_for_the_scratch_database(tmp_path, bin_dir, monkeypatch):
    server = Server(ROWS)
    install(monkeypatch, Tools(), server)
    other = "postgresql://admin:0ther-Secret@restore.internal:5432/postgres"
    pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, restore_check_url=other), False, Secrets())
    hosts = [pg.where(c.dsn) for c in server.connections]
    assert hosts[:2] == ["db.internal:6543/appdb"] * 2 and hosts[2] == "restore.internal:5432/postgres"
    assert hosts[3].startswith("restore.internal:5432/appdb_lk_restore_")


def test_no_restore_check_means_no_scratch_database(tmp_path, bin_dir, monkeypatch):
    tools, server = Tools(), Server(ROWS)
    install(monkeypatch, tools, server)
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, restore_check=False), False, Secrets())
    assert result["restore_check"] is None and result["backup"]["tables"] == 2
    assert len(server.connections) == 2 and not any("count(*)" in q for q in server.connections[1].executed)
    assert not any(c[0][0].endswith("pg_restore") for c in tools.calls)


# --------------------------------------------------------------------------------- max_age, check mode
def fresh_backups(dest, count, instance=TAG):
    now = pf.utc_now()
    for n in range(count):
        touch(dest / pf.backup_name("appdb", now - timedelta(hours=n), instance))


def test_max_age_skips_the_dump_and_reports_the_newest(tmp_path, bin_dir, monkeypatch):
    fresh_backups(tmp_path, 2)
    tools, server = Tools(), Server(ROWS)
    install(monkeypatch, tools, server)
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, max_age=7200), False, Secrets())
    assert only_identity_read(server)
    assert result["changed"] is False and result["action"] == "none" and result["restore_check"] is None
    assert result["backup"]["path"] == result["backups"][0]["path"] and result["backup"]["database"] == "appdb"
    assert result["removed"] == [] and "diff" not in result
    assert [c[0][1] for c in tools.calls] == ["--list"]


def test_check_mode_predicts_retention_and_removes_nothing(tmp_path, bin_dir, monkeypatch):
    fresh_backups(tmp_path, 3)
    server = Server(ROWS)
    install(monkeypatch, Tools(), server)
    before = sorted(os.listdir(tmp_path))
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, max_age=7200, retention=1), True, Secrets())
    assert result["changed"] is True and result["action"] == "none"
    names = sorted(n for n in before if n.startswith("appdb"))
    assert [os.path.basename(p) for p in result["removed"]] == names[:2][::-1]
    assert result["diff"]["before"]["backups"] == names[::-1]
    assert result["diff"]["after"]["backups"] == names[2:]
    assert sorted(os.listdir(tmp_path)) == before
    assert only_identity_read(server)


@pytest.mark.parametrize("other", ["i0123456789", None], ids=["another instance", "untagged"])
def test_backups_of_another_instance_are_never_fresh_nor_removed(tmp_path, bin_dir, monkeypatch, other):
    """A database deleted and created again under the same name is another instance: the old one's
    backups do not make a new dump unnecessary, retention never removes them, and the run says so."""
    fresh_backups(tmp_path, 3, instance=other)
    theirs = sorted(n for n in os.listdir(tmp_path) if n.startswith("appdb"))
    install(monkeypatch, Tools(), Server(ROWS))
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, max_age=7200, retention=1), False, Secrets())
    assert result["action"] == "dump" and result["removed"] == []
    assert [os.path.basename(b["path"]) for b in result["backups"]] == [os.path.basename(result["backup"]["path"])]
    assert set(theirs) <= set(os.listdir(tmp_path))
    assert any("3 backup(s) of prefix 'appdb'" in w and "another database instance" in w for w in result["warnings"])


def test_a_cluster_that_hides_its_system_identifier_is_named_by_its_url(tmp_path, bin_dir, monkeypatch):
    class Hidden(Server):
        def __call__(self, dsn, connect_timeout=None, sslmode=None):
            conn = super().__call__(dsn, connect_timeout, sslmode)
            conn.fail_on = "pg_control_system"
            return conn
    install(monkeypatch, Tools(), Hidden(ROWS))
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, restore_check=False), False, Secrets())
    assert result["instance"] == "i" + hashlib.sha256(b"db.internal:6543/appdb/16384").hexdigest()[:10]


def test_check_mode_counts_the_coming_dump_against_retention(tmp_path, bin_dir, monkeypatch):
    fresh_backups(tmp_path, 2)
    install(monkeypatch, Tools(), Server(ROWS))
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, retention=2), True, Secrets())
    assert result["action"] == "dump" and len(result["removed"]) == 1 and len(result["backups"]) == 1
    assert len(result["diff"]["after"]["backups"]) == 2
    assert result["removed"][0] not in [b["path"] for b in result["backups"]]
    assert len(os.listdir(tmp_path)) == 3


def test_compare_names_every_difference():
    assert pb.compare({"a.t": 1}, {"a.t": 1}) == []
    assert pb.compare({"a.t": 1, "a.u": 2}, {"a.t": 0, "a.v": 0}) == [
        "a.u is missing from the restore", "a.v is in the restore only",
        "a.t has 1 row(s) in the source and 0 after the restore"]
