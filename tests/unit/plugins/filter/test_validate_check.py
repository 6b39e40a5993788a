# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_check: each step of the validate phase judged into passed, failed or pending checks."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.validate_check import FilterModule, validate_check

TARGET = {"service": "scoop-web", "found": True, "suspended": False, "base_url": "http://apps/scoop-web",
          "health_path": "/health", "ready_path": "/ready", "metrics_path": "/metrics",
          "expect_components": ["redis", "database"], "expect_metrics": ["app_up", "http_requests_total"]}


def target(**changes):
    return {**TARGET, **changes}


def only(checks):
    assert len(checks) == 1, checks
    return checks[0]


@pytest.mark.parametrize("changes, check_mode, status, message", [
    ({}, False, "passed", "found on Render"),
    ({"suspended": True}, False, "failed", "suspended on Render: resume it"),
    ({"found": False, "base_url": ""}, False, "failed", "no Render service of that name in the workspace"),
    ({"found": False, "base_url": ""}, True, "pending", "no Render service of that name in the workspace"),
    ({"suspended": "True"}, True, "failed", "suspended on Render: resume it"),
])
def test_service(changes, check_mode, status, message):
    check = only(validate_check(target(**changes), "service", check_mode=check_mode))
    assert check == {"app": "scoop-web", "check": "service", "component": "render", "status": status,
                     "message": message}


def test_a_found_service_without_a_base_url_fails_a_second_check():
    checks = validate_check(target(base_url=""), "service")
    assert [(c["check"], c["status"]) for c in checks] == [("service", "passed"), ("base_url", "failed")]
    assert "give base_url" in checks[1]["message"]


def test_health_passes_on_200_and_quotes_the_apps_status():
    check = only(validate_check({"status": 200, "json": {"status": "ok"}}, "health", TARGET))
    assert (check["check"], check["component"], check["status"], check["message"]) == (
        "/health", "app", "passed", "HTTP 200, status ok")
    assert only(validate_check({"status": 503, "json": []}, "health", TARGET))["message"] == "HTTP 503, status not given"


def test_health_without_an_answer_fails_with_the_error():
    check = only(validate_check({"failed": True, "msg": " connection refused \n"}, "health", TARGET))
    assert (check["status"], check["message"]) == ("failed", "connection refused")


def test_components_each_judged_with_their_error():
    health = {"status": 503, "json": {"checks": {"redis": {"status": "ok"},
                                                 "database": {"status": "down", "error": "timeout"}}}}
    checks = validate_check(health, "components", TARGET)
    assert [(c["component"], c["status"], c["message"]) for c in checks] == [
        ("redis", "passed", "redis ok"), ("database", "failed", "database down: timeout")]
    assert {c["check"] for c in checks} == {"/health"}


def test_an_absent_component_fails_but_is_pending_in_check_mode():
    health = {"status": 200, "json": {"checks": {"redis": "ok"}}}
    absent = validate_check(health, "components", target(expect_components=["database", "redis"]))
    assert [(c["status"], c["message"]) for c in absent] == [
        ("failed", "absent from the health checks (is its URL in the service env?)"),
        ("failed", "redis unknown")]
    pending = validate_check(health, "components", target(expect_components=["database"]), check_mode=True)
    assert only(pending)["status"] == "pending"
    no_answer = validate_check({"failed": True, "msg": "refused"}, "components", target(expect_components=["redis"]))
    assert only(no_answer)["message"] == "no answer"


def test_ready_and_metrics_give_no_check_when_their_path_is_null():
    assert validate_check({"skipped": True}, "ready", target(ready_path=None)) == []
    assert validate_check({"skipped": True}, "metrics", target(metrics_path="")) == []
    assert validate_check({}, "components", target(expect_components=[])) == []


def test_ready():
    assert only(validate_check({"status": 200}, "ready", TARGET))["message"] == "HTTP 200"
    failed = only(validate_check({"failed": True, "msg": "HTTP 500"}, "ready", TARGET))
    assert (failed["check"], failed["status"], failed["message"]) == ("/ready", "failed", "HTTP 500")


def test_metrics_need_every_expected_name_at_the_start_of_a_sample_line():
    page = "# HELP app_up Up\napp_up 1\nhttp_requests_total{code=\"200\"} 7\n"
    passed = only(validate_check({"status": 200, "content": page}, "metrics", TARGET))
    assert (passed["component"], passed["status"], passed["message"]) == (
        "metrics", "passed", "exposes app_up, http_requests_total")
    missing = only(validate_check({"status": 200, "content": "# app_up is only named in a comment\n"}, "metrics",
                                  TARGET))
    assert (missing["status"], missing["message"]) == ("failed", "missing app_up, http_requests_total")
    failed = only(validate_check({"failed": True, "msg": "timed out"}, "metrics", TARGET))
    assert (failed["status"], failed["message"]) == ("failed", "timed out")


def test_smoke_requests_in_order_of_the_loop():
    requests = [{"name": "Home page", "path": "/"}, {"method": "POST", "path": "/echo"},
                {"name": "Slow", "path": "/slow"}]
    answers = {"results": [{"status": 200}, {"skipped": True}, {"failed": True, "msg": "status 500, wanted 200"}]}
    checks = validate_check(answers, "smoke", TARGET, requests=requests)
    assert [(c["check"], c["component"], c["status"], c["message"]) for c in checks] == [
        ("smoke Home page", "GET /", "passed", "HTTP 200"),
        ("smoke /echo", "POST /echo", "pending", "not sent in check mode"),
        ("smoke Slow", "GET /slow", "failed", "status 500, wanted 200"),
    ]


def test_redis_check_names_what_it_proved():
    result = {"redis": {"server_version": "7.2.4", "maxmemory_policy": "noeviction"}}
    check = only(validate_check(result, "redis", TARGET, check="REDIS_URL"))
    assert (check["check"], check["component"], check["status"]) == ("REDIS_URL", "redis", "passed")
    assert check["message"] == "PING, SET/GET, TTL, pub/sub ok; Redis 7.2.4, policy noeviction"
    dry = only(validate_check({"redis": {}}, "redis", TARGET, check="REDIS_URL", check_mode=True))
    assert dry["message"] == "PING, pub/sub ok; Redis ?, policy unknown"
    failed = only(validate_check({"failed": True, "msg": "policy allkeys-lru evicts queued jobs"}, "redis", TARGET,
                                 check="REDIS_URL"))
    assert (failed["status"], failed["message"]) == ("failed", "policy allkeys-lru evicts queued jobs")


def test_postgres_check():
    result = {"postgres": {"server_version": "17.2", "database": "scoop"}}
    check = only(validate_check(result, "postgres", TARGET, check="DATABASE_URL"))
    assert (check["check"], check["component"], check["message"]) == (
        "DATABASE_URL", "database", "PostgreSQL 17.2, database scoop, write ok")


def test_a_backend_check_that_did_not_run_gives_no_check():
    assert validate_check({"skipped": True, "changed": False}, "redis", TARGET, check="REDIS_URL") == []
    assert validate_check(None, "postgres", TARGET, check="DATABASE_URL") == []


def test_an_unknown_kind_is_refused():
    with pytest.raises(AnsibleFilterError, match="unknown kind 'latency'"):
        validate_check({}, "latency", TARGET)
    assert FilterModule().filters()["validate_check"] is validate_check
