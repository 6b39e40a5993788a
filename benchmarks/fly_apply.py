#!/usr/bin/env python
"""Benchmark (not a test): the apply step on Fly.io, one app with three started Machines rolled onto a new
secrets version one at a time (lease, update, started, checks passing, release), against a private sandbox
with Fly's rate limits on and each Machine taking the sandbox's default start time.

Prints the roll's wall time, the time per Machine and the Fly API calls it made. Run: make bench-fly.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from private_sandbox import PrivateSandbox, control  # noqa: E402  pylint: disable=wrong-import-position

MACHINES = 3
MACHINE_ID = re.compile(r"/machines/[0-9a-f]+")
SEED = {"fly": {"apps": [{"name": "bench-app", "machines": [{
    "count": MACHINES, "region": "sjc",
    "config": {"image": "registry.fly.io/bench-app:1", "services": [{
        "protocol": "tcp", "internal_port": 3000, "ports": [{"port": 443, "handlers": ["tls", "http"]}],
        "checks": [{"type": "http", "port": 3000, "method": "GET", "path": "/health", "interval": "15s",
                    "timeout": "2s"}]}]}}]}]}}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="launchkit-bench-fly-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # PostgreSQL may run as another user and must traverse it
        with PrivateSandbox(workdir / "sandbox") as sandbox_env:
            env = {**os.environ, **sandbox_env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
                   "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks" / "collections"),
                   "ANSIBLE_NOCOLOR": "1", "LAUNCHKIT_STATE_DIR": str(workdir / "state")}
            control(env, "POST", "/reset")
            control(env, "POST", "/seed", SEED)
            settings = control(env, "GET", "/fly/settings")
            control(env, "DELETE", "/log")
            started = time.monotonic()
            result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
                                     "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                                     str(ROOT / "benchmarks" / "fly_apply.yml")],
                                    cwd=ROOT, env=env, check=False, capture_output=True, text=True)
            wall = time.monotonic() - started
            calls = Counter(f"{entry['method']} {MACHINE_ID.sub('/machines/{id}', entry['path'])}"
                            for entry in control(env, "GET", "/log")["entries"])
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:])
        return 1
    line = next(line for line in result.stdout.splitlines() if "BENCH " in line)
    timings = json.loads(line.split("BENCH ", 1)[1].rstrip('"').replace('\\"', '"'))
    print(f"{MACHINES} started Machines; each start takes {settings['start_seconds']:g} s in the sandbox; "
          f"Fly's rate limits {'on' if settings['rate_limit'] else 'off'}")
    print(f"roll onto secrets version {timings['version']}: {timings['rolled']} Machines in {timings['roll']:.1f} s "
          f"({timings['roll'] / max(timings['rolled'], 1):.1f} s per Machine, one at a time)")
    print(f"whole playbook (Ansible start-up and the secrets write included): {wall:.1f} s")
    print(f"Fly API calls: {sum(calls.values())}")
    for call, count in calls.most_common():
        print(f"  {count:3d} {call}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
