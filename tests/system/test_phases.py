"""The worker and cron phases of site.yml (docker web services too), their failures and rollbacks, a wiring
phase refusing a missing service. (The whole rollout run twice: conftest.whole_rollout, read by test_apply.py.)

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_phases.py
"""
from __future__ import annotations

import json
import os
import re
import time

import pytest

from conftest import (assert_ok, control, deploys_of, env_of, fixture_data, foreign_warnings, log_summary, recap,
                      render_api, run_site, services_by_name, state)

WORKER = "scoop-sidekiq"
JOB = "scoop-recurring-jobs"
SCOOP = ("--limit", "scoop_production")


def output(result) -> str:
    return result.stdout + result.stderr


def run_counted(*args: str, state_dir) -> tuple:
    """Run site.yml with ARGS; return the result and the sandbox log summary of that run alone."""
    control("DELETE", "/log")
    started = time.monotonic()
    result = run_site(*args, state_dir=state_dir)
    return result, log_summary(), time.monotonic() - started


def seeded_names() -> list[str]:
    return [s["name"] for s in fixture_data()["render"]["services"]]


def test_failing_build_fails_the_worker_phase(quick_sandbox, tmp_path):
    control("POST", "/render/deploys", {"fail": {WORKER: "build_failed"}})
    result, summary, seconds = run_counted("--tags", "redis,worker", *SCOOP, state_dir=tmp_path / "state")
    text = output(result)

    assert result.returncode != 0, f"the worker phase passed with a failing build:\n{result.stdout[-6000:]}"
    failed = recap(result)
    assert failed["scoop_production"]["failed"] == 1, failed
    # It failed in the worker phase, waiting for the deploy, and the message says what failed and where.
    assert "Wait for the deploys, all at once, of the workers" in text, text[-6000:]
    deploy_ids = set(re.findall(r"\bdep-[a-z0-9]+\b", text))
    snapshot = state()
    deploys = deploys_of(snapshot, WORKER)
    # The create starts the only build: a failed build is reported, never quietly built again.
    assert len(deploys) == 1 and deploys[0]["status"] == "build_failed", deploys
    message = re.search(r'"msg": "([^"]*)"', text[text.index("fatal: [scoop_production]"):]).group(1)
    assert WORKER in message and "build_failed" in message and deploys[-1]["id"] in message, message
    assert deploys[-1]["id"] in deploy_ids
    # It failed as soon as the build did, not at the 20-minute wait timeout.
    assert seconds < 120, f"the failed phase took {seconds:.0f} s"
    assert summary["response_invalid"] == 0, summary

    # The redis phase before it did its work; the worker exists (its build failed, not its create).
    worker = services_by_name(snapshot)[WORKER]
    assert worker["type"] == "background_worker"
    assert env_of(snapshot, "scoop-web").get("REDIS_URL"), "the redis phase did not run first"


@pytest.mark.parametrize("schedule, fault", [("0 25 * * *", "hour"), ("0 10 31 2 *", "never run")])
def test_bad_cron_schedule_fails_before_any_write(quick_sandbox, tmp_path, schedule, fault):
    bad = {"cron_jobs": [{"name": JOB, "schedule": schedule,
                          "command": "bundle exec rails recurring_cleanups:generate_jobs"}]}
    result, summary, _writes = run_counted("--tags", "cron", *SCOOP, "-e", json.dumps(bad), state_dir=tmp_path / "state")
    text = output(result)

    assert result.returncode != 0, f"the cron phase accepted {schedule}:\n{result.stdout[-6000:]}"
    assert summary["writes"] == 0, f"the cron phase wrote before rejecting its schedule: {summary}"
    writes = [e for e in control("GET", "/log")["entries"] if e["write"]]
    assert writes == []
    message = re.search(r'"msg": "([^"]*)"', text[text.index("fatal: [scoop_production]"):]).group(1)
    assert message.startswith("Preflight: 1 problem(s) in cron; nothing was written."), message
    assert "schedule" in message and schedule in message and fault in message, message
    assert sorted(services_by_name(state())) == sorted(seeded_names()), "a service was created"


