# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP core: retries, waits, the POST rule, error mapping and redaction."""
from __future__ import annotations

import email.utils
import time

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    ApiError, RetryPolicy, WriteOutcomeUnknown, cursor_pages, reset_seconds, retry_after_seconds)
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR as RENDER
from launchkit_fakes import (
    FakeSession, connection_dropped, connection_refused, make_http, no_sleep_policy, plain_vendor, read_timeout,
    reply)

# With jitter() == 0.5 a hinted wait is hint + 0.5 * backoff_base (0.5) and a backoff is 0.75 x its ceiling.
HINT_JITTER = 0.25


def client(session, **overrides):
    return make_http(session, **overrides)


def waits(http):
    return http.retry.sleep.waits


# --------------------------------------------------------------------------------------------- retries
def test_429_then_200_succeeds_after_one_wait():
    api = FakeSession().on("GET", "/things", reply(429, {"error": "slow down"}), reply(200, [{"id": 1}]))
    http = client(api)

    assert http.get("/things") == [{"id": 1}]
    assert len(api.calls) == 2
    assert len(waits(http)) == 1


def test_retry_after_seconds_is_honoured():
    api = FakeSession().on("GET", "/things", reply(429, headers={"Retry-After": "7"}), reply(200, {}))
    http = client(api)
    http.get("/things")
    assert waits(http) == [pytest.approx(7 + HINT_JITTER)]


def test_retry_after_http_date_is_honoured():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    api = FakeSession().on("GET", "/things", reply(503, headers={"Retry-After": when}), reply(200, {}))
    http = client(api)
    http.get("/things")
    assert waits(http) == [pytest.approx(30 + HINT_JITTER, abs=1.5)]


def test_render_ratelimit_reset_seconds_is_used_without_retry_after():
    api = FakeSession().on("GET", "/services", reply(429, headers={"Ratelimit-Reset": "12"}), reply(200, []))
    http = client(api, vendor=RENDER)
    http.get("/services")
    assert waits(http) == [pytest.approx(12 + HINT_JITTER)]


def test_retry_after_wins_over_reset_header():
    api = FakeSession().on("GET", "/services",
                           reply(429, headers={"Retry-After": "3", "Ratelimit-Reset": "50"}), reply(200, []))
    http = client(api, vendor=RENDER)
    http.get("/services")
    assert waits(http) == [pytest.approx(3 + HINT_JITTER)]


def test_epoch_style_reset_header_is_converted_to_a_delay():
    vendor = plain_vendor(reset_header="X-RateLimit-Reset", reset_is_epoch=True)
    reset_at = str(int(time.time()) + 20)
    api = FakeSession().on("GET", "/things", reply(429, headers={"X-RateLimit-Reset": reset_at}), reply(200, {}))
    http = client(api, vendor=vendor)
    http.get("/things")
    assert waits(http) == [pytest.approx(20 + HINT_JITTER, abs=1.5)]


def test_max_wait_caps_a_huge_retry_after():
    api = FakeSession().on("GET", "/things", reply(429, headers={"Retry-After": "86400"}), reply(200, {}))
    http = client(api, retry=no_sleep_policy(max_wait=120))
    http.get("/things")
    assert waits(http) == [pytest.approx(120 + HINT_JITTER)]


def test_max_wait_caps_an_epoch_reset_far_in_the_future():
    vendor = plain_vendor(reset_header="X-RateLimit-Reset", reset_is_epoch=True)
    api = FakeSession().on("GET", "/things", reply(429, headers={"X-RateLimit-Reset": str(int(time.time()) + 9999)}),
                           reply(200, {}))
    http = client(api, vendor=vendor, retry=no_sleep_policy(max_wait=60))
    http.get("/things")
    assert waits(http) == [pytest.approx(60 + HINT_JITTER)]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_for_repeatable_methods(method, status):
    api = FakeSession().on(method, "/things/1", reply(status, text="bad gateway"), reply(200, {"ok": True}))
    http = client(api)
    assert http.request(method, "/things/1").body == {"ok": True}
    assert len(api.calls) == 2


def test_gives_up_after_attempts_with_the_vendors_message_and_status():
    api = FakeSession().on("GET", "/things", reply(503, {"error": "maintenance window"}))
    http = client(api, retry=no_sleep_policy(attempts=4))
    with pytest.raises(ApiError) as caught:
        http.get("/things")
    assert not isinstance(caught.value, WriteOutcomeUnknown)
    assert caught.value.status == 503
    assert caught.value.message == "maintenance window"
    assert "maintenance window" in str(caught.value) and "HTTP 503" in str(caught.value)
    assert len(api.calls) == 4
    assert len(waits(http)) == 3


def test_backoff_grows_and_is_capped():
    api = FakeSession().on("GET", "/things", reply(502, text="bad gateway"))
    http = client(api, retry=no_sleep_policy(attempts=6, backoff_base=1.0, backoff_cap=4.0))
    with pytest.raises(ApiError):
        http.get("/things")
    assert waits(http) == pytest.approx([0.75, 1.5, 3.0, 3.0, 3.0])


