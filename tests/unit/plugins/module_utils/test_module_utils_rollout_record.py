# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollout.record: rollback records keep the values from before the rollout, whatever later runs change;
what is shown of them never holds a value; files are replaced whole, private to their owner."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import (
    merged, read_record, record_path, run_record, run_record_info, run_report, summary, write_text)
from ansible_collections.launchkit.paas.plugins.modules.rollback_record import MODULE as RECORD
from ansible_collections.launchkit.paas.plugins.modules.rollback_record_info import MODULE as RECORD_INFO
from ansible_collections.launchkit.paas.plugins.modules.rollout_report import MODULE as REPORT

SECRET = "redis://default:old-password@old-host:6379"


def wired(service, previous, changed=True):
    return {"item": service, "changed": changed, "previous": previous}


# ------------------------------------------------------------------------------------- merged()
def test_a_first_run_records_the_previous_value_of_each_changed_key():
    results = [wired("scoop-web", {"REDIS_URL": None}), wired("scoop-api", {"REDIS_URL": "redis://old"}),
               wired("scoop-idle", {}, changed=False)]
    record = merged({}, results, {"provider": "render", "name": "scoop-redis"})
    assert record == {"provider": "render", "name": "scoop-redis",
                      "services": {"scoop-web": {"REDIS_URL": None}, "scoop-api": {"REDIS_URL": "redis://old"}}}


def test_a_later_run_never_overwrites_an_entry_but_adds_new_keys_and_services():
    existing = {"provider": "render", "services": {"scoop-web": {"REDIS_URL": None}}}
    results = [wired("scoop-web", {"REDIS_URL": "redis://first-url", "REDIS_TLS": None}),
               wired({"name": "scoop-sidekiq", "id": "srv-1"}, {"REDIS_URL": None})]
    record = merged(existing, results, {"provider": "upstash"})
    assert record["provider"] == "render"
    assert record["services"] == {"scoop-web": {"REDIS_URL": None, "REDIS_TLS": None},
                                  "scoop-sidekiq": {"REDIS_URL": None}}


def test_lists_are_joined_each_entry_once():
    existing = {"api_key_ids": ["key-1"], "alert_rules": ["New issue"]}
    record = merged(existing, [], {"api_key_ids": ["key-2", "key-1"], "alert_rules": []})
    assert record["api_key_ids"] == ["key-2", "key-1"]
    assert record["alert_rules"] == ["New issue"]
    assert record["services"] == {}


def test_no_record_and_nothing_changed_gives_an_empty_record():
    assert merged(None, None, None) == {"services": {}}


def test_a_summary_keeps_key_names_ids_and_names_never_a_value():
    record = {"provider": "render", "name": "scoop-redis", "created_id": "red-1",
              "services": {"scoop-web": {"REDIS_URL": SECRET, "A_KEY": None}}}
    shown = summary(record)
    assert SECRET not in json.dumps(shown)
    assert shown == {"services": {"scoop-web": ["A_KEY", "REDIS_URL"]}, "provider": "render", "name": "scoop-redis",
                     "api_key_ids": [], "alert_rules": [], "domains_created": [],
                     "facts": ["created_id", "name", "provider"]}


# ---------------------------------------------------------------------------------------- files
@pytest.mark.parametrize("stack, phase", [("../etc", "redis"), ("scoop", "a/b"), ("", "redis"), ("scoop", "..")])
def test_a_name_that_is_not_one_file_name_is_refused(tmp_path, stack, phase):
    with pytest.raises(ValueError, match="cannot name a record"):
        record_path(str(tmp_path), stack, phase)


def test_files_are_private_and_replaced_whole(tmp_path):
    path = tmp_path / "new" / "scoop" / "redis.json"
    write_text(str(path), "one\n")
    write_text(str(path), "two\n")
    assert path.read_text() == "two\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["redis.json"]  # no temporary file left behind


