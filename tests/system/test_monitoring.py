"""The monitoring phase against the sandbox's Grafana, its real Prometheus and its Slack stand-in: a mistake
in an expression fails before any write; the SyncKairos plan's dashboards, alerts and contact points roll
out and are proven on real data; a second run writes nothing in Grafana; the rollback removes what the phase
created and puts a route it changed back, leaving what existed before."""
from __future__ import annotations

import json
import os
import re
import urllib.request


from conftest import assert_ok, control, last_seq, log_summary, run_site

HOST = "synckairos_staging"
APP = "synckairos-staging"
PREFIX = f"lk-{APP}"
SLACK_PATH = "/slack/services/T0SANDBOX1/B0SYNCKAIRO/synckairosAlertsSandbox1"


def grafana(method: str, path: str, body: dict | None = None, editable: bool = True) -> dict | list:
    """Call the sandbox's Grafana as a person would (the service-account token); the JSON answer, or {}."""
    headers = {"Authorization": f"Bearer {os.environ['GRAFANA_TOKEN']}", "Content-Type": "application/json"}
    if editable:
        headers["X-Disable-Provenance"] = "true"
    request = urllib.request.Request(os.environ["GRAFANA_URL"].rstrip("/") + "/api" + path, method=method,
                                     headers=headers, data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=10) as answer:
        raw = answer.read()
    return json.loads(raw) if raw.strip() else {}


def grafana_writes(since: int) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in control("GET", f"/log?since={since}")["entries"]
            if e["vendor"] == "grafana" and e["write"]]


def rule_uids() -> set[str]:
    return {rule["uid"] for rule in grafana("GET", "/v1/provisioning/alert-rules")}


def routes() -> list[dict]:
    return grafana("GET", "/v1/provisioning/policies").get("routes") or []


def test_an_unknown_metric_a_broken_expression_or_a_bad_agent_setting_fails_the_preflight_with_nothing_written(fly_sandbox, tmp_path):
    alerts = [{"name": "typo", "kind": "gauge", "metric": "synckairos_db_write_queue_sise", "threshold": 1000},
              {"name": "broken", "kind": "expr", "expr": "sum(rate(synckairos_http_requests_total[5m])", "threshold": 1}]
    since = last_seq()
    # An agent config Alloy would refuse (a scrape interval shorter than its 10 s scrape timeout) too.
    settings = {"monitoring_alerts": alerts, "monitoring_agent_scrape_interval": "5s"}
    result = run_site("--limit", HOST, "-e", json.dumps(settings), state_dir=tmp_path / "state")
    assert result.returncode != 0
    assert "Preflight" in result.stdout and "nothing was written" in result.stdout
    # promtool's own message names the broken one; the typo is named with the closest exposed metric
    assert re.search(r"alert 'broken'.*parse error", result.stdout)
    assert "synckairos_db_write_queue_sise (closest exposed: synckairos_db_write_queue_size" in result.stdout
    assert "scrape_interval '5s' is shorter than Grafana Alloy's scrape timeout (10s)" in result.stdout
    assert not (tmp_path / "monitoring").exists()
    assert log_summary(since=since)["writes"] == 0


FOREIGN_RULE = {
    "uid": "their-own-rule", "title": "Their own rule", "condition": "A", "for": "1m", "orgID": 1,
    "folderUID": PREFIX, "ruleGroup": APP, "noDataState": "OK", "execErrState": "Error",
    "data": [{"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": "grafanacloud-prom",
              "model": {"refId": "A", "expr": "app_up == 0", "instant": True}}]}


