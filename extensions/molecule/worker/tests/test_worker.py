"""Verify the worker phase for the Scoop stack: scoop-sidekiq runs beside scoop-web with its env.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import FIXTURE, assert_seeded_env_plus, env_of, sandbox_state, service, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()

WORKER = "scoop-sidekiq"
WEB = "scoop-web"
# The worker as converge.yml asked for it: the inventory's keys, worker_defaults, and the rest from scoop-web.
WORKER_OPTIONS = {
    "name": WORKER,
    "type": "background_worker",
    "runtime": "ruby",
    "repo": "https://github.com/launchkit-examples/scoop",
    "branch": "main",
    "region": "oregon",
    "plan": "starter",
    "num_instances": 1,
    "build_command": "bundle install",
    "start_command": "bundle exec sidekiq -C config/sidekiq.yml",
}


def test_worker_is_a_running_background_worker():
    worker = service(sandbox_state(), WORKER)
    assert worker["type"] == "background_worker"
    assert worker["suspended"] == "not_suspended"
    assert worker["suspenders"] == []
    assert worker["repo"] == WORKER_OPTIONS["repo"] and worker["branch"] == "main"
    details = worker["serviceDetails"]
    assert details["runtime"] == "ruby" and details["region"] == "oregon" and details["plan"] == "starter"
    assert details["envSpecificDetails"] == {"buildCommand": WORKER_OPTIONS["build_command"],
                                             "startCommand": WORKER_OPTIONS["start_command"]}


def test_latest_deploy_is_live(host):
    state = sandbox_state()
    worker_id = service(state, WORKER)["id"]
    deploys = sorted((d for d in state["vendors"]["render"]["deploys"] if d["serviceId"] == worker_id),
                     key=lambda d: d["createdAt"])
    assert deploys, "scoop-sidekiq has no deploy"
    assert deploys[-1]["status"] == "live", deploys
    # The module agrees: nothing to do to make it live.
    result = host.ansible("launchkit.paas.render_deploy", json.dumps({"services": [WORKER], "state": "live"}),
                          check=True)
    assert result["changed"] is False, result
    assert [(d["service"], d["id"], d["status"]) for d in result["deploys"]] == [(WORKER, deploys[-1]["id"], "live")]


def test_worker_env_holds_the_web_env_with_redis_url():
    state = sandbox_state()
    web_env, worker_env = env_of(state, WEB), env_of(state, WORKER)
    assert web_env.get("REDIS_URL", "").startswith("redis://"), "scoop-web has no REDIS_URL"
    assert state["vendors"]["render"]["key_values"][0]["connectionInfo"]["internalConnectionString"] == \
        web_env["REDIS_URL"]
    missing_or_different = {key for key, value in web_env.items() if worker_env.get(key) != value}
    assert not missing_or_different, f"keys of scoop-web not copied as they are: {sorted(missing_or_different)}"


def test_web_env_is_untouched_but_for_redis_url():
    assert_seeded_env_plus(WEB, "REDIS_URL")


def test_only_the_worker_was_added():
    state = sandbox_state()
    names = sorted(s["name"] for s in state["vendors"]["render"]["services"])
    seeded = json.loads(FIXTURE.read_text(encoding="utf-8"))["render"]["services"]
    assert names == sorted([s["name"] for s in seeded] + [WORKER])


def test_worker_with_same_options_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.render_service", json.dumps(WORKER_OPTIONS), check=True)
    assert result["changed"] is False, result
    assert result["action"] == "none", result
    assert result["service"]["name"] == WORKER
