# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the monitoring phase's Grafana objects, built from an app's metric names.

Not a public API; it may change between any two releases. One place turns the role's settings (the
app, its metric names, the alerts with their thresholds, the contact points) into what the phase
writes: a folder, three dashboards (latency, throughput, errors), one alert rule group, the contact
point integrations and one notification-policy route, plus every PromQL expression they hold (for
promql_check before any write, and for the validation's queries afterwards).
"""
from __future__ import annotations

import hashlib
import math
import re
from typing import Any

ALERT_KINDS = ("latency", "error_rate", "gauge", "increase", "ratio", "expr")
OPERATORS = {"gt": ">", "lt": "<"}
UID_MAX = 40
_UID_BAD = re.compile(r"[^a-zA-Z0-9_-]+")
_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
EXPR_DATASOURCE = {"type": "__expr__", "uid": "__expr__"}
SCHEMA_VERSION = 39


def number_or_none(value: Any) -> float | None:
    """A query's value as a number; None when it is none, or not a number (NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


class PlanError(ValueError):
    """The settings cannot make a plan; the message says what to fix."""


def uid(*parts: str) -> str:
    """A Grafana uid from parts (letters, digits, - and _; 40 at most: longer ones end in a short hash)."""
    raw = _UID_BAD.sub("-", "-".join(p for p in parts if p)).strip("-").lower()
    if len(raw) <= UID_MAX:
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{raw[:UID_MAX - 9].rstrip('-')}-{digest}"


def selector(labels: str, extra: str = "") -> str:
    """``{labels,extra}`` or empty when both are empty."""
    inner = ",".join(part for part in (labels, extra) if part)
    return "{" + inner + "}" if inner else ""


def quantile_expr(metric: str, quantile: float, labels: str, window: str) -> str:
    return f"histogram_quantile({quantile:g}, sum by (le) (rate({metric}_bucket{selector(labels)}[{window}])))"


def rate_expr(metric: str, labels: str, window: str, extra: str = "") -> str:
    return f"rate({metric}{selector(labels, extra)}[{window}])"


def error_rate_expr(metric: str, status_label: str, labels: str, window: str) -> str:
    # `or vector(0)`: an app that never answered a 5xx has no such series, and the ratio would be empty.
    five_hundreds = status_label + '=~"5.."'
    errors = f"sum({rate_expr(metric, labels, window, five_hundreds)})"
    return f"({errors} or vector(0)) / sum({rate_expr(metric, labels, window)})"


def alert_expr(alert: dict[str, Any], settings: dict[str, Any]) -> str:
    """The PromQL of one alert entry (its kind names the shape)."""
    labels, window = settings["selector"], alert.get("window") or settings["rate_window"]
    kind = alert["kind"]
    if kind == "latency":
        return quantile_expr(alert["metric"], float(alert.get("quantile", 0.95)), labels, window)
    if kind == "error_rate":
        return error_rate_expr(alert.get("metric") or settings["requests_metric"],
                               alert.get("status_label") or settings["status_label"], labels, window)
    if kind == "gauge":
        return f"max({alert['metric']}{selector(labels)})"
    if kind == "increase":
        return f"sum(increase({alert['metric']}{selector(labels)}[{alert.get('window') or '1h'}]))"
    if kind == "ratio":
        # clamp_min: a limit of 0 (no limit) would divide by zero and page at +Inf.
        return (f"max({alert['metric']}{selector(labels)}) / "
                f"clamp_min(max({alert['divisor']}{selector(labels)}), 1)")
    return alert["expr"]


def check_settings(settings: dict[str, Any]) -> list[str]:
    """Every mistake in the settings, each saying what to fix (empty when they make a plan)."""
    problems: list[str] = []
    if not settings.get("app"):
        problems.append("monitoring_app is empty: name the app (its Render service or Fly app)")
    if not settings.get("datasource_uid"):
        problems.append("monitoring_datasource_uid is empty: name the Prometheus datasource the dashboards and rules query")
    for key in ("requests_metric",):
        if settings.get(key) and not _METRIC.match(settings[key]):
            problems.append(f"monitoring_requests_metric '{settings[key]}' is no Prometheus metric name")
    if not _LABEL.match(settings.get("status_label") or ""):
        problems.append(f"monitoring_status_label '{settings.get('status_label')}' is no Prometheus label name")
    for what, entries in (("monitoring_latency_histograms", settings.get("latency_histograms") or []),
                          ("monitoring_gauges", settings.get("gauges") or []),
                          ("monitoring_error_counters", settings.get("error_counters") or [])):
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not _METRIC.match(str(entry.get("metric") or "")):
                problems.append(f"{what}[{index}]: give metric (a Prometheus metric name) and title")
    for duration_key in ("rate_window", "interval"):
        if not _DURATION.match(str(settings.get(duration_key) or "")):
            problems.append(f"monitoring_{duration_key} '{settings.get(duration_key)}' is no duration such as 1m or 5m")
    names: set[str] = set()
    for index, alert in enumerate(settings.get("alerts") or []):
        where = f"monitoring_alerts[{index}]"
        if not isinstance(alert, dict) or not alert.get("name"):
            problems.append(f"{where}: give each alert a name")
            continue
        where = f"monitoring_alerts '{alert['name']}'"
        if alert["name"] in names:
            problems.append(f"{where}: the name is used twice")
        names.add(alert["name"])
        kind = alert.get("kind")
        if kind not in ALERT_KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(ALERT_KINDS)}, not '{kind}'")
            continue
        needs = {"latency": ("metric",), "gauge": ("metric",), "increase": ("metric",),
                 "ratio": ("metric", "divisor"), "expr": ("expr",), "error_rate": ()}[kind]
        for key in needs:
            if not alert.get(key):
                problems.append(f"{where}: a {kind} alert needs {key}")
        for key in ("metric", "divisor"):
            if alert.get(key) and not _METRIC.match(str(alert[key])):
                problems.append(f"{where}: {key} '{alert[key]}' is no Prometheus metric name")
        if not isinstance(alert.get("threshold"), (int, float)) or isinstance(alert.get("threshold"), bool):
            problems.append(f"{where}: threshold must be a number")
        if alert.get("op", "gt") not in OPERATORS:
            problems.append(f"{where}: op must be gt or lt")
        for key in ("for", "window"):
            if alert.get(key) is not None and not _DURATION.match(str(alert[key])):
                problems.append(f"{where}: {key} '{alert[key]}' is no duration such as 5m")
        if kind == "latency" and not 0 < float(alert.get("quantile", 0.95)) < 1:
            problems.append(f"{where}: quantile must be between 0 and 1")
    return problems


