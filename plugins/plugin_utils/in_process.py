# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the one action plugin behind every module of the collection.

Not a public API; it may change between any two releases.

Every module of this collection talks to an HTTP API, a database or a Redis server that the
controller reaches itself (``ansible_connection: local``). Shipping such a module as a separate
Python process per task costs far more than its work, so each module has an action plugin of the
same name (``plugins/action/<module>.py``), a subclass of ``InProcessAction`` bound to the module's
``MODULE`` (a ``core.module.Module``). When the task runs on a local connection, that ``MODULE`` runs
inside the controller with Ansible's argument validation, check mode, diff and masking
(``Module.run_in_process``); otherwise (another connection, ``become``, ``async``, or
``launchkit_in_process: false``) the module is executed as Ansible always does.

The action file imports its module at the top on purpose. The strategy loads each task's action
class in the controller's main process before it forks the worker that runs the task, so the
module, its vendor client and its libraries (requests, psycopg2) are imported once per run and every
worker inherits them, instead of each task importing them again in a fresh fork.

The vendor connection (token, API URL, owner or organization) comes from the task's arguments (or
``module_defaults``), else from the inventory variables of ``CONNECTION_VARS``
(``launchkit_render_api_key``, ...: keep them in a vault), else from the module's environment
variables. The plugin reads those inventory variables itself, only for the options the task left
unset, so the roles need no ``module_defaults`` for them: a templated ``module_defaults`` entry
whose variables are mostly undefined (``| default(omit)``) costs every task about 10 ms on
ansible-core 2.19, more than a task's own work.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ansible import constants as C
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.collection_loader import resource_from_fqcr
from ansible.utils.display import Display

from ansible_collections.launchkit.paas.plugins.module_utils.core import cache, plan, progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import SECRET_RESULT

COLLECTION = "launchkit.paas"
_display = Display()


def warm_plugins() -> None:
    """Load the collection's filter plugins and the ``env`` lookup in this process.

    The strategy imports this file in the controller's main process, before it forks the first
    worker. A worker whose task templates a launchkit filter otherwise loads and compiles all of the
    collection's filter files again (collection plugins are compiled from source, without a bytecode
    cache): about 20 files per task. Loaded here once, every worker inherits them.
    """
    # pylint: disable-next=import-outside-toplevel
    from ansible.plugins.loader import filter_loader, lookup_loader
    try:
        filter_loader.get(f"{COLLECTION}.scrub")
        lookup_loader.get("ansible.builtin.env")
    except Exception as error:  # pylint: disable=broad-exception-caught
        _display.debug(f"{COLLECTION}: plugins not preloaded: {error}")


warm_plugins()
LOCAL_CONNECTIONS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))

# Per action group of meta/runtime.yml: module option -> the inventory variable it is read from when
# the task leaves it unset. The modules' documentation says the same (doc fragments).
CONNECTION_VARS: dict[str, dict[str, str]] = {
    "render": {"api_key": "launchkit_render_api_key", "api_url": "launchkit_render_api_url",
               "owner": "launchkit_render_owner"},
    "fly": {"api_token": "launchkit_fly_api_token", "api_url": "launchkit_fly_api_url", "org": "launchkit_fly_org"},
    "vercel": {"api_token": "launchkit_vercel_token", "api_url": "launchkit_vercel_api_url",
               "team_id": "launchkit_vercel_team_id"},
    # The platform seam (app_env, app_info, preflight): the stack's platform, Fly.io's connection, and Vercel's
    # (with the targets and the type of the env entries the phases write there).
    "platform": {"platform": "launchkit_platform", "fly_api_token": "launchkit_fly_api_token",
                 "fly_api_url": "launchkit_fly_api_url", "fly_org": "launchkit_fly_org",
                 "vercel_token": "launchkit_vercel_token", "vercel_api_url": "launchkit_vercel_api_url",
                 "vercel_team_id": "launchkit_vercel_team_id", "vercel_targets": "launchkit_vercel_targets",
                 "vercel_env_type": "launchkit_vercel_env_type"},
    "upstash": {"email": "launchkit_upstash_email", "api_key": "launchkit_upstash_api_key",
                "api_url": "launchkit_upstash_api_url"},
    "sendgrid": {"api_key": "launchkit_sendgrid_api_key", "api_url": "launchkit_sendgrid_api_url"},
    "sentry": {"auth_token": "launchkit_sentry_auth_token", "api_url": "launchkit_sentry_api_url",
               "organization": "launchkit_sentry_org"},
    "grafana": {"api_url": "launchkit_grafana_url", "api_key": "launchkit_grafana_token"},
    # The state backend of the rollback records and run locks (doc fragment rollback_record.STATE).
    "state": {"state_backend": "launchkit_state_backend", "state_dsn": "launchkit_state_dsn",
              "state_key": "launchkit_state_key"},
}
#: The modules that read or write rollback records, run locks or kept digests (module_utils/core/kept.py): they take
#: the "state" variables above.
STATE_MODULES = frozenset(("app_env", "fly_secrets", "fly_secrets_info", "grafana_contact_point", "grafana_datasource",
                           "render_service", "rollback_record", "rollback_record_info", "run_lock", "vercel_env"))


