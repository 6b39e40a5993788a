"""Verify the monitoring phase for Scoop's web service: its folder, three dashboards, two alert rules, a
contact point with an email and a Slack integration (the webhook URL never readable back) and a route to it
in the notification policy tree; the Grafana Alloy config with its credentials as environment variables.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import env, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()
APP, PREFIX = "scoop-web", "lk-scoop-web"


def grafana(path: str):
    request = urllib.request.Request(env("GRAFANA_URL").rstrip("/") + "/api" + path,
                                     headers={"Authorization": f"Bearer {env('GRAFANA_TOKEN')}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_the_folder_holds_the_three_dashboards():
    assert grafana(f"/folders/{PREFIX}")["title"] == "scoop"
    titles = sorted(d["title"] for d in grafana(f"/search?type=dash-db&folderUIDs={PREFIX}"))
    assert titles == ["scoop - Errors", "scoop - Latency", "scoop - Throughput"]


def test_the_alert_rules_query_the_apps_metrics_and_stay_editable():
    group = grafana(f"/v1/provisioning/folder/{PREFIX}/rule-groups/{APP}")
    rules = {rule["uid"]: rule for rule in group["rules"]}
    assert set(rules) == {f"{PREFIX}-high_error_rate", f"{PREFIX}-queue_depth"}
    queue = rules[f"{PREFIX}-queue_depth"]
    assert queue["data"][0]["model"]["expr"] == 'max(app_jobs_pending{job="scoop-web"})'
    assert queue["labels"]["app"] == APP and queue["for"] == "5m"
    assert all(rule.get("provenance", "") == "" for rule in group["rules"])  # X-Disable-Provenance


def test_the_contact_point_and_its_route():
    points = grafana(f"/v1/provisioning/contact-points?name={APP}-alerts")
    assert sorted(p["type"] for p in points) == ["email", "slack"]
    assert next(p for p in points if p["type"] == "slack")["settings"]["url"] == "[REDACTED]"
    routes = grafana("/v1/provisioning/policies").get("routes") or []
    assert [(r["receiver"], r["object_matchers"]) for r in routes] == [(f"{APP}-alerts", [["app", "=", APP]])]


def test_the_alloy_config_names_the_job_and_holds_no_credential():
    config = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "monitoring" / "localhost" / "config.alloy"
    text = config.read_text(encoding="utf-8")
    assert f'"job" = "{APP}"' in text and 'sys.env("GRAFANA_REMOTE_WRITE_TOKEN")' in text
