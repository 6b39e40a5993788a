"""A sandbox of its own for each pytest-xdist worker of tests/integration and tests/system.

Under xdist (PYTEST_XDIST_WORKER is set, e.g. ``gw0``) the worker starts its own sandbox API,
PostgreSQL, PgBouncer and Redis servers on free ports, with its state in .sandbox/workers/<suite>-<worker id>
(so two suites can run side by side), and exports the variables that .sandbox/env would hold into
os.environ before any test runs (each suite's session fixture asks for it first). The sandbox is
stopped when the worker's session ends.
Without xdist nothing is started: the tests use the sandbox the exported environment names
(``make sandbox-up`` and ``set -a; . .sandbox/env; set +a``), as before.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
WORKERS_DIR = ROOT / ".sandbox" / "workers"
ATTEMPTS = 3  # a free port can be taken by another worker between the pick and the bind

_running: dict[str, object] = {}  # worker id -> its PrivateSandbox, one per process


def worker_id() -> str | None:
    """The xdist worker this process is (gw0, gw1, ...), or None outside xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def load_script(file_name: str) -> ModuleType:
    """scripts/<file_name> as a module (scripts/ is no package), loaded once per process."""
    name = "launchkit_script_" + file_name.removesuffix(".py").replace("-", "_")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / file_name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _private_sandbox() -> ModuleType:
    return load_script("private_sandbox.py")


def _make_traversable(path: Path) -> None:
    """mkdir -p PATH with mode 755 on each folder it creates: PostgreSQL runs as the postgres user
    when we are root and must reach its data directory below."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)


def start(worker: str, suite: str) -> dict[str, str]:
    """Start WORKER's private sandbox (if this process has none yet: a session that runs two suites
    uses the first one's) and export its variables."""
    if worker not in _running:
        state_dir = WORKERS_DIR / f"{suite}-{worker}"
        private_sandbox = _private_sandbox()
        failures = []
        for _attempt in range(ATTEMPTS):
            sandbox = private_sandbox.PrivateSandbox(state_dir)
            sandbox.down()  # whatever a killed earlier run left in this folder
            shutil.rmtree(state_dir, ignore_errors=True)
            _make_traversable(state_dir)
            try:
                sandbox.up()
            except RuntimeError as exc:
                failures.append(str(exc))
                sandbox.down()
                continue
            # sandbox-up.sh keeps a healthy sandbox it finds on the port: make sure it started ours.
            if (state_dir / "server.pid").is_file() and sandbox.env.get("LAUNCHKIT_SANDBOX_URL", "").endswith(
                    f":{sandbox.port}"):
                _running[worker] = sandbox
                break
            failures.append(f"port {sandbox.port} was taken by another sandbox")
            sandbox.down()
        else:
            raise RuntimeError(f"no private sandbox for xdist worker {worker} after {ATTEMPTS} attempts:\n"
                               + "\n".join(failures))
    env = _running[worker].env
    os.environ.update(env)
    return env


def stop(worker: str) -> None:
    """Stop WORKER's private sandbox: its API server, every Redis it started, its PgBouncer and PostgreSQL."""
    sandbox = _running.pop(worker, None)
    if sandbox is not None:
        sandbox.down()
