# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentry: the test event (DSN, envelope, sending through the HTTP core, confirmation through the web API)."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    VENDOR, IngestClient, SentryClient, auth_header, parse_dsn)
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.test_event import (
    build_envelope, build_test_event, parse_envelope, run_test_event, wait_for_event)
from launchkit_fakes import FakeClock, FakeSession, connection_dropped, make_http, read_timeout, reply

TOKEN = "sntrys_unit_test_token"
PUBLIC_KEY = "a785682ddda742d7a8a4088810e67791"
DSN = f"https://{PUBLIC_KEY}@o1.ingest.sentry.io/4505"


def sentry(api: FakeSession) -> SentryClient:
    return SentryClient(make_http(api, vendor=VENDOR, headers={"Authorization": f"Bearer {TOKEN}"}), "acme")


def clock_of(fake: FakeClock) -> Clock:
    return Clock(now=fake.now, sleep=fake.sleep)


def event_params(**overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "auth_token": TOKEN, "organization": "acme", "timeout": 5.0,
              "validate_certs": True, "dsn": DSN, "project": None, "confirm": True, "wait_timeout": 30.0,
              "environment": "production", "release": None}
    values.update(overrides)
    return values


def ingest(*answers) -> FakeSession:
    return FakeSession("https://o1.ingest.sentry.io").on("POST", "/api/4505/envelope/", *answers)


def ingest_client(api: FakeSession, clock: FakeClock | None = None, secrets: Secrets | None = None) -> IngestClient:
    """The ingest client a run builds from the DSN, on the fake session."""
    return IngestClient.from_dsn(parse_dsn(DSN), event_params(), secrets or Secrets(), clock_of(clock or FakeClock()),
                                 session=api)


class AnyGet(FakeSession):
    """A web API answering every call with `answer(call)` (the event path holds a random id)."""

    def __init__(self, answer) -> None:
        super().__init__()
        self.answer = answer

    def request(self, method, url, **kwargs):
        super().request(method, url, **kwargs)
        return self.answer(self.calls[-1])


# ------------------------------------------------------------------------------------------- DSN and envelope
@pytest.mark.parametrize("dsn, url", [
    (DSN, "https://o1.ingest.sentry.io/api/4505/envelope/"),
    ("http://abc@127.0.0.1:8866/sentry/12", "http://127.0.0.1:8866/sentry/api/12/envelope/"),
    ("https://abc:legacysecret@sentry.example.com/prefix/path/3/", "https://sentry.example.com/prefix/path/api/3/envelope/"),
])
def test_parse_dsn_builds_the_envelope_url(dsn, url):
    assert parse_dsn(dsn).envelope_url == url


@pytest.mark.parametrize("dsn", ["not a dsn", "https://o1.ingest.sentry.io/4505", "https://k@host/abc"])
def test_parse_dsn_rejects(dsn):
    with pytest.raises(ValueError):
        parse_dsn(dsn)


def test_envelope_parses_back_to_a_zero_division_error_event():
    dsn = parse_dsn(DSN)
    event = build_test_event("e" * 32, "check-1", {"environment": "staging", "release": None}, now=1_700_000_000)
    header, items = parse_envelope(build_envelope(dsn, event, now=1_700_000_001))
    assert header == {"event_id": "e" * 32, "dsn": DSN, "sent_at": "2023-11-14T22:13:21.000000Z"}
    [(item_header, payload)] = items
    assert item_header["type"] == "event" and item_header["length"] == len(json.dumps(payload, separators=(",", ":")))
    assert payload["exception"]["values"][0]["type"] == "ZeroDivisionError"
    assert payload["tags"] == {"launchkit_check": "check-1"} and "check-1" in payload["message"]["formatted"]
    assert payload["event_id"] == "e" * 32 and payload["environment"] == "staging" and "release" not in payload


def test_auth_header_carries_the_public_key_and_client():
    assert auth_header(parse_dsn(DSN)) == (f"Sentry sentry_version=7, sentry_key={PUBLIC_KEY}, "
                                           f"sentry_client=launchkit.paas/0.1")


# ------------------------------------------------------------------------------------------- sending
def test_the_envelope_is_posted_raw_through_the_http_core_with_the_runs_secrets():
    api = ingest(reply(200, {"id": "x"}))
    secrets = Secrets()
    client = ingest_client(api, secrets=secrets)
    assert client.send_envelope(b'{"event_id":"e"}\n{"type":"event"}\n{}\n') == {"id": "x"}
    [post] = api.calls
    assert post.kwargs["data"] == b'{"event_id":"e"}\n{"type":"event"}\n{}\n' and post.json is None
    assert post.headers["Content-Type"] == "application/x-sentry-envelope"
    assert post.kwargs["timeout"] == 5.0 and post.kwargs["verify"] is True
    assert client.http.secrets is secrets


@pytest.mark.parametrize("failure", [
    reply(429), reply(500, {"detail": "internal"}), reply(502), reply(503), reply(504), connection_dropped(),
    read_timeout()])
