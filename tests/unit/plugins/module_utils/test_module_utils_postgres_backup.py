# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_postgres_backup: file names, retention, max_age, versions, validation; pg_dump and pg_restore faked at
the process level and psycopg2 at the connection level, so the module's own code runs in every test."""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import psycopg2
import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import backup as pb
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError

PASSWORD = "s3cret-Pa55"
URL = f"postgresql://app:{PASSWORD}@db.internal:6543/appdb"
UTC = timezone.utc
T0 = datetime(2025, 3, 1, 2, 0, 0, 123456, tzinfo=UTC)


def params(dest, **overrides) -> dict:
    base = {"url": URL, "dest": str(dest), "prefix": None, "retention": 7, "max_age": 0, "restore_check": True,
            "restore_check_url": None, "sslmode": None, "pg_bin_dir": None, "timeout": 3600}
    return {**base, **overrides}


# -------------------------------------------------------------------------------------- file names
def test_backup_name_is_utc_to_the_millisecond():
    assert pb.backup_name("app", T0) == "app-20250301T020000.123Z.dump"
    paris = timezone(timedelta(hours=1))
    assert pb.backup_name("app", datetime(2025, 3, 1, 3, 0, 0, tzinfo=paris)) == "app-20250301T020000.000Z.dump"


def test_parse_name_round_trips_and_reads_second_precision_names():
    assert pb.parse_name(pb.backup_name("app", T0), "app") == T0.replace(microsecond=123000)
    assert pb.parse_name("app-20250301T020000Z.dump", "app") == datetime(2025, 3, 1, 2, 0, 0, tzinfo=UTC)
    assert pb.iso(T0) == "2025-03-01T02:00:00.123Z"


@pytest.mark.parametrize("name", [
    "app-staging-20250301T020000Z.dump",        # another prefix that starts like this one
    "ap-20250301T020000Z.dump",
    "app-20250301T020000Z.dump.bak",
    "app-20250301T020000Z.sql",
    ".app-20250301T020000.123Z.dump.x1y2.partial",  # a dump being written
    "app-20251399T000000Z.dump",                # not a date
    "app-20250301T020000.Z.dump",
    "app-notes.txt",
])
def test_parse_name_refuses_anything_but_this_prefixs_backups(name):
    assert pb.parse_name(name, "app") is None


def test_prefix_is_matched_literally():
    assert pb.parse_name("aXb-20250301T020000Z.dump", "a.b") is None
    assert pb.parse_name("a.b-20250301T020000Z.dump", "a.b") is not None


def touch(path, size=3):
    path.write_bytes(b"x" * size)
    return path


def test_list_backups_newest_first_regular_files_of_this_prefix_only(tmp_path):
    touch(tmp_path / "app-20250301T020000.000Z.dump", 10)
    touch(tmp_path / "app-20250303T020000.000Z.dump", 30)
    touch(tmp_path / "app-20250302T020000Z.dump", 20)
    touch(tmp_path / "app-staging-20250304T020000Z.dump")
    touch(tmp_path / ".app-20250305T020000.000Z.dump.abc.partial")
    (tmp_path / "app-20250306T020000Z.dump").mkdir()
    os.symlink(tmp_path / "app-20250301T020000.000Z.dump", tmp_path / "app-20250307T020000Z.dump")
    found = pb.list_backups(str(tmp_path), "app")
    assert [b.name for b in found] == ["app-20250303T020000.000Z.dump", "app-20250302T020000Z.dump",
                                       "app-20250301T020000.000Z.dump"]
    assert [b.size_bytes for b in found] == [30, 20, 10]
    assert found[0].as_dict() == {"path": str(tmp_path / "app-20250303T020000.000Z.dump"), "size_bytes": 30,
                                  "created_at": "2025-03-03T02:00:00.000Z"}


def test_list_backups_of_a_missing_directory_is_empty(tmp_path):
    assert pb.list_backups(str(tmp_path / "nowhere"), "app") == []


# --------------------------------------------------------------------------------------- retention
def backups(count: int) -> list[pb.Backup]:
    return [pb.Backup(f"/b/app-{n}.dump", T0 - timedelta(days=n), 1) for n in range(count)]  # newest first


def test_retention_keeps_the_newest():
    kept, removed = pb.retention_split(backups(5), 2)
    assert [b.path for b in kept] == ["/b/app-0.dump", "/b/app-1.dump"]
    assert [b.path for b in removed] == ["/b/app-2.dump", "/b/app-3.dump", "/b/app-4.dump"]


def test_retention_zero_keeps_all_and_a_larger_count_removes_nothing():
    assert pb.retention_split(backups(3), 0) == (backups(3), [])
    assert pb.retention_split(backups(3), 7) == (backups(3), [])


