# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vercel_env: identity by key, targets and branch; other entries never touched; purge; values compared
where readable and by the kept digest where not; update modes; clashes; lost answers; check mode; no value out."""
from __future__ import annotations

import json
import os

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.env import NOT_SHOWN
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.env import run_env
from ansible_collections.launchkit.paas.plugins.modules.vercel_env import MODULE
from launchkit_fakes import connection_dropped
from vercel_fakes import FakeVercel, base_params, vercel_client

VALUE = "redis://:s3cret-password@redis:6379"
OTHER = "redis://:another-s3cret@redis:6379"
NO_SLEEP = Clock(sleep=lambda seconds: None)


def record_path(state_dir: str, project_id: str) -> str:
    """Where the file backend keeps a project's digests (the same file as before the state backends)."""
    return os.path.join(state_dir, "vercel", f"{project_id}.env.json")


def params(tmp_path, **overrides):
    values = {"env": {}, "targets": ["production"], "git_branch": None, "type": "encrypted", "state": "present",
              "update": "on_digest_change", "purge": False, "return_previous": False, "state_dir": str(tmp_path)}
    values.update(overrides)
    return base_params(**values)


def run(fake, tmp_path, check_mode=False, secrets=None, **overrides):
    return run_env(params(tmp_path, **overrides), check_mode, secrets or Secrets(), vercel_client(fake), clock=NO_SLEEP)


def test_a_new_key_is_created_for_its_targets_with_the_team(tmp_path):
    fake = FakeVercel(envs=[{"key": "KEEP", "value": "x-value"}])
    result = run(fake, tmp_path, env={"REDIS_URL": VALUE}, targets=["production", "preview"])
    assert result["changed"] and result["created"] == ["REDIS_URL"] and result["targets"] == ["preview", "production"]
    [write] = fake.writes
    assert write.json == {"key": "REDIS_URL", "value": VALUE, "type": "encrypted", "target": ["preview", "production"]}
    assert all(call.params["teamId"] == "team_unit" for call in fake.calls)
    assert fake.value_of("KEEP") == "x-value"


def test_an_encrypted_value_is_read_decrypted_and_a_second_run_writes_nothing(tmp_path):
    fake = FakeVercel()
    run(fake, tmp_path, env={"REDIS_URL": VALUE})
    second = run(fake, tmp_path, env={"REDIS_URL": VALUE})
    assert not second["changed"] and second["unchanged"] == ["REDIS_URL"] and len(fake.writes) == 1
    assert any(call.path.startswith("/v1/projects/prj_web/env/") for call in fake.calls)


def test_a_changed_readable_value_is_patched_in_place(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": OTHER, "type": "plain"}])
    result = run(fake, tmp_path, env={"REDIS_URL": VALUE}, type="plain")
    assert result["updated"] == ["REDIS_URL"] and fake.value_of("REDIS_URL") == VALUE
    [write] = fake.writes
    assert write.method == "PATCH" and write.json == {"value": VALUE, "type": "plain"}


def test_a_plain_value_is_compared_from_the_list_without_reading_it_again(tmp_path):
    fake = FakeVercel(envs=[{"key": "MODE", "value": "fast", "type": "plain"}])
    result = run(fake, tmp_path, env={"MODE": "fast"}, type="plain")
    assert not result["changed"] and not [c for c in fake.calls if c.path.startswith("/v1/")]


def test_entries_of_the_key_for_other_targets_or_branches_are_never_touched(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": "dev-value", "type": "plain", "target": ["development"]},
                            {"key": "REDIS_URL", "value": "branch-value", "type": "plain", "target": ["preview"],
                             "gitBranch": "staging"}])
    result = run(fake, tmp_path, env={"REDIS_URL": VALUE}, targets=["preview"])
    assert result["created"] == ["REDIS_URL"]
    assert fake.value_of("REDIS_URL", ("development",)) == "dev-value"
    assert [e["value"] for e in fake.envs if e.get("gitBranch") == "staging"] == ["branch-value"]
    absent = run(fake, tmp_path, env={"REDIS_URL": ""}, targets=["preview"], state="absent")
    assert absent["deleted"] == ["REDIS_URL"] and len(fake.envs) == 2


def test_a_branch_entry_is_its_own_identity(tmp_path):
    fake = FakeVercel(envs=[{"key": "FLAG", "value": "off", "type": "plain", "target": ["preview"]}])
    result = run(fake, tmp_path, env={"FLAG": "on"}, targets=["preview"], git_branch="staging", type="plain")
    assert result["created"] == ["FLAG"] and fake.writes[0].json["gitBranch"] == "staging"
    assert fake.value_of("FLAG", ("preview",)) == "off"


