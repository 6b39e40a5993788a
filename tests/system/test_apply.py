"""The apply step: config reaches the running app. Every service whose env a run changed is deployed
exactly once with its last build, check mode names the same services, a second run deploys nothing,
and a failed apply deploy fails the run naming the service, the status and the deploy id. On the session's
whole rollout (conftest.whole_rollout: check mode, a first and a second run of every stack), the second run
writes nothing, reads each resource once, and neither deploys nor runs a job again."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from conftest import (UPSTASH_EVICTION, WHOLE_ROLLOUT, assert_ok, control, cron_runs_of, deploys_of, foreign_warnings,
                      recap, render_api, run_site, services_by_name, state)

APPLY_TASK = "Deploy each service whose env this run changed"
WORKER = "scoop-sidekiq"
JOB = "scoop-recurring-jobs"
DEPLOY_POST = re.compile(r"^/render/v1/services/([a-z]+-[a-z0-9]+)/deploys$")


HOST_RESULT = re.compile(r"^(?:ok|changed): \[([^\]]+)\] => ", re.MULTILINE)


def apply_actions(stdout: str) -> dict[str, dict]:
    """The last apply task's actions per host in the -v JSON output STDOUT ({} if it was skipped). A rollback
    run has two: the rollout's (nothing to apply) and the rollbacks' own, last."""
    actions: dict[str, dict] = {}
    start = stdout.rfind(f"TASK [launchkit.paas.apply : {APPLY_TASK}")
    if start >= 0:
        section = stdout[start:stdout.find("\nTASK [", start + 1)]
        for match in HOST_RESULT.finditer(section):
            answer, _end = json.JSONDecoder().raw_decode(section[match.end():])
            actions[match.group(1)] = answer.get("actions", {})
    return actions


def json_run(*args: str, state_dir):
    """site.yml ARGS at -v with results as JSON: (result, the last apply task's actions per host)."""
    control("DELETE", "/log")
    result = run_site(*args, "-v", state_dir=state_dir, extra_env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    return result, apply_actions(result.stdout)


def deploys_posted() -> Counter:
    """POST /services/{id}/deploys of the last run, per service id."""
    return deploys_in(control("GET", "/log")["entries"])


def deploys_in(entries: list[dict]) -> Counter:
    """POST /services/{id}/deploys among ENTRIES of the request log, per service id (creating a service is
    another call)."""
    return Counter(match.group(1) for entry in entries
                   if entry["method"] == "POST" and (match := DEPLOY_POST.match(entry["path"])))


# Render's deploys, on the session's whole rollout (conftest.whole_rollout: check mode, a first and a second run
# of the four stacks); the Render stacks are Scoop and RekindlePro (the Fly.io roll and the Vercel redeploy:
# test_fly, test_cloudgreet).
@pytest.mark.long
@pytest.mark.xdist_group(WHOLE_ROLLOUT)
def test_each_changed_service_is_deployed_once_and_runs_with_its_env(whole_rollout):
    check, first, second = whole_rollout["check"], whole_rollout["first"], whole_rollout["second"]
    predicted, applied, again = (apply_actions(run["result"].stdout) for run in (check, first, second))
    assert deploys_in(check["log"]) == Counter()

    first_summary = first["summary"]
    assert first_summary["writes"] > 0 and first_summary["response_invalid"] == 0, first_summary
    snapshot = first["state"]
    # The worker's first deploy, then the one that applies the env later phases gave it; the job ran once.
    assert [d["status"] for d in deploys_of(snapshot, WORKER)] == ["deactivated", "live"]
    assert [r["status"] for r in cron_runs_of(snapshot, JOB)] == ["successful"]
    to_names = {s["id"]: s["name"] for s in snapshot["vendors"]["render"]["services"]}
    posted = deploys_in(first["log"])
    # Exactly one deploy per service the apply step named, each a deploy_only of the last build.
    assert set(posted.values()) == {1}, posted
    applied_names = {name for actions in applied.values() for name, action in actions.items() if action == "trigger"}
    assert {to_names[sid] for sid in posted} == applied_names
    assert {"scoop-web", "scoop-sidekiq", "rekindlepro-api", "rekindlepro-worker"} <= applied_names
    # Check mode names the services whose new values it knows before the run: RekindlePro's external
    # database URL goes into both its services (the other values come from instances and keys that a real
    # run creates first), and it never names a service the real run does not deploy.
    predicted_names = {name for actions in predicted.values() for name, action in actions.items() if action == "trigger"}
    assert {"rekindlepro-api", "rekindlepro-worker"} <= predicted_names <= applied_names, predicted_names
    # Every service runs with every key the rollout set.
    render = snapshot["vendors"]["render"]
    for service_id, env in render["env_vars"].items():
        assert render["running_env_vars"][service_id] == env, to_names[service_id]

    assert deploys_in(second["log"]) == Counter() and again == {}, again
    second_summary = second["summary"]
    print(f"\nwhole rollout: run 1 reads={first_summary['reads']} writes={first_summary['writes']}; "
          f"run 2 reads={second_summary['reads']} writes={second_summary['writes']}")
    writes = [(e["method"], e["path"]) for e in second["log"] if e["write"]]
    assert second_summary["writes"] == len(writes) == 0, f"second run of the whole rollout wrote: {writes}"
    # One read per resource: the workspace and its services are listed once per run (twice at most, when
    # both hosts ask at the same moment), not once per phase or per service; a service's env values are
    # read once (the run keeps their digests) and once more by the validate phase for an app's URLs.
    reads = [e["path"] for e in second["log"] if not e["write"] and e["vendor"] == "render"]
    assert reads.count("/render/v1/owners") <= 2 and reads.count("/render/v1/services") <= 2, sorted(reads)
    env_reads = Counter(path for path in reads if path.endswith("/env-vars"))
    assert env_reads and max(env_reads.values()) <= 2, env_reads
    changed = [(o["host"], o["task"], o["msg"]) for o in second["outcomes"] if o["changed"]]
    assert changed == [] and all(host["changed"] == 0 for host in recap(second["result"]).values()), changed
    # No new deploy, no new cron run: the second run only read.
    assert deploys_of(second["state"], WORKER) == deploys_of(snapshot, WORKER)
    assert cron_runs_of(second["state"], JOB) == cron_runs_of(snapshot, JOB)


@pytest.mark.xdist_group(WHOLE_ROLLOUT)
def test_the_whole_rollout_warns_only_what_the_user_must_know(whole_rollout):
    """Every warning of the whole rollout is the project's own and worth reading: the eviction SyncKairos's
    Upstash database gives instead of the one asked for, and in check mode what does not exist yet. None of
    Ansible's own (an empty imported file, a deprecated form, a templating problem)."""
    for name, run in whole_rollout.items():
        assert foreign_warnings(run["result"]) == [], name
        lines = (run["result"].stdout + "\n" + run["result"].stderr).splitlines()
        assert any(line.startswith(UPSTASH_EVICTION[0]) for line in lines), name
        checks = [line for line in lines if "[WARNING]" in line and "check mode: " in line]
        assert (name == "check") == bool(checks), (name, checks)


def test_a_failed_apply_deploy_fails_the_run_naming_service_status_and_deploy(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "redis", "--limit", "scoop_production", state_dir=state_dir), "redis phase")
    web = services_by_name(state())["scoop-web"]
    # Someone removes the key by hand; the next run puts it back and must apply it.
    render_api("DELETE", f"/services/{web['id']}/env-vars/REDIS_URL")
    control("POST", "/render/deploys", {"fail": {"scoop-web": "update_failed"}})
    result = run_site("--tags", "redis", "--limit", "scoop_production", state_dir=state_dir)
    assert result.returncode != 0, result.stdout[-4000:]
    message = re.search(r'"msg": "([^"]*)"', result.stdout[result.stdout.index("fatal: [scoop_production]"):]).group(1)
    failed = [d for d in state()["vendors"]["render"]["deploys"] if d["serviceId"] == web["id"]][-1]
    assert failed["status"] == "update_failed"
    assert "scoop-web" in message and "update_failed" in message and failed["id"] in message, message


def test_with_apply_turned_off_nothing_is_deployed_and_the_run_says_what_runs_an_older_env(quick_sandbox, tmp_path):
    result = run_site("--tags", "redis", "--limit", "scoop_production", "-e", "launchkit_apply_env=false",
                      state_dir=tmp_path / "state")
    assert_ok(result, "redis phase without the apply step")
    web = services_by_name(state())["scoop-web"]
    assert "REDIS_URL" not in state()["vendors"]["render"]["running_env_vars"][web["id"]]
    assert "launchkit_apply_env is false" in result.stdout and "scoop-web" in result.stdout


def test_a_rollback_deploys_each_service_whose_env_it_restored_once(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "redis", "--limit", "scoop_production", state_dir=state_dir), "redis phase")
    web = services_by_name(state())["scoop-web"]
    assert "REDIS_URL" in state()["vendors"]["render"]["running_env_vars"][web["id"]]

    check, predicted = json_run("--tags", "rollback_redis", "--limit", "scoop_production", "--check",
                                state_dir=state_dir)
    assert_ok(check, "rollback in check mode")
    assert deploys_posted() == Counter()
    assert predicted == {"scoop_production": {"scoop-web": "trigger"}}, predicted

    rollback, applied = json_run("--tags", "rollback_redis", "--limit", "scoop_production", state_dir=state_dir)
    assert_ok(rollback, "rollback of the redis phase")
    assert deploys_posted() == Counter({web["id"]: 1})
    assert applied == predicted
    render = state()["vendors"]["render"]
    # The service runs without the key the phase had added, and runs what its env now says.
    assert "REDIS_URL" not in render["running_env_vars"][web["id"]]
    assert render["running_env_vars"][web["id"]] == render["env_vars"][web["id"]]

    again, nothing = json_run("--tags", "rollback_redis", "--limit", "scoop_production", state_dir=state_dir)
    assert_ok(again, "second rollback")
    assert deploys_posted() == Counter() and nothing == {}, nothing
