"""Integration tests: each target is a playbook run against a sandbox: under pytest-xdist each worker's own
(tests/worker_sandbox.py), else the running one (make sandbox-up)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGETS = Path(__file__).resolve().parent / "targets"
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from sandbox.guard import validation_problem  # noqa: E402  (needs ROOT on sys.path)
from tests.worker_sandbox import start as start_worker_sandbox  # noqa: E402
from tests.worker_sandbox import stop as stop_worker_sandbox  # noqa: E402
from tests.worker_sandbox import worker_id  # noqa: E402


def sandbox_url() -> str:
    url = os.environ.get("LAUNCHKIT_SANDBOX_URL")
    if not url:
        pytest.fail("LAUNCHKIT_SANDBOX_URL is not set: run `make sandbox-up` and source .sandbox/env, or run "
                    "under pytest-xdist (-n 3, as make test-integration does): each worker starts its own sandbox")
    return url


@pytest.fixture(scope="session", autouse=True, name="worker_sandbox")
def fixture_worker_sandbox():
    """Under pytest-xdist, this worker's own sandbox (tests/worker_sandbox.py): started and its variables
    exported into os.environ before any test runs, stopped at the session's end. Without xdist, the
    sandbox the exported environment names (.sandbox/env)."""
    worker = worker_id()
    if worker is None:
        yield
        return
    start_worker_sandbox(worker, "integration")
    yield
    stop_worker_sandbox(worker)


@pytest.fixture(scope="session", autouse=True)
def spec_validation_on(worker_sandbox) -> None:  # noqa: ARG001  pylint: disable=unused-argument
    """Refuse to run against a sandbox that does not check requests against the vendors' specs (under
    xdist: the worker's own, so `worker_sandbox` comes first)."""
    if problem := validation_problem(sandbox_url()):
        pytest.exit(problem, returncode=1)


def control(method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sandbox_url() + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def run_playbook(playbook: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
                "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks" / "collections"),
                "ANSIBLE_NOCOLOR": "1",
                # The targets' own lookup, sandbox_log: the sandbox's request log counts after a step.
                "ANSIBLE_LOOKUP_PLUGINS": str(ROOT / "tests" / "integration" / "lookup_plugins"),
                # One async directory for a target's async tasks and their async_status, whatever HOME is.
                "ANSIBLE_ASYNC_DIR": str(ROOT / "tests" / "output" / "async"),
                **(env or {})}
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook),
                           "-e", f"ansible_python_interpreter={sys.executable}", *args],
                          cwd=ROOT, env=full_env, check=False, capture_output=True, text=True, timeout=900)


@pytest.fixture
def clean_sandbox():
    control("POST", "/_sandbox/reset")
    yield
    control("DELETE", "/_sandbox/faults")
