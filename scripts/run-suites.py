#!/usr/bin/env python
"""Run make test's suites in stages, independent suites side by side, and time each one.

Usage: scripts/run-suites.py STAGE [STAGE ...]
  A STAGE is lanes separated by `|`; a lane is make targets run one after the other, e.g.
      "test-unit test-sandbox | test-sanity"  "test-integration test-system | test-molecule"
  The lanes of a stage run at the same time; the next stage starts when all of them are done.

Output stays readable: the first lane of a stage streams to the terminal as it runs; every other
suite writes to .build/test-logs/<target>.log, which is printed whole, under a header, the moment
that suite ends. A failed suite fails the run (exit status 1) with its output shown; no later stage
starts then, but the suites already running finish and are shown. At the end: each suite's wall time.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / ".build" / "test-logs"
MAKE = os.environ.get("MAKE", "make")

print_lock = threading.Lock()


def say(text: str) -> None:
    with print_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


class Lane(threading.Thread):
    """One lane: its targets in order, streamed to the terminal or kept in log files."""

    def __init__(self, targets: list[str], stream: bool, results: list) -> None:
        super().__init__(daemon=True)
        self.targets = targets
        self.stream = stream
        self.results = results

    def run(self) -> None:
        for target in self.targets:
            command = [MAKE, "--no-print-directory", target]
            started = time.monotonic()
            if self.stream:
                say(f"\n=== {target} ===\n")
                with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, bufsize=1) as process:
                    for line in process.stdout:
                        say(line)
                rc = process.returncode
            else:
                log_path = LOGS / f"{target}.log"
                with log_path.open("w", encoding="utf-8") as log:
                    rc = subprocess.call(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                seconds = time.monotonic() - started
                status = "passed" if rc == 0 else f"FAILED (rc={rc})"
                text = log_path.read_text(encoding="utf-8", errors="replace")
                say(f"\n=== {target} (ran alongside; {status} in {seconds:.0f} s; {log_path.relative_to(ROOT)}) ===\n"
                    f"{text}{'' if text.endswith(chr(10)) else chr(10)}=== end of {target} ===\n")
            self.results.append((target, time.monotonic() - started, rc))
            if rc != 0:
                return  # the rest of this lane would run on a broken base


def parse(stage: str) -> list[list[str]]:
    return [lane.split() for lane in stage.split("|") if lane.split()]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    LOGS.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, float, int]] = []
    started = time.monotonic()
    failed = False
    for stage in argv:
        lanes = [Lane(targets, stream=(index == 0), results=results) for index, targets in enumerate(parse(stage))]
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join()
        if any(rc != 0 for _target, _seconds, rc in results):
            failed = True
            break
    total = time.monotonic() - started
    lines = [f"  {target:<18} {seconds:6.0f} s  {'passed' if rc == 0 else f'FAILED (rc={rc})'}"
             for target, seconds, rc in results]
    done = {target for target, _seconds, _rc in results}
    lines += [f"  {target:<18}      -    not run" for stage in argv for lane in parse(stage) for target in lane
              if target not in done]
    say("\n=== suite wall times (lanes of a stage run side by side) ===\n" + "\n".join(lines)
        + f"\n  {'all suites':<18} {total:6.0f} s\n")
    if failed:
        say("FAILED: " + ", ".join(target for target, _seconds, rc in results if rc != 0) + " (output above)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
