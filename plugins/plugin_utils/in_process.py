# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the one action plugin behind every module of the collection.

Not a public API; it may change between any two releases.

Every module of this collection talks to an HTTP API, a database or a Redis server that the
controller reaches itself (``ansible_connection: local``). Shipping such a module as a separate
Python process per task costs far more than its work, so each module has an action plugin of the
same name (``plugins/action/<module>.py``) that imports this class: when the task runs on a local
connection, the module's ``MODULE`` (a ``core.module.Module``) runs inside the controller with
Ansible's argument validation, check mode, diff and masking (``Module.run_in_process``); otherwise
(another connection, ``become``, ``async``, or ``launchkit_in_process: false``) the module is
executed as Ansible always does.
"""
from __future__ import annotations

import importlib
import os
from contextlib import contextmanager
from typing import Any, Iterator

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

COLLECTION = "launchkit.paas"
LOCAL_CONNECTIONS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))


class ActionModule(ActionBase):
    """Run the module of the same name inside the controller when the task's connection is local."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        name = module_name(self._task.resolved_action or self._task.action)
        if not self._runs_here(task_vars or {}):
            wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
            result.update(self._execute_module(module_name=f"{COLLECTION}.{name}", module_args=self._task.args,
                                               task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        environment: dict[str, Any] = {}
        self._compute_environment_string(environment)
        with task_environment(environment):
            result.update(load_module(name).run_in_process(
                f"{COLLECTION}.{name}", self._task.args,
                check_mode=bool(self._task.check_mode), diff=bool(self._task.diff)))
        return result

    def _runs_here(self, task_vars: dict[str, Any]) -> bool:
        """In this process: a local connection, no become, no async, not turned off by the inventory."""
        if not boolean(task_vars.get("launchkit_in_process", True), strict=False):
            return False
        if self._task.async_val or self._play_context.become:
            return False
        return getattr(self._connection, "transport", None) in LOCAL_CONNECTIONS


def module_name(action: str) -> str:
    """The module's short name from the task's resolved action (launchkit.paas.render_service)."""
    return action.rsplit(".", 1)[-1]


def load_module(name: str) -> Any:
    """The ``MODULE`` declared by the collection's module `name`."""
    return importlib.import_module(f"ansible_collections.launchkit.paas.plugins.modules.{name}").MODULE


@contextmanager
def task_environment(environment: dict[str, Any]) -> Iterator[None]:
    """The task's ``environment:`` in os.environ while the module runs, as a module process would see it.

    Fallbacks such as ``RENDER_API_KEY`` are read from it. The action runs in a worker process of
    its own; the previous environment is restored anyway.
    """
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update({str(key): str(value) for key, value in environment.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
