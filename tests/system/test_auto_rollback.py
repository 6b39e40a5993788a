"""Evidence-gated rollout: with launchkit_auto_rollback, a failed validation rolls back exactly the phases the
run changed (last first, with their own rollback tasks), applies the restored env, and fails naming the failed
checks and what was undone; a run that changed nothing rolls back nothing; without it (or with it set only in
the inventory, where site.yml cannot see it) the run fails as before and nothing is rolled back.

The app's health is broken through the sandbox's control API (/health answers 503), so every run's validation
fails whatever the phases did.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import assert_ok, control, env_of, run_site, state
from test_validate import validate_vars

WEB = "scoop-web"
SCOOP = ("--limit", "scoop_production")
AUTO = ("-e", "launchkit_auto_rollback=true")
# The phases Scoop's full run changes after its Redis phase ran alone, in run order.
LATER_PHASES = ["worker", "cron", "app_secrets", "email", "error_monitoring", "database", "monitoring"]


def break_health() -> None:
    broken = {"method": "GET", "path": "/health", "status": 503, "json": {"status": "error", "checks": {}}}
    control("POST", f"/apps/{WEB}/routes", broken)


def failure_message(result) -> str:
    """The msg of the last fatal error for Scoop's host."""
    assert result.returncode != 0, f"the run passed:\n{result.stdout[-6000:]}"
    start = result.stdout.rindex("fatal: [scoop_production]")
    return re.search(r'"msg": "((?:[^"\\]|\\.)*)"', result.stdout[start:]).group(1)


def records(state_dir: Path) -> dict[str, dict]:
    """Scoop's rollback records by phase."""
    folder = state_dir / "scoop_production"
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")}


def running_env(snapshot: dict, name: str) -> dict:
    service = next(s for s in snapshot["vendors"]["render"]["services"] if s["name"] == name)
    return snapshot["vendors"]["render"]["running_env_vars"].get(service["id"], {})


def test_a_failed_validation_rolls_back_exactly_what_the_run_changed(quick_sandbox, tmp_path):
    state_dir, extra = tmp_path / "state", validate_vars(tmp_path / "reports")
    assert_ok(run_site("--tags", "redis", *SCOOP, state_dir=state_dir), "the redis phase alone")
    before = records(state_dir)
    assert set(before) == {"redis"}, before
    env_before = env_of(state(), WEB)
    assert "REDIS_URL" in env_before
    break_health()

    result = run_site(*SCOOP, *AUTO, "-e", extra, state_dir=state_dir)
    message = failure_message(result)
    # The failed check, then the phases undone, last first: the Redis phase changed nothing this time.
    assert re.search(rf"validation failed \({WEB} /health: \S", message), message
    assert f"Rolled back, last first: {', '.join(reversed(LATER_PHASES))} (" in message, message
    assert "redis" not in message.split("Rolled back")[1].split("(")[0], message
    assert WEB in message.split("env restored and deployed:")[1], message

    snapshot = state()
    env = env_of(snapshot, WEB)
    # The env is back to what it was after the Redis phase (REDIS_URL stays, every key the later phases
    # wrote is removed or restored), and the app runs with it.
    assert env == env_before
    assert running_env(snapshot, WEB) == env
    # The Redis record is untouched; the others are forgotten, or keep only what the rollout created
    # and the mark that it was rolled back (workers and jobs).
    after = records(state_dir)
    assert after.pop("redis") == before["redis"]
    assert all(record.get("rolled_back") is True for record in after.values()), after
    # The workers and jobs the run created are suspended, not left running.
    created = [s for s in snapshot["vendors"]["render"]["services"] if s["name"] in ("scoop-sidekiq", "scoop-recurring-jobs")]
    assert created and all(s["suspended"] == "suspended" for s in created), created
    # The report of the failed validation was written before the rollback.
    report = json.loads((tmp_path / "reports" / "scoop_production" / "rollout-report.json").read_text(encoding="utf-8"))
    assert report["summary"]["result"] == "failed"


def test_a_run_that_changed_nothing_rolls_back_nothing(quick_sandbox, tmp_path):
    state_dir, extra = tmp_path / "state", validate_vars(tmp_path / "reports")
    assert_ok(run_site("--tags", "redis", *SCOOP, state_dir=state_dir), "the redis phase")
    break_health()
    control("DELETE", "/log")

    result = run_site("--tags", "redis,validate", *SCOOP, *AUTO, "-e", extra, state_dir=state_dir)
    message = failure_message(result)
    assert re.search(rf"validation failed \({WEB} /health: \S", message), message
    assert "Nothing rolled back: this run changed nothing." in message, message
    assert "REDIS_URL" in env_of(state(), WEB)
    assert set(records(state_dir)) == {"redis"}
    writes = [e for e in control("GET", "/log")["entries"] if e["vendor"] == "render" and e["method"] != "GET"]
    assert writes == [], writes


def test_without_auto_rollback_the_run_fails_as_before(quick_sandbox, tmp_path):
    state_dir, extra = tmp_path / "state", validate_vars(tmp_path / "reports")
    break_health()
    result = run_site("--tags", "redis,validate", *SCOOP, "-e", extra, state_dir=state_dir)
    message = failure_message(result)
    assert re.search(rf"checks failed: .*{WEB} /health", message), message
    assert "Roll back each changed phase" not in result.stdout
    assert "REDIS_URL" in env_of(state(), WEB) and set(records(state_dir)) == {"redis"}


def test_auto_rollback_in_the_inventory_only_fails_and_says_how_to_ask_for_it(quick_sandbox, tmp_path):
    state_dir, extra = tmp_path / "state", validate_vars(tmp_path / "reports")
    inventory = tmp_path / "auto.yml"
    inventory.write_text("stacks:\n  vars:\n    launchkit_auto_rollback: true\n", encoding="utf-8")
    break_health()
    result = run_site("-i", str(inventory), "--tags", "redis,validate", *SCOOP, "-e", extra, state_dir=state_dir)
    message = failure_message(result)
    assert re.search(rf"validation failed \({WEB} /health: \S", message), message
    assert "Nothing was rolled back" in message and "-e launchkit_auto_rollback=true" in message, message
    assert "REDIS_URL" in env_of(state(), WEB) and set(records(state_dir)) == {"redis"}


def test_a_full_manual_rollback_deploys_the_restored_env_but_not_what_it_suspended(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site(*SCOOP, state_dir=state_dir), "the whole rollout")
    assert_ok(run_site("--tags", "rollback", *SCOOP, state_dir=state_dir), "the rollback of every phase")
    snapshot = state()
    assert "REDIS_URL" not in env_of(snapshot, WEB) and running_env(snapshot, WEB) == env_of(snapshot, WEB)
    created = [s for s in snapshot["vendors"]["render"]["services"] if s["name"] in ("scoop-sidekiq", "scoop-recurring-jobs")]
    assert created and all(s["suspended"] == "suspended" for s in created), created
