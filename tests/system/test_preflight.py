"""The run's preflight: every phase's inputs and every service they name are checked before the first
write of site.yml, and a run with mistakes in several phases fails once, naming each, with nothing written.

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_preflight.py
"""
from __future__ import annotations

import json
import re

from conftest import assert_ok, control, env_of, log_summary, recap, run_site, services_by_name, state

SCOOP = ("--limit", "scoop_production")

# One mistake per phase, each of the kinds that used to cost a paid write before the phase noticed.
MISTAKES = {
    # a typo in a service name: the Key Value used to be created first
    "redis_services": ["scoop-web", "scoop-wbe"],
    # a string where the list belongs: it used to be walked as characters
    "email_services": "scoop-web",
    # a schedule that never fires
    "cron_jobs": [{"name": "scoop-recurring-jobs", "schedule": "0 10 31 2 *", "command": "bin/rails jobs"}],
    # a typo in a worker's key
    "worker_services": [{"name": "scoop-sidekiq", "start_command": "bundle exec sidekiq", "plna": "starter"}],
    # an alert without its threshold: the team, the project and SENTRY_DSN used to be written first
    "error_monitoring_alerts": [{"name": "Error spike", "kind": "event_frequency", "interval": "1h",
                                 "notify": [{"type": "team", "target": "scoop"}]}],
    # a Postgres plan Render does not sell, and a service id that does not exist
    "database_render_plan": "huge_1tb",
    "database_services": ["srv-doesnotexist00000000"],
}
EXPECTED = [
    "redis: redis_services names 'scoop-wbe', which does not exist (did you mean 'scoop-web'?)",
    "email: email_services must be a list (e.g. [scoop-web]), not the string 'scoop-web'",
    "cron: cron_jobs[0] (scoop-recurring-jobs): schedule '0 10 31 2 *'",
    "worker: worker_services[0] (scoop-sidekiq): unknown key plna",
    "error_monitoring: error_monitoring_alerts[0] (Error spike): kind: event_frequency needs threshold",
    "database: value of database_render_plan must be one of",
    "database: database_services names 'srv-doesnotexist00000000', which does not exist",
]


def failure_message(text: str) -> str:
    return re.search(r'"msg": "([^"]*)"', text[text.index("fatal: [scoop_production]"):]).group(1)


def test_mistakes_in_every_phase_fail_the_run_once_naming_each_with_nothing_written(quick_sandbox, tmp_path):
    before = state()
    result = run_site(*SCOOP, "-e", json.dumps(MISTAKES), state_dir=tmp_path / "state")
    text = result.stdout + result.stderr

    assert result.returncode != 0, text[-6000:]
    assert "TASK [Check every phase before the first write" in text
    message = failure_message(text)
    for expected in EXPECTED:
        assert expected in message, f"{expected!r} not in:\n{message}"
    assert message.startswith(f"Preflight: {len(EXPECTED)} problem(s) in ")
    # Failed in the Preflight play: no phase play started, no vendor saw a write, nothing was created.
    assert "PLAY [Redis]" not in text
    assert recap(result)["scoop_production"]["failed"] == 1
    summary = log_summary()
    assert summary["writes"] == 0, summary
    after = state()
    for vendor in ("render", "upstash", "sendgrid", "sentry"):
        assert after["vendors"][vendor] == before["vendors"][vendor], f"{vendor} changed"
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").rglob("*.json"))


def test_a_service_id_is_taken_and_a_tag_scoped_run_checks_only_its_phases(quick_sandbox, tmp_path):
    """redis_services by id is found; the bad schedule belongs to the cron phase, which --tags redis does not run."""
    web = services_by_name(state())["scoop-web"]
    given = {"redis_services": [web["id"]],
             "cron_jobs": [{"name": "scoop-recurring-jobs", "schedule": "0 10 31 2 *", "command": "x"}]}
    result = run_site("--tags", "redis", *SCOOP, "-e", json.dumps(given), state_dir=tmp_path / "state")
    assert_ok(result, "the redis phase with a service given by id")
    # Only the selected phase's entry is loaded at all (it carries the phase's tag): the cron phase's is not
    # there to skip.
    assert "TASK [launchkit.paas.redis : Check the redis phase's inputs" in result.stdout, result.stdout[:4000]
    assert "Check the cron phase's inputs" not in result.stdout, result.stdout[:4000]
    assert env_of(state(), "scoop-web").get("REDIS_URL", "").startswith("redis")


def test_a_service_that_an_earlier_phase_creates_may_be_named_by_a_later_one(quick_sandbox, tmp_path):
    """The rehearsal's email phase names scoop-sidekiq, which the worker phase of the same run creates: the
    preflight lets it pass; naming it in the redis phase (before the worker phase) is refused."""
    control("DELETE", "/log")
    early = run_site("--tags", "redis,worker", *SCOOP, "-e", json.dumps({"redis_services": ["scoop-web", "scoop-sidekiq"]}),
                     state_dir=tmp_path / "early")
    assert early.returncode != 0
    assert ("redis: redis_services names 'scoop-sidekiq', which does not exist (the worker phase creates it, "
            "after this one)") in failure_message(early.stdout)
    assert log_summary()["writes"] == 0

    later = run_site("--tags", "worker,cron,email", *SCOOP, state_dir=tmp_path / "later")
    assert_ok(later, "email naming the worker the same run creates")
    assert "SENDGRID_API_KEY" in env_of(state(), "scoop-sidekiq")
