"""The validate phase of site.yml: it fails, naming the service and the component, when the app's Redis is
down; it passes on a healthy stack with a report that lists every phase (and the smoke pair that creates a
subscription and reads it back with what it captured); a newer deploy that did not go live is reported by id
and status; RekindlePro's own /health shape is read with its components; no secret (a captured token
included) reaches its output at -vvv or its report.

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_validate.py
"""
from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path

import pytest

from conftest import assert_ok, control, env_of, render_api, run_site, services_by_name, state
from test_leaks import assert_no_leak, secrets_in

WEB = "scoop-web"
SCOOP = ("--limit", "scoop_production")
REKINDLE = ("--limit", "rekindlepro_staging")
REKINDLE_WEB = "rekindlepro-api"
PHASES = ["cron", "database", "email", "error_monitoring", "monitoring", "redis", "worker"]
# Phases the report lists that Scoop's stack does not have.
UNCONFIGURED = ["web"]
# A port where nothing listens, behind a password that must never be printed.
DEAD_REDIS_URL = "redis://default:dead-redis-passw0rd-77c1@127.0.0.1:1"


def validate_vars(report_root: Path, **more) -> str:
    """Where the report goes, and the stand-in apps the sandbox serves for each web service."""
    sandbox = os.environ["LAUNCHKIT_SANDBOX_URL"].rstrip("/")
    return json.dumps({"validate_base_url_template": f"{sandbox}/apps/{{service}}",
                       "validate_report_dir": f"{report_root}/{{{{ inventory_hostname }}}}", **more})


