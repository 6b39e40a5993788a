"""The SyncKairos stack on Fly.io: its phases write the app's secrets, the apply step rolls the Machines onto
them one at a time, validation runs the plan's smoke test on the app, a second run writes nothing, a Machine
that fails its checks stops the roll with the rest untouched, and a rollback removes what the rollout added."""
from __future__ import annotations

import re

from conftest import assert_ok, control, log_summary, run_site, state

HOST = "synckairos_staging"
APP = "synckairos-staging"
KEYS = {"REDIS_URL", "DATABASE_URL", "JWT_SECRET", "NODE_ENV", "PORT", "LOG_LEVEL"}
SEEDED_JWT = "rehearsal-jwt-secret-5c1d0e"  # sandbox/fixtures/rehearsal.json: the app has one already


def fly_app() -> dict:
    return next(app for app in state()["vendors"]["fly"]["apps"] if app["name"] == APP)


def running_env(machine_id: str) -> dict:
    """What a Machine runs with (values included: the sandbox's control API, for tests only)."""
    return control("GET", f"/fly/apps/{APP}/machines/{machine_id}/env")


def fly_writes(since: int = 0) -> list[dict]:
    return [entry for entry in control("GET", f"/log?since={since}")["entries"]
            if entry["vendor"] == "fly" and entry["write"]]


def test_synckairos_rolls_out_on_fly_and_every_machine_runs_the_new_secrets(fly_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    check = run_site("--limit", HOST, "--check", state_dir=state_dir)
    assert_ok(check, "check mode")
    assert fly_writes() == [] and log_summary()["writes"] == 0

    first = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(first, "first run")
    assert f"{HOST}: PASSED: 19 of 19 checks passed" in first.stdout
    assert re.search(r"PASSED \| synckairos-staging \| smoke Read the session back by its id", first.stdout)
    app = fly_app()
    assert KEYS <= {secret["name"] for secret in app["secrets"]}
    # Each phase that writes config wrote once (one secrets version per phase: redis, app_secrets, database).
    secret_posts = [e for e in fly_writes() if e["method"] == "POST" and e["path"].endswith(f"/apps/{APP}/secrets")]
    assert len(secret_posts) == 3
    for machine in app["machines"]:
        running = running_env(machine["id"])
        assert running["secrets_version"] == app["secrets_version"]
        assert KEYS <= set(running["env"])
        # The app's JWT_SECRET was kept, never made again.
        assert running["env"]["JWT_SECRET"] == SEEDED_JWT
        assert running["env"]["NODE_ENV"] == "production" and running["env"]["LOG_LEVEL"] == "info"
        assert running["env"]["REDIS_URL"].startswith("rediss://")
    # No secret value is printed.
    for machine in app["machines"]:
        for key in ("REDIS_URL", "DATABASE_URL", "JWT_SECRET"):
            value = running_env(machine["id"])["env"][key]
            assert value not in first.stdout and value not in first.stderr and value not in check.stdout

    since = control("GET", "/log")["entries"][-1]["seq"]
    second = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(second, "second run")
    assert fly_writes(since) == [] and log_summary(since=since)["writes"] == 0
    assert f"{HOST}: PASSED: 19 of 19 checks passed" in second.stdout


def test_a_machine_that_fails_its_checks_stops_the_roll_and_the_rest_keep_their_old_secrets(fly_sandbox, tmp_path):
    first_id, second_id = sorted(machine["id"] for machine in fly_app()["machines"])
    control("POST", "/fly/settings", {"fail": {first_id: "checks"}})
    result = run_site("--limit", HOST, "-e", "apply_deploy_timeout=5", state_dir=tmp_path / "state")
    assert result.returncode != 0
    assert f"stopped at Machine {first_id}" in result.stdout and "at step 'checks'" in result.stdout
    assert f"not rolled (still on their old version): {second_id}" in result.stdout
    # The validation never ran: the roll failed the run.
    assert "checks passed" not in result.stdout
    app = fly_app()
    assert running_env(first_id)["secrets_version"] == app["secrets_version"]
    untouched = running_env(second_id)
    assert untouched["secrets_version"] == 1 and "REDIS_URL" not in untouched["env"]


def test_the_redis_rollback_removes_the_key_it_added_and_the_machines_run_without_it(fly_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site("--limit", HOST, state_dir=state_dir), "rollout")
    rollback = run_site("--limit", HOST, "--tags", "rollback_redis", state_dir=state_dir)
    assert_ok(rollback, "rollback of the redis phase")
    app = fly_app()
    assert "REDIS_URL" not in {secret["name"] for secret in app["secrets"]}
    assert {"DATABASE_URL", "JWT_SECRET"} <= {secret["name"] for secret in app["secrets"]}
    for machine in app["machines"]:
        running = running_env(machine["id"])
        assert running["secrets_version"] == app["secrets_version"] and "REDIS_URL" not in running["env"]


def test_a_render_only_phase_on_a_fly_stack_fails_the_preflight_with_nothing_written(fly_sandbox, tmp_path):
    result = run_site("--limit", HOST, "-e", '{"worker_services": [{"name": "synckairos-worker"}]}',
                      state_dir=tmp_path / "state")
    assert result.returncode != 0
    assert "the worker phase runs on Render" in result.stdout and "worker_enabled: false" in result.stdout
    assert log_summary()["writes"] == 0
