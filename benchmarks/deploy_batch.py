#!/usr/bin/env python
"""Benchmark: deploy five services at a simulated 3 s build each; print wall time against the sum.

Needs a running sandbox (make sandbox-up; the variables of .sandbox/env exported). Run: make bench.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_SECONDS = 3.0
SERVICES = 5


def control(method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(os.environ["LAUNCHKIT_SANDBOX_URL"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def main() -> int:
    control("POST", "/_sandbox/reset")
    control("POST", "/_sandbox/render/deploys", {"build_seconds": BUILD_SECONDS})
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
           "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks" / "collections")}
    start = time.monotonic()
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                             "-e", f"ansible_python_interpreter={sys.executable}",
                             str(ROOT / "benchmarks" / "deploy_batch.yml")],
                            cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    wall = time.monotonic() - start
    control("POST", "/_sandbox/reset")
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:])
        return 1
    line = next(line for line in result.stdout.splitlines() if "BENCH " in line)
    timings = json.loads(line.split("BENCH ", 1)[1].rstrip('"').replace('\\"', '"'))
    serial = SERVICES * BUILD_SECONDS
    print(f"{SERVICES} services, {BUILD_SECONDS:g} s simulated build each; sum of the builds: {serial:.1f} s")
    print(f"first deploys, waited for together: {timings['first']:.1f} s")
    print(f"redeploy of all five, started together and waited for together: {timings['redeploy']:.1f} s")
    print(f"whole playbook, Ansible start-up and five creates included: {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