def test_an_overlapping_target_set_is_a_clash_refused_before_any_write(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": OTHER, "target": ["production", "preview"]}])
    with pytest.raises(ResourceError) as failure:
        run(fake, tmp_path, env={"REDIS_URL": VALUE, "NEW_KEY": "x-value"})
    message = str(failure.value)
    assert "ENV_CONFLICT" in message and "targets preview, production" in message and "env_100" in message
    assert "give targets exactly" in message and "state: absent" in message
    assert fake.writes == []


def test_a_clash_made_by_someone_else_meanwhile_is_named_from_vercels_answer(tmp_path):
    fake = FakeVercel()
    create = fake._create_env

    def someone_was_faster(call, ref):
        fake.add_env("REDIS_URL", OTHER, target=["production", "preview"])
        return create(call, ref)  # answered 201 with ENV_CONFLICT in its failed list

    fake._create_env = someone_was_faster
    with pytest.raises(ResourceError, match=r"already has REDIS_URL \(targets preview, production.*ENV_CONFLICT"):
        run(fake, tmp_path, env={"REDIS_URL": VALUE})
    assert len(fake.to("POST")) == 1


def test_keys_not_in_env_are_never_touched_unless_purge_and_then_only_of_those_targets(tmp_path):
    fake = FakeVercel(envs=[{"key": "THEIRS", "value": "x-value", "type": "plain"},
                            {"key": "SHARED", "value": "y-value", "type": "plain", "target": ["production", "preview"]},
                            {"key": "VERCEL_URL", "value": "", "type": "system"}])
    run(fake, tmp_path, env={"MINE": VALUE})
    assert fake.value_of("THEIRS") == "x-value"
    result = run(fake, tmp_path, env={"MINE": VALUE}, purge=True)
    assert result["deleted"] == ["THEIRS"] and {e["key"] for e in fake.envs} == {"MINE", "SHARED", "VERCEL_URL"}


def test_a_sensitive_value_is_compared_by_the_kept_digest(tmp_path):
    fake = FakeVercel()
    run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive")
    same = run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive")
    assert not same["changed"] and same["warnings"] == []
    new = run(fake, tmp_path, env={"API_KEY": OTHER}, type="sensitive")
    assert new["updated"] == ["API_KEY"] and fake.value_of("API_KEY") == OTHER
    record = json.loads(open(record_path(str(tmp_path), "prj_web"), encoding="utf-8").read())
    assert VALUE not in json.dumps(record) and OTHER not in json.dumps(record)
    assert oct(os.stat(record_path(str(tmp_path), "prj_web")).st_mode & 0o777) == "0o600"


def test_a_sensitive_value_set_by_someone_else_since_is_written_again(tmp_path):
    fake = FakeVercel()
    run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive")
    entry = fake.envs[0]
    entry.update(value="changed by hand", updatedAt=entry["updatedAt"] + 1)
    assert run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive")["updated"] == ["API_KEY"]


def test_update_modes_for_a_value_that_cannot_be_read(tmp_path):
    fake = FakeVercel(envs=[{"key": "API_KEY", "value": "old-value", "type": "sensitive"}])
    unknown = run(fake, tmp_path, check_mode=True, env={"API_KEY": VALUE}, type="sensitive")
    assert unknown["updated"] == ["API_KEY"] and "cannot be compared" in unknown["warnings"][0]
    on_create = run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive", update="on_create")
    assert not on_create["changed"] and on_create["unchanged"] == ["API_KEY"] and fake.value_of("API_KEY") == "old-value"
    run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive")
    always = run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive", update="always")
    assert always["updated"] == ["API_KEY"] and always["warnings"] == []


def test_without_a_state_dir_a_sensitive_value_is_written_every_run_with_a_warning(tmp_path):
    fake = FakeVercel()
    run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive", state_dir=None)
    again = run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive", state_dir=None)
    assert again["changed"] and "no state_dir is set" in again["warnings"][0]


def test_another_type_is_updated_to_the_asked_type(tmp_path):
    fake = FakeVercel(envs=[{"key": "API_KEY", "value": VALUE, "type": "plain"}])
    result = run(fake, tmp_path, env={"API_KEY": VALUE}, type="sensitive")
    assert result["updated"] == ["API_KEY"] and fake.envs[0]["type"] == "sensitive"


def test_check_mode_predicts_exactly_and_writes_nothing(tmp_path):
    fake = FakeVercel(envs=[{"key": "OLD", "value": "x-value", "type": "plain"},
                            {"key": "REDIS_URL", "value": OTHER}])
    wanted = {"REDIS_URL": VALUE, "NEW_KEY": "n-value"}
    checked = run(fake, tmp_path, check_mode=True, env=wanted, purge=True)
    assert fake.writes == [] and not os.path.exists(record_path(str(tmp_path), "prj_web"))
    real = run(fake, tmp_path, env=wanted, purge=True)
    keys = ("changed", "created", "updated", "deleted", "unchanged")
    assert [checked[k] for k in keys] == [real[k] for k in keys] == [True, ["NEW_KEY"], ["REDIS_URL"], ["OLD"], []]


def test_a_lost_create_answer_is_looked_up_and_not_sent_twice(tmp_path):
    fake = FakeVercel()
    fake.fail_next("POST", r"/v10/projects/[^/]+/env", ("after", connection_dropped()))
    result = run(fake, tmp_path, env={"REDIS_URL": VALUE})
    assert result["created"] == ["REDIS_URL"] and len(fake.to("POST")) == 1 and len(fake.envs) == 1
    assert not run(fake, tmp_path, env={"REDIS_URL": VALUE})["changed"]


def test_a_create_lost_before_it_was_made_is_sent_again(tmp_path):
    fake = FakeVercel()
    fake.fail_next("POST", r"/v10/projects/[^/]+/env", connection_dropped())
    result = run(fake, tmp_path, env={"REDIS_URL": VALUE})
    assert result["created"] == ["REDIS_URL"] and len(fake.to("POST")) == 2 and len(fake.envs) == 1


def test_the_diff_and_the_result_carry_keys_never_values(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": "old-s3cret-value", "type": "plain"}])
    result = run(fake, tmp_path, env={"REDIS_URL": VALUE, "NEW": OTHER}, type="plain")
    assert result["diff"] == {"before": {"REDIS_URL": MASK}, "after": {"REDIS_URL": MASK_NEW, "NEW": MASK_NEW}}
    text = json.dumps(result)
    assert VALUE not in text and OTHER not in text and "old-s3cret-value" not in text


def test_previous_values_are_returned_only_when_asked_and_the_action_hides_them(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": "old-s3cret-value", "type": "plain"},
                            {"key": "API_KEY", "value": "hidden-value", "type": "sensitive"},
                            {"key": "GONE", "value": "gone-value"}])
    wanted = {"REDIS_URL": VALUE, "API_KEY": OTHER, "NEW": "n-value"}
    assert "previous" not in run(fake, tmp_path, check_mode=True, env=wanted, type="plain")
    result = run(fake, tmp_path, check_mode=True, env=wanted, type="plain", return_previous=True)
    assert result["previous"] == {"REDIS_URL": "old-s3cret-value", "API_KEY": NOT_SHOWN, "NEW": None}
    assert result["_unmasked"] == ("old-s3cret-value",)
    absent = run(fake, tmp_path, check_mode=True, env={"GONE": ""}, state="absent", return_previous=True)
    assert absent["previous"] == {"GONE": "gone-value"}


@pytest.mark.parametrize("overrides, message", [
    ({"targets": []}, "targets is empty"),
    ({"targets": ["production"], "git_branch": "staging"}, "git_branch applies to preview entries only"),
    ({"env": {"1BAD": "x", "OK": "y", "has space": "z"}}, "1BAD, has space are not variable names"),
    ({"env": {"EMPTY": None}}, "EMPTY have no value"),
    ({"env": {"A": "x"}, "state": "absent", "purge": True}, "purge"),
])
def test_bad_input_fails_before_any_call_saying_what_to_fix(tmp_path, overrides, message):
    fake = FakeVercel()
    with pytest.raises(ValueError, match=message):
        run(fake, tmp_path, **overrides)
    assert fake.calls == []


def test_an_unknown_project_names_the_team(tmp_path):
    fake = FakeVercel()
    with pytest.raises(ResourceError, match="'nope' not found in team team_unit"):
        run(fake, tmp_path, project="nope", env={"A": "x"})


def test_the_module_masks_values_and_hides_a_result_with_previous_values(tmp_path, monkeypatch):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": "old-s3cret-value", "type": "plain"}])
    client = vercel_client(fake)
    monkeypatch.setattr("ansible_collections.launchkit.paas.plugins.module_utils.vercel.env.VercelClient.from_params",
                        lambda params, secrets: client)
    args = {"api_token": "tok-unit", "team_id": "team_unit", "api_url": "https://api.test/v1", "project": "scoop-web",
            "env": {"REDIS_URL": VALUE}, "type": "plain", "state_dir": str(tmp_path), "return_previous": True}
    result = MODULE.run_in_process("launchkit.paas.vercel_env", args, check_mode=True, diff=True)
    assert result.get("changed"), result
    assert result["updated"] == ["REDIS_URL"] and result["_launchkit_no_log"]
    assert VALUE not in json.dumps(result) and result["previous"] == {"REDIS_URL": "old-s3cret-value"}