def test_retention_removes_only_this_prefixs_files(tmp_path):
    for day in (1, 2, 3):
        touch(tmp_path / f"app-2025030{day}T020000Z.dump")
        touch(tmp_path / f"other-2025030{day}T020000Z.dump")
    touch(tmp_path / "app-20240101T020000Z.dump.bak")
    kept, removed = pb.retention_split(pb.list_backups(str(tmp_path), "app"), 1)
    assert pb.remove_backups(removed, Secrets()) == [str(tmp_path / "app-20250302T020000Z.dump"),
                                                     str(tmp_path / "app-20250301T020000Z.dump")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "app-20240101T020000Z.dump.bak", "app-20250303T020000Z.dump", "other-20250301T020000Z.dump",
        "other-20250302T020000Z.dump", "other-20250303T020000Z.dump"]
    assert [b.name for b in kept] == ["app-20250303T020000Z.dump"]


# ----------------------------------------------------------------------------------------- max_age
def newest(age_seconds: float) -> pb.Backup:
    return pb.Backup("/b/app.dump", T0 - timedelta(seconds=age_seconds), 1)


@pytest.mark.parametrize("backup, max_age, due", [
    (None, 3600, True),          # nothing yet
    (newest(10), 0, True),       # 0: always
    (newest(3599), 3600, False),
    (newest(3600), 3600, True),
    (newest(-30), 3600, False),  # a clock a little ahead: still young
])
def test_needs_dump(backup, max_age, due):
    assert pb.needs_dump(backup, max_age, T0) is due


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


