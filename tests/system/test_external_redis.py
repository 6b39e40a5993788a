"""The redis phase with a Redis given by URL (redis_provider: external), for RekindlePro: no Render Key Value or
Upstash call at all, the URL in both services (and, after the apply step, in what they run), a check with it, a
second run and check mode that write nothing, a bad URL refused before any write, a rollback that restores the
env and deletes nothing, the URL in no output at -vvv, and a password rotation that says what to do by hand.
Validate finds that Redis through the app's env and reports it as external.

The Redis is an Upstash database made through the sandbox's control API and then given by URL: a stand-in for
one made by `flyctl ext redis create` (or Vercel's integration), which Upstash's Developer API cannot manage
(NOTES.md, Upstash quirk 1).

Run (with the sandbox up and .sandbox/env loaded, or under xdist):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_external_redis.py
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import redis

from conftest import assert_ok, control, env_of, recap, render_api, run_site, services_by_name, state
from test_apply import json_run
from test_leaks import assert_no_leak
from test_validate import report_checks, validate_vars

KINDLE = ("--limit", "rekindlepro_staging")
SERVICES = ("rekindlepro-api", "rekindlepro-worker")
FLY_REDIS = "synckairos-fly-redis"
OLD_URL = "redis://default:old-redis-passw0rd-3c9e@old-redis.internal:6379"


def external_redis() -> tuple[str, dict]:
    """A real Redis that no phase manages: the Upstash database seeded by name, and its rediss:// URL."""
    control("POST", "/seed", {"upstash": {"databases": [{"database_name": FLY_REDIS, "eviction": False}]}})
    database = upstash_database()
    control("DELETE", "/log")
    return f"rediss://default:{database['password']}@{database['endpoint']}:{database['port']}", database


def upstash_database() -> dict | None:
    return next((db for db in state()["vendors"]["upstash"]["databases"] if db["database_name"] == FLY_REDIS), None)


def external(url: str, **more) -> tuple[str, str]:
    """RekindlePro on a Redis given by URL. Its inventory writes the Upstash REST env; a Redis given by URL
    has no REST endpoint unless the vault names one (redis_rest_url), so these runs turn that off."""
    return "-e", json.dumps({"redis_provider": "external", "redis_url": url, "redis_upstash_rest_env": False, **more})


def redis_api_calls() -> list[tuple[str, str]]:
    """Every request of the last run to a vendor API that manages a Redis (Upstash, Render Key Value)."""
    return [(e["method"], e["path"]) for e in control("GET", "/log")["entries"]
            if e["vendor"] == "upstash" or "/key-value" in e["path"] or "/redis" in e["path"]]


def writes() -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in control("GET", "/log")["entries"] if e["write"]]


def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, ssl_ca_certs=state()["tls_ca"], decode_responses=True, socket_timeout=5)


def test_an_external_redis_is_wired_checked_and_applied_with_no_redis_api_call(quick_sandbox, tmp_path):
    url, seeded = external_redis()
    state_dir = tmp_path / "state"
    args = ("--tags", "redis", *KINDLE, *external(url))

    check, predicted = json_run(*args, "--check", "--diff", state_dir=state_dir)
    assert_ok(check, "the redis phase in check mode")
    assert writes() == [] and redis_api_calls() == []
    assert all("REDIS_URL" not in env_of(state(), name) for name in SERVICES)
    # Check mode already knows the URL: it checked it (read-only) and names the services the run deploys.
    assert '"policy_source": "server"' in check.stdout, check.stdout[-4000:]
    assert predicted == {"rekindlepro_staging": {name: "trigger" for name in SERVICES}}, predicted

    first, applied = json_run(*args, state_dir=state_dir)
    assert_ok(first, "the redis phase with an external Redis")
    assert redis_api_calls() == [], "the phase called a Redis vendor API"
    assert applied == predicted
    snapshot = state()
    render = snapshot["vendors"]["render"]
    for name in SERVICES:
        service_id = services_by_name(snapshot)[name]["id"]
        assert render["env_vars"][service_id]["REDIS_URL"] == url, name
        # The apply step deployed it: the service runs with the URL.
        assert render["running_env_vars"][service_id]["REDIS_URL"] == url, name
        # Only REDIS_URL: no Upstash REST keys for a Redis given by URL.
        assert "UPSTASH_REDIS_REST_URL" not in render["env_vars"][service_id], name
    assert '"status": "external (given by URL)"' in first.stdout and '"policy": "noeviction"' in first.stdout
    assert upstash_database() == seeded, "the external Redis was changed"
    assert client(url).ping()

    second, again = json_run(*args, state_dir=state_dir)
    assert_ok(second, "second run")
    assert writes() == [] and redis_api_calls() == [] and again == {}
    assert recap(second)["rekindlepro_staging"]["changed"] == 0, recap(second)


