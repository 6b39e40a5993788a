# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of the preflight module, every phase checked before the first write.

Not a public API; it may change between any two releases.

Each phase of a run gives one entry: the problems found in its inputs (its role's argument spec, its
own rules, the input checks of the modules it will call) and the services it names (by name or id)
and creates. ``run_preflight`` gathers the entries and, on ``finish``, looks every named service up
on the app's platform with reads only: a service an earlier phase of the same run creates counts as
there. It fails once, naming every problem of every phase.
"""
from __future__ import annotations

import difflib
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets


def rule_problems(rules: dict[str, Any] | None) -> list[str]:
    """The messages of `rules` ({message: condition}) whose condition is false."""
    return [message for message, holds in (rules or {}).items() if not _true(holds)]


def _true(value: Any) -> bool:
    if isinstance(value, str):
        return boolean(value.strip() or "false", strict=False)
    return bool(value)


def service_refs(services: dict[str, Any] | None) -> tuple[dict[str, list[str]], list[str]]:
    """({option: [refs]}, problems) of a phase's `services`: each option a list of names or ids.

    A string where a list belongs is a problem (looping over it would take each character for a
    service), as is an entry that is not a non-empty string.
    """
    refs: dict[str, list[str]] = {}
    problems: list[str] = []
    for option, value in (services or {}).items():
        if value is None or value == "":
            refs[option] = []
            continue
        if isinstance(value, str):
            problems.append(f"{option} must be a list (e.g. [{value}]), not the string '{value}'")
            continue
        if not isinstance(value, list):
            problems.append(f"{option} must be a list of service names or ids, not {type(value).__name__}")
            continue
        bad = [item for item in value if not isinstance(item, str) or not item.strip()]
        if bad:
            problems.append(f"{option} has entries that are not service names or ids: {bad!r}")
        refs[option] = [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return refs, problems


def spec_problems(options: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """What a role's argument spec (`options`, its entry point's options) says of `values`.

    As Ansible validates a role's arguments (types, choices, required, elements), plus one thing it
    lets pass: a string given where the spec asks for a list, which Ansible would split on commas in
    validation while the role goes on using the string.
    """
    problems = []
    validated = ArgumentSpecValidator(options).validate(dict(values))
    for message in validated.error_messages:
        problems.append(message)
    for name, option in options.items():
        value = values.get(name)
        if option.get("type") == "list" and isinstance(value, str) and value:
            shown = "********" if option.get("no_log") else value
            problems.append(f"{name} must be a list (e.g. [{shown}]), not the string '{shown}'")
    return [remove_values(problem, validated._no_log_values) for problem in problems]


def module_problems(name: str, module: Any, args: dict[str, Any], where: str) -> list[str]:
    """What module `name` (its ``Module``) would refuse in `args` before any call: its argument spec,
    its cross-option checks and its ``precheck``. Values of no_log options never appear."""
    from ansible.module_utils.errors import UnsupportedError

    validated = ArgumentSpecValidator(module.argument_spec, **module.checks).validate(dict(args))
    problems = [f"{where}: " + ("unknown key " if isinstance(error, UnsupportedError) else "") + error.msg
                for error in validated.errors]
    precheck = getattr(module, "precheck", None)
    if not problems and precheck is not None:
        params = dict(args)
        params.update(validated.validated_parameters)
        try:
            precheck(params)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    return [remove_values(problem, validated._no_log_values) for problem in problems]


def entry(params: dict) -> dict[str, Any]:
    """The phase entry of `params` (phase, problems, services, creates): what the phase checked itself."""
    phase = params["phase"]
    refs, problems = service_refs(params.get("services"))
    found = list(params.get("problems") or []) + problems + rule_problems(params.get("rules"))
    problems = [f"{phase}: {problem}" for problem in dict.fromkeys(found)]  # each once, in order
    return {"phase": phase, "problems": problems, "services": refs,
            "creates": [name for name in params.get("creates") or [] if isinstance(name, str) and name],
            "types": dict(params.get("service_types") or {})}


def missing_services(checks: list[dict], platform: Any) -> list[str]:
    """A problem for each service a phase names that neither exists (`platform.find(refs)` -> (found, missing);
    the closest of `platform.names()` suggested)
    nor is created by that phase or an earlier one, or that is not of the type the phase needs
    (its ``types``: {option: type}). One lookup for all phases."""
    wanted = sorted({ref for check in checks for refs in (check.get("services") or {}).values() for ref in refs})
    if not wanted:
        return []
    found, missing = platform.find(wanted)
    known = sorted(platform.names()) if missing and hasattr(platform, "names") else []
    problems = []
    created: set[str] = set()
    creator = {name: check["phase"] for check in checks for name in check.get("creates") or []}
    for check in checks:
        created |= set(check.get("creates") or [])
        for option, refs in (check.get("services") or {}).items():
            kind = (check.get("types") or {}).get(option)
            for ref in refs:
                if ref in missing and ref not in created:
                    later = (f" (the {creator[ref]} phase creates it, after this one)" if ref in creator
                             else _near(ref, known))
                    problems.append(f"{check['phase']}: {option} names '{ref}', which does not exist{later}")
                elif kind and ref in found and found[ref].get("type") != kind:
                    problems.append(f"{check['phase']}: {option} names '{ref}', a {found[ref].get('type')}; "
                                    f"it must be a {kind}")
    return problems


def _near(ref: str, names: list[str]) -> str:
    close = difflib.get_close_matches(ref, names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def run_preflight(params: dict, check_mode: bool, secrets: Secrets, platform: Any = None) -> dict:
    """Gather this phase's entry into the run's checks and, when `finish`, check them all."""
    del check_mode  # it only reads
    checks = [dict(check) for check in params.get("checks") or []]
    if params.get("phase"):
        if params.get("modules") or params.get("filters"):
            raise ValueError("modules and filters are checked in the controller only: run preflight on a local connection")
        checks = [check for check in checks if check.get("phase") != params["phase"]] + [entry(params)]
    result: dict[str, Any] = {"changed": False, "checks": checks, "phases": [check["phase"] for check in checks]}
    if not params.get("finish"):
        result["problems"] = [problem for check in checks for problem in check.get("problems") or []]
        return result
    problems = [problem for check in checks for problem in check.get("problems") or []]
    if platform is None:
        from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import PLATFORMS
        platform = PLATFORMS[params["platform"]](params, secrets)
    problems += missing_services(checks, platform)
    result["problems"] = problems
    if problems:
        del result["checks"]  # the entries are the run's; the message says what to fix
        phases = sorted({problem.split(":", 1)[0] for problem in problems})
        result["failed"] = True
        result["msg"] = (f"Preflight: {len(problems)} problem(s) in {', '.join(phases)}; nothing was written.\n- "
                         + "\n- ".join(problems))
    else:
        result["msg"] = f"Preflight passed for {', '.join(result['phases']) or 'no phase'}; nothing written yet."
    return result
