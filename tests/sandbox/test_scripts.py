"""scripts/sandbox-up.sh and sandbox-down.sh: idempotent, env file, no stray processes."""
from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import OWNER_ID, RENDER_KEY, REPO, free_port, wait_for

UP = REPO / "scripts" / "sandbox-up.sh"
DOWN = REPO / "scripts" / "sandbox-down.sh"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.removeprefix("export ").split("=", 1) for line in path.read_text().splitlines()
             if line.startswith("export "))
    return dict(pairs)


@pytest.fixture
def script_env() -> Any:
    # not pytest's tmp_path: PostgreSQL runs as another user and must traverse the parents
    state = Path(tempfile.mkdtemp(prefix="lk-sandbox-scripts-", dir="/tmp"))
    state.chmod(0o755)
    env = {**os.environ, "SANDBOX_STATE_DIR": str(state), "SANDBOX_PORT": str(free_port()),
           "SANDBOX_PG_PORT": str(free_port()), "PYTHON": os.environ.get("PYTHON", sys.executable)}
    yield state, env
    subprocess.run([str(DOWN)], env=env, check=False, capture_output=True)
    shutil.rmtree(state, ignore_errors=True)


def test_up_is_idempotent_and_down_leaves_nothing(script_env: Any) -> None:
    state, env = script_env
    first = subprocess.run([str(UP)], env=env, check=False, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "spec validation is ON" in first.stderr, first.stderr
    server_pid = int((state / "server.pid").read_text())
    pooler_pid = int((state / "pgbouncer" / "pgbouncer.pid").read_text())
    second = subprocess.run([str(UP)], env=env, check=False, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "already up" in second.stderr
    assert int((state / "server.pid").read_text()) == server_pid
    assert "PgBouncer already running" in second.stderr
    assert int((state / "pgbouncer" / "pgbouncer.pid").read_text()) == pooler_pid

    values = read_env(state / "env")
    url = f"http://127.0.0.1:{env['SANDBOX_PORT']}"
    assert values["LAUNCHKIT_SANDBOX_URL"] == url
    assert values["RENDER_API_URL"] == f"{url}/render/v1" and values["RENDER_API_KEY"] == RENDER_KEY
    assert values["UPSTASH_API_URL"] == f"{url}/upstash/v2"
    assert values["SANDBOX_PG_URL"].endswith(f":{env['SANDBOX_PG_PORT']}/postgres")
    # the transaction pooler in front of it, on a port of its own, run as PostgreSQL's user (never root)
    assert values["SANDBOX_PG_POOLER_URL"].startswith("postgresql://127.0.0.1:")
    assert values["SANDBOX_PG_POOLER_URL"] != values["SANDBOX_PG_URL"]
    assert Path(f"/proc/{pooler_pid}").stat().st_uid == (state / "pg" / "data").stat().st_uid
    if shutil.which("openssl"):
        assert Path(values["LAUNCHKIT_SANDBOX_CA"]).is_file()
    # the SendGrid SMTP relay runs with the server, on the port its env names
    assert values["SENDGRID_SMTP_HOST"] == "127.0.0.1" and int(values["SENDGRID_SMTP_PORT"]) > 0
    with smtplib.SMTP(values["SENDGRID_SMTP_HOST"], int(values["SENDGRID_SMTP_PORT"]), timeout=10) as relay:
        assert relay.ehlo()[0] == 250 and relay.has_extn("starttls")

    created = requests.post(f"{values['RENDER_API_URL']}/key-value", timeout=10,
                            headers={"Authorization": f"Bearer {RENDER_KEY}"},
                            json={"name": "kv", "ownerId": OWNER_ID, "plan": "free"})
    assert created.status_code == 201
    redis_pids = [int(path.read_text()) for path in _wait_pidfiles(state)]

    down = subprocess.run([str(DOWN)], env=env, check=False, capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert not alive(server_pid)
    assert not any(alive(pid) for pid in redis_pids)
    assert not alive(pooler_pid) and not (state / "pgbouncer" / "pgbouncer.pid").exists()
    with pytest.raises(OSError):  # the relay stopped with the server
        smtplib.SMTP(values["SENDGRID_SMTP_HOST"], int(values["SENDGRID_SMTP_PORT"]), timeout=5)
    if (state / "pg" / "data" / "postmaster.pid").exists():
        raise AssertionError("PostgreSQL still running")
    again = subprocess.run([str(DOWN)], env=env, check=False, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0


def _wait_pidfiles(state: Path) -> list[Path]:
    return wait_for(lambda: list((state / "redis").glob("*/redis.pid")))
