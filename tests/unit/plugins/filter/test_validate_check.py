# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_check: each step of the validate phase judged into passed, failed or pending checks."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.validate_check import FilterModule, validate_check
from ansible_collections.launchkit.paas.plugins.filter.validate_targets import default_components

TARGET = {"service": "scoop-web", "platform": "render", "found": True, "suspended": False,
          "base_url": "http://apps/scoop-web", "health_path": "/health", "ready_path": "/ready", "metrics_path": "/metrics",
          "components": default_components(["redis", "database"]), "expect_metrics": ["app_up", "http_requests_total"]}
# RekindlePro's /health: {"status": "healthy", "components": {"database": "healthy", "redis": "healthy"}}
PLAN_COMPONENTS = [{"name": "status", "query": "status", "equals": "healthy", "detail": None},
                   {"name": "database", "query": "components.database", "equals": "healthy", "detail": None},
                   {"name": "redis", "query": "components.redis", "equals": "healthy", "detail": None}]


def target(**changes):
    return {**TARGET, **changes}


def only(checks):
    assert len(checks) == 1, checks
    return checks[0]


@pytest.mark.parametrize("changes, check_mode, status, message", [
    ({}, False, "passed", "found on Render"),
    ({"suspended": True}, False, "failed", "suspended on Render: resume it"),
    ({"found": False, "base_url": ""}, False, "failed", "no Render service of that name"),
    ({"found": False, "base_url": ""}, True, "pending", "no Render service of that name"),
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
        ("redis", "passed", "redis ok"), ("database", "failed", "database down, expected ok: timeout")]
    assert {c["check"] for c in checks} == {"/health"}


def test_components_in_the_apps_own_shape_are_read_with_their_queries():
    plan = target(components=PLAN_COMPONENTS)
    healthy = {"status": 200, "json": {"status": "healthy", "components": {"database": "healthy", "redis": "healthy"}}}
    assert [(c["component"], c["status"], c["message"]) for c in validate_check(healthy, "components", plan)] == [
        ("status", "passed", "status healthy"), ("database", "passed", "database healthy"),
        ("redis", "passed", "redis healthy")]
    degraded = {"status": 503,
                "json": {"status": "degraded", "components": {"database": "healthy", "redis": "unhealthy"}}}
    assert [(c["component"], c["status"], c["message"]) for c in validate_check(degraded, "components", plan)] == [
        ("status", "failed", "status degraded, expected healthy"), ("database", "passed", "database healthy"),
        ("redis", "failed", "redis unhealthy, expected healthy")]


def test_the_expected_value_keeps_its_type():
    component = {"name": "workers", "query": "workers", "equals": 2, "detail": None}
    checks = validate_check({"status": 200, "json": {"workers": "2"}}, "components", target(components=[component]))
    assert (only(checks)["status"], only(checks)["message"]) == ("failed", 'workers 2, expected 2')
    checks = validate_check({"status": 200, "json": {"workers": 2}}, "components", target(components=[component]))
    assert only(checks)["status"] == "passed"


def test_an_absent_component_fails_but_is_pending_in_check_mode():
    health = {"status": 200, "json": {"checks": {"redis": "ok"}}}
    absent = validate_check(health, "components", target(components=default_components(["database", "redis"])))
    assert [(c["status"], c["message"]) for c in absent] == [
        ("failed", 'absent from the health answer (checks."database".status); is its URL in the service env?'),
        ("failed", 'absent from the health answer (checks."redis".status); is its URL in the service env?')]
    pending = validate_check(health, "components", target(components=default_components(["database"])),
                             check_mode=True)
    assert only(pending)["status"] == "pending"
    no_answer = validate_check({"failed": True, "msg": "refused"}, "components",
                               target(components=default_components(["redis"])))
    assert only(no_answer)["message"] == "no answer"


def test_the_running_deploy_is_the_latest():
    live = {"id": "dep-1", "status": "live", "commit": "abc123"}
    check = only(validate_check(target(deploys={"live": live, "latest": live}), "deploy"))
    assert (check["check"], check["component"], check["status"], check["message"]) == (
        "deploy", "render", "passed", "runs its latest deploy dep-1, commit abc123")


@pytest.mark.parametrize("latest", [{"id": "dep-2", "status": "build_failed"},
                                    {"id": "dep-2", "status": "build_in_progress"}])
def test_a_newer_deploy_that_is_not_live_is_reported_by_id_and_status(latest):
    deploys = {"live": {"id": "dep-1", "status": "live"}, "latest": latest}
    for check_mode in (False, True):
        check = only(validate_check(target(deploys=deploys), "deploy", check_mode=check_mode))
        assert check["status"] == "failed"
        assert check["message"].startswith(f"runs deploy dep-1, but the latest deploy dep-2 is {latest['status']}")


def test_the_platform_says_why_the_latest_is_not_running():
    deploys = {"live": {"id": "dpl_1", "status": "live"},
               "latest": {"id": "cloudgreet@env-5000", "status": "not deployed",
                          "reason": "the production env changed after the newest production deployment dpl_1 was made"}}
    check = only(validate_check(target(platform="vercel", deploys=deploys), "deploy"))
    assert (check["component"], check["status"]) == ("vercel", "failed")
    assert check["message"] == ("runs deploy dpl_1, but the production env changed after the newest production "
                                "deployment dpl_1 was made")


def test_no_live_deploy_and_none_at_all():
    failed = {"live": None, "latest": {"id": "dep-9", "status": "update_failed"}}
    assert only(validate_check(target(deploys=failed), "deploy"))["message"].startswith(
        "runs no deploy, but the latest deploy dep-9 is update_failed")
    empty = {"live": None, "latest": None}
    assert only(validate_check(target(deploys=empty), "deploy"))["status"] == "failed"
    assert only(validate_check(target(deploys=empty), "deploy", check_mode=True))["status"] == "pending"


def test_no_deploy_check_for_a_service_not_found_or_deploys_not_read():
    assert validate_check(target(found=False, deploys={"live": None, "latest": None}), "deploy") == []
    assert validate_check(target(deploys=None), "deploy") == []


def test_smoke_reports_captures_and_never_a_secret_value():
    requests = [{"name": "create", "method": "POST", "path": "/items",
                 "capture": [{"name": "item_id", "query": "id"}, {"name": "token", "query": "token", "secret": True}]},
                {"name": "read", "path": "/items/${item_id}"}]
    answers = {"results": [{"status": 201, "captured": {"item_id": 7, "token": "tok-secret-123"}},
                           {"status": 200}]}
    checks = validate_check(answers, "smoke", TARGET, requests=requests)
    assert [(c["check"], c["component"], c["status"], c["message"]) for c in checks] == [
        ("smoke create", "POST /items", "passed", "HTTP 201, captured item_id, token (secret)"),
        ("smoke read", "GET /items/${item_id}", "passed", "HTTP 200")]
    assert "tok-secret-123" not in str(checks)


def test_a_request_not_sent_for_want_of_a_capture_fails_but_is_pending_in_check_mode():
    requests = [{"name": "create", "method": "POST", "path": "/items", "capture": [{"name": "id", "query": "id"}]},
                {"name": "read", "path": "/items/${id}"}]
    answers = {"results": [{"failed": True, "msg": "expected status 201, got 500"},
                           {"skipped": True, "false_condition": "validate_request.missing | length == 0"}]}
    checks = validate_check(answers, "smoke", TARGET, requests=requests)
    assert [c["status"] for c in checks] == ["failed", "failed"]
    assert checks[1]["message"] == "not sent: a value it uses was not captured (an earlier request failed)"
    in_check_mode = {"results": [{"skipped": True, "msg": "check mode: not sent"},
                                 {"skipped": True, "false_condition": "validate_request.missing | length == 0"}]}
    assert [c["status"] for c in validate_check(in_check_mode, "smoke", TARGET, requests=requests,
                                                check_mode=True)] == ["pending", "pending"]


def test_ready_and_metrics_give_no_check_when_their_path_is_null():
    assert validate_check({"skipped": True}, "ready", target(ready_path=None)) == []
    assert validate_check({"skipped": True}, "metrics", target(metrics_path="")) == []
    assert validate_check({}, "components", target(components=[])) == []


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