def test_the_envelope_post_is_retried_on_what_may_pass_next_time(failure):
    """As before the move onto the HTTP core: 429, 500, 502, 503, 504 and connection errors are retried
    (repeating is safe: Sentry drops a second event with the same event_id)."""
    clock = FakeClock()
    api = ingest(failure, failure, reply(200, {}))
    assert ingest_client(api, clock).send_envelope(b"{}\n") == {}
    assert len(api.calls) == 3 and len(clock.sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_a_refused_envelope_is_not_retried(status):
    api = ingest(reply(status, {"detail": "refused"}), reply(200, {}))
    with pytest.raises(ResourceError, match=rf"refused the test event \(HTTP {status}\)"):
        run_test_event(event_params(confirm=False), False, Secrets(), ingest=ingest_client(api))
    assert len(api.calls) == 1


def test_an_ingest_that_keeps_failing_is_given_up_after_the_retries():
    clock = FakeClock()
    api = ingest(reply(503))
    with pytest.raises(ResourceError, match="could not send the test event") as caught:
        run_test_event(event_params(confirm=False), False, Secrets(), ingest=ingest_client(api, clock),
                       clock=clock_of(clock))
    assert "HTTP 503" in str(caught.value) and PUBLIC_KEY not in str(caught.value)
    assert len(api.calls) == 6


# ------------------------------------------------------------------------------------------- the run
def test_test_event_is_sent_and_confirmed_once_visible():
    clock = FakeClock()
    ingest_api = ingest(reply(200, {"id": "x"}))
    web = AnyGet(lambda call: reply(200, {"groupID": "77"}) if len(web.calls) >= 3 else reply(404, {"detail": "x"}))
    secrets = Secrets()
    result = run_test_event(event_params(), False, secrets, sentry(web), ingest=ingest_client(ingest_api, clock, secrets),
                            clock=clock_of(clock))
    [post] = ingest_api.calls
    assert post.headers["X-Sentry-Auth"].startswith(f"Sentry sentry_version=7, sentry_key={PUBLIC_KEY}")
    assert post.headers["Content-Type"] == "application/x-sentry-envelope"
    header, [(_item_header, payload)] = parse_envelope(post.kwargs["data"])
    assert header["event_id"] == result["event_id"] == payload["event_id"]
    assert payload["tags"]["launchkit_check"] == result["check_id"]
    assert [c.path for c in web.calls] == [f"/projects/acme/4505/events/{result['event_id']}/"] * 3
    assert result["confirmed"] and result["issue_id"] == "77" and result["changed"]
    assert 0 < clock.slept < 30 and DSN in secrets.values and PUBLIC_KEY in secrets.values
    assert result["dsn"] == f"https://{MASK}@o1.ingest.sentry.io/4505"


def test_test_event_not_seen_in_time_is_a_warning_after_the_timeout():
    clock = FakeClock()
    web = AnyGet(lambda call: reply(404, {"detail": "Event not found"}))
    result = run_test_event(event_params(project="scoop", wait_timeout=10.0), False, Secrets(), sentry(web),
                            ingest=ingest_client(ingest(reply(200, {})), clock), clock=clock_of(clock))
    assert result["sent"] and not result["confirmed"]
    assert "not visible" in result["warnings"][0] and result["check_id"] in result["warnings"][0]
    assert 10 <= clock.slept <= 12 and all(c.path.startswith("/projects/acme/scoop/events/") for c in web.calls)


def test_test_event_check_mode_sends_nothing():
    ingest_api = ingest(reply(200, {}))
    web = FakeSession()
    result = run_test_event(event_params(), True, Secrets(), sentry(web), ingest=ingest_client(ingest_api))
    assert result["changed"] and not result["sent"] and result["event_id"] is None
    assert ingest_api.calls == [] and web.calls == []


def test_test_event_without_confirm_needs_no_token():
    ingest_api = ingest(reply(200, {}))
    result = run_test_event(event_params(confirm=False, auth_token=None, organization=None), False, Secrets(),
                            ingest=ingest_client(ingest_api))
    assert result["sent"] and not result["confirmed"] and len(ingest_api.calls) == 1


def test_test_event_confirm_without_token_fails_before_sending():
    ingest_api = ingest(reply(200, {}))
    with pytest.raises(ValueError, match="auth_token"):
        run_test_event(event_params(auth_token=None), False, Secrets(), ingest=ingest_client(ingest_api))
    assert ingest_api.calls == []


def test_ingest_refusal_fails_without_the_key_and_429_is_retried():
    clock = FakeClock()
    with pytest.raises(ResourceError) as caught:
        run_test_event(event_params(confirm=False), False, Secrets(),
                       ingest=ingest_client(ingest(reply(403, text="event submission rejected")), clock))
    assert "HTTP 403" in str(caught.value) and PUBLIC_KEY not in str(caught.value)
    api = ingest(reply(429), reply(200, {}))
    assert run_test_event(event_params(confirm=False), False, Secrets(), ingest=ingest_client(api, clock))["sent"]
    assert len(api.calls) == 2


def test_wait_for_event_returns_at_once_when_visible():
    clock = FakeClock()
    api = FakeSession().on("GET", "/projects/acme/scoop/events/abc/", reply(200, {"groupID": "1"}))
    assert wait_for_event(sentry(api), "scoop", "abc", 30, clock_of(clock)) == {"groupID": "1"}
    assert clock.sleeps == []