def test_a_damaged_record_fails_naming_the_file_and_the_fix(tmp_path):
    path = tmp_path / "redis.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"redis.json is not JSON .* remove it"):
        read_record(str(path))
    path.write_text("[]")
    with pytest.raises(ValueError, match="not a JSON object"):
        read_record(str(path))


# ------------------------------------------------------------------------------------ run_record
def params(tmp_path, **extra):
    return {"state_dir": str(tmp_path), "stack": "scoop_production", "phase": "redis", "state": "present",
            "results": [], "extra": {}, **extra}


def test_check_mode_predicts_the_write_and_writes_nothing(tmp_path):
    result = run_record(params(tmp_path, results=[wired("scoop-web", {"REDIS_URL": SECRET})]), True, Secrets())
    assert result["changed"] is True
    assert not (tmp_path / "scoop_production").exists()
    assert result["diff"]["after"]["services"] == {"scoop-web": ["REDIS_URL"]}


def test_present_writes_then_a_second_run_changes_nothing_and_absent_forgets(tmp_path):
    secrets = Secrets()
    args = params(tmp_path, results=[wired("scoop-web", {"REDIS_URL": SECRET})], extra={"provider": "render"})
    first = run_record(args, False, secrets)
    assert first["changed"] is True and SECRET in secrets.values
    assert json.loads((tmp_path / "scoop_production" / "redis.json").read_text())["services"] == {
        "scoop-web": {"REDIS_URL": SECRET}}
    assert SECRET not in json.dumps(first)
    again = run_record(args, False, Secrets())
    assert again["changed"] is False
    gone = run_record(params(tmp_path, state="absent"), False, Secrets())
    assert gone["changed"] is True and not (tmp_path / "scoop_production" / "redis.json").exists()
    assert run_record(params(tmp_path, state="absent"), False, Secrets())["changed"] is False


def test_info_returns_the_summary_and_the_whole_record_only_when_asked(tmp_path):
    run_record(params(tmp_path, results=[wired("scoop-web", {"REDIS_URL": SECRET})]), False, Secrets())
    info = {"state_dir": str(tmp_path), "stack": "scoop_production", "phases": ["redis", "email"],
            "return_secrets": False}
    secrets = Secrets()
    found = run_record_info(info, False, secrets)
    assert list(found["summary"]) == ["redis"] and "records" not in found
    assert SECRET in secrets.values
    whole = run_record_info({**info, "return_secrets": True}, False, Secrets())
    assert whole["records"]["redis"]["services"]["scoop-web"]["REDIS_URL"] == SECRET
    assert SECRET in whole["_unmasked"]


def test_the_modules_mask_nothing_they_return_and_validate_their_input(tmp_path):
    written = RECORD.run_in_process("launchkit.paas.rollback_record",
                                    params(tmp_path, results=[wired("scoop-web", {"REDIS_URL": SECRET})]),
                                    check_mode=False, diff=True)
    assert written["changed"] is True and SECRET not in json.dumps(written)
    assert written["diff"]["after"]["services"] == {"scoop-web": ["REDIS_URL"]}
    read = RECORD_INFO.run_in_process("launchkit.paas.rollback_record_info",
                                      {"state_dir": str(tmp_path), "stack": "scoop_production", "phases": ["redis"],
                                       "return_secrets": True}, check_mode=False, diff=False)
    assert read["records"]["redis"]["services"]["scoop-web"]["REDIS_URL"] == SECRET  # exact, never masked
    bad = RECORD.run_in_process("launchkit.paas.rollback_record", params(tmp_path, state="gone"),
                                check_mode=False, diff=False)
    assert bad["failed"] and "state" in bad["msg"]


