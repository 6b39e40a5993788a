"""A sandbox of one's own: its API, PostgreSQL (with the PgBouncer in front of it), Redis servers, SendGrid
SMTP relay and Prometheus on free ports
with a private state directory, started and stopped through scripts/sandbox-up.sh and scripts/sandbox-down.sh.

Used by the benchmarks and by each parallel test worker, so that runs never share sandbox state."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def control(env: dict[str, str], method: str, path: str, body: dict | None = None) -> dict:
    """Call the control API (/_sandbox + PATH) of the sandbox whose variables ENV holds; the JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(env["LAUNCHKIT_SANDBOX_URL"] + "/_sandbox" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def reset_and_seed(env: dict[str, str], data: dict) -> dict:
    """Empty the sandbox whose variables ENV holds (faults off, log cleared) and seed it with DATA; what a
    stack's vault holds of the seed's answer (an integration database's URLs and REST token, a stand-in
    Supabase database's URL: scripts/sandbox-seed.py's vault_values) goes to
    <LAUNCHKIT_SANDBOX_STATE_DIR>/seeded-secrets.json, where the sandbox inventory reads it. The answer."""
    import importlib.util  # pylint: disable=import-outside-toplevel

    control(env, "POST", "/reset")
    control(env, "DELETE", "/faults")
    seeded = control(env, "POST", "/seed", data)
    control(env, "DELETE", "/log")
    spec = importlib.util.spec_from_file_location("launchkit_sandbox_seed", Path(__file__).with_name("sandbox-seed.py"))
    seed_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed_script)
    secrets = seed_script.vault_values(seeded, env["LAUNCHKIT_SANDBOX_URL"])
    if secrets and env.get("LAUNCHKIT_SANDBOX_STATE_DIR"):
        target = Path(env["LAUNCHKIT_SANDBOX_STATE_DIR"]) / "seeded-secrets.json"
        target.write_text(json.dumps(secrets, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        target.chmod(0o600)
    return seeded


def read_env_file(path: Path) -> dict[str, str]:
    """The `export NAME=value` lines that sandbox-up.sh writes, as a mapping."""
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith("export ") or "=" not in line:
            continue
        name, _equals, value = line[len("export "):].partition("=")
        words = shlex.split(value) if value else [""]
        env[name] = words[0] if words else ""
    return env


def playbook_env(sandbox_env: dict[str, str], **more: str) -> dict[str, str]:
    """The environment an ansible-playbook run against the sandbox of ``sandbox_env`` needs, from the repository."""
    return {**os.environ, **sandbox_env,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks" / "collections"),
            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **more}


class PrivateSandbox:
    """`with PrivateSandbox(state_dir) as env:` a running sandbox; env holds its variables."""

    def __init__(self, state_dir: Path, port: int | None = None, pg_port: int | None = None,
                 python: str | None = None, pooler_port: int | None = None) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.port = port or free_port()
        self.pg_port = pg_port or free_port()
        self.pooler_port = pooler_port or free_port()
        self.prometheus_port = free_port()
        self.python = python or sys.executable
        self.env: dict[str, str] = {}

    def _script_env(self) -> dict[str, str]:
        # SMTP port 0: the relay binds a port the kernel gives (never one an outer SANDBOX_SMTP_PORT names);
        # the env file says which (SENDGRID_SMTP_HOST, SENDGRID_SMTP_PORT)
        return {**os.environ, "PYTHON": self.python, "SANDBOX_PORT": str(self.port),
                "SANDBOX_PG_PORT": str(self.pg_port), "SANDBOX_PG_POOLER_PORT": str(self.pooler_port),
                "SANDBOX_SMTP_PORT": "0", "SANDBOX_STATE_DIR": str(self.state_dir),
                "SANDBOX_PROMETHEUS_PORT": str(self.prometheus_port)}

    def up(self) -> dict[str, str]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["bash", str(ROOT / "scripts" / "sandbox-up.sh")], cwd=ROOT,
                                env=self._script_env(), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"sandbox-up failed (rc={result.returncode}):\n{result.stderr[-4000:]}")
        self.env = read_env_file(self.state_dir / "env")
        return self.env

    def down(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts" / "sandbox-down.sh")], cwd=ROOT,
                       env=self._script_env(), capture_output=True, text=True, check=False)

    def __enter__(self) -> dict[str, str]:
        try:
            return self.up()
        except BaseException:
            self.down()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.down()


ATTEMPTS = 3  # a free port can be taken by another process between the pick and the bind


def make_traversable(path: Path) -> None:
    """mkdir -p PATH with mode 755 on each folder it creates: PostgreSQL runs as the postgres user
    when we are root and must reach its data directory below."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)


def start_fresh(state_dir: Path, attempts: int = ATTEMPTS) -> PrivateSandbox:
    """A running sandbox of one's own in STATE_DIR, emptied first of whatever a killed earlier run left
    there; another port is tried when the one picked was taken meanwhile. RuntimeError after ATTEMPTS."""
    failures = []
    for _attempt in range(attempts):
        sandbox = PrivateSandbox(state_dir)
        sandbox.down()  # whatever a killed earlier run left in this folder
        shutil.rmtree(state_dir, ignore_errors=True)
        make_traversable(Path(state_dir))
        try:
            sandbox.up()
        except RuntimeError as exc:
            failures.append(str(exc))
            sandbox.down()
            continue
        # sandbox-up.sh keeps a healthy sandbox it finds on the port: make sure it started ours.
        if (Path(state_dir) / "server.pid").is_file() and sandbox.env.get("LAUNCHKIT_SANDBOX_URL", "").endswith(
                f":{sandbox.port}"):
            return sandbox
        failures.append(f"port {sandbox.port} was taken by another sandbox")
        sandbox.down()
    raise RuntimeError(f"no private sandbox in {state_dir} after {attempts} attempts:\n" + "\n".join(failures))