def test_rollbacks_suspend_worker_and_job_then_change_nothing(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    rollout, _summary, _writes = run_counted("--tags", "redis,worker,cron", state_dir=state_dir)
    assert_ok(rollout, "rollout of the redis, worker and cron phases")
    # A run of some phases warns no more than the whole rollout: the steps left out under rollout.yml are
    # left out quietly here too.
    assert foreign_warnings(rollout) == []
    before = services_by_name(state())
    assert before[WORKER]["suspended"] == before[JOB]["suspended"] == "not_suspended"

    first, first_summary, _writes = run_counted("--tags", "rollback_cron,rollback_worker", state_dir=state_dir)
    assert_ok(first, "first rollback of the cron and worker phases")
    after = services_by_name(state())
    assert after[WORKER]["suspended"] == "suspended", after[WORKER]
    assert after[JOB]["suspended"] == "suspended", after[JOB]
    assert sorted(after) == sorted(before), "the rollback deleted or created a service"
    # Only those two: the seeded services keep running, rekindlepro-worker among them (RekindlePro's worker
    # phase adopted it: its env is put back and it is deployed once, never suspended).
    assert {name for name, s in after.items() if s["suspended"] != "not_suspended"} == {WORKER, JOB}
    suspends = [e for e in control("GET", "/log")["entries"] if e["write"] and e["path"].endswith("/suspend")]
    assert len(suspends) == 2, suspends
    # The two suspends, and each phase's record: its previous values forgotten, marked as rolled back.
    assert recap(first)["scoop_production"]["changed"] == 6, recap(first)

    second, second_summary, _writes = run_counted("--tags", "rollback_cron,rollback_worker", state_dir=state_dir)
    assert_ok(second, "second rollback of the cron and worker phases")
    assert second_summary["writes"] == 0, f"second rollback wrote: {second_summary}"
    assert all(host["changed"] == 0 for host in recap(second).values()), recap(second)
    assert services_by_name(state()) == after


DOCKER_WEB = {"name": "dock-web", "type": "web_service", "repo": "https://github.com/launchkit-examples/dock",
              "branch": "main", "env_vars": {"RAILS_ENV": "production"},
              "serviceDetails": {"runtime": "docker", "region": "oregon", "plan": "starter",
                                 "envSpecificDetails": {"dockerCommand": "bin/web", "dockerContext": "app",
                                                        "dockerfilePath": "./app/Dockerfile"}}}


def test_docker_web_service_gets_docker_workers_and_jobs_that_stay_unchanged(quick_sandbox, tmp_path):
    control("POST", "/seed", {"render": {"services": [DOCKER_WEB]}})
    docker_stack = {"launchkit_web_service": "dock-web",
                    "worker_services": [{"name": "dock-sidekiq", "start_command": "bundle exec sidekiq"}],
                    "cron_jobs": [{"name": "dock-nightly", "schedule": "0 3 * * *", "command": "bin/nightly"}]}
    args = ("--tags", "worker,cron", *SCOOP, "-e", json.dumps(docker_stack))
    first, _summary, _seconds = run_counted(*args, state_dir=tmp_path / "state")
    assert_ok(first, "worker and cron phases beside a docker web service")
    services = services_by_name(state())
    # Built from the web service's Dockerfile, its command as the docker command; no native build or start command.
    for name, command in (("dock-sidekiq", "bundle exec sidekiq"), ("dock-nightly", "bin/nightly")):
        details = services[name]["serviceDetails"]
        assert details["runtime"] == "docker", details
        assert details["envSpecificDetails"] == {"dockerCommand": command, "dockerContext": "app",
                                                 "dockerfilePath": "./app/Dockerfile"}, details

    second, second_summary, _seconds = run_counted(*args, state_dir=tmp_path / "state")
    assert_ok(second, "second run beside a docker web service")
    assert second_summary["writes"] == 0, second_summary
    assert recap(second)["scoop_production"]["changed"] == 0, recap(second)


@pytest.mark.parametrize("phase, env_key", [("redis", "REDIS_URL"), ("error_monitoring", "SENTRY_DSN")])
def test_a_listed_service_that_does_not_exist_fails_the_phase_before_any_env_write(quick_sandbox, tmp_path, phase,
                                                                                   env_key):
    listed = {f"{phase}_services": ["scoop-web", "scoop-ghost"]}
    result, _summary, _seconds = run_counted("--tags", phase, *SCOOP, "-e", json.dumps(listed),
                                             state_dir=tmp_path / "state")
    text = output(result)

    assert result.returncode != 0, f"the {phase} phase wired a list with a missing service:\n{result.stdout[-6000:]}"
    message = re.search(r'"msg": "([^"]*)"', text[text.index("fatal: [scoop_production]"):]).group(1)
    assert f"{phase}_services names 'scoop-ghost', which does not exist" in message, message
    assert "'scoop-web', which does not exist" not in message and "1 problem(s)" in message, message
    env_writes = [e for e in control("GET", "/log")["entries"] if e["write"] and "/env-vars" in e["path"]]
    assert env_writes == [], env_writes
    assert env_key not in env_of(state(), "scoop-web")


def test_the_vendor_connection_comes_from_inventory_variables_before_the_environment(quick_sandbox, tmp_path):
    """launchkit_render_* inventory variables reach every Render module of a phase (no module_defaults in
    the roles): a wrong key in the inventory fails the phase even though RENDER_API_KEY is right, and a
    right URL in the inventory wins over a wrong RENDER_API_URL."""
    wrong_key = "rnd_inventory_key_that_render_refuses"
    refused = run_site("--tags", "worker", "--limit", "scoop_production", "-e", f"launchkit_render_api_key={wrong_key}",
                       state_dir=tmp_path / "a")
    assert refused.returncode != 0
    assert "401" in refused.stdout, refused.stdout[-3000:]
    assert wrong_key not in refused.stdout + refused.stderr
    assert log_summary("render")["writes"] == 0

    url = os.environ["RENDER_API_URL"]
    served = run_site("--tags", "worker", "--limit", "scoop_production", "-e", f"launchkit_render_api_url={url}",
                      state_dir=tmp_path / "b", extra_env={"RENDER_API_URL": "http://127.0.0.1:9/render/v1"})
    assert_ok(served, "worker phase with the API URL from the inventory")
    assert "scoop-sidekiq" in services_by_name(state())


def test_a_lost_answer_to_a_cron_run_trigger_finds_the_run_it_started(quick_sandbox, tmp_path):
    """A trigger cancels the job's active run, so a lost answer is looked up (cron_job_run_started events)
    and never sent again blindly: the phase passes with one run, and the later phases still run."""
    control("POST", "/faults", {"nth": 1, "vendor": "render", "methods": ["POST"], "path_contains": "/runs",
                                "kinds": ["drop_after"]})
    result, _summary, _seconds = run_counted("--tags", "worker,cron,email", *SCOOP, state_dir=tmp_path / "state")
    control("DELETE", "/faults")
    assert_ok(result, "the cron phase with the run trigger's answer dropped")
    entries = control("GET", "/log")["entries"]
    triggers = [e for e in entries if e["method"] == "POST" and e["path"].endswith("/runs")]
    assert [e["fault"] for e in triggers] == ["drop_after"], triggers
    assert recap(result)["scoop_production"]["failed"] == 0
    # The email phase after it ran for this host.
    assert "TASK [launchkit.paas.email" in result.stdout


KINDLE = ("--limit", "rekindlepro_staging")
KINDLE_WORKER = "rekindlepro-worker"


def adopt_worker(tmp_path, name: str, *extra: str):
    """The worker phase of RekindlePro with its existing worker listed (the plan's step 4 is done already)."""
    settings = {"worker_services": [{"name": KINDLE_WORKER, "start_command": "node dist/worker.js"}]}
    return run_site("--tags", *extra, *KINDLE, "-e", json.dumps(settings), state_dir=tmp_path / name)


def test_an_existing_worker_is_adopted_never_owned(quick_sandbox, tmp_path):
    """A worker that ran before the rollout keeps its own settings (only keys it lacks are added, each recorded),
    and its rollback puts its env back and leaves it running."""
    worker = services_by_name(state())[KINDLE_WORKER]
    render_api("PUT", f"/services/{worker['id']}/env-vars/NODE_ENV", {"value": "worker-own"})
    before = env_of(state(), KINDLE_WORKER)
    api = env_of(state(), "rekindlepro-api")

    rollout = adopt_worker(tmp_path, "state", "worker")
    assert_ok(rollout, "worker phase adopting rekindlepro-worker")
    after = env_of(state(), KINDLE_WORKER)
    assert after["NODE_ENV"] == "worker-own" and after["QUEUE_CONCURRENCY"] == before["QUEUE_CONCURRENCY"]
    assert {key: after[key] for key in set(api) - set(before)} == {key: api[key] for key in set(api) - set(before)}
    assert services_by_name(state())[KINDLE_WORKER]["suspended"] == "not_suspended"

    again = adopt_worker(tmp_path, "state", "worker")
    assert_ok(again, "second run of the worker phase")
    assert env_of(state(), KINDLE_WORKER) == after

    rollback = adopt_worker(tmp_path, "state", "rollback_worker")
    assert_ok(rollback, "rollback of the worker phase")
    assert services_by_name(state())[KINDLE_WORKER]["suspended"] == "not_suspended", "an adopted worker was suspended"
    assert env_of(state(), KINDLE_WORKER) == before
    assert "keep running" in rollback.stdout and KINDLE_WORKER in rollback.stdout


def test_a_rollback_without_its_record_names_what_exists_and_changes_nothing(quick_sandbox, tmp_path):
    rollout = adopt_worker(tmp_path, "lost", "worker")
    assert_ok(rollout, "worker phase")
    control("DELETE", "/log")
    # A new controller: the records are gone.
    refused = adopt_worker(tmp_path, "fresh-controller", "rollback_worker")
    assert refused.returncode != 0
    assert "No rollback record of the worker phase" in refused.stdout and KINDLE_WORKER in refused.stdout
    assert log_summary()["writes"] == 0
    assert services_by_name(state())[KINDLE_WORKER]["suspended"] == "not_suspended"
