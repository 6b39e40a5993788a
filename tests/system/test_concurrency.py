"""Two runs on one stack at once: the run lock makes one wait, and without a shared lock the creates converge.

Each test gives the sandbox latency on the lists and creates of the named resources (POST /_sandbox/latency),
so two runs started together overlap the way two real runs do. Without a shared lock, each run's create of
the Key Value, the Postgres and the SendGrid key is held until the other run's create of it has arrived: both
looked for it before either made it, however far apart the machine's load puts the two runs.

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_concurrency.py
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time

import pytest

from conftest import ROOT, assert_ok, control, log_summary, recap, run_site, site_command, state

HOST = "scoop_production"
WEB = "scoop-web"
KEY_NAME = "scoop-scoop_production-mail"
# The three phases on scoop-web alone (the other services of the inventory come with the worker phase).
PHASES = ("--tags", "redis,database,email", "--limit", HOST,
          "-e", json.dumps({"email_services": [WEB], "database_services": [WEB], "database_backup": False}))
# The lists and creates of the three named resources are slow: a run's look-up and its create are
# seconds apart, and another run's look-up falls in between.
LATENCY = {"rules": [
    {"delay": 3, "vendor": vendor, "methods": ["POST"], "path_contains": path}
    for vendor, path in (("render", "/key-value"), ("render", "/postgres"), ("sendgrid", "/api_keys"))
] + [
    {"delay": 1, "vendor": vendor, "methods": ["GET"], "path_contains": path}
    for vendor, path in (("render", "/key-value"), ("render", "/postgres"), ("sendgrid", "/api_keys"))
]}


@pytest.fixture(autouse=True)
def slow_creates(quick_sandbox):  # noqa: ARG001 - quick_sandbox (conftest) resets and seeds first
    yield
    control("DELETE", "/latency")


def started(*args: str, state_dir, extra_env: dict | None = None) -> subprocess.Popen:
    command, env = site_command(*args, state_dir=state_dir, extra_env=extra_env)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=900)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# Without the lock: a run's create of each of the three waits (60 s at most) until the other run's has arrived.
CREATES_MEET = {"rules": [
    {"delay": 60, "arrivals": 2, "vendor": vendor, "methods": ["POST"], "path_contains": path}
    for vendor, path in (("render", "/key-value"), ("render", "/postgres"), ("sendgrid", "/api_keys"))
]}


def two_at_once(first_dir, second_dir, *extra: str, latency: dict | None = None
                ) -> tuple[list[subprocess.CompletedProcess], dict[str, int]]:
    """The two runs' results, and how many requests each latency rule (LATENCY unless given) saw
    ({path_contains: arrived})."""
    control("POST", "/latency", latency or LATENCY)
    control("DELETE", "/log")
    runs = [started(*PHASES, *extra, state_dir=first_dir), started(*PHASES, *extra, state_dir=second_dir)]
    results = [finished(run) for run in runs]
    arrived = {rule["path_contains"]: rule["arrived"] for rule in control("GET", "/latency")["rules"]}
    control("DELETE", "/latency")
    return results, arrived


def output(result: subprocess.CompletedProcess) -> str:
    return " ".join((result.stdout + result.stderr).split())  # warnings are wrapped over lines


def assert_one_of_each() -> None:
    vendors = state()["vendors"]
    assert [kv["name"] for kv in vendors["render"]["key_values"]] == ["scoop-redis"]
    assert [pg["name"] for pg in vendors["render"]["postgres"]] == ["scoop-db"]
    assert [key["name"] for key in control("GET", "/sendgrid/keys")["keys"]] == [KEY_NAME]
    services = [service["name"] for service in vendors["render"]["services"]]
    assert len(services) == len(set(services)), services
    # The sender and the authenticated domain too (SendGrid refuses a second sender, and keeps two domains).
    domains = [domain["domain"] for domain in vendors["sendgrid"]["domains"]]
    senders = [sender["from_email"] for sender in vendors["sendgrid"]["verified_senders"]]
    assert domains and len(domains) == len(set(domains)), domains
    assert senders and len(senders) == len(set(senders)), senders


def assert_next_run_writes_nothing(state_dir) -> None:
    """The next run changes nothing and writes nothing (asking SendGrid again to validate the domain, as every
    run does while its DNS is unpublished, is a DNS look-up: the request log counts it as a read)."""
    control("DELETE", "/log")
    third = run_site(*PHASES, state_dir=state_dir)
    assert_ok(third, "the run after the two")
    assert all(host["changed"] == 0 for host in recap(third).values()), recap(third)
    writes = [(e["method"], e["path"]) for e in control("GET", "/log")["entries"] if e["write"]]
    assert writes == [], writes


def lock_file(state_dir) -> str:
    return os.path.join(state_dir, HOST, "run.lock")


def hold_lock(state_dir, pid: int, since: float) -> None:
    os.makedirs(os.path.dirname(lock_file(state_dir)), exist_ok=True)
    with open(lock_file(state_dir), "w", encoding="utf-8") as handle:
        json.dump({"controller": socket.gethostname(), "pid": pid, "acquired": since, "since": "2026-12-06T09:00:00Z",
                   "tags": ["database"]}, handle)


def test_two_runs_at_once_on_one_stack_make_one_of_each_and_the_second_waits(tmp_path):
    state_dir = tmp_path / "state"
    results, _arrived = two_at_once(state_dir, state_dir)
    for result in results:
        assert_ok(result, "one of two runs at once")
    waited = [result for result in results if "waited" in output(result) and "to give the stack" in output(result)]
    assert len(waited) == 1, [output(result)[-3000:] for result in results]
    assert all("another run created" not in output(result) for result in results)
    assert_one_of_each()
    assert not os.path.exists(lock_file(state_dir)), "the lock was not given back"
    assert_next_run_writes_nothing(state_dir)


def test_without_a_shared_lock_the_creates_converge_to_one_of_each(tmp_path):
    """Two controllers with state directories of their own (and the lock off): each creates, the newer twins go."""
    results, met = two_at_once(tmp_path / "one", tmp_path / "two", "-e", "launchkit_lock=false", latency=CREATES_MEET)
    for result in results:
        assert_ok(result, "one of two unlocked runs at once")
    assert met == {"/key-value": 2, "/postgres": 2, "/api_keys": 2}, met
    converged = " ".join(output(result) for result in results)
    # Each of the three that met was made twice, and one run deleted its own and adopted the other's. What the
    # runs made after them may have met too, or not: as the machine's load has it (assert_one_of_each).
    for kind, name in (("Key Value instance", "scoop-redis"), ("Render Postgres database", "scoop-db"),
                       ("SendGrid API key", KEY_NAME)):
        deleted = re.findall(rf"another run created the {kind} '{name}' at the same time: [^\n]*?deleted the one "
                             r"this run made", converged)
        assert len(deleted) == 1, (kind, converged[-6000:])
    assert_one_of_each()
    assert_key_wired(control("GET", "/sendgrid/keys")["keys"][0]["secret"])
    assert_next_run_writes_nothing(tmp_path / "one")


def assert_key_wired(secret: str) -> None:
    """The kept key's secret is the one in the app's env: the run whose key was kept wrote it."""
    snapshot = state()
    service = next(s for s in snapshot["vendors"]["render"]["services"] if s["name"] == WEB)
    assert snapshot["vendors"]["render"]["env_vars"][service["id"]].get("SENDGRID_API_KEY") == secret


def test_a_lock_left_by_a_process_that_ended_is_taken_over(tmp_path):
    state_dir = tmp_path / "state"
    gone = subprocess.Popen(["true"])
    gone.wait()
    hold_lock(state_dir, gone.pid, time.time())
    result = run_site("--tags", "redis", "--limit", HOST, state_dir=state_dir)
    assert_ok(result, "a run after one that left its lock")
    assert f"took over the run lock of {HOST} from the run on {socket.gethostname()} (pid {gone.pid}" in output(result)
    assert "no longer runs on this controller" in output(result)
    assert not os.path.exists(lock_file(state_dir))


def test_a_lock_held_by_a_live_run_is_waited_for_then_the_run_fails_naming_it_having_written_nothing(tmp_path):
    state_dir = tmp_path / "state"
    hold_lock(state_dir, os.getpid(), time.time())  # this test's own process: alive, and never gives it back
    control("DELETE", "/log")
    result = run_site(*PHASES, "-e", "launchkit_lock_timeout=2", state_dir=state_dir)
    assert result.returncode != 0
    text = output(result)
    assert f"is locked by the run on {socket.gethostname()} (pid {os.getpid()}, since 2026-12-06T09:00:00Z, " \
           f"tags: database)" in text and "wrote nothing" in text, text[-3000:]
    assert log_summary()["writes"] == 0
    with open(lock_file(state_dir), encoding="utf-8") as handle:
        assert json.load(handle)["pid"] == os.getpid()


def test_check_mode_takes_no_lock_but_names_the_holder(tmp_path):
    state_dir = tmp_path / "state"
    hold_lock(state_dir, os.getpid(), time.time())
    result = run_site("--tags", "redis", "--limit", HOST, "--check", state_dir=state_dir)
    assert_ok(result, "a check run while another run holds the lock")
    assert f"check mode takes no run lock; the stack's lock is held by the run on {socket.gethostname()} " \
           f"(pid {os.getpid()}" in output(result)


def test_a_run_that_fails_gives_the_lock_back_as_it_ends(tmp_path):
    """The host that failed skips the last play; the run gives its lock back as ansible-playbook exits."""
    state_dir = tmp_path / "state"
    result = run_site("--tags", "redis", "--limit", HOST, "-e", "redis_use=bogus", state_dir=state_dir)
    assert result.returncode != 0 and "redis_use" in output(result), output(result)[-3000:]
    assert os.path.isdir(os.path.dirname(lock_file(state_dir))), "the run took no lock"
    assert not os.path.exists(lock_file(state_dir)), "the failed run left its lock"
