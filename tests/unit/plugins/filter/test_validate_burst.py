# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_burst, validate_webhook and platform_crons: the burst's items and judgement, the webhook post's
check, and the cron routes a vercel.json must hold."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.platform_crons import platform_crons
from ansible_collections.launchkit.paas.plugins.filter.validate_burst import burst_spec, validate_burst
from ansible_collections.launchkit.paas.plugins.filter.validate_webhook import validate_webhook

BURST = burst_spec("b", {"path": "/api/rate-limited", "count": 4, "allowed": 3})
TARGET = {"service": "cloudgreet", "base_url": "http://x/apps/cloudgreet", "reachable": True, "burst": BURST}


def answers(*statuses, skipped=False):
    return {"results": [{"validate_burst_request": {"service": "cloudgreet", "index": index},
                         **({"skipped": True} if skipped else {"status": status})}
                        for index, status in enumerate(statuses)]}


def test_items_one_per_request_with_defaults():
    items = validate_burst(None, [TARGET], requests=True)
    assert [item["index"] for item in items] == [0, 1, 2, 3]
    assert items[0]["burst"]["method"] == "POST" and items[0]["burst"]["expect_status_after"] == 429


@pytest.mark.parametrize("statuses, status, words", [
    ((200, 200, 200, 429), "passed", "3 answered 2xx, then 1 answered 429"),
    ((429, 429, 429, 429), "passed", "used up before the burst"),
    ((200, 200, 200, 200), "failed", "never reached"),
    ((200, 200, 429, 429), "failed", "the limit is 2, not 3"),
    ((200, 429, 200, 429), "failed", "expected 2xx, then 429"),
    ((200, 500, 429, 429), "failed", "expected 2xx, then 429"),
])
def test_judgement(statuses, status, words):
    [check] = validate_burst(answers(*statuses), [TARGET])
    assert check["status"] == status and words in check["message"], check


def windowed(*answered, start=0):
    """Loop results whose answers carry X-RateLimit-Reset: (status, reset) pairs."""
    return {"results": [{"validate_burst_request": {"service": "cloudgreet", "index": index},
                         "status": status, "headers": {"X-RateLimit-Reset": reset}}
                        for index, (status, reset) in enumerate(answered, start)]}


def test_a_burst_split_by_a_window_change_is_sent_again_and_judged_on_the_new_window():
    # A fixed window changed after the second request: 2 requests counted in the old window, 2 in the new one.
    first = windowed((200, "60"), (200, "60"), (200, "120"), (200, "120"))
    [item, *_rest] = items = validate_burst(first, [TARGET], requests=True, resend=True)
    assert len(items) == 4 and item["burst"]["window_header"] == "X-RateLimit-Reset"
    # The new window counted 2 already, so one more success reaches the limit of 3, then 429s.
    again = windowed((200, "120"), (429, "120"), (429, "120"), (429, "120"))
    [check] = validate_burst(first, [TARGET], again=again)
    assert check["status"] == "passed", check
    # It reads as a burst inside one window: the new window's first 4 requests, so a run whose burst a window
    # boundary split writes the same report as one whose burst it did not.
    [whole] = validate_burst(windowed((200, "120"), (200, "120"), (200, "120"), (429, "120")), [TARGET])
    assert check == whole and check["message"] == "4 requests: 3 answered 2xx, then 1 answered 429 (request 4 onwards)"
    # No limit given, and the new window allows more than the burst's count: its requests up to the first refusal.
    [check] = validate_burst(first, [{**TARGET, "burst": {**BURST, "allowed": None}}],
                             again=windowed((200, "120"), (200, "120"), (200, "120"), (429, "120")))
    assert check["status"] == "passed", check
    assert check["message"] == "6 requests: 5 answered 2xx, then 1 answered 429 (request 6 onwards)", check
    # A limiter that lets the new window's requests through beyond the limit still fails.
    loose = windowed((200, "120"), (200, "120"), (429, "120"), (429, "120"))
    [check] = validate_burst(first, [TARGET], again=loose)
    assert check["status"] == "failed" and "the limit is 4, not 3" in check["message"]


@pytest.mark.parametrize("first", [
    windowed((200, "60"), (200, "60"), (200, "60"), (200, "60")),  # one window: the limiter does not limit
    windowed((200, "60"), (200, "60"), (200, "120"), (429, "120")),  # the limit was reached: nothing to resend
    answers(200, 200, 200, 200),  # no window header: a change cannot be seen
])
def test_no_second_burst_unless_a_window_change_split_the_first(first):
    assert validate_burst(first, [TARGET], requests=True, resend=True) == []
    no_header = burst_spec("b", {"path": "/a", "count": 4, "allowed": 3, "window_header": ""})
    split = windowed((200, "60"), (200, "60"), (200, "120"), (200, "120"))
    assert validate_burst(split, [{**TARGET, "burst": no_header}], requests=True, resend=True) == []


def test_check_mode_is_pending():
    [check] = validate_burst(answers(0, 0, 0, 0, skipped=True), [TARGET], check_mode=True)
    assert check["status"] == "pending"


@pytest.mark.parametrize("given, fault", [
    ({"path": "api", "count": 3}, "path"), ({"path": "/a", "count": 1}, "count"),
    ({"path": "/a", "count": 3, "allowed": 3}, "more than allowed"), ({"path": "/a", "count": 3, "x": 1}, "unknown keys"),
    ({"path": "/a", "count": 3, "window_header": 5}, "header name"),
])
def test_bad_bursts_are_refused(given, fault):
    with pytest.raises(AnsibleFilterError, match=fault):
        burst_spec("b", given)


def test_webhook_checks_never_name_the_url():
    assert validate_webhook({"status": 200, "content": "ok"}, "cloudgreet") == []
    [failed] = validate_webhook({"failed": True, "status": 404, "content": "no_service",
                                 "url": "https://hooks.slack.com/services/T/B/secret"}, "cloudgreet")
    assert failed["status"] == "failed" and "no_service" in failed["message"] and "secret" not in failed["message"]
    # Due but not sent (http_check skips a POST in check mode): pending in check mode.
    unsent = {"skipped": True, "changed": False, "msg": "check mode: POST not sent"}
    assert validate_webhook(unsent, "cloudgreet", check_mode=True)[0]["status"] == "pending"
    assert validate_webhook(unsent, "cloudgreet") == []
    # Not due this run (the task's condition was false: nothing changed): no check, check mode or not, as the
    # real run's report has none.
    not_due = {"skipped": True, "changed": False, "skip_reason": "Conditional result was False",
               "false_condition": "launchkit_phases_changed | length > 0"}
    assert validate_webhook(not_due, "cloudgreet", check_mode=True) == []
    assert validate_webhook(not_due, "cloudgreet") == []


def test_platform_crons():
    [action] = platform_crons([{"path": "/api/cron/process-jobs", "schedule": "*  * * * *"}], "cloudgreet")
    assert '"schedule": "* * * * *"' in action and "vercel.json" in action
    assert platform_crons([], "cloudgreet") == []
    with pytest.raises(AnsibleFilterError, match="5 fields"):
        platform_crons([{"path": "/a", "schedule": "* * *"}], "cloudgreet")
