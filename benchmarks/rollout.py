#!/usr/bin/env python
"""Benchmark (not a test): the whole rollout of the rehearsal inventory against a private sandbox.

Prints, for check mode on a fresh sandbox, the first run and the second run: wall time, task
executions (ok + changed + failed of every host in the PLAY RECAP) and the vendor API reads and writes
from the sandbox's request log; then the floor (the same number of ansible.builtin.debug task
executions on the same inventory) and each run's ratio to it. Check mode and a second run change
nothing, so each is run REPEAT times, as is the floor, and the median of each is shown with its range:
one wall time on a busy 2-core machine varies by a third.

Run: make bench-rollout (starts and stops its own sandbox on free ports; leaves `make sandbox-up` alone).
"""
from __future__ import annotations

import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from private_sandbox import PrivateSandbox, control, playbook_env, reset_and_seed  # noqa: E402  pylint: disable=wrong-import-position

FIXTURE = ROOT / "sandbox" / "fixtures" / "rehearsal.json"
INVENTORY = "inventories/sandbox"
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def playbook(env: dict[str, str], *args: str) -> tuple[float, dict[str, dict[str, int]], str]:
    """Run ansible-playbook ARGS; (wall seconds, recap per host, stdout). Exits on failure."""
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", INVENTORY, *args]
    start = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if line.startswith(("fatal:", "failed:"))]
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-3000:] + "\n".join(["", "Failed tasks:", *failures, ""]))
        sys.exit(f"bench-rollout: {' '.join(args)} failed (rc={result.returncode})")
    recap = {host: {"ok": int(ok), "changed": int(changed), "failed": int(failed)}
             for host, ok, changed, _unreachable, failed in RECAP.findall(result.stdout)}
    return wall, recap, result.stdout


def executions(recap: dict[str, dict[str, int]]) -> int:
    return sum(row["ok"] + row["changed"] + row["failed"] for row in recap.values())


def measured(env: dict[str, str], *args: str) -> dict[str, float | int]:
    control(env, "DELETE", "/log")
    wall, recap, _output = playbook(env, *args)
    log = control(env, "GET", "/log/summary")
    return {"wall": wall, "tasks": executions(recap), "reads": log["reads"], "writes": log["writes"],
            "changed": sum(row["changed"] for row in recap.values())}


def inventory_hosts(env: dict[str, str]) -> list[str]:
    """The hosts of the `stacks` group, as ansible-inventory reads them."""
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-inventory"), "-i", INVENTORY, "--list"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["stacks"]["hosts"]


def floor(env: dict[str, str], tasks: int, hosts: list[str], workdir: Path) -> float:
    """Wall time of `tasks` debug task executions spread over the inventory's hosts."""
    per_host = math.ceil(tasks / max(len(hosts), 1))
    play = [{"name": "Floor", "hosts": "stacks", "gather_facts": False,
             "tasks": [{"name": f"Debug {n}", "ansible.builtin.debug": {"msg": n}} for n in range(per_host)]}]
    path = workdir / "floor.yml"
    path.write_text(json.dumps(play), encoding="utf-8")
    wall, recap, _output = playbook(env, str(path))
    if executions(recap) < tasks:
        sys.exit(f"bench-rollout: the floor ran {executions(recap)} tasks, wanted {tasks}")
    return wall


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="launchkit-bench-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)  # PostgreSQL may run as another user and must traverse it
        with PrivateSandbox(workdir / "sandbox") as sandbox_env:
            env = playbook_env(sandbox_env, LAUNCHKIT_STATE_DIR=str(workdir / "state"))
            reset_and_seed(env, json.loads(FIXTURE.read_text(encoding="utf-8")))
            # Check mode writes nothing, so each of its runs meets the same fresh sandbox: it is measured as
            # often as the second run, and its median shown.
            checks = [measured(env, "playbooks/site.yml", "--check") for _run in range(REPEAT)]
            if any(row["writes"] or row["tasks"] != checks[0]["tasks"] for row in checks):
                sys.exit(f"bench-rollout: a check run wrote, or ran other tasks than the one before: {checks}")
            rows = {f"check mode, fresh sandbox (median of {REPEAT})":
                    dict(checks[0], wall=statistics.median(row["wall"] for row in checks)),
                    "first run": measured(env, "playbooks/site.yml")}
            seconds = [measured(env, "playbooks/site.yml") for _run in range(REPEAT)]
            second = dict(seconds[0], wall=statistics.median(row["wall"] for row in seconds))
            if any(row["changed"] or row["writes"] != second["writes"] for row in seconds):
                sys.exit(f"bench-rollout: a repeated second run changed something: {seconds}")
            rows[f"second run (median of {REPEAT})"] = second
            hosts = inventory_hosts(env)
            floors = [floor(env, int(second["tasks"]), hosts, workdir) for _run in range(REPEAT)]
            floor_wall = statistics.median(floors)
    print("| run | wall | task executions | API reads / writes | changed | x floor |")
    print("|---|---|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['wall']:.1f} s | {row['tasks']} | {row['reads']} / {row['writes']} "
              f"| {row['changed']} | {row['wall'] / floor_wall:.1f} |")
    print(f"| floor: {second['tasks']} ansible.builtin.debug executions, same inventory (median of {REPEAT}) "
          f"| {floor_wall:.1f} s | {second['tasks']} | - | - | 1.0 |")
    check_walls = ", ".join(f"{row['wall']:.1f}" for row in checks)
    second_walls = ", ".join(f"{row['wall']:.1f}" for row in seconds)
    floor_walls = ", ".join(f"{wall:.1f}" for wall in floors)
    print(f"\ncheck runs: {check_walls} s; second runs: {second_walls} s; floors: {floor_walls} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
