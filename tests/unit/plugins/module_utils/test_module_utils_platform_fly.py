# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Fly.io platform of the seam (platform/fly_env.py) under app_env and app_info, against a stateful fake
Machines API: secrets key by key in one call per app, compared by the kept digests, never read."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import run_app_env
from ansible_collections.launchkit.paas.plugins.module_utils.platform.fly_env import NOT_SHOWN, FlyEnv
from ansible_collections.launchkit.paas.plugins.module_utils.platform.info import run_app_info
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import read_record
from fly_fakes import FakeFly, fly_client, machine

REDIS = "rediss://default:upstash-secret-pw@eu1.upstash.io:6379"
DATABASE = "postgresql://app:pg-secret-pw@db.example.test:6543/app"


def params(tmp_path, **extra):
    base = {"platform": "fly", "services": ["web"], "services_name": "redis_services", "env": {"REDIS_URL": REDIS},
            "remove": [], "record_phase": "redis", "record_dir": str(tmp_path), "record_stack": "synckairos",
            "record_extra": {}, "record_always": False, "fly_org": "acme"}
    base.update(extra)
    return base


def run(fake, tmp_path, check_mode=False, **extra):
    return run_app_env(params(tmp_path, **extra), check_mode, Secrets(), FlyEnv(params(tmp_path), Secrets(),
                       check_mode, client=fly_client(fake)))


def writes(fake):
    return [call for call in fake.api.calls if call.method != "GET"]


def test_every_key_of_an_app_is_set_in_one_call_and_the_new_secrets_version_is_returned(tmp_path):
    fake = FakeFly(secrets={"JWT_SECRET": "kept-by-hand"})
    result = run(fake, tmp_path, env={"REDIS_URL": REDIS, "DATABASE_URL": DATABASE})
    assert [(call.method, call.path) for call in writes(fake)] == [("POST", "/apps/web/secrets")]
    assert writes(fake)[0].json == {"values": {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS}}
    service = result["services"][0]
    assert result["changed"] and service["set_keys"] == ["DATABASE_URL", "REDIS_URL"]
    assert service["secrets_version"] == 1
    assert fake.secret_values == {"JWT_SECRET": "kept-by-hand", "REDIS_URL": REDIS, "DATABASE_URL": DATABASE}
    assert REDIS not in json.dumps(result) and DATABASE not in json.dumps(result)


def test_a_second_run_compares_by_the_kept_digests_and_writes_nothing(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path)
    fake.api.calls.clear()
    result = run(fake, tmp_path)
    assert not result["changed"] and writes(fake) == []
    assert result["services"][0]["unchanged_keys"] == ["REDIS_URL"]


def test_a_value_changed_since_our_write_is_written_again(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path)
    fake.secret_values["REDIS_URL"] = "redis://someone-else"  # Fly's digest moves: ours no longer holds
    fake.api.calls.clear()
    result = run(fake, tmp_path)
    assert result["changed"] and writes(fake)[0].json == {"values": {"REDIS_URL": REDIS}}


def test_check_mode_writes_nothing_and_plans_what_the_run_writes(tmp_path):
    fake = FakeFly()
    result = run(fake, tmp_path, check_mode=True)
    assert writes(fake) == [] and result["changed"] and result["services"][0]["set_keys"] == ["REDIS_URL"]
    assert not (tmp_path / "synckairos" / "redis.json").exists() and not (tmp_path / "fly").exists()
    # The real run then does exactly that.
    assert run(fake, tmp_path)["services"][0]["set_keys"] == ["REDIS_URL"]


def test_the_record_has_none_for_a_new_key_and_not_shown_for_a_key_whose_old_value_fly_hides(tmp_path):
    fake = FakeFly(secrets={"DATABASE_URL": "postgresql://old"})
    result = run(fake, tmp_path, env={"REDIS_URL": REDIS, "DATABASE_URL": DATABASE})
    record = read_record(str(tmp_path / "synckairos" / "redis.json"))
    assert record["services"] == {"web": {"REDIS_URL": None, "DATABASE_URL": NOT_SHOWN}}
    assert any("DATABASE_URL" in warning and "rollback leaves" in warning for warning in result["warnings"])


def test_removing_a_key_is_a_null_in_the_same_call(tmp_path):
    fake = FakeFly(secrets={"OLD_KEY": "x" * 20})
    run(fake, tmp_path, remove=["OLD_KEY"])
    assert writes(fake)[0].json == {"values": {"REDIS_URL": REDIS, "OLD_KEY": None}}
    assert "OLD_KEY" not in fake.secret_values


def test_copy_is_refused_before_any_call_since_fly_shows_no_value(tmp_path):
    fake = FakeFly()
    with pytest.raises(ValueError, match="never shows"):
        run(fake, tmp_path, copy={"CACHE_URL": "REDIS_URL"})
    assert fake.api.calls == []


def test_a_missing_app_fails_with_nothing_written(tmp_path):
    fake = FakeFly()
    with pytest.raises(Exception, match="do not exist on fly"):
        run(fake, tmp_path, services=["other"])
    assert writes(fake) == []


def test_app_info_gives_the_fly_dev_url_and_whether_every_started_machine_runs_the_latest_secrets(tmp_path):
    fake = FakeFly(machines=[machine("m1"), machine("m2")])
    run(fake, tmp_path)  # secrets version 1, kept; no Machine rolled yet
    info_params = {"platform": "fly", "services": ["web"], "env_keys": True, "deploys": True, "env_values": [],
                   "record_dir": str(tmp_path)}
    info = run_app_info(info_params, False, Secrets(), FlyEnv(info_params, Secrets(), client=fly_client(fake)))
    view = info["services"][0]
    assert view["url"] == "https://web.fly.dev" and view["env_keys"] == ["REDIS_URL"]
    assert view["deploys"]["live"]["id"] != view["deploys"]["latest"]["id"]
    assert view["deploys"]["latest"]["status"] == "on 0 of 2 started Machines"
    for machine_id in ("m1", "m2"):
        fake.machines[machine_id]["config"]["metadata"]["launchkit_secrets_version"] = "1"
    info = run_app_info(info_params, False, Secrets(), FlyEnv(info_params, Secrets(), client=fly_client(fake)))
    deploys = info["services"][0]["deploys"]
    assert deploys["live"]["id"] == deploys["latest"]["id"] == "web@secrets-v1"
