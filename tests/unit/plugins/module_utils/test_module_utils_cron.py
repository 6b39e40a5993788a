# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Five-field cron schedules: what is accepted, how it is normalised, and what each error says."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import (
    CronError, check_timezone, describe, next_runs, schedule_facts, validate_cron)


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
    pytest.param("60 * * * *", r"the minute field '60' is not valid: it takes 0-59", id="minute too big"),
    pytest.param("0 24 * * *", r"the hour field '24' is not valid: it takes 0-23", id="hour too big"),
    pytest.param("0 0 0 * *", r"the day of month field '0' is not valid: it takes 1-31", id="day of month zero"),
    pytest.param("0 0 * 13 *", r"the month field '13' is not valid: it takes 1-12 or jan-dec", id="month too big"),
    pytest.param("0 0 * * 8", r"the day of week field '8' is not valid: it takes 0-7", id="weekday too big"),
    pytest.param("0 0 * mon *", r"the month field 'mon' is not valid", id="weekday name in the month field"),
    pytest.param("*/0 * * * *", r"the minute field '\*/0' is not valid.* a step /n \(n > 0\)", id="zero step"),
    pytest.param("0 17-9 * * *", r"the hour field '17-9' is not valid.* a range a-b that runs forwards",
                 id="backwards range"),
    pytest.param("0 0 * * fri-mon", r"the day of week field 'fri-mon' is not valid", id="backwards names"),
    pytest.param("0 0 * * funday", r"'funday' is not standard cron syntax for the day of week field",
                 id="unknown weekday name"),
    pytest.param("*/x * * * *", r"'\*/x' is not standard cron syntax for the minute field", id="non-numeric step"),
    pytest.param("*/ * * * *", r"'\*/' is not standard cron syntax", id="empty step"),
    pytest.param("1-2-3 * * * *", r"'1-2-3' is not standard cron syntax", id="three bounds"),
    pytest.param("1,,2 * * * *", r"'' is not standard cron syntax for the minute field", id="empty list item"),
    pytest.param("-5 * * * *", r"'-5' is not standard cron syntax", id="negative"),
    pytest.param("0 10 ? * *", r"'\?' is not standard cron syntax for the day of month field", id="quartz question mark"),
    pytest.param("0 0 L * *", r"'L' is not standard cron syntax", id="last day extension"),
    pytest.param("0 0 15W * *", r"'15W' is not standard cron syntax", id="weekday extension"),
    pytest.param("0 0 * * 5#3", r"'5#3' is not standard cron syntax", id="nth weekday extension"),
])
def test_invalid_fields_are_named_in_the_error(expression, message):
    with pytest.raises(CronError, match=message) as caught:
        validate_cron(expression)
    assert str(caught.value).startswith(f"schedule '{expression}': ")


@pytest.mark.parametrize("expression", ["0 10 31 2 *", "0 10 30 feb *", "0 0 31 4,6,9,11 *"])
def test_a_schedule_that_never_fires_is_refused(expression):
    with pytest.raises(CronError, match="never comes in month .* the job would never run"):
        validate_cron(expression)


@pytest.mark.parametrize("expression", ["0 0 29 2 *", "0 0 31 1,4 *", "0 0 31 2 mon"])
def test_a_schedule_that_fires_in_some_month_or_on_a_weekday_is_accepted(expression):
    # 29 February comes in leap years; with a day of week as well, cron fires on either.
    assert validate_cron(expression) == expression


def test_next_runs_are_in_utc_and_in_the_display_zone_across_daylight_saving():
    after = datetime(2026, 3, 7, 12, 0, tzinfo=timezone.utc)
    runs = next_runs("0 10 * * *", 3, "America/New_York", after=after)
    assert [run["utc"] for run in runs] == ["2026-03-08T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-10T10:00:00Z"]
    # New York moves to EDT on 8 March 2026: the same UTC time is 05:00 before it and 06:00 after.
    assert [run["local"] for run in runs] == ["2026-03-08T06:00:00-04:00", "2026-03-09T06:00:00-04:00",
                                              "2026-03-10T06:00:00-04:00"]
    assert next_runs("0 10 * * *", 1, after=datetime(2026, 1, 1, tzinfo=timezone.utc)) == [
        {"utc": "2026-01-01T10:00:00Z"}]


def test_an_unknown_display_zone_is_refused():
    with pytest.raises(CronError, match="'Mars/Olympus' is not an IANA time zone"):
        check_timezone("Mars/Olympus")


def test_the_sentence_says_utc():
    assert describe("0 10 * * *") == "At 10:00, UTC"
    assert schedule_facts("*/15 9-17 * * mon-fri", "Europe/Paris")["schedule_description"].startswith("Every 15 minutes")


def test_cron_error_is_a_value_error_so_modules_report_it_as_bad_input():
    assert issubclass(CronError, ValueError)
