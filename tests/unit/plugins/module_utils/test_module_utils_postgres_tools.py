# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""postgres/tools: client versions, where the tools are, their arguments, environment, time budget and
messages; subprocess faked at the process level."""
from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import tools as pt
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, Deadline
from postgres_fakes import PASSWORD, touch


# ----------------------------------------------------------------------------------------- versions
@pytest.mark.parametrize("text, number", [
    ("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 150018),
    ("pg_dump (PostgreSQL) 16.2", 160002),
    ("pg_dump (PostgreSQL) 17devel", 170000),
    ("pg_dump (PostgreSQL) 9.6.24", 90624),
    ("something else", None),
])
def test_client_version(text, number):
    assert pt.client_version(text) == number


def test_an_older_pg_dump_is_named_with_the_version_to_install(tmp_path):
    message = pt.version_problem(150018, 160002, "/usr/bin/pg_dump", root=str(tmp_path))
    assert "pg_dump 15 (/usr/bin/pg_dump) is older than the server's PostgreSQL 16" in message
    assert "postgresql-client-16" in message and "pg_bin_dir" in message


def test_the_version_message_points_at_a_newer_local_install(tmp_path):
    for version in ("14", "16", "17"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        touch(tool).chmod(0o755)
    message = pt.version_problem(150018, 160002, "/usr/bin/pg_dump", root=str(tmp_path))
    assert message.endswith(f"set pg_bin_dir: {tmp_path}/17/bin")


@pytest.mark.parametrize("client, server", [(150018, 150004), (160001, 150004), (None, 160000), (100000, 90624)])
def test_no_version_message_when_pg_dump_is_new_enough_or_unknown(client, server):
    assert pt.version_problem(client, server, "/usr/bin/pg_dump", root="/nonexistent") is None


def test_old_major_versions_compare_by_their_two_parts():
    assert "PostgreSQL 10" in pt.version_problem(90624, 100005, "pg_dump", root="/nonexistent")
    assert "pg_dump 9.5" in pt.version_problem(90510, 90624, "pg_dump", root="/nonexistent")


# --------------------------------------------------------------------------------------- bin dir
def test_find_bin_dir_checks_the_given_directory(tmp_path):
    touch(tmp_path / "pg_dump").chmod(0o755)
    assert pt.find_bin_dir(str(tmp_path), False) == str(tmp_path)
    with pytest.raises(ResourceError, match="no executable pg_restore"):
        pt.find_bin_dir(str(tmp_path), True)


def test_find_bin_dir_falls_back_to_the_newest_install(tmp_path, monkeypatch):
    monkeypatch.setattr(pt.shutil, "which", lambda name: None)
    for version in ("9.6", "15", "16"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        touch(tool).chmod(0o755)
    assert pt.find_bin_dir(None, False, root=str(tmp_path)) == str(tmp_path / "16" / "bin")
    with pytest.raises(ResourceError, match="install the PostgreSQL client tools"):
        pt.find_bin_dir(None, False, root=str(tmp_path / "none"))


# ------------------------------------------------------------------------------- tool arguments
def test_tool_target_moves_the_password_out_of_the_url():
    target, password = pt.tool_target("postgresql://app:p%40ss%2Fw@db:5432/appdb?application_name=x", None)
    assert target == "postgresql://app@db:5432/appdb?application_name=x"
    assert password == "p@ss/w"


def test_tool_target_takes_a_query_password_and_the_sslmode_option():
    target, password = pt.tool_target("postgres://db/appdb?password=qpw-1234&sslmode=disable", "require")
    assert target == "postgres://db/appdb?sslmode=require" and password == "qpw-1234"
    assert pt.tool_target("postgres://app@db/appdb", None) == ("postgres://app@db/appdb", None)


def test_tool_target_leaves_out_orm_only_parameters():
    target, password = pt.tool_target("postgresql://app:pw@pooler:6543/app?pgbouncer=true&sslmode=require", None)
    assert target == "postgresql://app@pooler:6543/app?sslmode=require" and password == "pw"


# ------------------------------------------------------------------------------- runs, time budget
class FakeTime:
    """A clock whose time moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> Clock:
        return Clock(now=lambda: self.now, sleep=self.advance)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_each_tool_gets_what_is_left_of_the_budget_and_none_starts_once_it_is_spent(monkeypatch):
    time, timeouts = FakeTime(), []
    deadline = Deadline(60, time.clock())

    def run(argv, env=None, capture_output=False, text=False, check=False, timeout=None):
        timeouts.append(timeout)
        time.advance(45)
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(pt.subprocess, "run", run)
    pt.run_tool(["pg_dump"], None, deadline, "pg_dump", Secrets())
    pt.run_tool(["pg_restore"], None, deadline, "pg_restore", Secrets())
    assert timeouts == [60, 15]
    with pytest.raises(ResourceError, match="^timeout of 60 s reached before pg_restore --list$"):
        pt.run_tool(["pg_restore", "--list"], None, deadline, "pg_restore --list", Secrets())
    assert len(timeouts) == 2


