"""The postgresql state backend, as an AWX job uses it: each run in an empty working directory of its own.

A run of the redis phase keeps its rollback record in the database that LAUNCHKIT_STATE_DSN names (sealed with
LAUNCHKIT_STATE_KEY, as an AWX credential injects them); the rollback runs from another empty directory, with
no file of the first run, and restores what the first run changed. The stored rows hold no previous secret
value. A second run while the first holds the stack's lock fails naming the holder, as with the file backend.
The digests kept of write-only secrets (Fly.io secrets, Vercel env values) are rows of the same database: a
rollout run again from another empty directory writes nothing (no new Fly secrets version, no Machine roll, no
Vercel env write or redeploy).

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_state_backend.py
"""
from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import psycopg2
import pytest

from conftest import (ROOT, assert_ok, control, env_of, fixture_data, last_seq, log_summary, recap, reset_and_seed,
                      site_command, state)

HOST = "scoop_production"
KEY = "system-test-state-key-" + uuid.uuid4().hex
OLD_PASSWORD = "old-redis-password-7d2c41"
OLD_URL = f"redis://default:{OLD_PASSWORD}@old-redis.internal:6379"


@pytest.fixture(name="state_dsn")
def fixture_state_dsn():
    """A database of its own on the sandbox's PostgreSQL, as an operations database would be (dropped after)."""
    admin = os.environ.get("SANDBOX_PG_URL")
    if not admin:
        pytest.fail("SANDBOX_PG_URL is not set: start the sandbox (make sandbox-up) and load .sandbox/env",
                    pytrace=False)
    name = "launchkit_ops_" + uuid.uuid4().hex[:10]
    query(admin, f"CREATE DATABASE {name}", autocommit=True)
    yield admin.rsplit("/", 1)[0] + "/" + name
    query(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", autocommit=True)


def query(dsn: str, statement: str, autocommit: bool = False) -> list[tuple]:
    """The rows of `statement` (none for a statement that returns none); CREATE DATABASE needs `autocommit`."""
    connection = psycopg2.connect(dsn)
    connection.autocommit = autocommit
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            found = cursor.fetchall() if cursor.description else []
        if not autocommit:
            connection.commit()
        return found
    finally:
        connection.close()


def job(workdir: Path, *args: str, dsn: str, key: str = KEY, host: str = HOST) -> tuple[list[str], dict[str, str]]:
    """An AWX-like job: an empty working directory, its own state and temporary directories, the backend, DSN and
    key from the environment (as a credential injects them) and the backend as an extra var."""
    workdir.mkdir(parents=True)
    command, env = site_command(*args, "--limit", host, "-e", "launchkit_state_backend=postgresql",
                                state_dir=workdir / "state",
                                extra_env={"LAUNCHKIT_STATE_DSN": dsn, "LAUNCHKIT_STATE_KEY": key,
                                           "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
                                           "LAUNCHKIT_REPORT_DIR": str(workdir / "reports")})
    # The playbook and inventory by absolute path: the job runs in its own directory, not the repository.
    command = [part if part not in ("inventories/sandbox", "playbooks/site.yml") else str(ROOT / part)
               for part in command]
    return command, env


def run_job(workdir: Path, *args: str, dsn: str, key: str = KEY, host: str = HOST) -> subprocess.CompletedProcess:
    command, env = job(workdir, *args, dsn=dsn, key=key, host=host)
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False)


