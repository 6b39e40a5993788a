# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: validation of five-field cron schedules (minute hour day month weekday).

Not a public API; it may change between any two releases. Render runs every schedule in UTC.
"""
from __future__ import annotations

UTC_NOTE = "Render runs cron schedules in UTC: '0 10 * * *' is 10:00 UTC, not 10:00 local time."
FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: i + 1 for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}),
    ("day of week", 0, 7, {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}),
)


class CronError(ValueError):
    pass


def validate_cron(expression: str) -> str:
    """The expression with its fields normalised to single spaces; CronError says what is wrong."""
    fields = (expression or "").split()
    if len(fields) != 5:
        raise CronError(f"schedule '{expression}' must have 5 fields (minute hour day-of-month month day-of-week), "
                        f"for example '0 10 * * *' for 10:00 UTC daily; it has {len(fields)}")
    for text, (name, low, high, names) in zip(fields, FIELDS):
        for part in text.split(","):
            _check_part(expression, part, name, low, high, names)
    return " ".join(fields)


def _check_part(expression: str, part: str, name: str, low: int, high: int, names: dict) -> None:
    base, _slash, step = part.partition("/")
    if _slash and not (step.isdigit() and int(step) > 0):
        raise CronError(f"schedule '{expression}': step '/{step}' in the {name} field must be a positive number")
    if base == "*":
        return
    bounds = base.split("-")
    if len(bounds) > 2 or not all(bounds):
        raise CronError(f"schedule '{expression}': '{part}' is not a valid {name} value")
    values = [_value(expression, bound, name, low, high, names) for bound in bounds]
    if len(values) == 2 and values[0] > values[1]:
        raise CronError(f"schedule '{expression}': range '{base}' in the {name} field runs backwards")


def _value(expression: str, text: str, name: str, low: int, high: int, names: dict) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise CronError(f"schedule '{expression}': '{text}' is not a valid {name} value")
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"schedule '{expression}': {name} {number} is outside {low}-{high}")
    return number
