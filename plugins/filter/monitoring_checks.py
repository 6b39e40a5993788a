# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_checks
short_description: Judge the monitoring phase's alert and panel queries and its test notification into checks
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Takes the plan (P(launchkit.paas.monitoring_plan#filter)) and the answers of
    M(launchkit.paas.grafana_query) to its alert queries (instant, C(ref_id) C(a<n>) in the order of
    C(alert_checks)) and to its panel queries (the last five minutes, C(ref_id) C(p<n>) in the order of
    C(panel_checks)), and the result of M(launchkit.paas.grafana_contact_point_test) when one was sent.
  - An alert passes when its query returns a series and no series is past its threshold (where it would fire);
    a healthy app must not page anyone. A value that is not a number (a quantile without observations in the
    window) passes, saying so. A query error or no series fails (the rule would sit in NoData or Error).
  - A dashboard passes when every panel query returns data; the failures name the panels.
  - The contact point passes when every integration took the test notification, or (no test sent in this run)
    when every integration is in Grafana.
  - Each check is C({status, app, check, component, message}), as the validate phase's checks.
positional: alerts, panels, test, found
options:
  _input:
    description: The plan.
    type: dict
    required: true
  alerts:
    description: The C(results) of M(launchkit.paas.grafana_query) over the alert queries; null when not run.
    type: dict
  panels:
    description: The C(results) of M(launchkit.paas.grafana_query) over the panel queries; null when not run.
    type: dict
  test:
    description: The result of M(launchkit.paas.grafana_contact_point_test); null or skipped when none was sent.
    type: dict
  found:
    description: The contact point's integrations as M(launchkit.paas.grafana_contact_point_info) found them (read
      when no test was sent).
    type: list
    elements: dict
  check_mode:
    description: The run is in check mode - a check that finds nothing or finds too much is pending (the rollout has
      not run yet), not failed.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Judge the monitoring
  ansible.builtin.set_fact:
    monitoring_checks: "{{ plan | launchkit.paas.monitoring_checks(alerts.results, panels.results, test) }}"
"""

RETURN = r"""
_value:
  description: The checks, alerts first, then a check per dashboard, then the contact point's.
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.monitoring.plan import number_or_none

OPS = {"gt": (lambda value, threshold: value > threshold, "above"),
       "lt": (lambda value, threshold: value < threshold, "below")}


def _check(app: str, component: str, status: str, message: str) -> dict[str, Any]:
    return {"status": status, "app": app, "check": "monitoring", "component": component, "message": message}


def _number(value: Any) -> float | None:
    return number_or_none(value)


def _alert(app: str, alert: dict[str, Any], result: dict[str, Any] | None, check_mode: bool) -> dict[str, Any]:
    component = f"alert {alert['name']}"
    if result is None:
        return _check(app, component, "pending" if check_mode else "failed", "its query was not run")
    if result.get("error"):
        return _check(app, component, "failed", f"its query fails: {result['error']}")
    series = result.get("series") or []
    if not series:
        return _check(app, component, "failed",
                      "its query returns no series: the rule would sit in NoData (is the app scraped?)")
    firing, word = OPS[alert.get("op", "gt")]
    values = [(s.get("labels") or {}, _number(s.get("last"))) for s in series]
    past = [(labels, value) for labels, value in values if value is not None and firing(value, alert["threshold"])]
    if past:
        shown = ", ".join(f"{value:g}" for _labels, value in past)
        return _check(app, component, "failed",
                      f"{shown} is {word} its threshold {alert['threshold']:g} now: it would fire")
    # The message holds no live value: a report that finds the same is the same (a second run writes nothing).
    if not [value for _labels, value in values if value is not None]:
        return _check(app, component, "passed",
                      f"{len(series)} series, no observations in the window (not a number): it cannot fire yet")
    side = "below" if alert.get("op", "gt") == "gt" else "above"
    return _check(app, component, "passed", f"{len(series)} series, each {side} its threshold of {alert['threshold']:g}")


def _dashboard(app: str, title: str, panels: list[dict[str, Any]], results: dict[str, Any]) -> dict[str, Any]:
    empty = []
    for ref, panel in panels:
        result = results.get(ref) or {}
        points = [p for s in result.get("series") or [] for p in s.get("values") or []]
        if result.get("error") or not points:
            empty.append(f"{panel['panel']} ({result.get('error') or 'no data'})")
    if empty:
        return _check(app, f"dashboard {title}", "failed", "no data in: " + "; ".join(empty))
    return _check(app, f"dashboard {title}", "passed", f"{len(panels)} panel queries return data")


def _contact_point(app: str, plan: dict[str, Any], test: dict[str, Any] | None,
                   found: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Every integration of the plan's contact point took the test notification (when one was sent in this run)
    and is in Grafana. The message is the same whether a test was sent or not, so a second run's report is the
    same report."""
    component, wanted = f"contact point {plan['contact_point']}", [p["uid"] for p in plan.get("contact_points") or []]
    if test and test.get("failed") and not test.get("results"):
        return _check(app, component, "failed", f"the test notification could not be sent: {test.get('msg')}")
    if test and not test.get("skipped") and test.get("sent"):
        failed = [r for r in test.get("results") or [] if r.get("status") != "ok"]
        if failed:
            return _check(app, component, "failed", "; ".join(
                f"{r.get('uid') or r.get('name')}: {r.get('error') or r.get('status')}" for r in failed))
        present = [r.get("uid") for r in test.get("results") or []]
    else:
        present = [p.get("uid") for p in found or []]
    missing = [uid for uid in wanted if uid not in present]
    if missing:
        return _check(app, component, "failed", f"not in Grafana: {', '.join(missing)}")
    return _check(app, component, "passed", f"integrations {', '.join(wanted)} take notifications")


def monitoring_checks(plan: dict[str, Any], alerts: dict[str, Any] | None = None,
                      panels: dict[str, Any] | None = None, test: dict[str, Any] | None = None,
                      found: list[dict[str, Any]] | None = None, check_mode: bool = False) -> list[dict[str, Any]]:
    app = plan.get("app") or ""
    checks = [_alert(app, alert, (alerts or {}).get(f"a{n}") if alerts is not None else None, check_mode)
              for n, alert in enumerate(plan.get("alert_checks") or [])]
    boards: dict[str, list] = {}
    for n, panel in enumerate(plan.get("panel_checks") or []):
        boards.setdefault(panel["dashboard"], []).append((f"p{n}", panel))
    for title, refs in boards.items():
        if panels is None:
            checks.append(_check(app, f"dashboard {title}", "pending" if check_mode else "failed",
                                 "its queries were not run"))
        else:
            checks.append(_dashboard(app, title, refs, panels))
    if plan.get("contact_point"):
        checks.append(_contact_point(app, plan, test, found))
    if check_mode:
        # Before the rollout ran, a query may find nothing yet (the Redis an earlier phase wires, say).
        checks = [dict(c, status="pending", message=c["message"] + " (check mode: the rollout has not run yet)")
                  if c["status"] == "failed" else c for c in checks]
    return checks


class FilterModule:
    """launchkit.paas.monitoring_checks"""

    def filters(self) -> dict:
        return {"monitoring_checks": monitoring_checks}