def files_under(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


def output(result: subprocess.CompletedProcess) -> str:
    return " ".join((result.stdout + result.stderr).split())


def seed_old_redis_url() -> None:
    """scoop-web already has a REDIS_URL with a password: the phase replaces it, the rollback must put it back."""
    data = copy.deepcopy(fixture_data())
    next(s for s in data["render"]["services"] if s["name"] == "scoop-web")["env_vars"]["REDIS_URL"] = OLD_URL
    reset_and_seed(data)


def test_a_rollback_from_another_empty_directory_restores_what_the_run_changed(quick_sandbox, tmp_path, state_dsn):
    seed_old_redis_url()
    started = time.monotonic()
    first = run_job(tmp_path / "job-1", "--tags", "redis", dsn=state_dsn)
    assert_ok(first, "the redis phase with the postgresql backend")
    new_url = env_of(state(), "scoop-web")["REDIS_URL"]
    assert new_url != OLD_URL

    # The record is a sealed row; no file of it, nor of the lock, is left on the controller.
    left = files_under(tmp_path / "job-1" / "state") if (tmp_path / "job-1" / "state").exists() else []
    assert [name for name in left if name.startswith(HOST)] == [], left
    records = query(state_dsn, "SELECT stack, phase, body FROM launchkit_state_records")
    assert [(stack, phase) for stack, phase, _body in records] == [(HOST, "redis")]
    assert query(state_dsn, "SELECT count(*) FROM launchkit_state_locks") == [(0,)], "the lock was not given back"
    stored = json.dumps(query(state_dsn, "SELECT * FROM launchkit_state_records"), default=str) + json.dumps(
        query(state_dsn, "SELECT * FROM launchkit_state_locks"), default=str)
    for secret in (OLD_URL, OLD_PASSWORD, new_url, "REDIS_URL"):
        assert secret not in stored, f"the state tables hold {secret[:12]}... in the clear"
    assert json.loads(records[0][2])["launchkit_sealed"] == 1

    # A rollback with another key fails saying so, shows nothing of the record and writes nothing.
    control("DELETE", "/log")
    wrong = run_job(tmp_path / "job-2", "--tags", "rollback_redis", dsn=state_dsn, key="not-the-key-" + KEY)
    assert wrong.returncode != 0
    assert "does not match the key it was sealed with" in output(wrong), output(wrong)[-3000:]
    assert "Traceback" not in output(wrong) and OLD_PASSWORD not in output(wrong)
    assert log_summary()["writes"] == 0 and env_of(state(), "scoop-web")["REDIS_URL"] == new_url

    # The rollback: another empty directory, the same DSN and key.
    rollback = run_job(tmp_path / "job-3", "--tags", "rollback_redis", dsn=state_dsn)
    assert_ok(rollback, "the redis rollback from another directory")
    assert OLD_PASSWORD not in output(rollback)
    assert env_of(state(), "scoop-web")["REDIS_URL"] == OLD_URL, "the rollback did not restore REDIS_URL"
    assert query(state_dsn, "SELECT count(*) FROM launchkit_state_records") == [(0,)], "the record was not forgotten"
    assert query(state_dsn, "SELECT count(*) FROM launchkit_state_locks") == [(0,)]
    print(f"\nrun, wrong-key rollback and rollback from empty directories: {time.monotonic() - started:.1f} s")


def test_a_second_run_while_the_first_holds_the_lock_fails_naming_it_having_written_nothing(
        quick_sandbox, tmp_path, state_dsn):
    # The first run's Key Value create is slow, so it holds the stack's lock for a while.
    control("POST", "/latency", {"rules": [{"delay": 8, "vendor": "render", "methods": ["POST"],
                                            "path_contains": "/key-value"}]})
    try:
        command, env = job(tmp_path / "first", "--tags", "redis", dsn=state_dsn)
        first = subprocess.Popen(command, cwd=tmp_path / "first", env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        holders: list[tuple] = []
        while not holders and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.3)
            try:
                holders = query(state_dsn, "SELECT holder FROM launchkit_state_locks")
            except psycopg2.Error:  # the tables do not exist yet
                holders = []
        assert holders, "the first run never took the lock"
        holder = holders[0][0]
        assert holder["pid"] == first.pid and holder["controller"] == socket.gethostname()

        second = run_job(tmp_path / "second", "--tags", "redis", "-e", "launchkit_lock_timeout=1", dsn=state_dsn)
        first_out, first_err = first.communicate(timeout=900)
    finally:
        control("DELETE", "/latency")
    assert second.returncode != 0
    text = output(second)
    assert (f"is locked by the run on {socket.gethostname()} (pid {first.pid}, since {holder['since']}, tags: redis)"
            in text and "wrote nothing" in text), text[-3000:]
    assert "DELETE FROM launchkit_state_locks WHERE stack = 'scoop_production'" in text
    assert_ok(subprocess.CompletedProcess(first.args, first.returncode, first_out, first_err), "the first run")
    # The second run failed at its lock and ran no phase task: it changed nothing.
    assert recap(second)[HOST] == {"ok": 0, "changed": 0, "unreachable": 0, "failed": 1}, recap(second)
    assert [kv["name"] for kv in state()["vendors"]["render"]["key_values"]] == ["scoop-redis"]
    assert query(state_dsn, "SELECT count(*) FROM launchkit_state_locks") == [(0,)]


#: per stack: the sandbox fixture it runs on, its extra arguments, and what a run must not write again. CloudGreet's
#: env is written sensitive, which Vercel never shows again: only a kept digest can compare it.
AWX_STACKS = {
    "synckairos_staging": ("fly_sandbox", (), "Fly.io: a new secrets version and a Machine roll"),
    "cloudgreet_production": ("quick_sandbox", ("-e", "launchkit_vercel_env_type=sensitive"),
                              "Vercel: sensitive env rewritten and a production redeploy"),
}
#: the kept records each stack's rollout leaves (by the first folder of their name)
KEPT_KINDS = {"synckairos_staging": ["fly", "grafana"], "cloudgreet_production": ["vercel"]}


@pytest.mark.parametrize("host", sorted(AWX_STACKS))
def test_a_rollout_run_again_from_another_empty_directory_writes_nothing(host, request, tmp_path, state_dsn):
    """The digests of write-only secrets live in the state database: the second AWX-like job, with none of the
    first one's files, compares every secret and writes nothing."""
    sandbox_fixture, args, rewritten = AWX_STACKS[host]
    request.getfixturevalue(sandbox_fixture)
    control("POST", "/vercel/settings", {"queued_seconds": 0.1, "build_seconds": 0.2})
    first = run_job(tmp_path / "job-1", *args, dsn=state_dsn, host=host)
    assert_ok(first, f"the rollout of {host} with the postgresql backend")
    # Nothing of the state is left in the job's directory: records, lock and kept digests are rows.
    state_dir = tmp_path / "job-1" / "state"
    assert (files_under(state_dir) if state_dir.exists() else []) == []
    kept = query(state_dsn, "SELECT phase, body FROM launchkit_state_records WHERE stack = 'launchkit.paas/kept'")
    names = [phase for phase, _body in kept]
    assert sorted({name.split("/")[0] for name in names}) == KEPT_KINDS[host], names
    assert all(json.loads(body)["launchkit_sealed"] == 1 for _phase, body in kept)

    since = last_seq()
    second = run_job(tmp_path / "job-2", *args, dsn=state_dsn, host=host)
    assert_ok(second, f"the second rollout of {host} from another empty directory")
    writes = [f"{entry['method']} {entry['path']}" for entry in control("GET", f"/log?since={since}")["entries"]
              if entry["write"]]
    print(f"\n{host}: the second run from an empty directory made {len(writes)} writes")
    assert writes == [], f"{rewritten}: {writes}"
    assert log_summary(since=since)["writes"] == 0