class InProcessAction(ActionBase):
    """Run `module` (the module's ``MODULE``) inside the controller when the task's connection is local."""

    module: Any = None  # set by each plugins/action/<module>.py
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        name = module_name(self._task.resolved_action or self._task.action)
        args = with_connection_vars(name, self._task.args, task_vars or {}, self._templar.template)
        if not self._runs_here(task_vars or {}):
            wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
            result.update(self._execute_module(module_name=f"{COLLECTION}.{name}", module_args=args,
                                               task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return hide_secret_result(result)
        environment: dict[str, Any] = {}
        self._compute_environment_string(environment)
        with task_environment(environment), run_cache(task_vars or {}), \
                progress.listening(progress_line((task_vars or {}).get("inventory_hostname"))):
            result.update(self.module.run_in_process(
                f"{COLLECTION}.{name}", args,
                check_mode=bool(self._task.check_mode), diff=bool(self._task.diff)))
        if self._task.check_mode:
            note_plan(str((task_vars or {}).get("inventory_hostname", "")),
                      plan.plan_entry(self._task.get_name(), name, args, result))
        return hide_secret_result(result)

    def _runs_here(self, task_vars: dict[str, Any]) -> bool:
        """In this process: a local connection, no become, no async, not turned off by the inventory."""
        if not boolean(task_vars.get("launchkit_in_process", True), strict=False):
            return False
        if self._task.async_val or self._play_context.become:
            return False
        return getattr(self._connection, "transport", None) in LOCAL_CONNECTIONS


def hide_secret_result(result: dict[str, Any]) -> dict[str, Any]:
    """A result that returns secrets the task asked for is hidden from the output, as a task-level
    ``no_log: true`` would hide it; `register` still gets it whole. Roles therefore need no task-level
    no_log for such modules, and a failure of theirs (a wrong token, say) shows the module's own
    message, masked, instead of Ansible's "censored" placeholder, on every ansible-core.
    """
    if result.pop(SECRET_RESULT, False):
        result["_ansible_no_log"] = True
    return result


def progress_line(host: str | None) -> Callable[[str], None]:
    """What a long wait says (module_utils/core/progress.py), shown at -v as ``<host> line``.

    Only in-process: a module executed as a process prints nothing but its result.
    """
    def show(line: str) -> None:
        _display.v(line, host=host)
    return show


def with_connection_vars(name: str, args: dict[str, Any], task_vars: dict[str, Any],
                         template: Any) -> dict[str, Any]:
    """`args` plus, for each connection option of module `name` the task left unset, its inventory variable.

    Only variables that are defined are read (and templated with `template`); an option that is
    still unset falls back to the module's environment variable, as before.
    """
    added: dict[str, Any] = {}
    for group in module_groups(name) + (("state",) if name in STATE_MODULES else ()):
        for option, variable in CONNECTION_VARS.get(group, {}).items():
            if args.get(option) is None and variable in task_vars:
                value = template(task_vars[variable])
                if value is not None and value != "":
                    added[option] = value
    return {**args, **added} if added else args


_GROUPS: dict[str, tuple[str, ...]] = {}


def module_groups(name: str) -> tuple[str, ...]:
    """The action groups of meta/runtime.yml that module `name` belongs to (read once per process)."""
    if not _GROUPS:
        # PyYAML ships with ansible-core.
        import yaml  # pylint: disable=import-outside-toplevel

        runtime = os.path.join(os.path.dirname(__file__), "..", "..", "meta", "runtime.yml")
        with open(runtime, encoding="utf-8") as handle:
            groups = (yaml.safe_load(handle) or {}).get("action_groups") or {}
        members: dict[str, list[str]] = {}
        for group, actions in groups.items():
            for action in actions:
                if isinstance(action, str):
                    members.setdefault(resource_from_fqcr(action), []).append(group)
        _GROUPS.update({module: tuple(found) for module, found in members.items()})
        _GROUPS.setdefault("", ())  # read: an empty meta/runtime.yml is not read again
    return _GROUPS.get(name, ())


def module_name(action: str) -> str:
    """The module's short name from the task's resolved action (launchkit.paas.render_service)."""
    return action.rsplit(".", 1)[-1]


def plan_file(host: str) -> str:
    """Where a check run keeps a host's plan (the run's private temporary directory, gone when it ends)."""
    return os.path.join(C.DEFAULT_LOCAL_TMP, plan.PLAN_FOLDER, host.replace(os.sep, "_") + ".jsonl")


def note_plan(host: str, entry: dict[str, Any]) -> None:
    """Add what a check-mode task would do to its host's plan (names only, never a value)."""
    path = plan_file(host)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, default=str) + "\n")


@contextmanager
def run_cache(task_vars: dict[str, Any]) -> Iterator[None]:
    """The run's cache of list answers (module_utils/core/cache.py) for the task, unless turned off.

    It lives in Ansible's local temporary directory, made once by the controller's main process when
    the run starts (mode 0700) and removed when it ends, so the tasks of one run share it and no run
    sees another's. ``launchkit_api_cache: false`` turns it off (every list is read from the vendor).
    """
    if boolean(task_vars.get("launchkit_api_cache", True), strict=False):
        cache.use_directory(os.path.join(C.DEFAULT_LOCAL_TMP, "launchkit-cache"))
    try:
        yield
    finally:
        cache.use_directory(None)


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
