# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the run lock of a stack, and the logic of run_lock.

Not a public API; it may change between any two releases.

One run at a time writes to a stack. The lock names its holder: the controller host, its process id
(the ansible-playbook process), when it took the lock and the tags it runs. With the file backend it
is a file beside the stack's rollback records, ``<state_dir>/<stack>/run.lock`` (mode 0600, JSON),
read and replaced only under an ``fcntl`` lock on ``<state_dir>/<stack>/.run.lock.guard``. With the
postgresql backend it is the stack's row of ``launchkit_state_locks`` (the holder, when it took the
lock and when its TTL ends), read and replaced only in a transaction that holds the stack's
transaction-level advisory lock (each call is a connection of its own, so the row, not a session,
holds the lock). Either way two runs that try at the same moment never both take it. A holder that is
gone does not block for ever: a lock whose process no longer runs on this controller, or that another
controller has held for longer than the TTL, is taken over with a warning.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import checked_name
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import LOCKS_TABLE, PostgresStore, store_for

LOCK_FILE = "run.lock"
GUARD_FILE = ".run.lock.guard"
DEFAULT_TIMEOUT = 300
DEFAULT_TTL = 7200


def lock_path(state_dir: str, stack: str) -> str:
    if not state_dir:
        raise ValueError("no directory for the run lock: set state_dir or LAUNCHKIT_STATE_DIR")
    return os.path.join(state_dir, checked_name("stack", stack), LOCK_FILE)


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine (signal 0: no signal is sent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def process_start(pid: int) -> str | None:
    """When process `pid` started, in clock ticks since boot (Linux); tells a reused pid from the holder."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


@dataclass
class System:
    """What the lock asks of the machine, replaceable in tests: the clock (wall time), this host, processes."""

    clock: Clock
    host: str
    alive: Callable[[int], bool] = process_alive
    started: Callable[[int], str | None] = process_start

    @classmethod
    def real(cls) -> System:
        return cls(Clock(now=time.time), socket.gethostname())


def when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(holder: dict) -> str:
    """The holder as a person reads it: where, which process, since when, which tags."""
    tags = ", ".join(holder.get("tags") or []) or "all"
    return (f"the run on {holder.get('controller')} (pid {holder.get('pid')}, since {holder.get('since')}, "
            f"tags: {tags})")


class RunLock:
    """The lock file of one stack, read and written under its guard."""

    def __init__(self, path: str, me: dict, ttl: float, system: System) -> None:
        self.path = path
        self.me = me
        self.ttl = ttl
        self.system = system

    @property
    def remove_hint(self) -> str:
        return f"remove {self.path} by hand"

    def _write(self) -> None:
        write_text(self.path, json.dumps(self.me, sort_keys=True) + "\n")

    def _remove(self) -> None:
        os.unlink(self.path)

    @contextmanager
    def guarded(self) -> Iterator[None]:
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        descriptor = os.open(os.path.join(directory, GUARD_FILE), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing drops the fcntl lock

    def holder(self) -> dict | None:
        text = read_text(self.path)
        if text is None:
            return None
        try:
            holder = json.loads(text)
        except ValueError:
            holder = None
        # A file that is not a lock (cut short, edited by hand) is held by nobody that can release it.
        return holder if isinstance(holder, dict) else {"controller": "?", "pid": 0, "acquired": 0, "broken": True}

    def mine(self, holder: dict | None) -> bool:
        return bool(holder) and holder.get("controller") == self.me["controller"] and holder.get("pid") == self.me["pid"]

    def gone(self, holder: dict) -> str | None:
        """Why `holder` can no longer release the lock (its process ended, its TTL passed), or None."""
        if holder.get("broken"):
            return "the lock file cannot be read"
        if holder.get("controller") == self.me["controller"]:
            pid = int(holder.get("pid") or 0)
            if pid <= 0 or not self.system.alive(pid):
                return "its process no longer runs on this controller (it failed or was stopped)"
            if holder.get("pid_start") and self.system.started(pid) not in (None, holder["pid_start"]):
                return "its process no longer runs on this controller (another process has its pid)"
            return None
        held = self.system.clock.now() - float(holder.get("acquired") or 0)
        if held > self.ttl:
            return f"another controller has held it for {held:.0f} s, longer than the TTL of {self.ttl:g} s"
        return None

    def try_acquire(self) -> tuple[bool, dict | None, str | None]:
        """(taken, the holder seen, why a previous holder's lock was taken over)."""
        with self.guarded():
            holder = self.holder()
            if self.mine(holder):
                return True, holder, None
            reason = self.gone(holder) if holder else None
            if holder and reason is None:
                return False, holder, None
            self._write()
            return True, holder, reason

    def release(self) -> dict | None:
        """Remove the lock when this run holds it; the holder seen."""
        with self.guarded():
            holder = self.holder()
            if self.mine(holder):
                self._remove()
            return holder


class PostgresRunLock(RunLock):
    """The lock row of one stack, read and written in a transaction that holds the stack's advisory lock."""

    def __init__(self, store: PostgresStore, stack: str, me: dict, ttl: float, system: System) -> None:
        super().__init__(store.lock_where(stack), me, ttl, system)
        self.store = store
        self.stack = stack
        self._cursor: Any = None

    @property
    def remove_hint(self) -> str:
        return f"delete its row by hand (DELETE FROM {LOCKS_TABLE} WHERE stack = '{self.stack}')"

    def _query(self, cursor: Any, query: str, args: tuple) -> list[tuple]:
        cursor.execute(query, args)
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def guarded(self) -> Iterator[None]:
        import psycopg2  # pylint: disable=import-outside-toplevel

        connection = self.store.connect()
        try:
            with connection, connection.cursor() as cursor:
                # Held until the transaction ends: the advisory lock is the guard, the row is the lock.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                               (f"launchkit.paas run lock {self.stack}",))
                self._cursor = cursor
                try:
                    yield
                finally:
                    self._cursor = None
        except psycopg2.Error as exc:
            reason = (str(exc).strip().splitlines() or ["no reason given"])[0]
            raise ValueError(f"the run lock {self.path} cannot be read or written ({reason})") from None
        finally:
            connection.close()

    def holder(self) -> dict | None:
        if self._cursor is None:  # check mode reads without the guard
            with self.guarded():
                return self.holder()
        rows = self._query(self._cursor, f"SELECT holder FROM {LOCKS_TABLE} WHERE stack = %s", (self.stack,))
        if not rows:
            return None
        holder = rows[0][0]
        return holder if isinstance(holder, dict) else {"controller": "?", "pid": 0, "acquired": 0, "broken": True}

    def _write(self) -> None:
        acquired = float(self.me.get("acquired") or self.system.clock.now())
        self._query(self._cursor,
                    f"INSERT INTO {LOCKS_TABLE} (stack, holder, acquired_at, expires_at) "
                    "VALUES (%s, %s::jsonb, to_timestamp(%s), to_timestamp(%s)) ON CONFLICT (stack) DO UPDATE SET "
                    "holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at",
                    (self.stack, json.dumps(self.me, sort_keys=True), acquired, acquired + self.ttl))

    def _remove(self) -> None:
        self._query(self._cursor, f"DELETE FROM {LOCKS_TABLE} WHERE stack = %s", (self.stack,))


def lock_for(params: dict, me: dict, system: System, secrets: Secrets | None = None) -> RunLock:
    """The stack's lock in the backend the options name (the postgresql one needs its key, as the records do:
    a run without it fails here, at its first task, before it writes anything)."""
    stack = checked_name("stack", params["stack"])
    if params.get("state_backend") == "postgresql" and params.get("release_only"):
        return PostgresRunLock(PostgresStore(params.get("state_dsn") or "", secrets), stack, me, float(params["ttl"]),
                               system)
    store, _cipher = store_for(params, secrets=secrets)
    if isinstance(store, PostgresStore):
        return PostgresRunLock(store, stack, me, float(params["ttl"]), system)
    return RunLock(lock_path(params.get("state_dir") or "", stack), me, float(params["ttl"]), system)


def me_for(params: dict, system: System) -> dict:
    pid = int(params.get("pid") or os.getppid())
    now = system.clock.now()
    return {"controller": params.get("controller") or system.host, "pid": pid, "pid_start": system.started(pid),
            "acquired": now, "since": when(now), "tags": list(params.get("tags") or [])}


def run_lock(params: dict, check_mode: bool, secrets: Secrets, system: System | None = None) -> dict:
    """Take (state=acquired) or give back (state=released) the stack's run lock; changed is always False."""
    system = system or System.real()
    lock = lock_for(params, me_for(params, system), system, secrets)
    path = lock.path
    if check_mode:
        return check_lock(lock)
    if params["state"] == "released":
        holder = lock.release()
        released = lock.mine(holder)
        result: dict[str, Any] = {"changed": False, "path": path, "released": released, "holder": holder}
        if holder and not released:
            result["warnings"] = [f"the run lock of {params['stack']} is held by {describe(holder)}, not by this "
                                  "run: it was left as it is"]
        return result
    return acquire(lock, params, system.clock)


def acquire(lock: RunLock, params: dict, clock: Clock) -> dict:
    start = clock.now()
    attempts: list[tuple[bool, dict | None, str | None]] = []

    def attempt() -> bool:
        attempts.append(lock.try_acquire())
        return attempts[-1][0]

    polled = poll(attempt, bool, float(params["timeout"]), clock, interval=2.0, first_delay=0.5)
    holder, reason = attempts[-1][1:]
    waited = round(clock.now() - start, 1)
    if not polled.done:
        raise ResourceError(
            f"the stack {params['stack']} is locked by {describe(holder or {})}; waited {waited:g} s "
            f"(launchkit_lock_timeout {params['timeout']:g} s) and wrote nothing. Wait for that run to end and run "
            f"again; if it is gone, the lock is taken over once its process has ended (same controller) or after "
            f"launchkit_lock_ttl ({params['ttl']:g} s); or {lock.remove_hint}",
            holder=holder, path=lock.path, waited=waited)
    result: dict[str, Any] = {"changed": False, "path": lock.path, "holder": lock.me, "waited": waited,
                              "taken_over": holder if reason else None}
    warnings = []
    waited_for = [seen for ok, seen, _reason in attempts if not ok and seen]
    if waited_for:
        result["waited_for"] = waited_for[-1]
        warnings.append(f"waited {waited:g} s for {describe(waited_for[-1])} to give the stack "
                        f"{params['stack']} back")
    if reason:
        warnings.append(f"took over the run lock of {params['stack']} from {describe(holder or {})}: {reason}")
    if warnings:
        result["warnings"] = warnings
    return result


def check_lock(lock: RunLock) -> dict:
    """Check mode takes no lock (it writes nothing), but says when another run holds it."""
    holder = lock.holder()
    result: dict[str, Any] = {"changed": False, "path": lock.path, "holder": holder}
    if holder and not lock.mine(holder):
        reason = lock.gone(holder)
        result["warnings"] = [
            f"check mode takes no run lock; the stack's lock is held by {describe(holder)}"
            + (f", which a real run would take over: {reason}" if reason else
               ": a real run would wait for it, and this prediction may change when that run writes")]
    return result


def release_all(paths: list[str], pid: int, system: System | None = None) -> list[str]:
    """Give back each lock of `paths` that process `pid` of this controller still holds; the paths released.

    The action plugin calls it as ansible-playbook exits, for the locks the run took: a run that ended
    on a failed task or was stopped gives its stacks back at once.
    """
    system = system or System.real()
    released = []
    for path in paths:
        lock = RunLock(path, {"controller": system.host, "pid": pid}, DEFAULT_TTL, system)
        try:
            if lock.mine(lock.release()):
                released.append(path)
        except OSError:
            continue
    return released


def release_noted(notes: list[dict], pid: int, system: System | None = None) -> list[str]:
    """Give back each noted lock (where the run_lock task that took it found it: state_backend, state_dir or
    state_dsn, stack) that process `pid` of this controller still holds; where the locks released were."""
    system = system or System.real()
    released = []
    for note in notes:
        try:
            lock = lock_for({**note, "ttl": DEFAULT_TTL, "release_only": True}, {"controller": system.host, "pid": pid},
                            system)
            if lock.mine(lock.release()):
                released.append(lock.path)
        except (OSError, ValueError):
            continue
    return released
