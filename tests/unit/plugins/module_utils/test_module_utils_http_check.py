# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""http_check: the assertion tests, their validation, the module's argument spec, retries and messages."""
from __future__ import annotations

import pytest
import requests
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.launchkit.paas.plugins.module_utils.core import transport
from ansible_collections.launchkit.paas.plugins.module_utils.http_check import check as http_check
from ansible_collections.launchkit.paas.plugins.module_utils.http_check.check import (
    ARGUMENT_SPEC, CONTENT_LIMIT, FETCH_ARGUMENT_SPEC, fetch_text, parse_assertions, passes, run_check, safe_url)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from launchkit_fakes import FakeSession, reply

APP = "http://app.test"
HEALTHY = {"status": "ok", "service": "shop-web",
           "checks": {"redis": {"status": "ok", "latency_ms": 1.5}, "database": {"status": "ok", "latency_ms": 4}},
           "tags": ["web", "eu"]}


def params(**overrides):
    """Parameters as AnsibleModule hands them over (every option present, defaults filled)."""
    validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate({"url": f"{APP}/health", **overrides})
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def check(session, check_mode=False, **overrides):
    sleeps = []
    result = run_check(params(**overrides), check_mode, Secrets(), session=session, clock=Clock(sleep=sleeps.append))
    return result, sleeps


def failure(session, **overrides):
    with pytest.raises(ResourceError) as caught:
        run_check(params(**overrides), False, Secrets(), session=session, clock=Clock(sleep=lambda seconds: None))
    return caught.value


# --------------------------------------------------------------------------------------------- passes
@pytest.mark.parametrize("test, actual, expected, result", [
    ("equals", "ok", "ok", True),
    ("equals", 1, "1", False),
    ("equals", {"a": [1]}, {"a": [1]}, True),
    ("exists", 0, True, True),
    ("exists", None, True, False),
    ("exists", None, False, True),
    ("exists", "", False, False),
    ("contains", "redis ok", "ok", True),
    ("contains", ["web", "eu"], "eu", True),
    ("contains", ["web", "eu"], "us", False),
    ("contains", {"redis": {}}, "redis", True),
    ("contains", 12, 1, False),
    ("contains", None, "x", False),
    ("matches", "dep-abc123", r"^dep-[a-z0-9]+$", True),
    ("matches", 503, r"^5\d\d$", True),
    ("matches", "live", "^dep-", False),
    ("matches", None, ".*", False),
    ("matches", True, ".*", False),
    ("gte", 5, 5, True),
    ("gte", 4.9, 5, False),
    ("gte", "12", 10, True),
    ("lte", 3.2, 5, True),
    ("lte", 7, "5", False),
    ("lte", None, 5, False),
    ("gte", True, 0, False),
    ("lte", "fast", 5, False),
])
def test_passes(test, actual, expected, result):
    assert passes(test, actual, expected) is result


def test_assertions_evaluate_jmespath_queries():
    found = [assertion.evaluate(HEALTHY) for assertion in parse_assertions([
        {"query": "checks.redis.status", "equals": "ok"},
        {"query": "checks.*.latency_ms | max(@)", "lte": 10},
        {"query": "checks.sentry", "exists": False},
        {"query": "length(tags)", "gte": 3},
    ])]
    assert [(item["actual"], item["passed"]) for item in found] == [("ok", True), (4, True), (None, True), (2, False)]
    assert found[3] == {"query": "length(tags)", "test": "gte", "expected": 3, "actual": 2, "passed": False}


# ----------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("item, error", [
    ({"equals": 1}, "json[0].query must be a JMESPath expression"),
    ({"query": "  ", "equals": 1}, "json[0].query must be a JMESPath expression"),
    ({"query": "a"}, "needs exactly one of"),
    ({"query": "a", "equals": 1, "exists": True}, "got 2"),
    ({"query": "a", "exist": True}, "unknown keys ['exist']"),
    ({"query": "a[", "equals": 1}, "not a valid JMESPath expression"),
    ({"query": "a", "matches": "("}, "not a valid regular expression"),
    ({"query": "a", "matches": 5}, "must be a regular expression"),
    ({"query": "a", "gte": "many"}, "json[0].gte must be a number"),
    ({"query": "a", "lte": True}, "json[0].lte must be a number"),
    ({"query": "a", "exists": "yes"}, "exists must be true or false"),
    ("a == 1", "must be a mapping"),
])
def test_parse_assertions_rejects(item, error):
    with pytest.raises(ValueError) as caught:
        parse_assertions([item])
    assert error in str(caught.value)