@pytest.mark.parametrize("jitter, factor", [(0.0, 0.5), (1.0, 1.0)])
def test_backoff_jitter_stays_between_half_and_all_of_the_ceiling(jitter, factor):
    policy = RetryPolicy(backoff_base=2.0, backoff_cap=10.0, jitter=lambda: jitter)
    assert policy.backoff(2) == pytest.approx(8.0 * factor)
    assert policy.backoff(10) == pytest.approx(10.0 * factor)


def test_without_hint_a_503_ignores_the_rate_limit_reset_header():
    # The reset header speaks about the rate limit only; a 503 backs off normally.
    api = FakeSession().on("GET", "/services", reply(503, headers={"Ratelimit-Reset": "90"}), reply(200, []))
    http = client(api, vendor=RENDER)
    http.get("/services")
    assert waits(http) == [pytest.approx(0.5 * 0.75)]


def test_client_errors_are_not_retried():
    api = FakeSession().on("GET", "/things", reply(422, {"error": "bad field"}))
    http = client(api)
    with pytest.raises(ApiError) as caught:
        http.get("/things")
    assert caught.value.status == 422
    assert len(api.calls) == 1 and waits(http) == []


def test_get_read_timeout_is_retried():
    api = FakeSession().on("GET", "/things", read_timeout(), reply(200, {"ok": 1}))
    http = client(api)
    assert http.get("/things") == {"ok": 1}
    assert len(api.calls) == 2


def test_unreachable_after_all_attempts_is_an_api_error_without_status():
    api = FakeSession().on("GET", "/things", connection_refused())
    http = client(api, retry=no_sleep_policy(attempts=3))
    with pytest.raises(ApiError) as caught:
        http.get("/things")
    assert not isinstance(caught.value, WriteOutcomeUnknown)
    assert caught.value.status is None
    assert "ConnectionError" in caught.value.message
    assert len(api.calls) == 3


def test_every_call_carries_a_timeout_and_tls_setting():
    api = FakeSession().on("GET", "/things", reply(200, {}))
    client(api, timeout=12.5, validate_certs=False).get("/things")
    assert api.calls[0].kwargs["timeout"] == 12.5
    assert api.calls[0].kwargs["verify"] is False


def test_none_params_are_dropped():
    api = FakeSession().on("GET", "/things", reply(200, []))
    client(api).get("/things", params={"cursor": None, "limit": 100})
    assert api.calls[0].params == {"limit": 100}


# ------------------------------------------------------------------------------------------------- POST
def test_post_429_is_retried_because_the_server_did_not_process_it():
    api = FakeSession().on("POST", "/things", reply(429, headers={"Retry-After": "1"}), reply(201, {"id": "t1"}))
    http = client(api)
    assert http.request("POST", "/things", json_body={"name": "a"}).body == {"id": "t1"}
    assert len(api.to("POST")) == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_post_gateway_error_raises_write_outcome_unknown_without_retry(status):
    api = FakeSession().on("POST", "/things", reply(status, {"error": "upstream failed"}), reply(201, {}))
    http = client(api)
    with pytest.raises(WriteOutcomeUnknown) as caught:
        http.request("POST", "/things", json_body={"name": "a"})
    assert caught.value.status == status
    assert len(api.to("POST")) == 1
    assert waits(http) == []


def test_post_gateway_error_on_the_last_attempt_is_still_outcome_unknown():
    # After earlier 429s the budget is spent; a 503 then still means "may have been applied".
    api = FakeSession().on("POST", "/things", reply(429), reply(503, {"error": "upstream failed"}))
    http = client(api, retry=no_sleep_policy(attempts=2))
    with pytest.raises(WriteOutcomeUnknown):
        http.request("POST", "/things", json_body={})


def test_post_dropped_connection_raises_write_outcome_unknown_and_was_sent_once():
    api = FakeSession().on("POST", "/things", connection_dropped(), reply(201, {}))
    http = client(api)
    with pytest.raises(WriteOutcomeUnknown) as caught:
        http.request("POST", "/things", json_body={"name": "a"})
    assert len(api.to("POST")) == 1
    assert waits(http) == []
    assert "may or may not have been applied" in str(caught.value)


def test_post_read_timeout_raises_write_outcome_unknown():
    api = FakeSession().on("POST", "/things", read_timeout(), reply(201, {}))
    with pytest.raises(WriteOutcomeUnknown):
        client(api).request("POST", "/things", json_body={})
    assert len(api.calls) == 1


def test_post_connection_refused_is_retried_because_it_was_never_sent():
    api = FakeSession().on("POST", "/things", connection_refused(), reply(201, {"id": "t1"}))
    http = client(api)
    assert http.request("POST", "/things", json_body={}).body == {"id": "t1"}
    assert len(api.to("POST")) == 2
    assert len(waits(http)) == 1


