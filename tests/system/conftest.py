"""System tests: whole phases of site.yml run against a sandbox: under pytest-xdist each worker's own
(tests/worker_sandbox.py), else the running one (make sandbox-up)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "sandbox" / "fixtures" / "rehearsal.json"
OUTPUT = ROOT / "tests" / "output"
# LAUNCHKIT_ANSIBLE_PLAYBOOK runs the playbooks with another ansible-core (a venv of its own, e.g. 2.16).
ANSIBLE_PLAYBOOK = Path(os.environ.get("LAUNCHKIT_ANSIBLE_PLAYBOOK") or Path(sys.executable).parent / "ansible-playbook")
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from sandbox.guard import validation_problem  # noqa: E402  (needs ROOT on sys.path)
from tests.worker_sandbox import load_script  # noqa: E402
from tests.worker_sandbox import start as start_worker_sandbox  # noqa: E402
from tests.worker_sandbox import stop as stop_worker_sandbox  # noqa: E402
from tests.worker_sandbox import worker_id  # noqa: E402

# What the phase needs from the environment (.sandbox/env, written by scripts/sandbox-up.sh).
REQUIRED_ENV = ("LAUNCHKIT_SANDBOX_URL", "RENDER_API_URL", "RENDER_API_KEY",
                "UPSTASH_API_URL", "UPSTASH_EMAIL", "UPSTASH_API_KEY")


def require_env() -> dict[str, str]:
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: start the sandbox with `make sandbox-up` and load "
                    "its variables with `set -a; . .sandbox/env; set +a` (make test-faults / "
                    "test-leaks do both)", pytrace=False)
    return {name: os.environ[name] for name in REQUIRED_ENV}


def pytest_configure(config):
    config.addinivalue_line("markers", "long: a test of whole rollouts (minutes): run before the others")


def pytest_collection_modifyitems(items):
    """The long tests first (in their order), so that xdist's workers start on them and share out the short
    ones at the end, rather than one worker still busy with a long test while the others have finished."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session", autouse=True, name="worker_sandbox")
def fixture_worker_sandbox():
    """Under pytest-xdist, this worker's own sandbox (tests/worker_sandbox.py): started and its variables
    exported into os.environ before any test runs, stopped at the session's end. Without xdist, the
    sandbox the exported environment names (.sandbox/env)."""
    worker = worker_id()
    if worker is None:
        yield
        return
    start_worker_sandbox(worker, "system")
    yield
    stop_worker_sandbox(worker)


@pytest.fixture(scope="session", autouse=True)
def spec_validation_on(worker_sandbox) -> None:  # noqa: ARG001  pylint: disable=unused-argument
    """Refuse to run against a sandbox that does not check requests against the vendors' specs (under
    xdist: the worker's own, so `worker_sandbox` comes first)."""
    if problem := validation_problem(require_env()["LAUNCHKIT_SANDBOX_URL"]):
        pytest.exit(problem, returncode=1)


def control(method: str, path: str, body: dict | None = None) -> dict:
    url = require_env()["LAUNCHKIT_SANDBOX_URL"].rstrip("/") + "/_sandbox" + path
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
    except OSError as exc:
        pytest.fail(f"sandbox control API {method} {url} failed: {exc} (is the sandbox up?)", pytrace=False)
    return json.loads(raw) if raw else {}


def state() -> dict:
    return control("GET", "/state")


def fixture_data() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def reset_and_seed(data: dict | None = None) -> dict:
    """Empty the sandbox (faults off, log cleared) and seed the rehearsal's services; what a stack's vault
    holds of the seed (CloudGreet's Redis and Postgres URLs) goes to seeded-secrets.json, as
    scripts/sandbox-seed.py writes it."""
    require_env()
    return load_script("private_sandbox.py").reset_and_seed(dict(os.environ),
                                                            data if data is not None else fixture_data())


def log_summary(vendor: str | None = None, since: int = 0) -> dict:
    query = [f"since={since}"] + ([f"vendor={vendor}"] if vendor else [])
    return control("GET", "/log/summary?" + "&".join(query))


def last_seq() -> int:
    entries = control("GET", "/log")["entries"]
    return entries[-1]["seq"] if entries else 0


