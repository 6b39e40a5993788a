# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""monitoring_plan: the Grafana objects of the monitoring phase, built from an app's metric names."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.monitoring_plan import monitoring_plan
from ansible_collections.launchkit.paas.plugins.module_utils.monitoring.plan import uid


def settings(**overrides):
    base = {"app": "synckairos-staging", "title": "synckairos", "uid_prefix": "lk-synckairos-staging",
            "folder_uid": "lk-synckairos-staging", "folder_title": "synckairos",
            "datasource_uid": "grafanacloud-prom", "selector": 'job="synckairos-staging"', "rate_window": "5m",
            "interval": "1m", "rule_group": "synckairos-staging", "requests_metric": "synckairos_http_requests_total",
            "status_label": "status_code",
            "latency_histograms": [{"title": "switchCycle() latency", "metric": "synckairos_switch_cycle_duration_ms",
                                    "unit": "ms"}],
            "gauges": [{"title": "Active sessions", "metric": "synckairos_active_sessions"},
                       {"title": "DB write queue", "metric": "synckairos_db_write_queue_size"}],
            "error_counters": [{"title": "Failed DB writes", "metric": "synckairos_db_writes_failed_total"}],
            "alerts": [{"name": "high_latency", "kind": "latency", "metric": "synckairos_switch_cycle_duration_ms",
                        "quantile": 0.95, "threshold": 50, "for": "5m"},
                       {"name": "high_error_rate", "kind": "error_rate", "threshold": 0.01, "for": "5m"},
                       {"name": "queue_backup", "kind": "gauge", "metric": "synckairos_db_write_queue_size",
                        "threshold": 1000, "for": "10m"}],
            "contact_point": "synckairos-staging-alerts", "email_addresses": ["alerts@synckairos.test"],
            "slack": True, "slack_channel": "#synckairos-alerts", "group_by": ["alertname"]}
    base.update(overrides)
    return base


def test_the_plans_three_alerts_become_rules_with_query_reduce_and_threshold():
    plan = monitoring_plan(settings())
    rules = {r["uid"]: r for r in plan["rule_group"]["rules"]}
    assert list(rules) == ["lk-synckairos-staging-high_latency", "lk-synckairos-staging-high_error_rate",
                           "lk-synckairos-staging-queue_backup"]
    latency = rules["lk-synckairos-staging-high_latency"]
    assert latency["data"][0]["model"]["expr"] == (
        'histogram_quantile(0.95, sum by (le) (rate(synckairos_switch_cycle_duration_ms_bucket'
        '{job="synckairos-staging"}[5m])))')
    assert latency["data"][2]["model"]["conditions"][0]["evaluator"] == {"type": "gt", "params": [50]}
    assert latency["condition"] == "C" and latency["for"] == "5m"
    assert latency["labels"] == {"app": "synckairos-staging", "severity": "warning"}
    errors = rules["lk-synckairos-staging-high_error_rate"]["data"][0]["model"]["expr"]
    # a healthy app has no 5xx series: `or vector(0)` keeps the ratio a series
    assert errors == ('(sum(rate(synckairos_http_requests_total{job="synckairos-staging",status_code=~"5.."}[5m]))'
                      ' or vector(0)) / sum(rate(synckairos_http_requests_total{job="synckairos-staging"}[5m]))')
    assert rules["lk-synckairos-staging-queue_backup"]["for"] == "10m"
    assert plan["alert_checks"][2] == {"name": "queue_backup", "uid": "lk-synckairos-staging-queue_backup",
                                       "expr": 'max(synckairos_db_write_queue_size{job="synckairos-staging"})',
                                       "op": "gt", "threshold": 1000}