def test_synckairos_monitoring_rolls_out_is_proven_on_real_data_and_rolls_back(fly_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    # What exists before: the folder with a rule of someone's own in the group the phase manages, a route of
    # another team, and a route for the app to an on-call contact point. Adopted, never owned.
    grafana("POST", "/folders", {"uid": PREFIX, "title": "synckairos"})
    grafana("PUT", f"/v1/provisioning/folder/{PREFIX}/rule-groups/{APP}",
            {"title": APP, "folderUid": PREFIX, "interval": 60, "rules": [FOREIGN_RULE]})
    grafana("POST", "/v1/provisioning/contact-points",
            {"name": "oncall", "type": "email", "settings": {"addresses": "oncall@example.com"}})
    tree = grafana("GET", "/v1/provisioning/policies")
    tree["routes"] = [{"receiver": "oncall", "object_matchers": [["team", "=", "platform"]]},
                      {"receiver": "oncall", "object_matchers": [["app", "=", APP]]}]
    grafana("PUT", "/v1/provisioning/policies", tree)

    since = last_seq()
    check = run_site("--limit", HOST, "--check", state_dir=state_dir)
    assert_ok(check, "check mode")
    assert grafana_writes(since) == []

    first = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(first, "first run")
    found = grafana("GET", f"/search?type=dash-db&folderUIDs={PREFIX}")
    assert sorted(d["title"] for d in found) == ["synckairos - Errors", "synckairos - Latency", "synckairos - Throughput"]
    assert rule_uids() == {"their-own-rule", f"{PREFIX}-high_latency", f"{PREFIX}-high_error_rate",
                           f"{PREFIX}-queue_backup"}
    points = grafana("GET", f"/v1/provisioning/contact-points?name={APP}-alerts")
    assert sorted(p["type"] for p in points) == ["email", "slack"]
    slack = next(p for p in points if p["type"] == "slack")
    assert slack["settings"]["url"] == "[REDACTED]"
    assert [r["receiver"] for r in routes()] == ["oncall", f"{APP}-alerts"]
    # Validation: each alert on real data (a number below its threshold), each dashboard's panels, the test
    # notification through the contact point, which the Slack stand-in received.
    for alert in ("high_latency", "high_error_rate", "queue_backup"):
        assert re.search(rf"PASSED \| {APP} \| monitoring \| alert {alert} \| 1 series, each below its threshold",
                         first.stdout), alert
    for board in ("Latency", "Throughput", "Errors"):
        assert re.search(rf"PASSED \| {APP} \| monitoring \| dashboard synckairos - {board} \| \d+ panel queries",
                         first.stdout), board
    assert f"PASSED | {APP} | monitoring | contact point {APP}-alerts" in first.stdout
    posts = control("GET", "/slack/posts?channel=%23synckairos-alerts")
    assert len(posts["posts"] if isinstance(posts, dict) else posts) == 1
    # The webhook URL is a secret: never printed.
    assert SLACK_PATH not in first.stdout and "synckairosAlertsSandbox1" not in first.stdout
    alloy = (state_dir.parent / "monitoring" / HOST / "config.alloy").read_text(encoding="utf-8")
    assert f'"job" = "{APP}"' in alloy and 'sys.env("GRAFANA_REMOTE_WRITE_TOKEN")' in alloy
    assert (state_dir.parent / "monitoring" / HOST / "grafana-agent.yaml").exists()

    since = last_seq()
    second = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(second, "second run")
    assert grafana_writes(since) == [] and log_summary(since=since)["writes"] == 0

    rollback = run_site("--limit", HOST, "--tags", "rollback_monitoring", state_dir=state_dir)
    assert_ok(rollback, "rollback")
    # What the phase created is gone; what existed stays, and the app's route goes back to on-call.
    assert rule_uids() == {"their-own-rule"}
    assert grafana("GET", f"/search?type=dash-db&folderUIDs={PREFIX}") == []
    assert grafana("GET", f"/v1/provisioning/contact-points?name={APP}-alerts") == []
    assert [(r["receiver"], r["object_matchers"]) for r in routes()] == [
        ("oncall", [["team", "=", "platform"]]), ("oncall", [["app", "=", APP]])]
    assert grafana("GET", f"/folders/{PREFIX}")["title"] == "synckairos"
