# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Vercel platform of the seam (platform/vercel_env.py) under app_env, app_info and preflight, against the
stateful fake Vercel API: entries of exactly the chosen targets, written as vercel_env writes them, compared by
the kept digests or the value read back, previous values exact for the rollback record."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import run_app_env
from ansible_collections.launchkit.paas.plugins.module_utils.platform.fly_env import NOT_SHOWN
from ansible_collections.launchkit.paas.plugins.module_utils.platform.info import run_app_info
from ansible_collections.launchkit.paas.plugins.module_utils.platform.vercel_env import VercelEnv, vercel_params
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.preflight import run_preflight
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import read_record
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.deployment import run_deployment
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.env import run_env
from launchkit_fakes import FakeClock
from vercel_fakes import FakeVercel, base_params, vercel_client

REDIS = "rediss://default:upstash-secret-pw@eu1.upstash.io:6379"
OLD_REDIS = "rediss://default:old-secret-pw@old.upstash.io:6379"


def params(tmp_path, **extra):
    base = {"platform": "vercel", "services": ["scoop-web"], "services_name": "redis_services",
            "env": {"REDIS_URL": REDIS}, "remove": [], "record_phase": "redis", "record_dir": str(tmp_path),
            "record_stack": "cloudgreet", "record_extra": {}, "record_always": False,
            "vercel_targets": ["production"], "vercel_env_type": "encrypted"}
    base.update(extra)
    return base


def platform(fake, tmp_path, check_mode=False, **extra):
    return VercelEnv(params(tmp_path, **extra), Secrets(), check_mode, client=vercel_client(fake))


def run(fake, tmp_path, check_mode=False, **extra):
    return run_app_env(params(tmp_path, **extra), check_mode, Secrets(), platform(fake, tmp_path, check_mode, **extra))


def info(fake, tmp_path):
    info_params = {"platform": "vercel", "services": ["scoop-web"], "env_keys": True, "deploys": True,
                   "env_values": [], "vercel_targets": ["production"], "vercel_env_type": "encrypted"}
    return run_app_info(info_params, False, Secrets(), VercelEnv(info_params, Secrets(), client=vercel_client(fake)))


def record(tmp_path):
    return read_record(str(tmp_path / "cloudgreet" / "redis.json"))


def test_a_new_key_is_one_encrypted_production_entry_and_a_second_run_writes_nothing(tmp_path):
    fake = FakeVercel(envs=[{"key": "NEXT_PUBLIC_SITE", "value": "https://scoop.test", "type": "plain"}])
    result = run(fake, tmp_path)
    [write] = fake.writes
    assert (write.method, write.path) == ("POST", "/v10/projects/prj_web/env")
    assert write.json == {"key": "REDIS_URL", "value": REDIS, "type": "encrypted", "target": ["production"]}
    assert result["changed"] and result["services"][0]["set_keys"] == ["REDIS_URL"]
    assert result["services"][0]["id"] == "prj_web" and result["services"][0]["type"] == "vercel_project"
    assert record(tmp_path)["services"] == {"scoop-web": {"REDIS_URL": None}}
    assert REDIS not in json.dumps(result)
    # The digest kept after the write proves the value: no decrypting read, no write.
    fake.calls.clear()
    again = run(fake, tmp_path)
    assert not again["changed"] and fake.writes == [] and again["services"][0]["unchanged_keys"] == ["REDIS_URL"]
    assert not [call for call in fake.calls if call.path.startswith("/v1/")]


