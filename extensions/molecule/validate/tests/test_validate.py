"""Verify the validate phase for the Scoop stack: every check passed, the report says so, and holds no secret.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import env, env_of, sandbox_state, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()

SMOKE_TOKEN = "molecule-smoke-token-5d1e"


def report_dir() -> Path:
    ephemeral = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    if not ephemeral:
        pytest.fail("MOLECULE_EPHEMERAL_DIRECTORY is not set: run this through molecule", pytrace=False)
    return Path(ephemeral) / "reports" / "localhost"


def report() -> dict:
    return json.loads((report_dir() / "rollout-report.json").read_text(encoding="utf-8"))


def secrets() -> set[str]:
    """What must never be written: the Redis password and URLs, the seeded secret, the smoke token."""
    state = sandbox_state()
    found = {SMOKE_TOKEN, env("RENDER_API_KEY")}
    # The items' tokens, captured as secrets by the smoke pair (one item per converge).
    found.update(item["token"] for item in state["vendors"]["apps"]["items"].get("scoop-web", []))
    for kv in state["vendors"]["render"]["key_values"]:
        found.add(kv["password"])
        found.update(kv["connectionInfo"].values())
    found.update(set(env_of(state, "scoop-web").values()) - {"production", "enabled", "2"})
    return {value for value in found if value and len(value) >= 8}


def test_every_check_passed():
    data = report()
    assert data["summary"]["result"] == "passed", data["summary"]
    assert data["summary"]["failed"] == 0 and data["summary"]["pending"] == 0
    checks = {(c["check"], c["component"]): c for c in data["checks"]}
    assert checks[("/health", "app")]["status"] == "passed"
    assert checks[("/health", "redis")] == {"app": "scoop-web", "check": "/health", "component": "redis",
                                            "status": "passed", "message": "redis ok"}
    assert checks[("/ready", "app")]["status"] == "passed"
    assert checks[("/metrics", "metrics")]["message"] == "exposes app_up, app_redis_up, http_requests_total"
    assert checks[("smoke echo", "POST /echo")]["status"] == "passed"
    assert checks[("deploy", "render")]["status"] == "passed"
    assert checks[("smoke create an item", "POST /items")]["message"] == "HTTP 201, captured item_id, item_token (secret)"
    assert checks[("smoke read it back", "GET /items/${item_id}")]["status"] == "passed"
    assert checks[("REDIS_URL", "redis")]["status"] == "passed"
    assert "policy noeviction" in checks[("REDIS_URL", "redis")]["message"]
    # No database phase in this stack: no database component was expected.
    assert not any(c["component"] == "database" for c in data["checks"])


def test_report_lists_every_phase_and_what_exists():
    phases = report()["phases"]
    assert sorted(phases) == ["cron", "database", "email", "error_monitoring", "monitoring", "redis", "web", "worker"]
    assert phases["monitoring"]["configured"] is False  # this scenario has no monitoring
    redis = phases["redis"]
    assert redis["configured"] is True and redis["exists"] is True
    assert redis["name"] == "scoop-redis" and redis["status"] == "available"
    assert redis["id"] == sandbox_state()["vendors"]["render"]["key_values"][0]["id"]
    assert redis["services"] == [{"name": "scoop-web", "exists": True, "status": "active", "env_key_set": True,
                                  "id": redis["services"][0]["id"], "type": "web_service",
                                  "schedule": None, "last_successful_run": None}]
    assert redis["rollback_record"]["services"] == {"scoop-web": ["REDIS_URL"]}
    others = ("worker", "cron", "email", "error_monitoring", "database", "web")
    assert all(phases[name]["configured"] is False for name in others)
    markdown = (report_dir() / "rollout-report.md").read_text(encoding="utf-8")
    for heading in ("### Redis (configured)", "### Background workers (not configured)",
                    "### Scheduled jobs (not configured)", "### Transactional email (not configured)",
                    "### Error monitoring (not configured)", "### Database (not configured)",
                    "### Web service settings (not configured)"):
        assert heading in markdown
    assert "| passed | scoop-web | /health | redis | redis ok |" in markdown
    assert "**Summary: passed: 10 passed, 0 failed, 0 pending of 10 checks; 0 pending actions.**" in markdown


def test_report_holds_no_secret_and_is_private():
    folder = report_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("rollout-report.json", "rollout-report.md"):
        path = folder / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text(encoding="utf-8")
        leaked = [secret[:4] + "…" for secret in secrets() if secret in text]
        assert not leaked, f"{name} holds {len(leaked)} secret(s): {leaked}"


def test_health_answers_ok_when_asked_again(host):
    url = env("LAUNCHKIT_SANDBOX_URL").rstrip("/") + "/apps/scoop-web/health"
    result = host.ansible("launchkit.paas.http_check", f"url={url}", check=True)
    assert result.get("failed") is not True, result
    assert result["status"] == 200
    assert result["json"]["checks"]["redis"]["status"] == "ok"
    assert result["changed"] is False