def _target(ref: str, expr: str, legend: str, datasource: dict[str, str]) -> dict[str, Any]:
    return {"refId": ref, "datasource": dict(datasource), "expr": expr, "legendFormat": legend}


def _panel(panel_id: int, title: str, targets: list[dict[str, Any]], datasource: dict[str, str],
           unit: str = "short", kind: str = "timeseries") -> dict[str, Any]:
    column = (panel_id - 1) % 2
    row = (panel_id - 1) // 2
    return {"id": panel_id, "type": kind, "title": title, "datasource": dict(datasource),
            "gridPos": {"h": 8, "w": 12, "x": 12 * column, "y": 8 * row},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": targets}


def _dashboard(dash_uid: str, title: str, app: str, panels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"uid": dash_uid, "title": title, "tags": ["launchkit", app], "timezone": "browser",
            "schemaVersion": SCHEMA_VERSION, "time": {"from": "now-6h", "to": "now"},
            "refresh": "1m", "editable": True, "panels": panels}


def dashboards(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The latency, throughput and errors dashboards of the app (each panel only for metrics it has)."""
    app, labels, window = settings["app"], settings["selector"], settings["rate_window"]
    datasource = {"type": "prometheus", "uid": settings["datasource_uid"]}
    requests, status = settings.get("requests_metric"), settings["status_label"]
    title = settings.get("title") or app

    latency: list[dict[str, Any]] = []
    for entry in settings.get("latency_histograms") or []:
        unit = "ms" if entry.get("unit") == "ms" else "s"
        targets = [_target(ref, quantile_expr(entry["metric"], q, labels, window), f"p{round(q * 100)}", datasource)
                   for ref, q in (("A", 0.5), ("B", 0.95), ("C", 0.99))]
        latency.append(_panel(len(latency) + 1, entry.get("title") or entry["metric"], targets, datasource, unit))

    throughput: list[dict[str, Any]] = []
    if requests:
        throughput.append(_panel(1, "Requests per second",
                                 [_target("A", f"sum({rate_expr(requests, labels, '1m')})", "requests/s", datasource)],
                                 datasource, "reqps"))
    for entry in settings.get("gauges") or []:
        throughput.append(_panel(len(throughput) + 1, entry.get("title") or entry["metric"],
                                 [_target("A", f"sum({entry['metric']}{selector(labels)})", entry.get("title") or
                                          entry["metric"], datasource)], datasource))

    errors: list[dict[str, Any]] = []
    if requests:
        errors.append(_panel(1, "Requests by status",
                             [_target("A", f"sum by ({status}) ({rate_expr(requests, labels, window)})",
                                      "{{" + status + "}}", datasource)], datasource, "reqps"))
        errors.append(_panel(2, "Error rate (5xx)",
                             [_target("A", error_rate_expr(requests, status, labels, window), "5xx share", datasource)],
                             datasource, "percentunit"))
    for entry in settings.get("error_counters") or []:
        errors.append(_panel(len(errors) + 1, entry.get("title") or entry["metric"],
                             [_target("A", f"sum(increase({entry['metric']}{selector(labels)}[1h]))",
                                      "per hour", datasource)], datasource))

    built = []
    for key, name, panels in (("latency", "Latency", latency), ("throughput", "Throughput", throughput),
                              ("errors", "Errors", errors)):
        if panels:
            built.append(_dashboard(uid(settings["uid_prefix"], key), f"{title} - {name}", app, panels))
    return built


def rule(alert: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """One Grafana alert rule (provisioning shape): A the query, B its last value, C the threshold."""
    datasource_uid, app = settings["datasource_uid"], settings["app"]
    op = alert.get("op", "gt")
    threshold = alert["threshold"]
    summary = alert.get("summary") or f"{app}: {alert['name']} {OPERATORS[op]} {threshold:g}"
    return {
        "uid": uid(settings["uid_prefix"], alert["name"]),
        "title": alert.get("title") or f"{app} {alert['name']}",
        "condition": "C",
        "data": [
            {"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": datasource_uid,
             "model": {"refId": "A", "expr": alert_expr(alert, settings), "instant": True,
                       "datasource": {"type": "prometheus", "uid": datasource_uid}}},
            {"refId": "B", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
             "model": {"refId": "B", "type": "reduce", "expression": "A", "reducer": "last",
                       "datasource": dict(EXPR_DATASOURCE)}},
            {"refId": "C", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
             "model": {"refId": "C", "type": "threshold", "expression": "B",
                       "conditions": [{"evaluator": {"type": op, "params": [threshold]}}],
                       "datasource": dict(EXPR_DATASOURCE)}},
        ],
        "for": alert.get("for") or "5m",
        "labels": {"app": app, "severity": alert.get("severity") or "warning", **(alert.get("labels") or {})},
        "annotations": {"summary": summary,
                        **({"description": alert["description"]} if alert.get("description") else {})},
        "noDataState": settings.get("no_data_state") or "NoData",
        "execErrState": settings.get("exec_err_state") or "Error",
    }


def contact_points(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The integrations of the app's one contact point (a receiver): email and Slack."""
    name, points = settings["contact_point"], []
    if settings.get("email_addresses"):
        points.append({"uid": uid(settings["uid_prefix"], "email"), "name": name, "type": "email",
                       "settings": {"addresses": ";".join(settings["email_addresses"])}, "secure": False})
    if settings.get("slack"):
        points.append({"uid": uid(settings["uid_prefix"], "slack"), "name": name, "type": "slack",
                       "settings": {k: v for k, v in {"recipient": settings.get("slack_channel")}.items() if v},
                       "secure": True})
    return points


def build(settings: dict[str, Any]) -> dict[str, Any]:
    """The whole plan; PlanError naming every mistake when the settings make none."""
    problems = check_settings(settings)
    if problems:
        raise PlanError("; ".join(problems))
    app = settings["app"]
    boards = dashboards(settings)
    rules = [rule(alert, settings) for alert in settings.get("alerts") or []]
    alerts = settings.get("alerts") or []
    points = contact_points(settings)
    expressions = [{"name": f"dashboard '{board['title']}' panel '{panel['title']}' {target['legendFormat']}",
                    "expr": target["expr"]}
                   for board in boards for panel in board["panels"] for target in panel["targets"]]
    expressions += [{"name": f"alert '{alert['name']}'", "expr": r["data"][0]["model"]["expr"]}
                    for alert, r in zip(alerts, rules)]
    return {
        "app": app,
        "folder": {"uid": settings.get("folder_uid") or uid(settings["uid_prefix"]),
                   "title": settings.get("folder_title") or app},
        "dashboards": boards,
        "rule_group": {"name": settings.get("rule_group") or app, "interval": settings["interval"], "rules": rules},
        "contact_point": settings["contact_point"] if points else None,
        "contact_points": points,
        "route": ({"receiver": settings["contact_point"], "matchers": [["app", "=", app]],
                   "group_by": settings.get("group_by") or ["alertname"]} if points else None),
        "expressions": expressions,
        "alert_checks": [{"name": alert["name"], "uid": r["uid"], "expr": r["data"][0]["model"]["expr"],
                          "op": alert.get("op", "gt"), "threshold": alert["threshold"]}
                         for alert, r in zip(alerts, rules)],
        "panel_checks": [{"dashboard": board["title"], "dashboard_uid": board["uid"], "panel": panel["title"],
                          "ref": f"{board['uid']}-{panel['id']}-{target['refId']}", "expr": target["expr"]}
                         for board in boards for panel in board["panels"] for target in panel["targets"]],
    }
