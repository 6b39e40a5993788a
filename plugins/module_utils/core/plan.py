# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: what check mode shows for what it cannot know yet.

Not a public API; it may change between any two releases.

A check run plans; it creates nothing. So a value that exists only once something is created (the
URL of a Redis about to be made, the DSN of a new Sentry project, a new API key's secret) is not
known: the roles pass ``KNOWN_AFTER_APPLY`` in its place (the ``known_after_apply`` filter), the
modules plan with it (an env key set to it is planned as set and shown as such, a check of it is
skipped with a note) and a real run refuses it, since a real run must never write it.
"""
from __future__ import annotations

from typing import Any

#: the stand-in for a value that only the real run can know (never a secret, never written)
KNOWN_AFTER_APPLY = "(known after apply)"


def is_unknown(value: Any) -> bool:
    """Whether VALUE is, or holds, the stand-in (a URL built around it included)."""
    return isinstance(value, str) and KNOWN_AFTER_APPLY in value


def refuse_unknown(what: str, value: Any) -> None:
    """A real run given the stand-in: a role passed a value that should exist by now; nothing is written."""
    if is_unknown(value):
        raise ValueError(f"{what} is '{KNOWN_AFTER_APPLY}', a stand-in that only check mode accepts: the task "
                         "that makes it did not run or returned nothing; nothing was written")


def unknown_target(what: str, value: Any, check_mode: bool) -> dict[str, Any] | None:
    """For a check whose target VALUE (a URL) may be the stand-in: in check mode the result of a check
    skipped with a note (the run creates or changes its target first, so what check mode could see is not
    what the real run checks); in a real run a refusal; None when VALUE is known."""
    if not is_unknown(value):
        return None
    if not check_mode:
        refuse_unknown(what, value)
    return {"changed": False, "skipped": True,
            "msg": f"check mode: {what} not checked: the run creates or changes it first, so the real run "
                   "checks it after the change"}


def planned_env(cache: Any, service_id: str) -> dict[str, str | None]:
    """{key: digest of its planned value, or None for a key planned to be deleted} of a service, as the
    check-mode tasks of this run planned it so far; {} without a run cache or in a real run."""
    return (cache.planned("env").get(service_id) or {}) if cache is not None else {}


def add_planned_env(cache: Any, service_id: str, digests: dict[str, str], deleted: list[str]) -> None:
    """Keep what a check-mode task plans for a service's env, for the run's later tasks to read."""
    if cache is not None and (digests or deleted):
        cache.add_planned("env", {service_id: {**planned_env(cache, service_id), **digests,
                                               **dict.fromkeys(deleted)}})


def over_plan(current: dict[str, Any], planned: dict[str, Any], value: Any = None) -> dict[str, Any]:
    """CURRENT as the run's plan leaves it: planned keys set (to VALUE when given, else to the planned
    entry), keys planned to be deleted gone."""
    merged = dict(current)
    for key, entry in planned.items():
        if entry is None:
            merged.pop(key, None)
        else:
            merged[key] = entry if value is None else value
    return merged


# -- the plan of a check run: what each task would do, per host, summed up at the end
#: the file of a host's plan entries inside the run's private temporary directory
PLAN_FOLDER = "launchkit-plan"
_NAMED_BY = ("name", "slug", "service", "domain", "from_email", "project")


def plan_entry(task: str, module: str, args: dict, result: dict) -> dict[str, Any]:
    """What one check-mode task (one loop item) would do, names only: never a value."""
    named = next((args[key] for key in _NAMED_BY if isinstance(args.get(key), str) and args.get(key)), None)
    entry: dict[str, Any] = {"task": task, "module": module, "name": named, "action": result.get("action"),
                             "changed": bool(result.get("changed")), "skipped": bool(result.get("skipped"))}
    if module == "app_env":
        wanted = sorted({*(args.get("env") or {}),
                         *(key for env in (args.get("service_env") or {}).values() for key in (env or {})),
                         *(item.get("key") for item in args.get("generate") or [] if item.get("key"))})
        entry["env"] = {view["name"]: {"set": view.get("set_keys") or [],
                                       "unknown": view.get("known_after_apply") or [],
                                       "removed": view.get("removed_keys") or []}
                        for view in result.get("services") or []}
        unknown = sorted({key for env in [args.get("env") or {}, *(args.get("service_env") or {}).values()]
                          for key, value in (env or {}).items() if is_unknown(value)})
        for missing in result.get("missing") or []:  # created by an earlier task of the real run
            entry["env"][missing] = {"set": wanted, "unknown": unknown, "removed": []}
    if module == "render_deploy" and args.get("deploy_mode") == "deploy_only":
        entry["deploys"] = sorted(name for name, action in (result.get("actions") or {}).items() if action == "trigger")
    return entry


def plan_summary(entries: list[dict]) -> dict[str, Any]:
    """A check run's plan for one host: what it creates, changes and deletes, the env keys it sets per
    service (names; a value made only by a create shown as '(known after apply)') and the services the
    apply step deploys."""
    summary: dict[str, Any] = {"created": [], "changed": [], "deleted": [], "env_keys": {}, "deploys": []}
    for entry in entries:
        what = f"{entry['module']} {entry['name']}" if entry.get("name") else entry["task"]
        if "env" in entry:
            for service, keys in entry["env"].items():
                listed = summary["env_keys"].setdefault(service, [])
                for key in keys["set"]:
                    shown = f"{key} {KNOWN_AFTER_APPLY}" if key in keys["unknown"] else key
                    if shown not in listed:
                        listed.append(shown)
                listed.extend(f"{key} (deleted)" for key in keys["removed"] if f"{key} (deleted)" not in listed)
        elif "deploys" in entry:
            summary["deploys"] += [name for name in entry["deploys"] if name not in summary["deploys"]]
        elif entry.get("action") == "create":
            summary["created"].append(what)
        elif entry.get("action") == "delete":
            summary["deleted"].append(what)
        elif entry.get("changed") and what not in summary["changed"]:
            summary["changed"].append(what)
    summary["env_keys"] = {service: keys for service, keys in summary["env_keys"].items() if keys}
    return summary