# ----------------------------------------------------------------------------------------- versions
@pytest.mark.parametrize("text, number", [
    ("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 150018),
    ("pg_dump (PostgreSQL) 16.2", 160002),
    ("pg_dump (PostgreSQL) 17devel", 170000),
    ("pg_dump (PostgreSQL) 9.6.24", 90624),
    ("something else", None),
])
def test_client_version(text, number):
    assert pb.client_version(text) == number


def test_an_older_pg_dump_is_named_with_the_version_to_install(tmp_path):
    message = pb.version_problem(150018, 160002, "/usr/bin/pg_dump", root=str(tmp_path))
    assert "pg_dump 15 (/usr/bin/pg_dump) is older than the server's PostgreSQL 16" in message
    assert "postgresql-client-16" in message and "pg_bin_dir" in message


def test_the_version_message_points_at_a_newer_local_install(tmp_path):
    for version in ("14", "16", "17"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        touch(tool).chmod(0o755)
    message = pb.version_problem(150018, 160002, "/usr/bin/pg_dump", root=str(tmp_path))
    assert message.endswith(f"set pg_bin_dir: {tmp_path}/17/bin")


@pytest.mark.parametrize("client, server", [(150018, 150004), (160001, 150004), (None, 160000), (100000, 90624)])
def test_no_version_message_when_pg_dump_is_new_enough_or_unknown(client, server):
    assert pb.version_problem(client, server, "/usr/bin/pg_dump", root="/nonexistent") is None


def test_old_major_versions_compare_by_their_two_parts():
    assert "PostgreSQL 10" in pb.version_problem(90624, 100005, "pg_dump", root="/nonexistent")
    assert "pg_dump 9.5" in pb.version_problem(90510, 90624, "pg_dump", root="/nonexistent")


# --------------------------------------------------------------------------------------- bin dir
def test_find_bin_dir_checks_the_given_directory(tmp_path):
    touch(tmp_path / "pg_dump").chmod(0o755)
    assert pb.find_bin_dir(str(tmp_path), False) == str(tmp_path)
    with pytest.raises(ResourceError, match="no executable pg_restore"):
        pb.find_bin_dir(str(tmp_path), True)


def test_find_bin_dir_falls_back_to_the_newest_install(tmp_path, monkeypatch):
    monkeypatch.setattr(pb.shutil, "which", lambda name: None)
    for version in ("9.6", "15", "16"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        touch(tool).chmod(0o755)
    assert pb.find_bin_dir(None, False, root=str(tmp_path)) == str(tmp_path / "16" / "bin")
    with pytest.raises(ResourceError, match="install the PostgreSQL client tools"):
        pb.find_bin_dir(None, False, root=str(tmp_path / "none"))


# ------------------------------------------------------------------------------- tool arguments
def test_tool_target_moves_the_password_out_of_the_url():
    target, password = pb.tool_target("postgresql://app:p%40ss%2Fw@db:5432/appdb?application_name=x", None)
    assert target == "postgresql://app@db:5432/appdb?application_name=x"
    assert password == "p@ss/w"


def test_tool_target_takes_a_query_password_and_the_sslmode_option():
    target, password = pb.tool_target("postgres://db/appdb?password=qpw-1234&sslmode=disable", "require")
    assert target == "postgres://db/appdb?sslmode=require" and password == "qpw-1234"
    assert pb.tool_target("postgres://app@db/appdb", None) == ("postgres://app@db/appdb", None)


def test_url_database_and_with_database_keep_credentials_and_query():
    assert pg.url_database("postgres://u:p@h/my%2Fdb?sslmode=require") == "my/db"
    assert pg.url_database("postgres://u:p@h:5432") is None
    assert pg.with_database(URL + "?sslmode=require", "appdb_lk_restore_1") == (
        f"postgresql://app:{PASSWORD}@db.internal:6543/appdb_lk_restore_1?sslmode=require")
    assert pg.with_database("postgres://h", "a b") == "postgres://h/a%20b"


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
    monkeypatch.setattr(pb.subprocess, "run", tools)
    monkeypatch.setattr(pg.psycopg2, "connect", server)


ROWS = {"public.users": 3, "sales.orders": 5}


# ------------------------------------------------------------------------------------- the backup
def test_a_backup_is_dumped_checked_renamed_and_never_shows_the_password(tmp_path, bin_dir, monkeypatch):
    tools, server = Tools(), Server(ROWS)
    install(monkeypatch, tools, server)
    dest = tmp_path / "backups"
    result = pb.run_backup(params(dest, pg_bin_dir=bin_dir), False, Secrets())
    files = os.listdir(dest)
    assert len(files) == 1 and pb.parse_name(files[0], "appdb") is not None
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
    source = server.connections[0]
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
    assert all(c.executed == [] for c in server.connections)


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
    assert hosts[0] == "db.internal:6543/appdb" and hosts[1] == "restore.internal:5432/postgres"
    assert hosts[2].startswith("restore.internal:5432/appdb_lk_restore_")


def test_no_restore_check_means_no_scratch_database(tmp_path, bin_dir, monkeypatch):
    tools, server = Tools(), Server(ROWS)
    install(monkeypatch, tools, server)
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, restore_check=False), False, Secrets())
    assert result["restore_check"] is None and result["backup"]["tables"] == 2
    assert len(server.connections) == 1 and not any("count(*)" in q for q in server.connections[0].executed)
    assert not any(c[0][0].endswith("pg_restore") for c in tools.calls)


# --------------------------------------------------------------------------------- max_age, check mode
def fresh_backups(dest, count):
    now = pb.utc_now()
    for n in range(count):
        touch(dest / pb.backup_name("appdb", now - timedelta(hours=n)))


def refuse_connect(**kwargs):
    raise AssertionError("no connection expected")


def test_max_age_skips_the_dump_and_reports_the_newest(tmp_path, bin_dir, monkeypatch):
    fresh_backups(tmp_path, 2)
    tools = Tools()
    monkeypatch.setattr(pb.subprocess, "run", tools)
    monkeypatch.setattr(pg.psycopg2, "connect", refuse_connect)
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, max_age=7200), False, Secrets())
    assert result["changed"] is False and result["action"] == "none" and result["restore_check"] is None
    assert result["backup"]["path"] == result["backups"][0]["path"] and result["backup"]["database"] == "appdb"
    assert result["removed"] == [] and "diff" not in result
    assert [c[0][1] for c in tools.calls] == ["--list"]


def test_check_mode_predicts_retention_and_removes_nothing(tmp_path, bin_dir, monkeypatch):
    fresh_backups(tmp_path, 3)
    monkeypatch.setattr(pb.subprocess, "run", Tools())
    monkeypatch.setattr(pg.psycopg2, "connect", refuse_connect)
    before = sorted(os.listdir(tmp_path))
    result = pb.run_backup(params(tmp_path, pg_bin_dir=bin_dir, max_age=7200, retention=1), True, Secrets())
    assert result["changed"] is True and result["action"] == "none"
    names = sorted(n for n in before if n.startswith("appdb"))
    assert [os.path.basename(p) for p in result["removed"]] == names[:2][::-1]
    assert result["diff"]["before"]["backups"] == names[::-1]
    assert result["diff"]["after"]["backups"] == names[2:]
    assert sorted(os.listdir(tmp_path)) == before


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


def test_tool_target_leaves_out_orm_only_parameters():
    target, password = pb.tool_target("postgresql://app:pw@pooler:6543/app?pgbouncer=true&sslmode=require", None)
    assert target == "postgresql://app@pooler:6543/app?sslmode=require" and password == "pw"
