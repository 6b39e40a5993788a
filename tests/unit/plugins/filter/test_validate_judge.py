# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_judge: every loop result goes to the app of its loop item; each app judged in order."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.validate_judge import FilterModule, validate_judge
from ansible_collections.launchkit.paas.plugins.filter.validate_targets import default_components

LIVE = {"id": "dep-1", "status": "live"}
WEB = {"service": "web", "found": True, "suspended": False, "base_url": "http://apps/web", "health_path": "/health",
       "ready_path": "/ready", "metrics_path": None, "components": default_components(["redis"]), "expect_metrics": [],
       "smoke": [{"name": "home", "path": "/"}], "reachable": True, "deploys": {"live": LIVE, "latest": LIVE}}
API = {**WEB, "service": "api", "base_url": "http://apps/api", "smoke": [], "components": [],
       "deploys": {"live": LIVE, "latest": {"id": "dep-2", "status": "build_failed"}}}
GONE = {**WEB, "service": "gone", "found": False, "base_url": "", "reachable": False, "smoke": []}


def loop(*answers):
    return {"results": [{"validate_target": target, **answer} for target, answer in answers]}


def test_each_answer_is_judged_for_the_app_of_its_item():
    results = {
        "health": loop((API, {"status": 200, "json": {"status": "ok"}}),
                       (WEB, {"status": 503, "json": {"status": "down", "checks": {"redis": {"status": "down"}}}})),
        "ready": loop((WEB, {"status": 200}), (API, {"failed": True, "msg": "connection refused"})),
        "smoke": {"results": [{"validate_target": WEB, "status": 200}]},
        "redis": loop((WEB, {"redis": {"server_version": "7.2", "maxmemory_policy": "noeviction"}}),
                      (API, {"skipped": True})),
        "postgres": {"results": [], "skipped": True},
    }
    checks = validate_judge([WEB, API, GONE], results)
    summary = [(c["app"], c["check"], c["component"], c["status"]) for c in checks]
    assert summary == [
        ("web", "service", "render", "passed"),
        ("web", "deploy", "render", "passed"),
        ("web", "/health", "app", "failed"),
        ("web", "/health", "redis", "failed"),
        ("web", "/ready", "app", "passed"),
        ("web", "smoke home", "GET /", "passed"),
        ("web", "REDIS_URL", "redis", "passed"),
        ("api", "service", "render", "passed"),
        ("api", "deploy", "render", "failed"),
        ("api", "/health", "app", "passed"),
        ("api", "/ready", "app", "failed"),
        ("gone", "service", "render", "failed"),
    ]
    assert checks[10]["message"] == "connection refused"
    assert "dep-2 is build_failed" in checks[8]["message"]


def test_in_check_mode_what_does_not_exist_yet_is_pending():
    checks = validate_judge([GONE], {}, check_mode=True)
    assert [c["status"] for c in checks] == ["pending"]
    assert FilterModule().filters()["validate_judge"] is validate_judge


def test_smoke_answers_gathered_round_after_round_go_to_each_apps_requests_in_order():
    web = {**WEB, "smoke": [{"name": "create", "method": "POST", "path": "/items"}, {"name": "read", "path": "/items/1"}]}
    api = {**API, "smoke": [{"name": "home", "path": "/"}]}
    answers = [{"validate_target": web, "status": 201}, {"validate_target": api, "status": 200},
               {"validate_target": web, "failed": True, "msg": "expected status 200, got 404"}]
    checks = [c for c in validate_judge([web, api], {"smoke": {"results": answers}}) if c["check"].startswith("smoke")]
    assert [(c["app"], c["check"], c["status"]) for c in checks] == [
        ("web", "smoke create", "passed"), ("web", "smoke read", "failed"), ("api", "smoke home", "passed")]