def test_unset_suboptions_do_not_count_as_tests():
    (assertion,) = parse_assertions(params(json=[{"query": "status", "equals": "ok"}])["json"])
    assert (assertion.query, assertion.test, assertion.expected) == ("status", "equals", "ok")


@pytest.mark.parametrize("overrides, error", [
    ({"json": [{"query": "a", "equals": 1, "exists": True}]}, "mutually exclusive"),
    ({"json": [{"query": "a"}]}, "one of the following is required"),
    ({"json": [{"equals": 1}]}, "missing required arguments: query"),
    ({"json": [{"query": "a", "equals": 1, "is": 2}]}, "json.is. Supported parameters include"),
    ({"body_format": "xml"}, "body_format"),
    ({"status_code": ["two hundred"]}, "status_code"),
])
def test_argument_spec_rejects(overrides, error):
    validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate({"url": APP, **overrides})
    assert any(error in message for message in validated.error_messages), validated.error_messages


@pytest.mark.parametrize("overrides, error", [
    ({"timeout": 0}, "timeout must be greater than 0"),
    ({"retries": -1}, "retries must be 0 or more"),
    ({"delay": -0.5}, "delay must be 0 or more"),
    ({"method": "POST", "body_format": "raw", "body": {"a": 1}}, "body must be text when body_format is raw"),
])
def test_bad_numbers_and_bodies_fail_before_any_request(overrides, error):
    session = FakeSession(APP)
    with pytest.raises(ValueError, match=error):
        check(session, **overrides)
    assert session.calls == []


def test_headers_are_no_log():
    assert ARGUMENT_SPEC["headers"]["no_log"] is True


def test_jmespath_is_required_only_for_json_assertions(monkeypatch):
    missing = ImportError("No module named 'jmespath'")
    monkeypatch.setattr(http_check, "JMESPATH_IMPORT_ERROR", missing)
    assert http_check.required_libraries(params(json=[{"query": "status", "equals": "ok"}])) == {"jmespath": missing}
    assert http_check.required_libraries(params(contains=["ok"])) == {"jmespath": None}


# --------------------------------------------------------------------------------------- the request
def test_success_returns_the_answer_and_every_check():
    session = FakeSession(APP).on("GET", "/health", reply(200, HEALTHY))
    result, sleeps = check(session, json=[{"query": "status", "equals": "ok"}], contains=['"redis"'])
    assert result["changed"] is False and result["status"] == 200 and result["attempts"] == 1
    assert result["json"] == HEALTHY and result["failed_assertions"] == [] and sleeps == []
    outcomes = [(item["test"], item["passed"]) for item in result["assertions"]]
    assert outcomes == [("equals", True), ("body_contains", True)]
    assert result["content"].startswith('{"status": "ok"') and result["content_truncated"] is False


def test_only_the_headers_asked_for_are_returned():
    session = FakeSession(APP).on("GET", "/health", reply(200, HEALTHY, headers={
        "x-ratelimit-reset": "1765090860", "Set-Cookie": "session=s3cret"}))
    result, _sleeps = check(session, return_headers=["X-RateLimit-Reset", "Retry-After"])
    assert result["headers"] == {"X-RateLimit-Reset": "1765090860", "Retry-After": None}
    result, _sleeps = check(session)
    assert "headers" not in result and "s3cret" not in repr(result)


def test_a_failing_assertion_names_url_status_and_values():
    session = FakeSession(APP).on("GET", "/health", reply(503, {**HEALTHY, "status": "error"}))
    error = failure(session, url="https://user:pw-9931@app.test/health?token=tk-5512&page=2",
                    json=[{"query": "status", "equals": "ok"}, {"query": "checks.redis.status", "equals": "ok"}])
    message = str(error)
    assert message.startswith("GET https://app.test/health?token=********&page=2 failed: ")
    assert "expected status 200, got 503" in message
    assert 'status equals "ok": got "error"' in message
    assert "checks.redis.status" not in message  # it passed
    assert "pw-9931" not in message and "tk-5512" not in message and "user" not in message
    assert error.details["status"] == 503 and len(error.details["failed_assertions"]) == 1


def test_url_password_and_secret_query_values_are_registered():
    session = FakeSession(APP).on("GET", "/health", reply(200, HEALTHY))
    secrets = Secrets()
    run_check(params(url="http://u:pw-9931@app.test/health?api_key=k-77aa&page=2"), False, secrets,
              session=session, clock=Clock(sleep=lambda seconds: None))
    assert secrets.values == {"pw-9931", "k-77aa"}


