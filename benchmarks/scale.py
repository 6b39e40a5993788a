#!/usr/bin/env python
"""Benchmark (not a test): N rehearsal stacks in one run with forks, against one stack alone.

The inventory comes from scripts/scale-inventory.py (copies of the rehearsal stacks, renamed per stack).
Each template's first copy is rolled out alone on a fresh private sandbox; then all N stacks in one
`ansible-playbook -f N` run on another fresh sandbox. Printed: wall times, API reads and writes per
stack (the sandbox's request log, each request given to the stack whose object ids or names its path
holds; the rest are account-wide reads such as listing services), every stack's recap, and the
cross-talk check: each stack's vendor objects and env, read from /_sandbox/state and with the stack's
name, ids and secrets taken out, equal what its template's copy produced alone.

Run: make bench-scale [SCALE_STACKS=20] (starts and stops its own sandboxes on free ports).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from private_sandbox import PrivateSandbox, control, playbook_env, reset_and_seed  # noqa: E402  pylint: disable=wrong-import-position

STACKS = int(os.environ.get("SCALE_STACKS", "20"))
FORKS = int(os.environ.get("SCALE_FORKS") or STACKS)
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def load(name: str):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), ROOT / "scripts" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCALE = load("scale-inventory.py")


def playbook(env: dict[str, str], inventory: Path, *args: str) -> tuple[float, dict[str, dict[str, int]], str]:
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "playbooks/site.yml", *args]
    start = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    recap = {host: {"ok": int(ok), "changed": int(changed), "failed": int(failed)}
             for host, ok, changed, _unreachable, failed in RECAP.findall(result.stdout)}
    if result.returncode != 0:
        failures = [line[:2000] for line in result.stdout.splitlines() if line.startswith(("fatal:", "failed:"))]
        sys.stderr.write("\n".join(["Failed tasks:", *failures, ""]) + result.stderr[-3000:])
    return wall, recap, result.stdout


def fresh(env: dict[str, str], seed_path: Path) -> None:
    reset_and_seed(env, json.loads(seed_path.read_text(encoding="utf-8")))


def rollout(env: dict[str, str], workdir: Path, name: str, count: int, *limit: str) -> dict:
    """A fresh sandbox seeded for `count` stacks, then one run over them (or over `limit`)."""
    inventory = workdir / name
    hosts = SCALE.write(inventory, count, list(SCALE.DEFAULT_TEMPLATES))
    fresh(env, inventory / "seed.json")
    chosen = list(limit) or hosts
    run_env = {**env, "LAUNCHKIT_STATE_DIR": str(workdir / name / "state")}
    args = ["-f", str(min(FORKS, len(chosen)))] + (["--limit", ",".join(chosen)] if limit else [])
    wall, recap, output = playbook(run_env, inventory, *args)
    snapshot = control(env, "GET", "/state")
    snapshot["policy tree"] = SCALE.policy_tree(env)
    entries = control(env, "GET", "/log")["entries"]
    return {"wall": wall, "recap": recap, "output": output, "state": snapshot, "log": entries, "hosts": chosen,
            "validation": {host: validation(inventory / "reports", host) for host in chosen}}


def validation(reports: Path, host: str) -> str:
    """The validate phase's result in the host's report, with the checks that failed."""
    path = reports / host / "rollout-report.json"
    if not path.is_file():
        return "no report"
    report = json.loads(path.read_text(encoding="utf-8"))
    failed = [f"{check['check']}: {check.get('message', '')}"[:120]
              for check in report["checks"] if check.get("status") == "failed"]
    return report["summary"]["result"] + (": " + "; ".join(failed) if failed else "")


def main() -> int:
    rows = SCALE.stacks(STACKS, list(SCALE.DEFAULT_TEMPLATES))
    with tempfile.TemporaryDirectory(prefix="launchkit-scale-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # PostgreSQL may run as another user and must traverse it
        with PrivateSandbox(workdir / "sandbox") as sandbox_env:
            env = playbook_env(sandbox_env)
            alone = {}
            for host, template, _token, _copy in rows[:len(SCALE.DEFAULT_TEMPLATES)]:
                alone[template] = rollout(env, workdir, f"alone-{template}", len(SCALE.DEFAULT_TEMPLATES), host)
            together = rollout(env, workdir, "together", STACKS)
    report(rows, alone, together)
    return 0 if all(row["failed"] == 0 for run in [*alone.values(), together] for row in run["recap"].values()) else 1


def report(rows, alone: dict, together: dict) -> None:
    tokens = [copy for _host, _template, _token, copy in rows]
    print(f"## {STACKS} stacks in one run (-f {min(FORKS, STACKS)}) against one stack alone\n")
    print("| run | stacks | wall | API reads / writes | per stack: reads / writes (attributed) | account-wide reads |")
    print("|---|---|---|---|---|---|")
    for name, run in [*((f"{template} alone", run) for template, run in alone.items()), (f"{STACKS} stacks", together)]:
        per, rest = SCALE.attribute(run["log"], run["state"], [copy for host, _t, _k, copy in rows if host in run["hosts"]])
        reads = sum(entry["reads"] for entry in per.values())
        writes = sum(entry["writes"] for entry in per.values())
        count = len(run["hosts"])
        total_reads = sum(1 for entry in run["log"] if not entry["write"])
        total_writes = sum(1 for entry in run["log"] if entry["write"])
        print(f"| {name} | {count} | {run['wall']:.1f} s | {total_reads} / {total_writes} "
              f"| {reads / count:.1f} / {writes / count:.1f} | {rest['reads']} (writes {rest['writes']}) |")
    print("\n| stack | template | ok | changed | failed | reads | writes | validation | cross-talk |")
    print("|---|---|---|---|---|---|---|---|---|")
    per, _rest = SCALE.attribute(together["log"], together["state"], tokens)
    for host, template, token, copy in rows:
        first = rows[list(SCALE.DEFAULT_TEMPLATES).index(template)][3]
        expected = SCALE.stack_view(alone[template]["state"], first, token)
        got = SCALE.stack_view(together["state"], copy, token)
        verdict = "none" if expected == got else "DIFFERS: " + SCALE.difference(expected, got)
        routes = SCALE.routes_of(together["state"]["policy tree"], copy)
        verdict += "" if routes == 1 else f"; {routes} routes of its own in the shared policy tree"
        recap = together["recap"].get(host, {"ok": 0, "changed": 0, "failed": -1})
        print(f"| {host} | {template} | {recap['ok']} | {recap['changed']} | {recap['failed']} "
              f"| {per[copy]['reads']} | {per[copy]['writes']} | {together['validation'][host]} | {verdict} |")
    print(f"\nmachine: {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