def all_secrets(snapshot: dict) -> set[str]:
    """The leak test's secrets, plus every Render Postgres password and connection string, plus ours."""
    found = secrets_in(snapshot) | {DEAD_REDIS_URL, "dead-redis-passw0rd-77c1"}

    def walk(value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and re.search(r"password|connection", key, re.IGNORECASE):
            found.add(value)

    walk(snapshot["vendors"]["render"].get("postgres", []))
    # The tokens the stand-in apps gave the smoke requests that created items (captured as secrets).
    found.update(item["token"] for items in snapshot["vendors"]["apps"].get("items", {}).values() for item in items)
    return {value for value in found if value and len(value) >= 8}


def report_of(report_root: Path) -> tuple[dict, str]:
    folder = report_root / "scoop_production"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("rollout-report.json", "rollout-report.md"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    return (json.loads((folder / "rollout-report.json").read_text(encoding="utf-8")),
            (folder / "rollout-report.md").read_text(encoding="utf-8"))


def report_checks(report_root: Path, host: str) -> list[dict]:
    return json.loads((report_root / host / "rollout-report.json").read_text(encoding="utf-8"))["checks"]


def break_redis_by_suspending_the_key_value(snapshot: dict) -> None:
    """Render stops the instance (the sandbox stops its redis-server); the app keeps its REDIS_URL."""
    key_value = next(kv for kv in snapshot["vendors"]["render"]["key_values"] if kv["name"] == "scoop-redis")
    render_api("POST", f"/key-value/{key_value['id']}/suspend")


def wait_for(predicate, timeout: float = 60.0) -> None:
    """Poll until `predicate()` holds (no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def break_redis_by_pointing_the_app_elsewhere(snapshot: dict) -> None:
    """Someone changes REDIS_URL by hand and deploys: the app now runs with a Redis that is not there."""
    service = services_by_name(snapshot)[WEB]
    render_api("PUT", f"/services/{service['id']}/env-vars/REDIS_URL", {"value": DEAD_REDIS_URL})
    deploy = render_api("POST", f"/services/{service['id']}/deploys", {"deployMode": "deploy_only"})
    wait_for(lambda: render_api("GET", f"/services/{service['id']}/deploys/{deploy['id']}")["status"] == "live")


@pytest.mark.parametrize("break_redis", [break_redis_by_suspending_the_key_value,
                                         break_redis_by_pointing_the_app_elsewhere])
def test_validate_fails_naming_the_service_and_redis(quick_sandbox, tmp_path, break_redis):
    # A stack with only its Redis phase: the database is not expected.
    extra = validate_vars(tmp_path / "reports", database_enabled=False, database_services=[])
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "redis", *SCOOP, "-e", extra, state_dir=state_dir), "the redis phase")
    break_redis(state())

    result = run_site("--tags", "validate", *SCOOP, "-e", extra, "-vvv", state_dir=state_dir)
    text = result.stdout + result.stderr
    assert result.returncode != 0, f"validate passed with a broken Redis:\n{result.stdout[-6000:]}"
    message = re.search(r'"msg": "([^"]*checks failed[^"]*)"', text).group(1)
    assert re.search(rf"{WEB} /health: redis error, expected ok: \S", message), message
    assert f"{WEB} REDIS_URL: redis: Redis check of " in message, message
    assert "rollout-report.md" in message, message

    data, markdown = report_of(tmp_path / "reports")
    assert data["summary"]["result"] == "failed", data["summary"]
    failed = {(c["app"], c["check"], c["component"]) for c in data["checks"] if c["status"] == "failed"}
    assert {(WEB, "/health", "app"), (WEB, "/health", "redis"), (WEB, "REDIS_URL", "redis")} <= failed, failed
    # Only Redis broke: the other checks still ran and passed.
    passed = {(c["check"], c["component"]) for c in data["checks"] if c["status"] == "passed"}
    assert {("service", "render"), ("/ready", "app"), ("/metrics", "metrics")} <= passed, passed
    assert re.search(rf"\| failed \| {WEB} \| /health \| redis \| redis error, expected ok: \S", markdown), markdown
    assert sorted(data["phases"]) == sorted(PHASES + UNCONFIGURED)

    secrets = all_secrets(state())
    assert_no_leak(text, secrets, "the failing validate phase at -vvv")
    assert_no_leak(json.dumps(data) + markdown, secrets, "the report of the failing validate phase")


def test_healthy_stack_passes_and_the_report_lists_every_phase(quick_sandbox, tmp_path):
    reports = tmp_path / "reports"
    extra = validate_vars(reports)
    result = run_site(*SCOOP, "-e", extra, "-vvv", "--diff", state_dir=tmp_path / "state")
    assert_ok(result, "the whole rollout with its validate phase")
    text = result.stdout + result.stderr

    data, markdown = report_of(reports)
    # Every check passed; Scoop's email domain and sender still wait for a person (tests/system/test_report.py).
    assert data["summary"]["result"] == "passed with pending actions" and data["summary"]["failed"] == 0, data["checks"]
    checks = {(c["check"], c["component"]): c["status"] for c in data["checks"]}
    assert checks[("/health", "redis")] == checks[("/health", "database")] == "passed", checks
    assert checks[("REDIS_URL", "redis")] == checks[("DATABASE_URL", "database")] == "passed", checks
    assert checks[("/ready", "app")] == checks[("/metrics", "metrics")] == "passed", checks

    snapshot = state()
    phases = data["phases"]
    assert sorted(phases) == sorted(PHASES + UNCONFIGURED)
    assert all(phases[name]["configured"] is True for name in PHASES), phases
    assert all(phases[name]["configured"] is False for name in UNCONFIGURED), phases
    assert phases["redis"]["exists"] is True and phases["redis"]["status"] == "available"
    assert phases["database"]["exists"] is True and phases["database"]["status"] == "available"
    assert [s["name"] for s in phases["worker"]["services"]] == ["scoop-sidekiq"]
    assert phases["worker"]["services"][0]["exists"] is True
    assert phases["cron"]["services"][0]["schedule"] == "0 10 * * *"
    assert phases["cron"]["services"][0]["last_successful_run"]
    for phase in ("email", "error_monitoring", "database"):
        assert all(s["env_key_set"] for s in phases[phase]["services"]), phases[phase]
    assert "SENDGRID_API_KEY" in env_of(snapshot, WEB)
    # the key and the SMTP relay settings of Scoop's inventory (its password is SENDGRID_API_KEY itself)
    assert sorted(phases["email"]["rollback_record"]["services"][WEB]) == [
        "SENDGRID_API_KEY", "SMTP_ADDRESS", "SMTP_ENABLE_STARTTLS_AUTO", "SMTP_PORT", "SMTP_USERNAME"]
    for heading in ("Redis", "Background workers", "Scheduled jobs", "Transactional email", "Error monitoring",
                    "Database", "Monitoring"):
        assert f"### {heading} (configured)" in markdown
    # The monitoring: its dashboards and alert rules with their links into Grafana, each alert proven.
    grafana = phases["monitoring"]["grafana"]
    assert [d["title"] for d in grafana["dashboards"]] == ["scoop - Latency", "scoop - Throughput", "scoop - Errors"]
    assert [a["name"] for a in grafana["alerts"]] == ["high_error_rate", "failed_jobs", "redis_memory"]
    assert all(f"| {d['title']} | {d['url']} |" in markdown for d in grafana["dashboards"]), markdown
    assert all(checks[("monitoring", f"alert {a['name']}")] == "passed" for a in grafana["alerts"]), checks
    assert f"| passed | {WEB} | /health | redis | redis ok |" in markdown
    assert checks[("deploy", "render")] == "passed", checks
    # The smoke pair: created, then read back with the id and the secret token the first answer gave.
    smoke = {c["check"]: c for c in data["checks"] if c["check"].startswith("smoke ")}
    created, read = smoke["smoke Create a test subscription"], smoke["smoke Read the test subscription back"]
    assert created["status"] == read["status"] == "passed", smoke
    (item,) = snapshot["vendors"]["apps"]["items"][WEB]
    assert created["message"] == "HTTP 201, captured subscription_id, subscription_token (secret)"
    assert read["component"] == "GET /items/${subscription_id}" and read["message"] == "HTTP 200"

    secrets = all_secrets(snapshot)
    assert item["token"] in secrets
    assert_no_leak(text, secrets, "the whole rollout at -vvv")
    assert_no_leak(json.dumps(data) + markdown, secrets, "the rollout report")


def test_a_newer_deploy_that_failed_is_reported_by_id_and_status(quick_sandbox, tmp_path):
    reports = tmp_path / "reports"
    # Only the Redis phase runs: the monitoring (a Grafana the phase never set up) is not what this test proves.
    extra = validate_vars(reports, database_enabled=False, database_services=[], monitoring_enabled=False)
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "redis", *SCOOP, "-e", extra, state_dir=state_dir), "the redis phase")
    service = services_by_name(state())[WEB]
    live = next(d for d in render_api("GET", f"/services/{service['id']}/deploys?limit=5")
                if d["deploy"]["status"] == "live")["deploy"]
    control("POST", "/render/deploys", {"fail": {WEB: "build_failed"}})
    failed = render_api("POST", f"/services/{service['id']}/deploys", {})
    wait_for(lambda: render_api("GET", f"/services/{service['id']}/deploys/{failed['id']}")["status"] == "build_failed")

    result = run_site("--tags", "validate", *SCOOP, "-e", extra, state_dir=state_dir)
    assert result.returncode != 0, f"validate passed on a stale deploy:\n{result.stdout[-6000:]}"
    message = re.search(r'"msg": "([^"]*checks failed[^"]*)"', result.stdout).group(1)
    assert (f"{WEB} deploy: runs deploy {live['id']}, but the latest deploy {failed['id']} is "
            "build_failed") in message, message
    (deploy,) = [c for c in report_checks(reports, "scoop_production") if c["check"] == "deploy"]
    assert deploy["status"] == "failed" and failed["id"] in deploy["message"]
    # The app still answers from its old deploy: only the deploy check and the stand-in's /ready (which
    # follows the latest deploy) fail.
    failed_checks = {c["check"] for c in report_checks(reports, "scoop_production") if c["status"] == "failed"}
    assert failed_checks == {"deploy", "/ready"}, failed_checks


def test_rekindlepro_health_components_in_its_own_shape(quick_sandbox, tmp_path):
    reports = tmp_path / "reports"
    extra = validate_vars(reports, monitoring_enabled=False)  # the monitoring phase does not run here
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "redis,database,validate", *REKINDLE, "-e", extra, state_dir=state_dir),
              "RekindlePro's redis, database and validate phases")
    checks = {(c["check"], c["component"]): c for c in report_checks(reports, "rekindlepro_staging")}
    for component in ("status", "database", "redis"):
        assert checks[("/health", component)]["status"] == "passed", checks
        assert checks[("/health", component)]["message"] == f"{component} healthy"

    # Redis goes away from the app's running env: /health answers 503 "degraded", redis "unhealthy".
    service = services_by_name(state())[REKINDLE_WEB]
    render_api("PUT", f"/services/{service['id']}/env-vars/REDIS_URL", {"value": DEAD_REDIS_URL})
    deploy = render_api("POST", f"/services/{service['id']}/deploys", {"deployMode": "deploy_only"})
    wait_for(lambda: render_api("GET", f"/services/{service['id']}/deploys/{deploy['id']}")["status"] == "live")
    result = run_site("--tags", "validate", *REKINDLE, "-e", extra, "-vvv", state_dir=state_dir)
    assert result.returncode != 0, f"validate passed with a degraded app:\n{result.stdout[-6000:]}"
    checks = {(c["check"], c["component"]): c for c in report_checks(reports, "rekindlepro_staging")}
    assert checks[("/health", "app")]["message"] == "HTTP 503, status degraded"
    assert (checks[("/health", "status")]["status"], checks[("/health", "status")]["message"]) == (
        "failed", "status degraded, expected healthy")
    assert (checks[("/health", "redis")]["status"], checks[("/health", "redis")]["message"]) == (
        "failed", "redis unhealthy, expected healthy")
    assert checks[("/health", "database")]["status"] == "passed"
    assert_no_leak(result.stdout + result.stderr, all_secrets(state()), "the failing RekindlePro validation at -vvv")


def test_a_bad_component_or_capture_fails_before_any_request_to_the_app(quick_sandbox, tmp_path):
    for apps, fix in (
            ([{"service": WEB, "components": [{"name": "database", "query": "components.database"}]}],
             "components[0] needs name, query (JMESPath over the health answer) and equals"),
            ([{"service": WEB, "smoke": [{"name": "read", "path": "/items/${item_id}"}]}],
             "smoke[0] uses ${item_id}, which no earlier request of the app captures")):
        control("DELETE", "/log")
        result = run_site("--tags", "validate", *SCOOP, "-e", validate_vars(tmp_path / "reports", validate_apps=apps),
                          state_dir=tmp_path / "state")
        assert result.returncode != 0 and fix in result.stdout, result.stdout[-4000:]
        assert [e for e in control("GET", "/log")["entries"] if e["vendor"] == "apps"] == []
        assert not (tmp_path / "reports" / "scoop_production").exists()