def run_site(*args: str, state_dir: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """ansible-playbook -i inventories/sandbox playbooks/site.yml ARGS, from the repository root."""
    command, env = site_command(*args, state_dir=state_dir, extra_env=extra_env)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def site_command(*args: str, state_dir: Path, extra_env: dict | None = None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of run_site (for a run started in the background)."""
    require_env()
    env = {**os.environ,
           "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
           "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks" / "collections"),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
           "LAUNCHKIT_STATE_DIR": str(state_dir),
           **(extra_env or {})}
    if not env.get("LAUNCHKIT_SANDBOX_CA"):
        # The sandbox signs its rediss:// servers with its own CA; tell redis_check where it is.
        env["LAUNCHKIT_SANDBOX_CA"] = state().get("tls_ca") or ""
    return [str(ANSIBLE_PLAYBOOK), "-i", "inventories/sandbox", "playbooks/site.yml", *args], env


def assert_ok(result: subprocess.CompletedProcess, what: str) -> None:
    # The failed tasks first: in a long run they are far from the end that the tail shows.
    failures = "\n".join(line[:3000] for line in result.stdout.splitlines() if line.startswith(("fatal:", "failed:")))
    assert result.returncode == 0, (f"{what} failed (rc={result.returncode})\n--- failed tasks ---\n{failures}\n"
                                    f"--- stdout ---\n{result.stdout[-12000:]}\n--- stderr ---\n{result.stderr[-4000:]}")


# The warnings a run may print, all the project's own: the eviction SyncKairos's Upstash database gives instead
# of the one asked for, and in check mode what does not exist yet.
UPSTASH_EVICTION = ("[WARNING]: Upstash database synckairos-staging-redis: maxmemory_policy allkeys-lru asked for",
                    "[WARNING]: random eviction (the only kind Upstash offers)")


def foreign_warnings(result: subprocess.CompletedProcess) -> list[str]:
    """The warning lines of RESULT (stdout and stderr) that are not the project's own (UPSTASH_EVICTION, check
    mode's): Ansible's (an imported file with no task, a conditional a task ignores, a deprecated form)."""
    lines = (result.stdout + "\n" + result.stderr).splitlines()
    return [line for line in lines if ("[WARNING]" in line or "[DEPRECATION WARNING]" in line)
            and not line.startswith(UPSTASH_EVICTION) and "check mode: " not in line]


def services_by_name(snapshot: dict) -> dict[str, dict]:
    return {service["name"]: service for service in snapshot["vendors"]["render"]["services"]}


def env_of(snapshot: dict, service_name: str) -> dict[str, str]:
    service = services_by_name(snapshot)[service_name]
    return snapshot["vendors"]["render"]["env_vars"].get(service["id"], {})


def deploys_of(snapshot: dict, name: str) -> list[dict]:
    """The Render deploys of the service NAME in SNAPSHOT, oldest first."""
    service_id = services_by_name(snapshot)[name]["id"]
    return sorted((d for d in snapshot["vendors"]["render"]["deploys"] if d["serviceId"] == service_id),
                  key=lambda d: d["createdAt"])


def cron_runs_of(snapshot: dict, name: str) -> list[dict]:
    """The runs of the Render cron job NAME in SNAPSHOT."""
    service_id = services_by_name(snapshot)[name]["id"]
    return [run for run in snapshot["vendors"]["render"]["cron_runs"] if run["cronJobId"] == service_id]


@pytest.fixture
def sandbox():
    """A reset sandbox seeded with the rehearsal fixture; faults are cleared again afterwards."""
    reset_and_seed()
    yield
    control("DELETE", "/faults")


RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
# Quick builds and runs, so a phase takes seconds (the sandbox's defaults are 1 s and 0.5 s).
BUILD_SECONDS = 0.3
RUN_SECONDS = 0.2


def recap(result: subprocess.CompletedProcess) -> dict[str, dict[str, int]]:
    """PLAY RECAP per host: {host: {ok, changed, unreachable, failed}}."""
    return {host: {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}
            for host, ok, changed, unreachable, failed in RECAP.findall(result.stdout)}


def render_api(method: str, path: str, body: dict | None = None) -> dict:
    """Call the sandbox's Render API as a person would (with the API key); the JSON answer, or {}."""
    request = urllib.request.Request(os.environ["RENDER_API_URL"].rstrip("/") + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {os.environ['RENDER_API_KEY']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else {}


@pytest.fixture
def quick_sandbox():
    """A reset sandbox seeded with the rehearsal fixture, quick deploys and cron runs, no failures."""
    reset_and_seed()
    control("POST", "/render/deploys", {"build_seconds": BUILD_SECONDS, "fail": {}})
    control("POST", "/render/cron", {"run_seconds": RUN_SECONDS, "fail": {}})
    yield
    control("DELETE", "/faults")
    control("POST", "/render/deploys", {"fail": {}})
    control("POST", "/render/cron", {"fail": {}})


@pytest.fixture
def fly_sandbox(quick_sandbox):  # noqa: ARG001  pylint: disable=unused-argument
    """The rehearsal's sandbox with Machines that start at once (Fly's rate limits stay on)."""
    control("POST", "/fly/settings", {"start_seconds": 0.1})
    yield
    control("POST", "/fly/settings", {"fail": {}})


# The whole rollout of the four rehearsal stacks from a fresh sandbox is what several tests read: check
# mode's plan (test_plan), the apply step's deploys and the second run's reads (test_apply), the resources a
# clean rollout makes (test_faults' reference). It runs once per session, on the worker of the xdist group
# WHOLE_ROLLOUT, which every test that reads it joins; each of them reads the captured runs, never the live
# sandbox, which the next test resets.
WHOLE_ROLLOUT = "whole-rollout"
CALLBACKS = ROOT / "tests" / "system" / "callbacks"


def outcomes(path: Path) -> list[dict]:
    """The task results tests/system/callbacks/task_outcomes.py recorded (one JSON line each)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def recorded_run(*args: str, state_dir: Path, record: Path) -> dict:
    """site.yml ARGS at -v with JSON results, each task result recorded: the result, the task outcomes, the
    sandbox's request log of this run (entries and summary), its state after it, and the rollout reports
    (beside STATE_DIR) after it."""
    control("DELETE", "/log")
    result = run_site(*args, "-v", state_dir=state_dir,
                      extra_env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
                                 "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS), "ANSIBLE_CALLBACKS_ENABLED": "task_outcomes",
                                 "LAUNCHKIT_TASK_OUTCOMES": str(record)})
    assert_ok(result, f"site.yml {' '.join(args)}")
    return {"result": result, "outcomes": outcomes(record), "log": control("GET", "/log")["entries"],
            "summary": log_summary(), "state": state(), "reports": reports(state_dir.parent / "reports")}


def reports(root: Path) -> dict[str, tuple[dict, str]]:
    """The rollout report of each host under ROOT (the validate phase's default beside the state directory):
    {host: (the JSON report, the Markdown report)}."""
    return {folder.name: (json.loads((folder / "rollout-report.json").read_text(encoding="utf-8")),
                          (folder / "rollout-report.md").read_text(encoding="utf-8"))
            for folder in sorted(root.glob("*")) if (folder / "rollout-report.json").is_file()}


@pytest.fixture(scope="session")
def whole_rollout(tmp_path_factory) -> dict[str, dict]:
    """Check mode (--check --diff), the first and the second run of site.yml for every stack, on a fresh
    sandbox with quick deploys and cron runs (as quick_sandbox): {"check", "first", "second"}, each a
    recorded_run."""
    tmp = tmp_path_factory.mktemp("whole-rollout")
    reset_and_seed()
    control("POST", "/render/deploys", {"build_seconds": BUILD_SECONDS, "fail": {}})
    control("POST", "/render/cron", {"run_seconds": RUN_SECONDS, "fail": {}})
    try:
        runs = {name: recorded_run(*args, state_dir=tmp / "state", record=tmp / f"{name}.jsonl")
                for name, args in (("check", ("--check", "--diff")), ("first", ()), ("second", ()))}
    finally:
        control("POST", "/render/deploys", {"fail": {}})
        control("POST", "/render/cron", {"fail": {}})
    return runs