@pytest.mark.parametrize("failure", [lambda: reply(503), connection_dropped])
def test_repeatable_post_is_retried(failure):
    api = FakeSession().on("POST", "/actions/enable", failure(), reply(200, {}))
    http = client(api)
    http.request("POST", "/actions/enable", repeatable=True)
    assert len(api.to("POST")) == 2


def test_get_dropped_connection_is_retried():
    api = FakeSession().on("GET", "/things", connection_dropped(), reply(200, []))
    assert client(api).get("/things") == []
    assert len(api.calls) == 2


# ----------------------------------------------------------------------------------------------- errors
def test_render_error_body_maps_to_code_message_and_request_id():
    api = FakeSession().on("POST", "/key-value", reply(
        400, {"id": "invalid_input", "message": "plan is not valid"}, headers={"Render-Request-Id": "req-42"}))
    http = client(api, vendor=RENDER)
    with pytest.raises(ApiError) as caught:
        http.request("POST", "/key-value", json_body={"plan": "huge"})
    error = caught.value
    assert (error.status, error.code, error.message, error.request_id) == (400, "invalid_input", "plan is not valid",
                                                                           "req-42")
    assert str(error) == "Render API POST /key-value failed (HTTP 400): plan is not valid (request id req-42)"


def test_non_json_error_body_keeps_the_text():
    api = FakeSession().on("GET", "/services", reply(404, text="<html>no such page</html>"))
    with pytest.raises(ApiError) as caught:
        client(api, vendor=RENDER).get("/services")
    assert "no such page" in caught.value.message


def test_token_and_registered_secrets_never_appear_in_the_error():
    token = "rnd_S3cretT0kenValue"
    password = "hunter2-db-password"
    echoed = f"token {token} rejected; value {password} is invalid"
    api = FakeSession().on("PUT", "/services/srv-1/env-vars/REDIS_URL",
                           reply(400, {"id": "bad", "message": echoed}, headers={"Render-Request-Id": "r1"}))
    http = client(api, vendor=RENDER, headers={"Authorization": f"Bearer {token}"})
    http.secrets.add(password)
    with pytest.raises(ApiError) as caught:
        http.request("PUT", "/services/srv-1/env-vars/REDIS_URL", json_body={"value": password})
    text = str(caught.value)
    assert token not in text and password not in text
    assert "********" in text
    # the request really carried the token: redaction, not absence, is what keeps it out
    assert api.calls[0].headers["Authorization"] == f"Bearer {token}"


def test_basic_auth_password_is_redacted_from_unparseable_error_text():
    def broken_parser(body):
        raise KeyError("unexpected body")

    api_key = "upstash-key-0123456789"
    api = FakeSession().on("GET", "/redis/databases", reply(500, text=f"crash dumping auth {api_key}"))
    http = client(api, vendor=plain_vendor(parse_error=broken_parser), auth=("me@example.com", api_key))
    with pytest.raises(ApiError) as caught:
        http.get("/redis/databases")
    assert api_key not in str(caught.value)
    assert "crash dumping auth" in str(caught.value)


def test_401_message_tells_the_user_to_check_the_token():
    api = FakeSession().on("GET", "/owners", reply(401, {"id": "unauthorized", "message": "invalid API key"}))
    with pytest.raises(ApiError) as caught:
        client(api, vendor=RENDER).get("/owners")
    assert caught.value.status == 401
    assert "invalid API key" in str(caught.value)
    assert "Check the API token" in str(caught.value)


# ---------------------------------------------------------------------------------------- header maths
@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), (" 5 ", 5.0), ("-3", 0.0), ("", None), (None, None), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
])
def test_retry_after_seconds(value, expected):
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:27:00 GMT").timestamp()
    assert retry_after_seconds(value, now=now) == expected


def test_retry_after_date_in_the_past_means_no_wait():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value, is_epoch, expected", [
    ("30", False, 30.0), ("1000030", True, 30.0), ("999990", True, 0.0), ("x", False, None), (None, True, None),
])
def test_reset_seconds(value, is_epoch, expected):
    assert reset_seconds(value, is_epoch, now=1_000_000) == expected


# ------------------------------------------------------------------------------------------ pagination
def test_cursor_pages_follows_cursors_until_an_empty_page():
    pages = {None: [{"n": 1, "c": "a"}, {"n": 2, "c": "b"}], "b": [{"n": 3, "c": "c"}], "c": []}
    asked = []

    def fetch(cursor):
        asked.append(cursor)
        return pages[cursor]

    assert [item["n"] for item in cursor_pages(fetch, lambda item: item["c"])] == [1, 2, 3]
    assert asked == [None, "b", "c"]


def test_cursor_pages_stops_on_a_repeated_cursor():
    asked = []

    def fetch(cursor):
        assert len(asked) < 10, "cursor_pages kept asking for the same cursor"
        asked.append(cursor)
        return [{"c": "same"}]

    assert len(list(cursor_pages(fetch, lambda item: item["c"]))) == 2
    assert asked == [None, "same"]