def test_a_tool_that_overruns_is_named_with_the_whole_budget(monkeypatch):
    def run(argv, timeout=None, **kwargs):
        raise subprocess.TimeoutExpired(argv, timeout)

    monkeypatch.setattr(pt.subprocess, "run", run)
    with pytest.raises(ResourceError, match="^pg_dump did not finish within the timeout of 3600 s$"):
        pt.run_tool(["pg_dump"], None, Deadline(3600), "pg_dump", Secrets())


def test_the_password_travels_in_the_environment_only(monkeypatch):
    seen = {}

    def run(argv, env=None, **kwargs):
        seen.update(argv=argv, env=env)
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setenv("PGCONNECT_TIMEOUT", "5")
    monkeypatch.setattr(pt.subprocess, "run", run)
    pt.run_tool(["pg_dump", "--dbname=postgres://app@db/appdb"], PASSWORD, Deadline(10), "pg_dump", Secrets())
    assert seen["env"]["PGPASSWORD"] == PASSWORD and seen["env"]["PGCONNECT_TIMEOUT"] == "5"
    assert not any(PASSWORD in arg for arg in seen["argv"])
    assert pt.tool_env(None).get("PGPASSWORD") == os.environ.get("PGPASSWORD")


def test_a_missing_tool_is_named_without_the_password(monkeypatch):
    def run(argv, **kwargs):
        raise FileNotFoundError(2, f"No such file or directory: {PASSWORD}")

    monkeypatch.setattr(pt.subprocess, "run", run)
    with pytest.raises(ResourceError) as caught:
        pt.run_tool(["/opt/pg/bin/pg_dump"], None, Deadline(10), "pg_dump", Secrets([PASSWORD]))
    assert str(caught.value).startswith("cannot run /opt/pg/bin/pg_dump: ") and PASSWORD not in str(caught.value)


def test_a_failed_tool_says_the_tail_of_its_stderr_masked():
    stderr = "".join(f"line {n}\n" for n in range(1, 31)) + f"  password {PASSWORD} refused  \n\n"
    failed = subprocess.CompletedProcess(["pg_dump"], 1, "", stderr)
    with pytest.raises(ResourceError) as caught:
        pt.check_exit(failed, "pg_dump of db:5432/app", Secrets([PASSWORD]), hint="; a hint")
    assert str(caught.value) == ("pg_dump of db:5432/app failed (exit 1): "
                                 + " | ".join(f"line {n}" for n in range(12, 31))
                                 + " | password ******** refused; a hint")
    with pytest.raises(ResourceError, match=r"failed \(exit 2\): no message$"):
        pt.check_exit(subprocess.CompletedProcess(["pg_restore"], 2, "", ""), "pg_restore", Secrets())
    pt.check_exit(subprocess.CompletedProcess(["pg_restore"], 0, "", "warning only"), "pg_restore", Secrets())
