# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs launchkit.paas.preflight inside the controller (plugin_utils/in_process.py), with what only the
controller knows: the run's tags, the phase role's argument spec and the modules' own input checks.

A phase entry is gathered into the host fact ``launchkit_preflight_checks`` while the Preflight play
collects (``launchkit_preflight_collect``); a phase its tags leave out is skipped. A phase role used on
its own checks itself at once (``finish``); one that the run's preflight passed is skipped.
"""
from __future__ import annotations

import importlib
import os
import re
from typing import Any

import yaml
from ansible.errors import AnsibleError, AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.launchkit.paas.plugins.modules.preflight import MODULE
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.preflight import module_problems, spec_problems
from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import (
    COLLECTION, InProcessAction, with_connection_vars)

CHECKS_FACT = "launchkit_preflight_checks"
PASSED_FACT = "launchkit_preflight_passed"


# The role's argument spec is the collection's own file, with no template or vault in it: read with PyYAML's C
# loader where there is one, a tenth of what Ansible's loader takes for it (which tags every value with its
# origin), on every preflight entry of every host.
_SPEC_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def role_options(specs_file: str) -> dict[str, Any]:
    """The options of the entry point main in the role argument spec SPECS_FILE."""
    with open(specs_file, encoding="utf-8") as stream:
        specs = yaml.load(stream, Loader=_SPEC_LOADER) or {}  # noqa: S506 - a safe loader
    return ((specs.get("argument_specs") or {}).get("main") or {}).get("options") or {}


def selected_by_tags(phase: str, run_tags: Any, skip_tags: Any) -> bool:
    """Whether a run with these tags runs the play tagged `phase` (plays carry their phase's tag)."""
    run = set(run_tags or ["all"])
    skip = set(skip_tags or [])
    if phase in skip or "all" in skip:
        return False
    return "all" in run or phase in run or "tagged" in run


_CHOICE = re.compile(r"value of \S+ (must be one of: .*)$")


def not_said(problems: list[str], said: list[str]) -> list[str]:
    """`problems` less those that repeat a refused choice already reported (a role variable passed on to
    a module: `value of redis_render_plan must be one of ..., got: huge` then `value of plan ...`)."""
    refused = {match.group(1) for match in map(_CHOICE.search, said) if match}
    return [problem for problem in problems
            if not ((match := _CHOICE.search(problem)) and match.group(1) in refused)]


def filter_problems(calls: list[dict[str, Any]]) -> list[str]:
    """The error each of the collection's check filters raises for its arguments (none when it passes)."""
    problems = []
    for call in calls:
        name = str(call.get("filter", "")).rsplit(".", 1)[-1]
        try:
            plugin = importlib.import_module(f"ansible_collections.{COLLECTION}.plugins.filter.{name}")
            function = plugin.FilterModule().filters()[name]
        except (ImportError, AttributeError, KeyError):
            problems.append(f"{name} is no filter of {COLLECTION}")
            continue
        try:
            function(*(call.get("args") or []), **(call.get("kwargs") or {}))
        except (AnsibleFilterError, ValueError, TypeError) as exc:
            problems.append(str(getattr(exc, "message", exc)))
    return problems


class ActionModule(InProcessAction):
    """launchkit.paas.preflight, in the controller."""

    module = MODULE

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        args = dict(self._task.args)
        phase = args.get("phase")
        collect = boolean(task_vars.get("launchkit_preflight_collect", False), strict=False)
        if phase:
            passed = self._templar.template(task_vars.get(PASSED_FACT)) or []
            if not collect and phase in passed:
                return {"changed": False, "skipped": True, "skip_reason": f"the run's preflight checked the {phase} phase"}
            if collect and not selected_by_tags(phase, task_vars.get("ansible_run_tags"),
                                                task_vars.get("ansible_skip_tags")):
                return {"changed": False, "skipped": True, "skip_reason": f"the run's tags leave out the {phase} phase"}
            args.setdefault("finish", not collect)
            role = self._role_problems(task_vars)
            args["problems"] = (list(args.get("problems") or []) + role
                                + not_said(self._module_problems(args.pop("modules", None) or [], task_vars), role)
                                + filter_problems(args.pop("filters", None) or []))
        if "checks" not in args:
            args["checks"] = self._templar.template(task_vars.get(CHECKS_FACT)) or []
        self._task.args = args
        result = super().run(tmp, task_vars)
        if not result.get("failed"):
            facts = {CHECKS_FACT: result.get("checks", [])}
            if boolean(args.get("finish", True), strict=False):
                facts[PASSED_FACT] = result.get("phases", [])
            result["ansible_facts"] = facts
        return result

    def _role_problems(self, task_vars: dict[str, Any]) -> list[str]:
        """The role's argument spec (entry point main) against the variables the role sees."""
        role_path = task_vars.get("role_path")
        specs_file = os.path.join(role_path, "meta", "argument_specs.yml") if role_path else None
        if not specs_file or not os.path.exists(specs_file):
            return []
        options = role_options(specs_file)
        values = {}
        problems = []
        for name in options:
            if name not in task_vars:
                continue
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleError as exc:
                problems.append(f"{name} cannot be worked out: {exc.message}")
        return problems + spec_problems(options, values)

    def _module_problems(self, planned: list[dict[str, Any]], task_vars: dict[str, Any]) -> list[str]:
        """Each planned module call checked with that module's spec and input checks, no call made."""
        problems = []
        for index, item in enumerate(planned):
            name = str(item.get("module", "")).rsplit(".", 1)[-1]
            where = item.get("where") or f"modules[{index}] ({name})"
            try:
                module = importlib.import_module(f"ansible_collections.{COLLECTION}.plugins.modules.{name}").MODULE
            except (ImportError, AttributeError):
                problems.append(f"{where}: {name} is no module of {COLLECTION}")
                continue
            call = with_connection_vars(name, dict(item.get("args") or {}), task_vars, self._templar.template)
            problems += module_problems(name, module, call, where)
        return problems
