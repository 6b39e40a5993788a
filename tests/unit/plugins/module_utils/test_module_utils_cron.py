# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Five-field cron schedules: what is accepted, how it is normalised, and what each error says."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import CronError, validate_cron


@pytest.mark.parametrize("expression", [
    "0 10 * * *",
    "*/15 * * * *",
    "0 0-23/2 * * *",
    "5,35 9-17 * * mon-fri",
    "0 3 1 jan,JUL *",
    "59 23 31 12 7",
    "0 0 1-15/3 * sun",
    "0 0 * * 0",
])
def test_valid_schedules_are_accepted_as_they_are(expression):
    assert validate_cron(expression) == expression


def test_whitespace_is_normalised_to_single_spaces():
    assert validate_cron("  0\t10  *   * *  ") == "0 10 * * *"


@pytest.mark.parametrize("expression, fields", [("0 10 * *", 4), ("0 10 * * * *", 6), ("", 0), (None, 0)])
def test_a_schedule_needs_exactly_five_fields(expression, fields):
    with pytest.raises(CronError, match=rf"must have 5 fields .*'0 10 \* \* \*'.* it has {fields}$"):
        validate_cron(expression)


@pytest.mark.parametrize("expression, message", [
    pytest.param("60 * * * *", "minute 60 is outside 0-59", id="minute too big"),
    pytest.param("0 24 * * *", "hour 24 is outside 0-23", id="hour too big"),
    pytest.param("0 0 0 * *", "day of month 0 is outside 1-31", id="day of month zero"),
    pytest.param("0 0 * 13 *", "month 13 is outside 1-12", id="month too big"),
    pytest.param("0 0 * * 8", "day of week 8 is outside 0-7", id="weekday too big"),
    pytest.param("0 0 * * funday", "'funday' is not a valid day of week value", id="unknown weekday name"),
    pytest.param("0 0 * mon *", "'mon' is not a valid month value", id="weekday name in the month field"),
    pytest.param("*/0 * * * *", r"step '/0' in the minute field must be a positive number", id="zero step"),
    pytest.param("*/x * * * *", r"step '/x' in the minute field", id="non-numeric step"),
    pytest.param("*/ * * * *", r"step '/' in the minute field", id="empty step"),
    pytest.param("0 17-9 * * *", "range '17-9' in the hour field runs backwards", id="backwards range"),
    pytest.param("0 0 * * fri-mon", "range 'fri-mon' in the day of week field runs backwards", id="backwards names"),
    pytest.param("1-2-3 * * * *", "'1-2-3' is not a valid minute value", id="three bounds"),
    pytest.param("1,,2 * * * *", "'' is not a valid minute value", id="empty list item"),
    pytest.param("-5 * * * *", "'-5' is not a valid minute value", id="negative"),
    pytest.param("0 10 ? * *", "'\\?' is not a valid day of month value", id="quartz question mark"),
])
def test_invalid_fields_are_named_in_the_error(expression, message):
    with pytest.raises(CronError, match=message) as caught:
        validate_cron(expression)
    assert str(caught.value).startswith(f"schedule '{expression}': ")


def test_cron_error_is_a_value_error_so_modules_report_it_as_bad_input():
    assert issubclass(CronError, ValueError)
