# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: five-field cron schedules (minute hour day month weekday), as Render runs them.

Not a public API; it may change between any two releases. Render runs every schedule in UTC.

The schedule is read by ``cronsim`` (the parser of a maintained cron monitor), which also refuses a
schedule that never fires (``0 10 31 2 *``) and gives the next run times; ``cron-descriptor`` writes
the readable sentence. Only standard cron syntax is accepted: cronsim also reads extensions (``L``,
``W``, ``#``, ``?``) that Render's standard cron does not document, and those are refused here.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.libraries import optional_import

cronsim, CRONSIM_IMPORT_ERROR = optional_import("cronsim")
cron_descriptor, CRON_DESCRIPTOR_IMPORT_ERROR = optional_import("cron_descriptor")
#: For a module's ``requires``: what its schedule logic needs.
SCHEDULE_LIBRARIES = {"cronsim": CRONSIM_IMPORT_ERROR, "cron-descriptor": CRON_DESCRIPTOR_IMPORT_ERROR}

UTC_NOTE = "Render runs cron schedules in UTC: '0 10 * * *' is 10:00 UTC, not 10:00 local time."
FIELDS = ("minute", "hour", "day of month", "month", "day of week")
# One comma-separated part of a standard cron field: *, a number or a name, a range, a step.
PART = re.compile(r"^(\*|[0-9]+|[a-z]{3})(-([0-9]+|[a-z]{3}))?(/[0-9]+)?$", re.IGNORECASE)
EXAMPLE = "for example '0 10 * * *' for 10:00 UTC every day"


class CronError(ValueError):
    pass


def validate_cron(expression: str) -> str:
    """The expression with its fields normalised to single spaces; CronError says what is wrong.

    Refused: not five fields, a part outside standard cron syntax, a value or range cronsim refuses,
    and a schedule that can never fire.
    """
    fields = (expression or "").split()
    if len(fields) != 5:
        raise CronError(f"schedule '{expression}' must have 5 fields (minute hour day-of-month month day-of-week), "
                        f"{EXAMPLE}; it has {len(fields)}")
    for text, name in zip(fields, FIELDS):
        for part in text.split(","):
            if not PART.match(part):
                raise CronError(f"schedule '{expression}': '{part}' is not standard cron syntax for the {name} "
                                f"field (a number, a name such as mon or jan, *, a range a-b, a step /n), {EXAMPLE}")
    normalised = " ".join(fields)
    if cronsim is None:  # the module reports the missing library before its logic runs
        return normalised
    try:
        cronsim.CronSim(normalised, datetime(2000, 1, 1, tzinfo=timezone.utc))
    except cronsim.CronSimError as exc:
        raise CronError(f"schedule '{expression}': {_reason(str(exc), fields)}") from None
    return normalised


# What each field takes, for the error message (cronsim names the field, not the fault).
TAKES = {"minute": "0-59", "hour": "0-23", "day of month": "1-31", "month": "1-12 or jan-dec",
         "day of week": "0-7 (0 and 7 are Sunday) or sun-sat"}


def _reason(message: str, fields: list[str]) -> str:
    """cronsim's terse 'Bad day-of-month' as a sentence naming the field, its text and what it takes."""
    name = message.removeprefix("Bad ").strip().replace("-", " ")
    if name not in TAKES:
        return f"{message}, {EXAMPLE}"
    text = fields[FIELDS.index(name)]
    if name == "day of month" and _days_exist(text):
        return (f"day of month '{text}' never comes in month '{fields[3]}' (30 or 31 February, 31 April, ...): "
                "the job would never run")
    return (f"the {name} field '{text}' is not valid: it takes {TAKES[name]}, *, a list a,b, a range a-b that runs "
            f"forwards and a step /n (n > 0); {EXAMPLE}")


def _days_exist(text: str) -> bool:
    """Whether day-of-month `text` is valid in some month (so a refusal means its months never have it)."""
    try:
        cronsim.CronSim(f"0 0 {text} * *", datetime(2000, 1, 1, tzinfo=timezone.utc))
    except cronsim.CronSimError:
        return False
    return True


def next_runs(expression: str, count: int = 3, zone: str | None = None,
              after: datetime | None = None) -> list[dict[str, str]]:
    """The next `count` run times of a valid schedule: {utc, local} ISO strings, local in `zone` (an IANA name)."""
    start = after or datetime.now(timezone.utc)
    local_zone = _zone(zone)
    runs = []
    for moment in cronsim.CronSim(expression, start):
        run = {"utc": moment.isoformat().replace("+00:00", "Z")}
        if local_zone is not None:
            run["local"] = moment.astimezone(local_zone).isoformat()
        runs.append(run)
        if len(runs) == count:
            break
    return runs


def check_timezone(name: str) -> None:
    """A CronError when `name` is no IANA time zone."""
    _zone(name)


def _zone(name: str | None) -> Any:
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # pylint: disable=import-outside-toplevel

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"timezone '{name}' is not an IANA time zone name such as America/New_York") from None


def describe(expression: str) -> str:
    """A readable sentence for the schedule, in UTC: 'At 10:00, UTC'."""
    options = cron_descriptor.Options()
    options.use_24hour_time_format = True
    return f"{cron_descriptor.ExpressionDescriptor(expression, options).get_description()}, UTC"


def schedule_facts(expression: str, zone: str | None = None) -> dict[str, Any]:
    """What a result says about a cron job's schedule: the sentence and the next runs."""
    return {"schedule_description": describe(expression), "schedule_next_runs": next_runs(expression, 3, zone)}
