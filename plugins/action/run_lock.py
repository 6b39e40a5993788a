# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs launchkit.paas.run_lock inside the controller on a local connection (plugin_utils/in_process.py).

The lock's holder is the ansible-playbook process: a task runs in a worker process forked from it, so
the worker's parent. Each lock the run takes is noted in the run's private temporary directory, and
the ansible-playbook process gives back, as it exits, every noted lock it still holds: a run that
ends on a failed task (whose host then skips the last play, which releases the lock) or is stopped
leaves no lock behind. A run killed outright leaves one, which the next run takes over (run_lock).

A note says where the lock is: its backend and state directory, or (postgresql) the state database's
URL, which holds its password: the note is a 0600 file in that 0700 directory, which Ansible removes
as the run ends. The state key is not noted (giving a lock back reads no record).
"""
from __future__ import annotations

import atexit
import hashlib
import json
import multiprocessing
import os
from typing import Any

from ansible import constants as C

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.lock import release_noted
from ansible_collections.launchkit.paas.plugins.modules.run_lock import MODULE
from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import InProcessAction, with_connection_vars

#: option -> the environment variable it falls back to (modules/run_lock.py)
FALLBACKS = {"state_backend": "LAUNCHKIT_STATE_BACKEND", "state_dir": "LAUNCHKIT_STATE_DIR",
             "state_dsn": "LAUNCHKIT_STATE_DSN"}


def notes_dir() -> str:
    return os.path.join(C.DEFAULT_LOCAL_TMP, "launchkit-locks")


def note_lock(path: str, where: dict[str, Any]) -> None:
    """Note a lock this run took (`where`: the options that find it), for release_left."""
    write_text(os.path.join(notes_dir(), hashlib.sha256(path.encode("utf-8")).hexdigest()[:32]),
               json.dumps(where, sort_keys=True))


def lock_where(args: dict[str, Any]) -> dict[str, Any]:
    """The options that find the lock the task took: its own, else their environment variables."""
    where = {option: args.get(option) or os.environ.get(variable) for option, variable in FALLBACKS.items()}
    return {**where, "state_backend": where["state_backend"] or "file", "stack": args.get("stack")}


def release_left(pid: int) -> None:
    """As ansible-playbook exits: give back the noted locks that process `pid` (this run) still holds."""
    try:
        names = os.listdir(notes_dir())
    except OSError:
        return
    notes = []
    for name in names:
        try:
            notes.append(json.loads(read_text(os.path.join(notes_dir(), name)) or ""))
        except ValueError:
            continue
    release_noted([note for note in notes if isinstance(note, dict)], pid)


# Loaded by the controller's main process (the strategy loads a task's action before it forks the worker).
if multiprocessing.parent_process() is None:
    atexit.register(release_left, os.getpid())


class ActionModule(InProcessAction):
    """launchkit.paas.run_lock, in the controller when the connection is local; the holder is ansible-playbook."""

    module = MODULE

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._task.args.get("pid") is None:
            self._task.args["pid"] = os.getppid()
        result = super().run(tmp, task_vars)
        if result.get("path") and not result.get("failed") and not self._task.check_mode \
                and self._task.args.get("state", "acquired") == "acquired":
            args = with_connection_vars("run_lock", self._task.args, task_vars or {}, self._templar.template)
            note_lock(result["path"], lock_where(args))
        return result
