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
