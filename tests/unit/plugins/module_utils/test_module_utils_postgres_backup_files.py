# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""postgres/backup_files: file names, listing, retention, max_age; only this prefix's backups are touched."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import backup_files as pf
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from postgres_fakes import touch

UTC = timezone.utc
T0 = datetime(2025, 3, 1, 2, 0, 0, 123456, tzinfo=UTC)


# -------------------------------------------------------------------------------------- file names
def test_backup_name_is_utc_to_the_millisecond():
    assert pf.backup_name("app", T0) == "app-20250301T020000.123Z.dump"
    paris = timezone(timedelta(hours=1))
    assert pf.backup_name("app", datetime(2025, 3, 1, 3, 0, 0, tzinfo=paris)) == "app-20250301T020000.000Z.dump"


def test_parse_name_round_trips_and_reads_second_precision_names():
    assert pf.parse_name(pf.backup_name("app", T0), "app") == T0.replace(microsecond=123000)
    assert pf.parse_name("app-20250301T020000Z.dump", "app") == datetime(2025, 3, 1, 2, 0, 0, tzinfo=UTC)
    assert pf.iso(T0) == "2025-03-01T02:00:00.123Z"


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
    assert pf.parse_name(name, "app") is None


def test_prefix_is_matched_literally():
    assert pf.parse_name("aXb-20250301T020000Z.dump", "a.b") is None
    assert pf.parse_name("a.b-20250301T020000Z.dump", "a.b") is not None


def test_list_backups_newest_first_regular_files_of_this_prefix_only(tmp_path):
    touch(tmp_path / "app-20250301T020000.000Z.dump", 10)
    touch(tmp_path / "app-20250303T020000.000Z.dump", 30)
    touch(tmp_path / "app-20250302T020000Z.dump", 20)
    touch(tmp_path / "app-staging-20250304T020000Z.dump")
    touch(tmp_path / ".app-20250305T020000.000Z.dump.abc.partial")
    (tmp_path / "app-20250306T020000Z.dump").mkdir()
    os.symlink(tmp_path / "app-20250301T020000.000Z.dump", tmp_path / "app-20250307T020000Z.dump")
    found = pf.list_backups(str(tmp_path), "app")
    assert [b.name for b in found] == ["app-20250303T020000.000Z.dump", "app-20250302T020000Z.dump",
                                       "app-20250301T020000.000Z.dump"]
    assert [b.size_bytes for b in found] == [30, 20, 10]
    assert found[0].as_dict() == {"path": str(tmp_path / "app-20250303T020000.000Z.dump"), "size_bytes": 30,
                                  "created_at": "2025-03-03T02:00:00.000Z"}


def test_list_backups_of_a_missing_directory_is_empty(tmp_path):
    assert pf.list_backups(str(tmp_path / "nowhere"), "app") == []


# --------------------------------------------------------------------------------------- retention
def backups(count: int) -> list[pf.Backup]:
    return [pf.Backup(f"/b/app-{n}.dump", T0 - timedelta(days=n), 1) for n in range(count)]  # newest first


def test_retention_keeps_the_newest():
    kept, removed = pf.retention_split(backups(5), 2)
    assert [b.path for b in kept] == ["/b/app-0.dump", "/b/app-1.dump"]
    assert [b.path for b in removed] == ["/b/app-2.dump", "/b/app-3.dump", "/b/app-4.dump"]


def test_retention_zero_keeps_all_and_a_larger_count_removes_nothing():
    assert pf.retention_split(backups(3), 0) == (backups(3), [])
    assert pf.retention_split(backups(3), 7) == (backups(3), [])


def test_retention_removes_only_this_prefixs_files(tmp_path):
    for day in (1, 2, 3):
        touch(tmp_path / f"app-2025030{day}T020000Z.dump")
        touch(tmp_path / f"other-2025030{day}T020000Z.dump")
    touch(tmp_path / "app-20240101T020000Z.dump.bak")
    kept, removed = pf.retention_split(pf.list_backups(str(tmp_path), "app"), 1)
    assert pf.remove_backups(removed, Secrets()) == [str(tmp_path / "app-20250302T020000Z.dump"),
                                                     str(tmp_path / "app-20250301T020000Z.dump")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "app-20240101T020000Z.dump.bak", "app-20250303T020000Z.dump", "other-20250301T020000Z.dump",
        "other-20250302T020000Z.dump", "other-20250303T020000Z.dump"]
    assert [b.name for b in kept] == ["app-20250303T020000Z.dump"]


# ----------------------------------------------------------------------------------------- max_age
def newest(age_seconds: float) -> pf.Backup:
    return pf.Backup("/b/app.dump", T0 - timedelta(seconds=age_seconds), 1)


@pytest.mark.parametrize("backup, max_age, due", [
    (None, 3600, True),          # nothing yet
    (newest(10), 0, True),       # 0: always
    (newest(3599), 3600, False),
    (newest(3600), 3600, True),
    (newest(-30), 3600, False),  # a clock a little ahead: still young
])
def test_needs_dump(backup, max_age, due):
    assert pf.needs_dump(backup, max_age, T0) is due


# ------------------------------------------------------------------------------------- instances
def test_a_backup_name_carries_its_instance_and_only_that_instance_reads_it():
    name = pf.backup_name("app", T0, "i0123abcdef")
    assert name == "app-20250301T020000.123Z.i0123abcdef.dump"
    assert pf.parse_name(name, "app", "i0123abcdef") == T0.replace(microsecond=123000)
    assert pf.parse_name(name, "app", "iffffffffff") is None
    assert pf.parse_name(name, "app") is None
    assert pf.parse_any(name, "app") == (T0.replace(microsecond=123000), "i0123abcdef")
    assert pf.parse_any("app-20250301T020000Z.iXYZ.dump", "app") is None


def test_other_instances_are_listed_apart_and_never_among_this_instances_backups(tmp_path):
    touch(tmp_path / "app-20250301T020000.000Z.i0000000001.dump")
    touch(tmp_path / "app-20250302T020000.000Z.i0000000002.dump")
    touch(tmp_path / "app-20250303T020000Z.dump")
    touch(tmp_path / "other-20250304T020000.000Z.i0000000001.dump")
    assert [b.name for b in pf.list_backups(str(tmp_path), "app", "i0000000001")] == [
        "app-20250301T020000.000Z.i0000000001.dump"]
    assert [b.name for b in pf.other_instances(str(tmp_path), "app", "i0000000001")] == [
        "app-20250303T020000Z.dump", "app-20250302T020000.000Z.i0000000002.dump"]
