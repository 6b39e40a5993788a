"""The app settings of site.yml: app secrets made once and kept (never printed, even at -vvv), the error
monitoring settings (environment, release from the latest deploy, sample rate, a frontend's DSN name),
and the Redis connection budget's warning.

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_settings.py
"""
from __future__ import annotations

import json
import os
import re

import pytest

from conftest import assert_ok, control, env_of, fixture_data, recap, render_api, reset_and_seed, run_site, services_by_name, state
from test_leaks import assert_no_leak, assert_verbose

HOST = "rekindlepro_staging"
API, WORKER, FRONTEND = "rekindlepro-api", "rekindlepro-worker", "rekindlepro-web"
SECRETS = ("--tags", "app_secrets", "--limit", HOST)
SENTRY = ("--tags", "error_monitoring", "--limit", HOST)
VENDOR_ENV = ("SENTRY_API_URL", "SENTRY_AUTH_TOKEN", "SENTRY_ORG")


@pytest.fixture(name="fresh")
def fixture_fresh():
    """The rehearsal fixture without the API's JWT_SECRET, so that the phase has to make one; quick deploys."""
    data = fixture_data()
    for service in data["render"]["services"]:
        service.get("env_vars", {}).pop("JWT_SECRET", None)
    reset_and_seed(data)
    control("POST", "/render/deploys", {"build_seconds": 0.3, "fail": {}})
    yield
    control("DELETE", "/faults")
    control("POST", "/render/deploys", {"fail": {}})


def output(result) -> str:
    return result.stdout + "\n" + result.stderr


def writes_during(*args: str, state_dir) -> tuple:
    """Run site.yml with ARGS; the result and the sandbox's write requests of that run."""
    control("DELETE", "/log")
    result = run_site(*args, state_dir=state_dir)
    return result, [entry for entry in control("GET", "/log")["entries"] if entry["write"]]


def test_a_generated_secret_is_made_once_shared_kept_and_never_printed(fresh, tmp_path):  # noqa: ARG001
    checked, writes = writes_during(*SECRETS, "--check", state_dir=tmp_path)
    assert_ok(checked, "check mode")
    assert writes == [], f"check mode wrote: {writes}"
    assert recap(checked)[HOST]["changed"] >= 1, "check mode does not predict the change"
    assert "JWT_SECRET" not in env_of(state(), API)

    first = run_site(*SECRETS, "-vvv", state_dir=tmp_path)
    assert_ok(first, "first run")
    snapshot = state()
    secret = env_of(snapshot, API)["JWT_SECRET"]
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert env_of(snapshot, WORKER)["JWT_SECRET"] == secret, "the worker's JWT_SECRET differs from the API's"
    assert_verbose(output(first), HOST)
    assert_no_leak(output(first), {secret}, "the run that generated JWT_SECRET (-vvv)")
    # The apply step deployed both, so they run with it.
    running = snapshot["vendors"]["render"]["running_env_vars"]
    assert all(running[services_by_name(snapshot)[name]["id"]].get("JWT_SECRET") == secret for name in (API, WORKER))

    second, writes = writes_during(*SECRETS, "-vvv", state_dir=tmp_path)
    assert_ok(second, "second run")
    assert writes == [], f"the second run wrote: {writes}"
    assert recap(second)[HOST]["changed"] == 0
    assert env_of(state(), API)["JWT_SECRET"] == secret and env_of(state(), WORKER)["JWT_SECRET"] == secret
    assert_no_leak(output(second), {secret}, "the second run (-vvv)")

    rollback = run_site("--tags", "rollback_app_secrets", "--limit", HOST, "-vvv", state_dir=tmp_path)
    assert_ok(rollback, "rollback")
    assert_no_leak(output(rollback), {secret}, "the rollback (-vvv)")
    assert "JWT_SECRET" not in env_of(state(), API) and "JWT_SECRET" not in env_of(state(), WORKER)


def test_a_secret_one_service_holds_is_copied_to_the_other_and_a_given_one_written_when_it_differs(tmp_path):
    reset_and_seed()
    held = env_of(state(), API)["JWT_SECRET"]
    given = json.dumps({"app_secrets": [
        {"name": "JWT_SECRET", "services": [API, WORKER], "generate": {"length": 64}},
        {"name": "OPENAI_API_KEY", "services": [API, WORKER], "value": "sk-rehearsal-openai-4d2c"}]})
    first = run_site(*SECRETS, "-e", given, "-e", "launchkit_apply_env=false", "-vvv", state_dir=tmp_path)
    assert_ok(first, "first run")
    assert_no_leak(output(first), {held, "sk-rehearsal-openai-4d2c"}, "the run that copied and wrote secrets (-vvv)")
    assert env_of(state(), WORKER)["JWT_SECRET"] == held and env_of(state(), API)["JWT_SECRET"] == held
    assert env_of(state(), WORKER)["OPENAI_API_KEY"] == "sk-rehearsal-openai-4d2c"
    changed = given.replace("sk-rehearsal-openai-4d2c", "sk-rehearsal-openai-9e7f")
    second, writes = writes_during(*SECRETS, "-e", changed, "-e", "launchkit_apply_env=false", state_dir=tmp_path)
    assert_ok(second, "second run")
    assert sorted(entry["path"].rsplit("/", 1)[-1] for entry in writes) == ["OPENAI_API_KEY", "OPENAI_API_KEY"]
    # The rollback restores what was there before the rollout: the worker had neither key.
    assert_ok(run_site("--tags", "rollback_app_secrets", "--limit", HOST, state_dir=tmp_path), "rollback")
    assert {"JWT_SECRET", "OPENAI_API_KEY"}.isdisjoint(env_of(state(), WORKER))
    assert env_of(state(), API)["JWT_SECRET"] == held and "OPENAI_API_KEY" not in env_of(state(), API)


