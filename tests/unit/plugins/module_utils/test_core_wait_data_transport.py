# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core: poll/Clock/Deadline, compact, Secrets, and the transport's raw bodies and per-vendor retry statuses."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    RETRY_STATUSES, ApiError, HttpClient)
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, Deadline, poll

from launchkit_fakes import FakeClock, FakeSession, make_http, plain_vendor, reply


def counter(values):
    seen = list(values)
    return lambda: seen.pop(0) if len(seen) > 1 else seen[0]


def test_poll_returns_the_first_value_that_is_done():
    clock = FakeClock()
    polled = poll(counter([1, 2, 3, 4]), lambda v: v == 3, timeout=60, clock=Clock(clock.now, clock.sleep))
    assert (polled.value, polled.done) == (3, True)
    assert clock.sleeps == [0.25, 0.5]  # backs off from the first delay


def test_poll_gives_up_after_the_timeout_with_the_last_value():
    clock = FakeClock()
    polled = poll(counter(["creating"]), lambda v: v == "ready", timeout=10, clock=Clock(clock.now, clock.sleep),
                  interval=2.0)
    assert (polled.value, polled.done) == ("creating", False)
    assert 10 <= clock.now() - 1000.0 <= 12
    assert max(clock.sleeps) <= 2.0


def test_poll_never_sleeps_past_the_deadline():
    clock = FakeClock()
    poll(counter([0]), lambda v: False, timeout=1.0, clock=Clock(clock.now, clock.sleep), interval=5.0, first_delay=5.0)
    assert sum(clock.sleeps) == pytest.approx(1.0)


def test_deadline_counts_down_on_the_clock():
    clock = FakeClock()
    deadline = Deadline(5, Clock(clock.now, clock.sleep))
    assert deadline.left() == 5 and not deadline.passed()
    clock.sleep(5)
    assert deadline.passed()


def test_compact_drops_only_none():
    assert compact({"a": None, "b": 0, "c": "", "d": False, "e": []}) == {"b": 0, "c": "", "d": False, "e": []}
    assert compact(None) is None


def test_secrets_redact_longest_first_and_ignore_short_values():
    secrets = Secrets(["abc", "token-1234", "token-1234-extended"])
    assert secrets.redact("token-1234-extended and token-1234 and abc") == f"{MASK} and {MASK} and abc"


def test_raw_body_is_sent_as_data_with_its_content_type():
    api = FakeSession().on("POST", "/envelope", reply(200, {"id": "e1"}))
    http = make_http(api)
    http.request("POST", "/envelope", data=b"line1\nline2", content_type="application/x-sentry-envelope")
    call = api.calls[0]
    assert call.json is None and call.kwargs["data"] == b"line1\nline2"
    assert call.headers["Content-Type"] == "application/x-sentry-envelope"


def test_a_vendor_can_add_retry_statuses_and_others_do_not_retry_them():
    flaky = plain_vendor(retry_statuses=RETRY_STATUSES | {500})
    api = FakeSession().on("GET", "/things", reply(500, {"error": "hiccup"}), reply(200, []))
    assert make_http(api, vendor=flaky).get("/things") == []
    assert len(api.calls) == 2
    strict = FakeSession().on("GET", "/things", reply(500, {"error": "hiccup"}), reply(200, []))
    with pytest.raises(ApiError, match="HTTP 500"):
        make_http(strict).get("/things")
    assert len(strict.calls) == 1


@pytest.mark.parametrize("url", ["api.render.com/v1", "ftp://api.render.com/v1", "https://", "", "https:///v1"])
def test_an_api_url_without_scheme_or_host_is_refused_before_any_call(url):
    session = FakeSession()
    with pytest.raises(ValueError, match="not an http\\(s\\) URL with a host"):
        HttpClient(url, plain_vendor(), session=session)
    assert session.calls == []


def test_an_api_url_with_credentials_is_refused_without_repeating_them():
    with pytest.raises(ValueError) as error:
        HttpClient("https://user:pa55word@api.render.com/v1", plain_vendor(), session=FakeSession())
    assert "pa55word" not in str(error.value)


def test_an_api_url_keeps_its_path_without_the_trailing_slash():
    assert HttpClient("http://127.0.0.1:8765/render/v1/", plain_vendor(), session=FakeSession()).base_url == \
        "http://127.0.0.1:8765/render/v1"


def test_poll_reports_the_first_value_and_each_change_of_state_only():
    clock, heard = FakeClock(), []
    values = counter([{"s": "created", "n": 1}, {"s": "created", "n": 2}, {"s": "building", "n": 3},
                      {"s": "building", "n": 4}, {"s": "live", "n": 5}])
    polled = poll(values, lambda v: v["s"] == "live", timeout=60, clock=Clock(clock.now, clock.sleep),
                  on_change=lambda before, after: heard.append((before and before["n"], after["n"])),
                  state=lambda v: v["s"])
    assert polled.done and heard == [(None, 1), (1, 3), (3, 5)]


def test_poll_compares_the_values_themselves_without_a_state():
    clock, heard = FakeClock(), []
    poll(counter(["a", "a", "b"]), lambda v: v == "b", timeout=60, clock=Clock(clock.now, clock.sleep),
         on_change=lambda before, after: heard.append((before, after)))
    assert heard == [(None, "a"), ("a", "b")]