def test_retries_until_the_checks_pass():
    session = FakeSession(APP).on("GET", "/health", requests.exceptions.ConnectionError("Connection refused"),
                                  reply(404, {"error": "no route"}), reply(200, {"status": "starting"}),
                                  reply(200, HEALTHY))
    result, sleeps = check(session, retries=5, delay=1.5, json=[{"query": "status", "equals": "ok"}])
    assert result["attempts"] == 4 and len(session.calls) == 4 and sleeps == [1.5, 1.5, 1.5]


def test_without_a_delay_the_retries_follow_each_other_at_once():
    session = FakeSession(APP).on("GET", "/health", reply(503, {}), reply(200, HEALTHY))
    result, sleeps = check(session, retries=3, delay=0)
    assert result["attempts"] == 2 and sleeps == [0]


def test_gives_up_after_the_retries_with_the_last_answer():
    session = FakeSession(APP).on("GET", "/health", reply(200, {"status": "starting"}))
    error = failure(session, retries=2, json=[{"query": "status", "equals": "ok"}])
    assert len(session.calls) == 3
    assert "failed after 3 attempts" in str(error) and error.details["attempts"] == 3


def fetch_params(**overrides):
    validated = ArgumentSpecValidator(FETCH_ARGUMENT_SPEC).validate(overrides)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def test_fetch_text_returns_the_whole_body_after_the_retries_with_the_headers_and_the_ca():
    page = "# TYPE app_up gauge\napp_up 1\n" + "x" * (CONTENT_LIMIT + 10)
    session = FakeSession(APP).on("GET", "/metrics", reply(503, {}), reply(200, text=page))
    sleeps = []
    text = fetch_text(f"{APP}/metrics", fetch_params(retries=2, delay=1, headers={"Authorization": "Bearer t"},
                                                     ca_path="/tmp/ca.crt"),
                      Secrets(), session=session, clock=Clock(sleep=sleeps.append))
    assert text == page and sleeps == [1]
    assert session.calls[-1].headers == {"Authorization": "Bearer t"}
    assert session.calls[-1].kwargs["verify"] == "/tmp/ca.crt"


def test_fetch_text_fails_with_the_safe_url_and_the_status():
    session = FakeSession(APP).on("GET", "/metrics", reply(404, {}))
    secrets = Secrets()
    with pytest.raises(ResourceError) as caught:
        fetch_text(f"{APP}/metrics?token=tk-3", fetch_params(), secrets, session=session)
    assert str(caught.value) == "GET http://app.test/metrics?token=******** failed: expected status 200, got 404"
    assert caught.value.details["status"] == 404 and "tk-3" in secrets.values


def test_no_answer_says_why_without_the_url():
    refused = requests.exceptions.ConnectionError("HTTPConnectionPool(host='app.test', port=80): "
                                                  "Max retries exceeded with url: /health?token=tk-1 "
                                                  "(Caused by NewConnectionError('Connection refused'))")
    error = failure(FakeSession(APP).on("GET", "/health", refused))
    assert str(error) == "GET http://app.test/health: no answer: connection refused"
    timed_out = failure(FakeSession(APP).on("GET", "/health", requests.exceptions.ReadTimeout("read timed out")),
                        timeout=2.5)
    assert str(timed_out).endswith("no answer: no answer within 2.5 s")


def test_contains_checks_text_bodies():
    metrics = "app_up 1\napp_redis_up 1\nhttp_requests_total{path=\"/\"} 3\n"
    session = FakeSession(APP).on("GET", "/metrics", reply(200, text=metrics))
    result, _sleeps = check(session, url=f"{APP}/metrics", contains=["app_up 1", "app_redis_up 1"])
    assert "json" not in result and result["content"] == metrics
    error = failure(session, url=f"{APP}/metrics", contains=["app_database_up 1"],
                    json=[{"query": "status", "equals": "ok"}])
    assert "the body does not contain 'app_database_up 1'" in str(error)
    assert 'status equals "ok": the body is not JSON' in str(error)


def test_long_bodies_are_cut():
    session = FakeSession(APP).on("GET", "/health", reply(200, text="x" * (CONTENT_LIMIT + 10)))
    result, _sleeps = check(session)
    assert len(result["content"]) == CONTENT_LIMIT and result["content_truncated"] is True


