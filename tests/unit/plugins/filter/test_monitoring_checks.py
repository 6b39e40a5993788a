# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""monitoring_checks, grafana_queries, grafana_all_numbers, monitoring_links: the monitoring's validation."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.grafana_all_numbers import grafana_all_numbers
from ansible_collections.launchkit.paas.plugins.filter.grafana_queries import grafana_queries
from ansible_collections.launchkit.paas.plugins.filter.monitoring_checks import monitoring_checks
from ansible_collections.launchkit.paas.plugins.filter.monitoring_links import monitoring_links

PLAN = {"app": "web", "folder": {"uid": "lk-web", "title": "web"},
        "dashboards": [{"uid": "lk-web-latency", "title": "web - Latency"}],
        "alert_checks": [{"name": "latency", "uid": "lk-web-latency-a", "expr": "q1", "op": "gt", "threshold": 50},
                         {"name": "errors", "uid": "lk-web-errors", "expr": "q2", "op": "gt", "threshold": 0.01}],
        "panel_checks": [{"dashboard": "web - Latency", "panel": "p50", "expr": "x"},
                         {"dashboard": "web - Latency", "panel": "p95", "expr": "y"}],
        "contact_point": None}


def series(*values, labels=None):
    return {"labels": labels or {}, "values": [[1000 * n, v] for n, v in enumerate(values)], "last": values[-1]}


def test_an_alert_below_its_threshold_passes_and_one_past_it_fails_as_it_would_fire():
    checks = monitoring_checks(PLAN, {"a0": {"series": [series(4.8)]}, "a1": {"series": [series(0.02)]}},
                               {"p0": {"series": [series(1, 2)]}, "p1": {"series": [series(3)]}})
    assert [(c["component"], c["status"]) for c in checks] == [
        ("alert latency", "passed"), ("alert errors", "failed"), ("dashboard web - Latency", "passed")]
    assert checks[0]["message"] == "1 series, each below its threshold of 50"
    assert checks[1]["message"] == "0.02 is above its threshold 0.01 now: it would fire"


def test_no_series_or_a_query_error_fails_and_not_a_number_passes_saying_so():
    checks = monitoring_checks(PLAN, {"a0": {"series": [series(float("nan"))]}, "a1": {"series": [], "error": None}},
                               {"p0": {"series": [], "error": "parse error"}, "p1": {"series": []}})
    assert checks[0]["status"] == "passed" and "no observations in the window" in checks[0]["message"]
    assert checks[1]["status"] == "failed" and "NoData" in checks[1]["message"]
    assert checks[2] == {"status": "failed", "app": "web", "check": "monitoring", "component": "dashboard web - Latency",
                         "message": "no data in: p50 (parse error); p95 (no data)"}


def test_queries_not_run_are_pending_in_check_mode_and_failed_otherwise():
    assert {c["status"] for c in monitoring_checks(PLAN, None, None, check_mode=True)} == {"pending"}
    found_nothing = monitoring_checks(PLAN, {"a0": {"series": []}, "a1": {"series": [series(0)]}}, {}, check_mode=True)
    assert [c["status"] for c in found_nothing] == ["pending", "passed", "pending"]
    assert found_nothing[0]["message"].endswith("(check mode: the rollout has not run yet)")
    assert {c["status"] for c in monitoring_checks(PLAN, None, None)} == {"failed"}


def test_the_contact_point_check_names_each_integration_that_failed_and_says_the_same_without_a_test():
    plan = {**PLAN, "alert_checks": [], "panel_checks": [], "contact_point": "web-alerts",
            "contact_points": [{"uid": "lk-web-email"}, {"uid": "lk-web-slack"}]}
    sent = {"sent": True, "contact_point": "web-alerts",
            "results": [{"uid": "lk-web-email", "status": "ok"},
                        {"uid": "lk-web-slack", "status": "failed", "error": "no_service (hooks.slack.com)"}]}
    [check] = monitoring_checks(plan, {}, {}, sent)
    assert check["status"] == "failed" and check["message"] == "lk-web-slack: no_service (hooks.slack.com)"
    sent["results"][1] = {"uid": "lk-web-slack", "status": "ok"}
    [tested] = monitoring_checks(plan, {}, {}, sent)
    [read] = monitoring_checks(plan, {}, {}, {"skipped": True}, [{"uid": "lk-web-email"}, {"uid": "lk-web-slack"}])
    assert tested == read and read["message"] == "integrations lk-web-email, lk-web-slack take notifications"
    [unsent] = monitoring_checks(plan, {}, {}, {"failed": True, "msg": "Grafana API POST ... (HTTP 503)"})
    assert unsent["message"] == "the test notification could not be sent: Grafana API POST ... (HTTP 503)"
    [gone] = monitoring_checks(plan, {}, {}, None, [{"uid": "lk-web-email"}])
    assert gone["status"] == "failed" and gone["message"] == "not in Grafana: lk-web-slack"


def test_queries_numbers_and_links():
    assert grafana_queries(["a", "b"], "p", False) == [{"ref_id": "p0", "expr": "a", "instant": False},
                                                       {"ref_id": "p1", "expr": "b", "instant": False}]
    assert grafana_all_numbers({"a0": {"series": [series(1.0)]}, "a1": {"series": [series(0)]}})
    assert not grafana_all_numbers({"a0": {"series": [series(float("nan"))]}})
    assert not grafana_all_numbers({"a0": {"series": []}})
    links = monitoring_links({**PLAN, "contact_point": "web-alerts"}, "https://acme.grafana.net/")
    assert links["dashboards"] == [{"title": "web - Latency", "url": "https://acme.grafana.net/d/lk-web-latency"}]
    assert links["alerts"][0]["url"] == "https://acme.grafana.net/alerting/grafana/lk-web-latency-a/view"
    assert links["folder"]["url"] == "https://acme.grafana.net/dashboards/f/lk-web"