def test_a_missing_or_malformed_redis_url_fails_at_preflight_with_nothing_written(quick_sandbox, tmp_path):
    url, _seeded = external_redis()
    password = url.split(":")[2].split("@")[0]
    refused = "redis: redis_url (the external Redis): url "
    cases = {
        "": "redis: an external Redis (redis_provider: external) needs redis_url (redis:// or rediss://",
        url.replace("rediss://", "https://"): refused + "must start with redis:// or rediss://",
        url.rsplit(":", 1)[0] + ":63a79": refused + "has a port that is not a number",
    }
    for given, expected in cases.items():
        control("DELETE", "/log")
        result = run_site("--tags", "redis", *KINDLE, *external(given), state_dir=tmp_path / "state")
        text = result.stdout + result.stderr
        assert result.returncode != 0, text[-4000:]
        assert "Preflight: 1 problem(s) in redis; nothing was written." in text and expected in text, text[-4000:]
        assert control("GET", "/log/summary")["writes"] == 0
        assert_no_leak(text, {password} | ({given} if given else set()), "a refused redis_url")
    assert all("REDIS_URL" not in env_of(state(), name) for name in SERVICES)
    # Stating a policy for an external Redis through the variable that sets one is refused too.
    result = run_site("--tags", "redis", *KINDLE, *external(url, redis_maxmemory_policy="noeviction"),
                      state_dir=tmp_path / "state")
    assert result.returncode != 0 and "state it as redis_external_maxmemory_policy" in result.stdout
    assert control("GET", "/log/summary")["writes"] == 0


def test_the_rollback_restores_the_env_deletes_nothing_and_no_output_shows_the_url(quick_sandbox, tmp_path):
    url, seeded = external_redis()
    password = seeded["password"]
    api = services_by_name(state())["rekindlepro-api"]
    render_api("PUT", f"/services/{api['id']}/env-vars/REDIS_URL", {"value": OLD_URL})
    worker_before = env_of(state(), "rekindlepro-worker").get("REDIS_URL")
    client(url).set("jobs:kept", "1")
    state_dir = tmp_path / "state"
    secrets = {url, password, OLD_URL, "old-redis-passw0rd-3c9e"}

    rollout = run_site("--tags", "redis", *KINDLE, *external(url, redis_external_maxmemory_policy="noeviction"),
                       "-vvv", "--diff", state_dir=state_dir)
    assert_ok(rollout, "the redis phase at -vvv")
    assert '"module_args"' in rollout.stdout  # really -vvv
    assert env_of(state(), "rekindlepro-api")["REDIS_URL"] == url
    assert_no_leak(rollout.stdout + rollout.stderr, secrets, "the redis phase with an external Redis at -vvv --diff")

    control("DELETE", "/log")
    rollback = run_site("--tags", "rollback_redis", *KINDLE, *external(url), "-e", "redis_rollback_delete_instance=true",
                        "-vvv", "--diff", state_dir=state_dir)
    assert_ok(rollback, "the rollback at -vvv")
    assert_no_leak(rollback.stdout + rollback.stderr, secrets, "the redis rollback with an external Redis at -vvv")
    assert env_of(state(), "rekindlepro-api")["REDIS_URL"] == OLD_URL
    assert env_of(state(), "rekindlepro-worker").get("REDIS_URL") == worker_before
    assert redis_api_calls() == [], "the rollback called a Redis vendor API"
    assert upstash_database() == seeded and client(url).get("jobs:kept") == "1"
    assert "The Redis given by URL (redis_provider: external) and its data stay" in rollback.stdout


def test_validate_finds_the_external_redis_through_the_app_and_reports_it_as_external(quick_sandbox, tmp_path):
    url, _seeded = external_redis()
    reports: Path = tmp_path / "reports"
    # The monitoring phase does not run here, so its contact point is not what this test proves.
    extra = validate_vars(reports, monitoring_enabled=False)
    result = run_site("--tags", "redis,database,validate", *KINDLE, "-e", extra, *external(url), state_dir=tmp_path / "state")
    assert_ok(result, "redis, database and validate with an external Redis")
    assert redis_api_calls() == [], "a Redis vendor API was called"
    checks = {(c["check"], c["component"]): c for c in report_checks(reports, "rekindlepro_staging")}
    assert checks[("/health", "redis")]["status"] == "passed", checks
    redis_checks = [c for c in checks.values() if c["check"] == "REDIS_URL"]
    assert redis_checks and all(c["status"] == "passed" for c in redis_checks), checks
    report = json.loads((reports / "rekindlepro_staging" / "rollout-report.json").read_text(encoding="utf-8"))
    phase = report["phases"]["redis"]
    assert (phase["provider"], phase["exists"], phase["id"]) == ("external", None, None), phase
    markdown = (reports / "rekindlepro_staging" / "rollout-report.md").read_text(encoding="utf-8")
    assert "Redis: **external (given by URL)**" in markdown and "instance **" not in markdown.split("###")[1]
    assert url not in markdown and url.split("@", maxsplit=1)[0] not in json.dumps(report)
    assert os.environ["UPSTASH_API_KEY"] not in markdown


def test_its_password_rotation_fails_at_once_saying_what_to_do_by_hand(quick_sandbox, tmp_path):
    url, seeded = external_redis()
    result = run_site("--tags", "rotate_redis_password", *KINDLE, *external(url), state_dir=tmp_path / "state")
    assert result.returncode != 0
    assert "rotate_redis_password: the Redis is given by URL (redis_provider: external)" in result.stdout
    assert "By hand: make a new password at the Redis's provider" in result.stdout
    assert writes() == [] and redis_api_calls() == [] and upstash_database() == seeded