def test_post_sends_json_and_raw_bodies_with_headers():
    session = FakeSession(APP).on("POST", "/echo", reply(200, {"method": "POST", "json": {"a": 1}}))
    check(session, url=f"{APP}/echo", method="post", body={"a": 1}, headers={"Authorization": "Bearer t-1"},
          ca_path="/tmp/ca.crt")
    check(session, url=f"{APP}/echo", method="POST", body="a=1", body_format="raw", validate_certs=False,
          ca_path="/tmp/ca.crt")
    first, second = session.calls
    assert first.json == {"a": 1} and first.headers == {"Authorization": "Bearer t-1"}
    assert first.kwargs["verify"] == "/tmp/ca.crt" and first.kwargs["timeout"] == 10.0
    assert second.kwargs["data"] == "a=1" and "json" not in second.kwargs and second.kwargs["verify"] is False


@pytest.mark.parametrize("method, run_in_check_mode, sent", [
    ("GET", None, True), ("HEAD", None, True), ("OPTIONS", None, True),
    ("POST", None, False), ("DELETE", None, False), ("POST", True, True), ("GET", False, False),
])
def test_check_mode(method, run_in_check_mode, sent):
    session = FakeSession(APP).on(method, "/health", reply(200, HEALTHY))
    result, _sleeps = check(session, check_mode=True, method=method, run_in_check_mode=run_in_check_mode)
    assert len(session.calls) == (1 if sent else 0)
    assert result["changed"] is False
    if not sent:
        assert result["skipped"] is True
        assert result["msg"] == f"check mode: {method} http://app.test/health not sent (set run_in_check_mode to send it)"