def test_three_dashboards_from_the_metric_names_and_every_expression_listed():
    plan = monitoring_plan(settings())
    titles = [(d["uid"], d["title"], [p["title"] for p in d["panels"]]) for d in plan["dashboards"]]
    assert titles == [
        ("lk-synckairos-staging-latency", "synckairos - Latency", ["switchCycle() latency"]),
        ("lk-synckairos-staging-throughput", "synckairos - Throughput",
         ["Requests per second", "Active sessions", "DB write queue"]),
        ("lk-synckairos-staging-errors", "synckairos - Errors",
         ["Requests by status", "Error rate (5xx)", "Failed DB writes"])]
    latency = plan["dashboards"][0]["panels"][0]
    assert [t["legendFormat"] for t in latency["targets"]] == ["p50", "p95", "p99"]
    assert latency["fieldConfig"]["defaults"]["unit"] == "ms"
    assert all(t["datasource"] == {"type": "prometheus", "uid": "grafanacloud-prom"}
               for d in plan["dashboards"] for p in d["panels"] for t in p["targets"])
    panel_exprs = [t["expr"] for d in plan["dashboards"] for p in d["panels"] for t in p["targets"]]
    assert [e["expr"] for e in plan["expressions"]] == panel_exprs + [c["expr"] for c in plan["alert_checks"]]
    assert len(plan["panel_checks"]) == len(panel_exprs) == 9


def test_a_dashboard_without_panels_is_left_out():
    plan = monitoring_plan(settings(requests_metric=None, gauges=[], error_counters=[]))
    assert [d["title"] for d in plan["dashboards"]] == ["synckairos - Latency"]


def test_contact_point_integrations_share_the_receiver_name_and_never_carry_a_url():
    plan = monitoring_plan(settings())
    assert [(p["uid"], p["name"], p["type"]) for p in plan["contact_points"]] == [
        ("lk-synckairos-staging-email", "synckairos-staging-alerts", "email"),
        ('lk-synckairos-staging-slack', "synckairos-staging-alerts", "slack")]
    assert plan["contact_points"][1]["settings"] == {"recipient": "#synckairos-alerts"}
    assert plan["route"] == {"receiver": "synckairos-staging-alerts", "matchers": [["app", "=", "synckairos-staging"]],
                             "group_by": ["alertname"]}


def test_without_any_channel_there_is_no_contact_point_and_no_route():
    plan = monitoring_plan(settings(email_addresses=[], slack=False))
    assert plan["contact_points"] == [] and plan["route"] is None and plan["contact_point"] is None


def test_every_mistake_is_named_before_anything_is_built():
    bad = settings(alerts=[{"name": "a", "kind": "latency", "threshold": "50"},
                           {"name": "a", "kind": "gauge", "metric": "queue depth", "threshold": 1, "for": "ten"},
                           {"name": "c", "kind": "percentile", "threshold": 1},
                           {"name": "d", "kind": "ratio", "metric": "used", "threshold": 0.8, "op": "ge"}],
                   rate_window="5 minutes")
    with pytest.raises(AnsibleFilterError) as caught:
        monitoring_plan(bad)
    message = str(caught.value)
    for part in ("monitoring_alerts 'a': a latency alert needs metric", "monitoring_alerts 'a': threshold must be a number",
                 "monitoring_alerts 'a': the name is used twice", "metric 'queue depth' is no Prometheus metric name",
                 "for 'ten' is no duration", "kind must be one of", "a ratio alert needs divisor", "op must be gt or lt",
                 "monitoring_rate_window '5 minutes' is no duration"):
        assert part in message


def test_uids_stay_within_grafanas_forty_characters():
    long = uid("lk-a-very-long-application-name-for-grafana", "high_error_rate")
    assert len(long) == 40 and long.startswith("lk-a-very-long-application-name")
    assert long == uid("lk-a-very-long-application-name-for-grafana", "high_error_rate")
    assert uid("lk-app", "High Latency!") == "lk-app-high-latency"


def test_not_strict_a_plan_with_mistakes_comes_back_as_its_problems():
    plan = monitoring_plan(settings(alerts=[{"name": "x", "kind": "gauge", "threshold": 1}]), strict=False)
    assert plan["problems"] == ["monitoring_alerts 'x': a gauge alert needs metric"]
    assert plan["expressions"] == [] and plan["dashboards"] == []
    assert monitoring_plan(settings(), strict=False)["problems"] == []
