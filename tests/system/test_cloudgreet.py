"""The CloudGreet stack on Vercel: check mode writes nothing; the first run writes the project's env (the Redis
URL, the Upstash REST URL and token under the app's own names, the database, Sentry's DSN under both names with
SENTRY_ORG/SENTRY_PROJECT, the Slack webhook), makes the background_jobs table and redeploys production once,
after which the stand-in app runs with the new env; validation proves the Redis over REST and the rate limit
(10 allowed, the 11th refused); no secret value appears at -vvv; a second run writes nothing; the redis phase's
rollback removes the keys it added and redeploys."""
from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import assert_ok, control, log_summary, run_site, state

HOST = "cloudgreet_production"
PROJECT = "cloudgreet"
REDIS_KEYS = {"REDIS_URL", "REDIS_REST_URL", "REDIS_REST_TOKEN"}
KEYS = REDIS_KEYS | {"DATABASE_URL", "SENTRY_DSN", "NEXT_PUBLIC_SENTRY_DSN", "SENTRY_ORG", "SENTRY_PROJECT",
                     "SLACK_WEBHOOK_URL"}


def running_env() -> dict:
    """What the production stand-in runs with (values included: the sandbox's control API, for tests only)."""
    return control("GET", f"/vercel/projects/{PROJECT}/running-env")


def vault() -> dict:
    return json.loads((Path(os.environ["LAUNCHKIT_SANDBOX_STATE_DIR"]) / "seeded-secrets.json")
                      .read_text(encoding="utf-8"))["cloudgreet"]


def production_deployments() -> list[dict]:
    return [d for d in state()["vendors"]["vercel"]["deployments"] if d["target"] == "production"]


def test_cloudgreet_rolls_out_on_vercel(quick_sandbox, tmp_path):  # noqa: ARG001
    control("POST", "/vercel/settings", {"queued_seconds": 0.1, "build_seconds": 0.2})
    state_dir = tmp_path / "state"
    check = run_site("--limit", HOST, "--check", state_dir=state_dir)
    assert_ok(check, "check mode")
    assert log_summary()["writes"] == 0
    assert not REDIS_KEYS & set(running_env()["env"])

    first = run_site("--limit", HOST, "-vvv", state_dir=state_dir)
    assert_ok(first, "first run")
    assert f"{HOST}: PASSED WITH PENDING ACTIONS: 10 of 10 checks passed" in first.stdout
    assert "11 requests: 10 answered 2xx, then 1 answered 429 (request 11 onwards)" in first.stdout
    assert "SLACK_WEBHOOK_URL of cloudgreet: test post accepted" in first.stdout
    assert "vercel.json must hold" in first.stdout
    # The REST check's figures: the sliding window admitted 2 calls and refused the third; the read-only token
    # was refused its write.
    assert '"rate_limit": {' in first.stdout and '"admitted": 2' in first.stdout and '"refused": 1' in first.stdout
    assert '"readonly_refuses_write": true' in first.stdout
    # One redeploy, and production now runs the new env.
    assert len(production_deployments()) == 2
    running = running_env()
    assert KEYS <= set(running["env"])
    secrets = vault()
    assert running["env"]["REDIS_REST_URL"] == secrets["REDIS_REST_URL"]
    assert running["env"]["REDIS_REST_TOKEN"] == secrets["REDIS_REST_TOKEN"]
    assert running["env"]["SENTRY_DSN"] == running["env"]["NEXT_PUBLIC_SENTRY_DSN"]
    assert running["env"]["SENTRY_PROJECT"] == "cloudgreet"
    # The Slack stand-in took the test post.
    assert any(post.get("channel") == "#cloudgreet-alerts" for post in control("GET", "/slack/posts")["posts"])
    # No secret value at -vvv.
    for value in (secrets["REDIS_REST_TOKEN"], secrets["REDIS_URL"], secrets["REDIS_REST_READONLY_TOKEN"],
                  running["env"]["SENTRY_DSN"], running["env"]["SLACK_WEBHOOK_URL"], secrets["REDIS_REST_URL"]):
        assert value not in first.stdout and value not in first.stderr and value not in check.stdout

    since = control("GET", "/log")["entries"][-1]["seq"]
    second = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(second, "second run")
    assert log_summary(since=since)["writes"] == 0
    assert len(production_deployments()) == 2
    assert f"{HOST}: PASSED WITH PENDING ACTIONS: 10 of 10 checks passed" in second.stdout

    rollback = run_site("--limit", HOST, "--tags", "rollback_redis", state_dir=state_dir)
    assert_ok(rollback, "rollback of the redis phase")
    assert len(production_deployments()) == 3
    env = running_env()["env"]
    assert not REDIS_KEYS & set(env) and "DATABASE_URL" in env and "SLACK_WEBHOOK_URL" in env