def test_a_bad_secret_entry_fails_before_any_write(tmp_path):
    reset_and_seed()
    bad = json.dumps({"app_secrets": [{"name": "JWT_SECRET", "services": [API], "generate": {"length": 8}}]})
    result, writes = writes_during(*SECRETS, "-e", bad, state_dir=tmp_path)
    assert result.returncode != 0
    assert "generate.length must be a whole number from 16 to 4096" in output(result)
    assert writes == []


@pytest.fixture(name="sentry_env")
def fixture_sentry_env():
    missing = [name for name in VENDOR_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: load the sandbox's variables", pytrace=False)


def latest_commit(service_id: str) -> str:
    return render_api("GET", f"/services/{service_id}/deploys?limit=1")[0]["deploy"]["commit"]["id"]


def test_sentry_settings_reach_backend_and_frontend_and_the_rollback_takes_them_back(sentry_env, tmp_path):  # noqa: ARG001
    reset_and_seed()
    result = run_site(*SENTRY, "-e", "error_monitoring_traces_sample_rate=0.5", "-e", "launchkit_apply_env=false",
                      state_dir=tmp_path)
    assert_ok(result, "error monitoring")
    snapshot = state()
    api, worker, frontend = (env_of(snapshot, name) for name in (API, WORKER, FRONTEND))
    release = latest_commit(services_by_name(snapshot)[API]["id"])
    for env in (api, worker):
        assert env["SENTRY_ENVIRONMENT"] == "staging" and env["SENTRY_TRACES_SAMPLE_RATE"] == "0.5"
        assert env["SENTRY_RELEASE"] == release, "the release is not the commit of the API's latest deploy"
    assert api["SENTRY_DSN"] == worker["SENTRY_DSN"] == frontend["VITE_SENTRY_DSN"]
    assert "SENTRY_DSN" not in frontend
    assert frontend["SENTRY_RELEASE"] == release and frontend["SENTRY_ENVIRONMENT"] == "staging"
    assert api["SENTRY_DSN"] not in output(result)

    again = run_site(*SENTRY, "-e", "error_monitoring_traces_sample_rate=0.5", "-e", "launchkit_apply_env=false",
                     state_dir=tmp_path)
    assert_ok(again, "second run")
    assert recap(again)[HOST]["changed"] == 0

    assert_ok(run_site("--tags", "rollback_error_monitoring", "--limit", HOST, state_dir=tmp_path), "rollback")
    snapshot = state()
    settings = {"SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_RELEASE", "SENTRY_TRACES_SAMPLE_RATE", "VITE_SENTRY_DSN"}
    for name in (API, WORKER, FRONTEND):
        assert settings.isdisjoint(env_of(snapshot, name)), f"{name} keeps a setting after the rollback"


def test_a_sample_rate_outside_0_to_1_fails_before_any_write(sentry_env, tmp_path):  # noqa: ARG001
    reset_and_seed()
    result, writes = writes_during(*SENTRY, "-e", "error_monitoring_traces_sample_rate=1.5", state_dir=tmp_path)
    assert result.returncode != 0
    assert "must be a number from 0 to 1" in output(result)
    assert writes == []


def test_more_redis_connections_than_the_plan_allows_is_a_warning_with_the_figures(tmp_path):
    reset_and_seed()
    clients = json.dumps({"redis_render_plan": "free", "redis_capacity_clients": [
        {"service": "scoop-web", "pool": 10, "instances": 2}, {"service": "scoop-sidekiq", "concurrency": 12}]})
    result, writes = writes_during("--tags", "redis", "--limit", "scoop_production", "--check", "-e", clients,
                                   state_dir=tmp_path)
    assert_ok(result, "redis phase (check mode)")
    assert writes == []
    assert ("WARNING: scoop-web pool 10 x 2 + scoop-sidekiq concurrency 12 x 1 = 32 connections against a limit "
            "of 30 (Render Key Value free plan (30 connections)): over the limit") in " ".join(result.stdout.split())
    within = run_site("--tags", "redis", "--limit", "scoop_production", "--check", state_dir=tmp_path)
    assert_ok(within, "redis phase with the inventory's figures")
    assert "scoop-web pool 10 x 1 + scoop-sidekiq concurrency 5 x 1 = 15 connections" in " ".join(within.stdout.split())
    assert "WARNING: scoop-web" not in within.stdout


def test_a_bad_capacity_figure_fails_before_any_write(tmp_path):
    reset_and_seed()
    bad = json.dumps({"redis_capacity_clients": [{"service": "scoop-web", "pool": 0}]})
    result, writes = writes_during("--tags", "redis", "--limit", "scoop_production", "-e", bad, state_dir=tmp_path)
    assert result.returncode != 0
    assert "redis_capacity_clients[0] (scoop-web).pool must be a whole number of at least 1" in output(result)
    assert writes == []
