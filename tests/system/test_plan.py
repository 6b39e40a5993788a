# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode is an exact plan: on a fresh, a partly provisioned and a drifted stack, `--check` predicts,
task by task and host by host, the `changed` of the real run that follows on the same sandbox state, and
makes no write (the sandbox's request log); values only a create makes are shown `(known after apply)`,
checks of what the run changes first are skipped with a note, and the run ends with a plan per host."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import WHOLE_ROLLOUT, recorded_run, render_api

PLAN_PLAY = "Plan (check mode)"


def run_recorded(tmp_path: Path, name: str, *args: str) -> dict:
    """site.yml with ARGS, each task result recorded (conftest.recorded_run), in TMP_PATH's state."""
    return recorded_run(*args, state_dir=tmp_path / "state", record=tmp_path / f"{name}.jsonl")


def changed_set(results: list[dict]) -> set[tuple[str, str, bool]]:
    return {(r["host"], r["task"], r["changed"]) for r in results if r["play"] != PLAN_PLAY}


def check_then_apply(tmp_path: Path, *args: str) -> tuple[list[dict], str]:
    """--check (no write), then the real run (each with ARGS): the same (host, task, changed) set; the check
    run's results."""
    check = run_recorded(tmp_path, "check", "--check", "--diff", *args)
    writes = check["summary"]["writes"]
    assert writes == 0, f"check mode made {writes} writes"
    assert_predicted(check["outcomes"], run_recorded(tmp_path, "real", *args)["outcomes"])
    return check["outcomes"], check["result"].stdout


def assert_predicted(check: list[dict], real: list[dict]) -> None:
    """The check run's task outcomes predicted the real run's: the same (host, task, changed) set, no failure."""
    predicted, happened = changed_set(check), changed_set(real)
    assert predicted == happened, (f"check mode predicted wrongly:\n only in --check: {sorted(predicted - happened)}\n"
                                   f" only in the real run: {sorted(happened - predicted)}")
    assert not [r for r in check if r["failed"]], [r for r in check if r["failed"]]


ALL_STACKS = ("scoop_production", "rekindlepro_staging", "synckairos_staging", "cloudgreet_production")


def plans(check: list[dict], output: str, hosts: tuple[str, ...] = ALL_STACKS) -> dict[str, dict]:
    """The plan each host printed at the end of the check run (every one of HOSTS)."""
    printed = {r["host"]: r["msg"] for r in check if r["play"] == PLAN_PLAY}
    assert set(printed) == set(hosts), output[-3000:]
    return printed


# The session's whole rollout (conftest.whole_rollout): check mode, then the real run, on a fresh sandbox.
@pytest.mark.long
@pytest.mark.xdist_group(WHOLE_ROLLOUT)
def test_a_fresh_stack(whole_rollout):
    assert whole_rollout["check"]["summary"]["writes"] == 0, whole_rollout["check"]["summary"]
    assert_predicted(whole_rollout["check"]["outcomes"], whole_rollout["first"]["outcomes"])
    check, output = whole_rollout["check"]["outcomes"], whole_rollout["check"]["result"].stdout
    plan = plans(check, output)
    scoop = plan["scoop_production"]
    assert {"render_key_value scoop-redis", "render_service scoop-sidekiq", "render_postgres scoop-db",
            "render_service scoop-db-backup", "sentry_alert_rule Error spike"} <= set(scoop["created"])
    assert "REDIS_URL (known after apply)" in scoop["env_keys"]["scoop-web"]
    assert "DATABASE_URL (known after apply)" in scoop["env_keys"]["scoop-web"]
    assert "SENTRY_DSN (known after apply)" in scoop["env_keys"]["scoop-sidekiq"]  # a service about to be created
    assert scoop["deploys"] == ["scoop-web"]
    rekindle = plan["rekindlepro_staging"]
    assert {"REDIS_URL (known after apply)", "UPSTASH_REDIS_REST_TOKEN (known after apply)"} <= set(
        rekindle["env_keys"]["rekindlepro-worker"])
    # The diffs name the keys and show what is not known yet as such, never as an empty value.
    assert '"REDIS_URL": "(known after apply)"' in output
    # (CloudGreet's Redis is given by URL, known before the run: checked in check mode too, without writes.)
    skipped = [r for r in check if r["task"] == "Prove the Redis works for its use (redis_use - queue or cache)"
               and r["host"] != "cloudgreet_production"]
    assert skipped and all(r["skipped"] and "check mode: the Redis not checked" in r["msg"] for r in skipped)


# A Render stack and the Fly.io one (the fresh stack above covers all four): each rollout of two stacks
# takes half the time of four.
PARTLY = ("scoop_production", "synckairos_staging")


@pytest.mark.long
def test_a_partly_provisioned_stack(quick_sandbox, tmp_path):
    limit = ("--limit", ",".join(PARTLY))
    run_recorded(tmp_path, "redis-only", "--tags", "redis", *limit)
    check, output = check_then_apply(tmp_path, *limit)
    plan = plans(check, output, PARTLY)
    assert "render_key_value scoop-redis" not in plan["scoop_production"]["created"]
    assert "render_service scoop-sidekiq" in plan["scoop_production"]["created"]


# The drifted stack and one left as it was.
DRIFTED = ("scoop_production", "rekindlepro_staging")


@pytest.mark.long
def test_a_drifted_stack(quick_sandbox, tmp_path):
    """The Key Value's policy and an env var changed by hand: the check of the Redis the run patches is
    skipped with a note, not failed, and the plan names the fix and the deploy."""
    limit = ("--limit", ",".join(DRIFTED))
    run_recorded(tmp_path, "first", *limit)
    key_value = render_api("GET", "/key-value?name=scoop-redis")[0]["keyValue"]
    render_api("PATCH", f"/key-value/{key_value['id']}", {"maxmemoryPolicy": "allkeys_lru"})
    web = render_api("GET", "/services?name=scoop-web")[0]["service"]
    render_api("PUT", f"/services/{web['id']}/env-vars/REDIS_URL", {"value": "redis://drifted.invalid:6379"})
    check, output = check_then_apply(tmp_path, *limit)
    redis_check = [r for r in check if r["host"] == "scoop_production"
                   and r["task"] == "Prove the Redis works for its use (redis_use - queue or cache)"]
    assert redis_check and redis_check[0]["skipped"] and "check mode" in redis_check[0]["msg"]
    plan = plans(check, output, DRIFTED)
    assert plan["scoop_production"]["env_keys"] == {"scoop-web": ["REDIS_URL"]}
    assert plan["scoop_production"]["deploys"] == ["scoop-web"]
    assert "render_key_value scoop-redis" in plan["scoop_production"]["changed"]
    assert plan["rekindlepro_staging"] == {"created": [], "changed": [], "deleted": [], "env_keys": {}, "deploys": []}
