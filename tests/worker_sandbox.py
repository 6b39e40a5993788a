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
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
WORKERS_DIR = ROOT / ".sandbox" / "workers"

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


def start(worker: str, suite: str) -> dict[str, str]:
    """Start WORKER's private sandbox (if this process has none yet: a session that runs two suites
    uses the first one's) and export its variables."""
    if worker not in _running:
        try:
            _running[worker] = _private_sandbox().start_fresh(WORKERS_DIR / f"{suite}-{worker}")
        except RuntimeError as exc:
            raise RuntimeError(f"xdist worker {worker}: {exc}") from exc
    env = _running[worker].env
    os.environ.update(env)
    return env


def stop(worker: str) -> None:
    """Stop WORKER's private sandbox: its API server, every Redis it started, its PgBouncer and PostgreSQL."""
    sandbox = _running.pop(worker, None)
    if sandbox is not None:
        sandbox.down()