def test_an_encrypted_value_set_by_hand_is_read_decrypted_and_kept_exactly_for_the_rollback(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": OLD_REDIS}])
    result = run(fake, tmp_path)
    assert [(call.method, call.path) for call in fake.writes] == [("PATCH", "/v9/projects/prj_web/env/env_100")]
    assert fake.writes[0].json == {"value": REDIS, "type": "encrypted"}
    assert record(tmp_path)["services"] == {"scoop-web": {"REDIS_URL": OLD_REDIS}}
    assert OLD_REDIS not in json.dumps(result) and "warnings" not in result
    # The same value set by hand is read and found equal: nothing written.
    fake2 = FakeVercel(envs=[{"key": "REDIS_URL", "value": REDIS}])
    assert not run(fake2, tmp_path / "other")["changed"] and fake2.writes == []


def test_a_sensitive_value_is_written_once_with_a_warning_then_compared_by_the_kept_digest(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": OLD_REDIS, "type": "sensitive"}])
    result = run(fake, tmp_path, vercel_env_type="sensitive")
    assert fake.writes[0].json == {"value": REDIS, "type": "sensitive"}
    assert record(tmp_path)["services"] == {"scoop-web": {"REDIS_URL": NOT_SHOWN}}
    assert any("REDIS_URL" in warning and "rollback leaves" in warning for warning in result["warnings"])
    fake.calls.clear()
    assert not run(fake, tmp_path, vercel_env_type="sensitive")["changed"] and fake.writes == []
    # vercel_env keeps the same record: it finds the value the seam wrote unchanged.
    env_params = base_params(env={"REDIS_URL": REDIS}, targets=["production"], git_branch=None, type="sensitive",
                             state="present", update="on_digest_change", purge=False, return_previous=False,
                             state_dir=str(tmp_path))
    assert run_env(env_params, False, Secrets(), vercel_client(fake))["unchanged"] == ["REDIS_URL"]
    assert fake.writes == []


def test_an_entry_of_another_type_is_written_again_with_the_chosen_type(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": REDIS, "type": "plain"}])
    result = run(fake, tmp_path)
    assert result["services"][0]["set_keys"] == ["REDIS_URL"]
    assert fake.writes[0].json == {"value": REDIS, "type": "encrypted"}


def test_entries_of_other_targets_are_never_touched_and_an_overlapping_one_fails_before_any_write(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": "redis://preview", "target": ["preview"]}])
    run(fake, tmp_path)
    assert fake.value_of("REDIS_URL", ("preview",)) == "redis://preview"
    assert fake.value_of("REDIS_URL") == REDIS
    clash = FakeVercel(envs=[{"key": "REDIS_URL", "value": OLD_REDIS, "target": ["production", "preview"]}])
    with pytest.raises(ResourceError, match="ENV_CONFLICT") as failure:
        run(clash, tmp_path / "clash")
    assert "launchkit_vercel_targets" in str(failure.value) and clash.writes == []
    assert not (tmp_path / "clash" / "cloudgreet" / "redis.json").exists()


def test_a_removed_key_deletes_its_entry_and_the_record_keeps_its_value(tmp_path):
    fake = FakeVercel(envs=[{"key": "OLD_KEY", "value": "old-value-123"}])
    run(fake, tmp_path, env={}, remove=["OLD_KEY"])
    assert [(call.method, call.path) for call in fake.writes] == [("DELETE", "/v9/projects/prj_web/env/env_100")]
    assert record(tmp_path)["services"] == {"scoop-web": {"OLD_KEY": "old-value-123"}}


def test_check_mode_writes_nothing(tmp_path):
    fake = FakeVercel()
    result = run(fake, tmp_path, check_mode=True)
    assert result["changed"] and fake.writes == [] and not (tmp_path / "vercel").exists()


def test_a_missing_project_fails_with_nothing_written_and_the_token_is_required(tmp_path):
    fake = FakeVercel()
    with pytest.raises(ResourceError, match="do not exist on vercel"):
        run(fake, tmp_path, services=["nope"])
    assert fake.writes == []
    with pytest.raises(ValueError, match="launchkit_vercel_token"):
        vercel_params({"vercel_token": None})


def test_app_info_says_the_production_deployment_is_older_than_the_env_until_production_is_redeployed(tmp_path):
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": OLD_REDIS, "updatedAt": 500}])
    view = info(fake, tmp_path)["services"][0]
    assert view["url"] == "https://scoop-web.vercel.app" and view["env_keys"] == ["REDIS_URL"]
    assert view["deploy_older_than_env"] is False
    assert view["deploys"]["live"]["id"] == view["deploys"]["latest"]["id"] == "dpl_1"
    run(fake, tmp_path)  # the entry changes after dpl_1 was made
    view = info(fake, tmp_path)["services"][0]
    assert view["deploy_older_than_env"] is True
    latest = view["deploys"]["latest"]
    assert latest["id"] != view["deploys"]["live"]["id"] and latest["status"] == "not deployed"
    assert "after the newest production deployment dpl_1" in latest["reason"]
    run_deployment(base_params(deployment_id=None, state="redeployed", force=True, wait=True, wait_timeout=60),
                   False, Secrets(), vercel_client(fake), clock=FakeClock())
    view = info(fake, tmp_path)["services"][0]
    assert view["deploy_older_than_env"] is False
    assert view["deploys"]["live"]["id"] == view["deploys"]["latest"]["id"] == "dpl_100"


def test_preflight_finds_projects_by_name_and_names_a_missing_one(tmp_path):
    fake = FakeVercel()
    checks = [{"phase": "redis", "problems": [], "services": {"redis_services": ["scoop-web", "prj_web", "nope"]},
               "creates": [], "types": {}}]
    result = run_preflight({"platform": "vercel", "checks": checks, "finish": True}, False, Secrets(),
                           platform(fake, tmp_path))
    assert result["problems"] == ["redis: redis_services names 'nope', which does not exist"]
    assert fake.writes == []
