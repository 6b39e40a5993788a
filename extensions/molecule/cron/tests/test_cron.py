"""Verify the cron phase for the Scoop stack: the daily job exists in UTC, ran once, successfully.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
The sequence is converge then idempotence, so "exactly one run" also shows the second converge ran nothing.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import assert_seeded_env_plus, env_of, sandbox_state, service, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()

JOB = "scoop-recurring-jobs"
WEB = "scoop-web"
SCHEDULE = "0 10 * * *"
JOB_OPTIONS = {
    "name": JOB,
    "type": "cron_job",
    "schedule": SCHEDULE,
    "runtime": "ruby",
    "repo": "https://github.com/launchkit-examples/scoop",
    "branch": "main",
    "region": "oregon",
    "plan": "starter",
    "build_command": "bundle install",
    "start_command": "bundle exec rails recurring_cleanups:generate_jobs",
}


def test_job_exists_with_its_utc_schedule():
    job = service(sandbox_state(), JOB)
    assert job["type"] == "cron_job"
    assert job["suspended"] == "not_suspended"
    details = job["serviceDetails"]
    assert details["schedule"] == SCHEDULE
    assert details["runtime"] == "ruby" and details["region"] == "oregon" and details["plan"] == "starter"
    assert details["envSpecificDetails"] == {"buildCommand": JOB_OPTIONS["build_command"],
                                             "startCommand": JOB_OPTIONS["start_command"]}


def test_exactly_one_run_and_it_succeeded():
    state = sandbox_state()
    render = state["vendors"]["render"]
    job = service(state, JOB)
    runs = [run for run in render["cron_runs"] if run["cronJobId"] == job["id"]]
    assert [run["status"] for run in runs] == ["successful"], runs
    assert render["cron_runs"] == runs, "a run of another service was triggered"
    assert job["serviceDetails"].get("lastSuccessfulRunAt") == runs[0]["finishedAt"]

    events = [(e["type"], e["details"]) for e in render["events"]
              if e["serviceId"] == job["id"] and e["type"].startswith("cron_job_run")]
    run_id = runs[0]["id"]
    assert sorted(events, key=lambda e: e[0]) == [
        ("cron_job_run_ended", {"cronJobRunId": run_id, "status": "successful"}),
        ("cron_job_run_started", {"cronJobRunId": run_id}),
    ], events


def test_job_was_built_before_it_ran():
    state = sandbox_state()
    job = service(state, JOB)
    deploys = sorted((d for d in state["vendors"]["render"]["deploys"] if d["serviceId"] == job["id"]),
                     key=lambda d: d["createdAt"])
    assert deploys and deploys[-1]["status"] == "live", deploys
    run = next(r for r in state["vendors"]["render"]["cron_runs"] if r["cronJobId"] == job["id"])
    assert deploys[-1]["finishedAt"] <= run["startedAt"], (deploys[-1], run)


def test_job_env_is_copied_from_the_web_service():
    state = sandbox_state()
    web_env, job_env = env_of(state, WEB), env_of(state, JOB)
    assert web_env.get("REDIS_URL", "").startswith("redis://"), "scoop-web has no REDIS_URL"
    assert job_env == web_env


def test_web_env_is_untouched_but_for_redis_url():
    assert_seeded_env_plus(WEB, "REDIS_URL")


def test_job_with_same_options_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.render_service", json.dumps(JOB_OPTIONS), check=True)
    assert result["changed"] is False, result
    assert result["action"] == "none", result
    assert result["schedule_timezone"] == "UTC"