# ------------------------------------------------------------------------------------ run_report
def test_the_report_is_written_once_and_left_alone_when_it_says_the_same(tmp_path):
    args = {"path": str(tmp_path / "reports" / "scoop"), "data": {"b": 1, "a": [2]}, "markdown": "# Report"}
    predicted = run_report(args, True, Secrets())
    assert predicted["changed"] is True and not (tmp_path / "reports").exists()
    first = run_report(args, False, Secrets())
    assert first["changed"] is True and len(first["changed_files"]) == 2
    assert json.loads((tmp_path / "reports" / "scoop" / "rollout-report.json").read_text()) == {"a": [2], "b": 1}
    assert (tmp_path / "reports" / "scoop" / "rollout-report.md").read_text() == "# Report\n"
    assert run_report(args, False, Secrets())["changed"] is False
    changed = run_report({**args, "markdown": "# Report\nall passed"}, False, Secrets())
    assert changed["changed_files"] == [str(tmp_path / "reports" / "scoop" / "rollout-report.md")]
    assert changed["diff"]["before"] == "# Report\n" and changed["diff"]["after"] == "# Report\nall passed\n"
    again = {**args, "markdown": "# Report\nall passed"}
    assert REPORT.run_in_process("launchkit.paas.rollout_report", again, check_mode=False, diff=False)["changed"] is False


def test_a_stamp_is_written_only_with_a_changed_report_and_kept_otherwise(tmp_path):
    folder = tmp_path / "reports" / "scoop"
    args = {"path": str(folder), "data": {"summary": "passed"}, "markdown": "# Report", "stamp": "2026-12-01T10:00:00Z"}
    first = run_report(args, False, Secrets())
    assert first["changed"] is True
    assert json.loads((folder / "rollout-report.json").read_text())["written_at"] == "2026-12-01T10:00:00Z"
    assert (folder / "rollout-report.md").read_text() == "# Report\n\n_Written 2026-12-01T10:00:00Z._\n"
    # A later run with the same content: nothing written, the old stamp stays (check mode predicts the same).
    later = {**args, "stamp": "2026-12-02T10:00:00Z"}
    assert run_report(later, True, Secrets())["changed"] is False
    assert run_report(later, False, Secrets())["changed"] is False
    assert "2026-12-01T10:00:00Z" in (folder / "rollout-report.md").read_text()
    # A changed report: both files get the new stamp.
    changed = run_report({**later, "data": {"summary": "failed"}}, False, Secrets())
    assert len(changed["changed_files"]) == 2
    written = json.loads((folder / "rollout-report.json").read_text())
    assert written == {"summary": "failed", "written_at": "2026-12-02T10:00:00Z"}
    assert (folder / "rollout-report.md").read_text().endswith("_Written 2026-12-02T10:00:00Z._\n")


def test_check_mode_takes_the_checks_it_could_not_try_as_the_report_on_disk_has_them(tmp_path):
    """A smoke POST is not sent in check mode (nor the request that reads its answer back): those checks are
    pending there, and check mode predicts the report unchanged when everything it could try says the same."""
    folder = tmp_path / "reports" / "synckairos"
    passed = [{"app": "web", "check": "/health", "component": "app", "status": "passed", "message": "HTTP 200"},
              {"app": "web", "check": "smoke Create", "component": "POST /v1/sessions", "status": "passed",
               "message": "HTTP 201"}]
    written = {"path": str(folder), "data": {"checks": passed, "summary": {"passed": 2, "pending": 0}},
               "markdown": "# Report", "stamp": "2026-12-01T10:00:00Z"}
    assert run_report(written, False, Secrets())["changed"] is True
    planned = [passed[0], {**passed[1], "status": "pending", "message": "check mode: not sent"}]
    check = {**written, "data": {"checks": planned, "summary": {"passed": 1, "pending": 1}},
             "markdown": "# Report (check mode)", "stamp": "2026-12-02T10:00:00Z"}
    assert run_report(check, True, Secrets())["changed"] is False
    # What check mode did try and found otherwise is a change.
    failing = [{**passed[0], "status": "failed"}, planned[1]]
    assert run_report({**check, "data": {"checks": failing, "summary": {}}}, True, Secrets())["changed"] is True
