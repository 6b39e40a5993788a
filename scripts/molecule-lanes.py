#!/usr/bin/env python
"""Run the molecule scenarios in lanes side by side, each lane against a sandbox of its own.

Usage: scripts/molecule-lanes.py [--lanes N] [SCENARIO ...]
  Every scenario under extensions/molecule (or the SCENARIOs named) runs `molecule test -s SCENARIO` once.
  Each lane starts a sandbox of its own (scripts/private_sandbox.py, under .sandbox/workers/molecule-<n>),
  as each integration and system test worker does, so the lanes share nothing with each other or with
  the sandbox `make sandbox-up` starts. A lane takes the next scenario from one queue as it finishes the
  last, so the lanes end close together.

Each scenario's create resets and seeds its lane's sandbox, so two scenarios never meet on one. A molecule
run keeps one core busy (its ansible-playbook steps run one after the other); two lanes keep two busy.
Each scenario's output goes to .build/test-logs/molecule-<scenario>.log and is printed whole, under a
header, the moment it ends. After a failed scenario no lane starts another; the exit status is 1.
"""
from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTENSIONS = ROOT / "extensions"
LOGS = ROOT / ".build" / "test-logs"
sys.path.insert(0, str(ROOT / "scripts"))

from private_sandbox import PrivateSandbox, start_fresh  # noqa: E402  pylint: disable=wrong-import-position

print_lock = threading.Lock()


def say(text: str) -> None:
    with print_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def scenarios() -> list[str]:
    """Every scenario directory under extensions/molecule (one with a molecule.yml), by name."""
    return sorted(path.parent.name for path in (EXTENSIONS / "molecule").glob("*/molecule.yml"))


class Lane(threading.Thread):
    """One lane: scenarios from the shared queue, one after the other, against one sandbox."""

    def __init__(self, number: int, todo: queue.Queue, results: list, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.number = number
        self.todo = todo
        self.results = results
        self.stop = stop
        self.sandbox: PrivateSandbox | None = None
        self.error: str | None = None

    def sandbox_env(self) -> dict[str, str]:
        self.sandbox = start_fresh(ROOT / ".sandbox" / "workers" / f"molecule-{self.number}")
        return self.sandbox.env

    def run(self) -> None:
        try:
            env = {**os.environ, **self.sandbox_env()}
        except RuntimeError as error:  # its sandbox did not start: the lane takes no scenario
            self.error = f"lane {self.number}: {error}"
            self.stop.set()
            return
        try:
            while not self.stop.is_set():
                try:
                    name = self.todo.get_nowait()
                except queue.Empty:
                    return
                self.results.append(self.scenario(name, env))
                if self.results[-1][1] != 0:
                    self.stop.set()
        finally:
            if self.sandbox is not None:
                self.sandbox.down()

    def scenario(self, name: str, env: dict[str, str]) -> tuple[str, int, float, int]:
        log = LOGS / f"molecule-{name}.log"
        started = time.monotonic()
        with log.open("w", encoding="utf-8") as out:
            code = subprocess.call(["molecule", "test", "-s", name], cwd=EXTENSIONS, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
        took = time.monotonic() - started
        say(f"\n=== molecule {name} (lane {self.number}, {'ok' if code == 0 else f'FAILED rc={code}'}, "
            f"{took:.0f} s) ===\n" + log.read_text(encoding="utf-8", errors="replace"))
        return name, code, took, self.number


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=int(os.environ.get("MOLECULE_LANES", "2")))
    parser.add_argument("names", nargs="*", metavar="SCENARIO")
    args = parser.parse_args()
    known = scenarios()
    unknown = sorted(set(args.names) - set(known))
    if unknown or args.lanes < 1:
        parser.error(f"no such scenario: {', '.join(unknown)} (there are: {', '.join(known)})" if unknown
                     else "--lanes must be 1 or more")
    LOGS.mkdir(parents=True, exist_ok=True)
    # A scenario an interrupted run left half done would skip its create: drop every scenario's state first.
    subprocess.run(["molecule", "reset", "--all"], cwd=EXTENSIONS, capture_output=True, check=False)
    todo: queue.Queue = queue.Queue()
    for name in args.names or known:
        todo.put(name)
    results: list[tuple[str, int, float, int]] = []
    stop = threading.Event()
    started = time.monotonic()
    lanes = [Lane(number, todo, results, stop) for number in range(min(args.lanes, todo.qsize()))]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()
    say("\n=== molecule: scenarios ===\n")
    for name, code, took, lane_number in results:
        say(f"  {name:<18} {'ok' if code == 0 else 'FAILED':<7} {took:6.0f} s  lane {lane_number}\n")
    errors = [lane.error for lane in lanes if lane.error]
    left = list(todo.queue)
    for error in errors:
        say(f"  {error}\n")
    if left:
        say(f"  not run (after a failure or a sandbox that did not start): {', '.join(left)}\n")
    failed = [name for name, code, _took, _lane in results if code != 0]
    say(f"  {len(results) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - started:.0f} s "
        f"on {len(lanes)} lanes\n")
    return 1 if failed or errors or left else 0


if __name__ == "__main__":
    sys.exit(main())