@pytest.mark.parametrize("url, expected", [
    ("https://u:p@h.test:8443/a/b?x=1#frag", "https://h.test:8443/a/b?x=1"),
    ("http://h.test/m?access_token=abc&signature=s&q=ok", "http://h.test/m?access_token=********&signature=********&q=ok"),
    ("http://[::1]:8080/", "http://[::1]:8080/"),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


# --------------------------------------------------------------------------------------------- capture
def test_captures_are_returned_by_name_and_only_secret_ones_are_registered():
    created = {"id": 42, "token": "item-token-9f3a", "owner": {"name": "smoke"}}
    session = FakeSession(APP).on("POST", "/items", reply(201, created))
    secrets = Secrets()
    result = run_check(params(url=f"{APP}/items", method="POST", body={"name": "smoke"}, status_code=[201],
                              capture=[{"name": "item_id", "query": "id"},
                                       {"name": "token", "query": "token", "secret": True},
                                       {"name": "owner", "query": "owner.name"}]),
                       False, secrets, session=session, clock=Clock(sleep=lambda seconds: None))
    assert result["captured"] == {"item_id": 42, "token": "item-token-9f3a", "owner": "smoke"}
    assert secrets.values == {"item-token-9f3a"}
    # Returned as they are (the role uses them next), not masked out of the result.
    assert result["_unmasked"] == ("item-token-9f3a",)


def test_a_capture_that_finds_nothing_fails_the_request():
    session = FakeSession(APP).on("POST", "/items", reply(201, {"name": "smoke"}))
    error = failure(session, url=f"{APP}/items", method="POST", status_code=[201],
                    capture=[{"name": "item_id", "query": "id"}])
    assert str(error) == "capture item_id: id found nothing in the answer"


def test_no_capture_without_a_passing_answer_but_its_secrets_are_registered():
    session = FakeSession(APP).on("POST", "/items", reply(500, {"id": 1, "token": "item-token-77ab"}))
    secrets = Secrets()
    with pytest.raises(ResourceError) as caught:
        run_check(params(url=f"{APP}/items", method="POST", json=[{"query": "token", "equals": "x"}],
                         capture=[{"name": "item_id", "query": "id"},
                                  {"name": "token", "query": "token", "secret": True}]),
                  False, secrets, session=session, clock=Clock(sleep=lambda seconds: None))
    assert "expected status 200, got 500" in str(caught.value) and "captured" not in caught.value.details
    # The failure quotes the token; the module masks every registered secret out of it.
    assert "item-token-77ab" in str(caught.value) and secrets.values == {"item-token-77ab"}


@pytest.mark.parametrize("capture, error", [
    ({"name": "item-id", "query": "id"}, "capture[0].name must be a word"),
    ({"name": "item_id", "query": "id[["}, "capture[0].query is not a valid JMESPath expression"),
])
def test_bad_captures_fail_before_any_request(capture, error):
    session = FakeSession(APP)
    with pytest.raises(ValueError, match=error.replace("[", r"\[").replace("]", r"\]")):
        run_check(params(capture=[capture]), False, Secrets(), session=session)
    assert session.calls == []


def test_jmespath_is_required_for_captures(monkeypatch):
    missing = ImportError("No module named 'jmespath'")
    monkeypatch.setattr(http_check, "JMESPATH_IMPORT_ERROR", missing)
    assert http_check.required_libraries(params(capture=[{"name": "a", "query": "id"}])) == {"jmespath": missing}


# ------------------------------------------------------------------------------------- connect_to
@pytest.mark.parametrize("text, host, port, expected", [
    ("api.example.com:443:127.0.0.1:8443", "api.example.com", 443, ("127.0.0.1", 8443)),
    ("API.example.com:443:127.0.0.1:8443", "api.EXAMPLE.com", 443, ("127.0.0.1", 8443)),
    ("api.example.com:443:127.0.0.1:8443", "api.example.com", 80, None),      # another port
    ("api.example.com:443:127.0.0.1:8443", "www.example.com", 443, None),     # another host
    (":443:127.0.0.1:8443", "anything.test", 443, ("127.0.0.1", 8443)),       # empty HOST: any
    ("api.example.com::127.0.0.1:", "api.example.com", 8080, ("127.0.0.1", 8080)),  # keep the port
    ("api.example.com:443::8443", "api.example.com", 443, ("api.example.com", 8443)),  # keep the host
])
def test_connect_to_reads_curls_rules(text, host, port, expected):
    assert transport.ConnectTo.parse(text).target(host, port) == expected


@pytest.mark.parametrize("text", ["api.example.com:443:127.0.0.1", "api.example.com:https:127.0.0.1:8443",
                                  "a:1:b:2:c", ""])
def test_a_malformed_connect_to_rule_fails_before_any_request(text):
    session = FakeSession()
    with pytest.raises(ValueError, match="HOST:PORT:CONNECT_HOST:CONNECT_PORT"):
        run_check(params(connect_to=[text]), False, Secrets(), session=session)
    assert session.calls == []


def test_the_first_matching_rule_wins():
    rules = [transport.ConnectTo.parse(r) for r in ("api.example.com:443:10.0.0.1:1", ":443:10.0.0.2:2")]
    assert transport.connect_target(rules, "api.example.com", 443) == ("10.0.0.1", 1)
    assert transport.connect_target(rules, "other.example.com", 443) == ("10.0.0.2", 2)
    assert transport.connect_target(rules, "other.example.com", 80) is None


def prepared(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def test_a_routed_https_request_connects_elsewhere_and_names_its_host_in_sni_and_the_certificate_check():
    adapter = transport.ConnectToAdapter([transport.ConnectTo.parse("api.example.com:443:127.0.0.1:8443")])
    pool = adapter.get_connection_with_tls_context(prepared("https://api.example.com/health"), "/tmp/ca.pem")
    assert (pool.host, pool.port) == ("127.0.0.1", 8443)
    assert pool.conn_kw["server_hostname"] == "api.example.com"
    assert pool.assert_hostname == "api.example.com"
    assert pool.ca_certs == "/tmp/ca.pem" and pool.cert_reqs == "CERT_REQUIRED"


def test_without_certificate_checks_the_routed_pool_checks_no_name():
    adapter = transport.ConnectToAdapter([transport.ConnectTo.parse(":443:127.0.0.1:8443")])
    pool = adapter.get_connection_with_tls_context(prepared("https://api.example.com/"), False)
    assert pool.cert_reqs == "CERT_NONE" and pool.assert_hostname is False


def test_a_request_no_rule_matches_goes_to_its_own_host():
    adapter = transport.ConnectToAdapter([transport.ConnectTo.parse("api.example.com:443:127.0.0.1:8443")])
    pool = adapter.get_connection_with_tls_context(prepared("https://www.example.com/"), True)
    assert (pool.host, pool.port) == ("www.example.com", 443)


def test_a_routed_request_keeps_its_host_header(monkeypatch):
    sent = []
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", lambda self, request, **kw: sent.append(request))
    adapter = transport.ConnectToAdapter([transport.ConnectTo.parse(":8080:127.0.0.1:9000")])
    adapter.send(prepared("http://app.example.com:8080/ready"))
    adapter.send(prepared("http://other.example.com/ready"))
    assert sent[0].headers["Host"] == "app.example.com:8080"
    assert "Host" not in sent[1].headers


def test_connect_to_is_mounted_for_both_schemes():
    session = transport.new_session([transport.ConnectTo.parse(":443:127.0.0.1:8443")])
    assert isinstance(session.get_adapter("https://x.test/"), transport.ConnectToAdapter)
    assert isinstance(session.get_adapter("http://x.test/"), transport.ConnectToAdapter)
    assert not isinstance(transport.new_session().get_adapter("https://x.test/"), transport.ConnectToAdapter)
