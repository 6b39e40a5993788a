# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""check_summary: the verdict, the counts, a line per failure and per check."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.check_summary import FilterModule, check_summary


def check(status, component="app", message="HTTP 200", name="/health"):
    return {"app": "scoop-web", "check": name, "component": component, "status": status, "message": message}


def test_any_failure_fails_the_rollout_and_each_is_named():
    checks = [check("passed"), check("failed", "redis", "connection refused", "REDIS_URL"),
              check("failed", "database", "database down: timeout"), check("failed", "render", "suspended", "service"),
              check("pending", "GET /", "not sent in check mode", "smoke Home")]
    judged = check_summary(checks)
    assert judged["summary"] == {"result": "failed", "checks": 5, "passed": 1, "failed": 3, "pending": 1,
                                 "pending_actions": 0}
    assert judged["failures"] == ["scoop-web REDIS_URL: redis: connection refused",
                                  "scoop-web /health: database down: timeout",
                                  "scoop-web service: suspended"]
    assert judged["lines"][0] == "PASSED | scoop-web | /health | app | HTTP 200"
    assert judged["lines"][4] == "PENDING | scoop-web | smoke Home | GET / | not sent in check mode"


def test_pending_without_failure_and_all_passed():
    assert check_summary([check("passed"), check("pending")])["summary"]["result"] == "pending"
    assert check_summary([check("passed")])["summary"] == {"result": "passed", "checks": 1, "passed": 1, "failed": 0,
                                                           "pending": 0, "pending_actions": 0}
    assert check_summary([]) == {"summary": {"result": "passed", "checks": 0, "passed": 0, "failed": 0, "pending": 0,
                                             "pending_actions": 0},
                                 "failures": [], "lines": []}
    assert FilterModule().filters()["check_summary"] is check_summary


def test_with_checks_returns_the_input_beside_the_summary():
    checks = [check("passed"), check("failed")]
    judged = check_summary(checks, with_checks=True)
    assert judged["checks"] == checks and judged["summary"]["failed"] == 1
    assert "checks" not in check_summary(checks)


def test_pending_actions_are_counted_and_qualify_a_pass_only():
    actions = ["DNS: create CNAME em1.example.com -> u1.wl.sendgrid.net", "Email: open the verification link"]
    summary = check_summary([check("passed")], pending_actions=actions)["summary"]
    assert summary["result"] == "passed with pending actions" and summary["pending_actions"] == 2
    assert check_summary([check("failed")], pending_actions=actions)["summary"]["result"] == "failed"
    assert check_summary([check("pending")], pending_actions=actions)["summary"]["result"] == "pending"
    assert check_summary([check("passed")], pending_actions=[])["summary"]["result"] == "passed"
