"""A test-only callback: each task result as one JSON line (host, play, task, changed, failed, skipped,
msg) appended to the file named by LAUNCHKIT_TASK_OUTCOMES. Enable with
ANSIBLE_CALLBACK_PLUGINS=tests/system/callbacks ANSIBLE_CALLBACKS_ENABLED=task_outcomes."""
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_outcomes
type: aggregate
short_description: each task result as a JSON line (tests only)
description: Appends host, play, task name, changed, failed, skipped and msg of every task result to the
  file named by the environment variable LAUNCHKIT_TASK_OUTCOMES.
requirements: [enabled in ANSIBLE_CALLBACKS_ENABLED]
"""


class CallbackModule(CallbackBase):
    """Writes one JSON line per task result."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_outcomes"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("LAUNCHKIT_TASK_OUTCOMES")
        self._play = ""

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def _write(self, result, **outcome):
        if not self._path:
            return
        res = result._result  # pylint: disable=protected-access
        msg = res.get("msg")
        line = {"host": result._host.get_name(), "play": self._play,  # pylint: disable=protected-access
                "task": result.task_name, "changed": bool(res.get("changed")),
                "msg": msg[:500] if isinstance(msg, str) else msg, **outcome}
        with open(self._path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, failed=False, skipped=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, failed=not ignore_errors, skipped=False, ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._write(result, failed=False, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._write(result, failed=True, skipped=False)
