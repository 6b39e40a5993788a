"""Grafana: auth, folders, dashboards (412), alert rules (whole groups, provenance), contact points (redacted
secure settings, a real test notification), the policy tree, and /ds/query against a real Prometheus."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import Sandbox, free_port, wait_for

FOLDER = "scoop-alerts"


def folder(sbx: Sandbox, uid: str = FOLDER) -> dict[str, Any]:
    response = sbx.grafana("POST", "/folders", json={"title": uid.title(), "uid": uid})
    assert response.status_code == 200, response.text
    return response.json()


def rule(title: str, uid: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"orgID": 1, "folderUID": FOLDER, "ruleGroup": "latency", "title": title, "condition": "B", "for": "5m",
            "noDataState": "OK", "execErrState": "Error",
            "data": [{"refId": "A", "datasourceUid": "grafanacloud-prom", "relativeTimeRange": {"from": 600, "to": 0},
                      "model": {"expr": "histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))"}},
                     {"refId": "B", "datasourceUid": "__expr__", "model": {"type": "threshold", "expression": "A"}}],
            **extra}
    if uid:
        body["uid"] = uid
    return body


def slack_hook(sbx: Sandbox, channel: str = "#scoop-alerts") -> str:
    return sbx.control("POST", "/slack/webhooks", json={"channel": channel})["url"]


def test_auth_token_or_admin_basic(sbx: Sandbox) -> None:
    assert sbx.grafana("GET", "/folders", token="glsa_wrong").status_code == 401
    assert sbx.grafana("GET", "/folders", token=None).json()["message"]
    assert requests.get(f"{sbx.url}/grafana/api/folders", auth=("admin", "sandbox-grafana-admin"), timeout=5).ok
    assert requests.get(f"{sbx.url}/grafana/api/folders", auth=("admin", "nope"), timeout=5).status_code == 401


def test_the_current_organization_is_org_1(sbx: Sandbox) -> None:
    # GET /org (getCurrentOrg): a rule's orgID comes from it when the group has no rule yet
    response = sbx.grafana("GET", "/org")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == 1


def test_the_cloud_prometheus_data_source_is_seeded_and_comes_back_after_reset(sbx: Sandbox) -> None:
    assert sbx.grafana("DELETE", "/datasources/uid/grafanacloud-prom").status_code == 200
    sbx.control("POST", "/reset")
    source = sbx.grafana("GET", "/datasources/uid/grafanacloud-prom").json()
    assert (source["name"], source["type"]) == ("grafanacloud-launchkit-prom", "prometheus")


def test_folders_need_their_version_and_refuse_to_drop_alert_rules(sbx: Sandbox) -> None:
    created = folder(sbx)
    assert sbx.grafana("POST", "/folders", json={"title": "Scoop-Alerts"}).status_code == 409
    path = f"/folders/{FOLDER}"
    assert sbx.grafana("PUT", path, json={"title": "Renamed"}).status_code == 409
    renamed = sbx.grafana("PUT", path, json={"title": "Renamed", "version": created["version"]}).json()
    assert (renamed["title"], renamed["version"]) == ("Renamed", 2)
    assert sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("p95")).status_code == 201
    assert sbx.grafana("DELETE", path).status_code == 400
    assert sbx.grafana("DELETE", path, params={"forceDeleteRules": "true"}).status_code == 200
    assert sbx.grafana("GET", "/v1/provisioning/alert-rules").json() == []


def test_dashboards_version_and_name_conflicts_are_412(sbx: Sandbox) -> None:
    folder(sbx)
    first = sbx.grafana("POST", "/dashboards/db",
                        json={"dashboard": {"title": "Latency", "panels": []}, "folderUid": FOLDER}).json()
    assert first["status"] == "success" and first["version"] == 1 and first["url"].startswith(f"/d/{first['uid']}/")
    stale = {"dashboard": {"uid": first["uid"], "title": "Latency", "version": 7}, "folderUid": FOLDER}
    answer = sbx.grafana("POST", "/dashboards/db", json=stale)
    assert answer.status_code == 412 and answer.json()["status"] == "version-mismatch"
    same_name = {"dashboard": {"title": "Latency"}, "folderUid": FOLDER}
    assert sbx.grafana("POST", "/dashboards/db", json=same_name).json()["status"] == "name-exists"
    updated = sbx.grafana("POST", "/dashboards/db", json={**stale, "overwrite": True}).json()
    assert updated["version"] == 2
    got = sbx.grafana("GET", f"/dashboards/uid/{first['uid']}").json()
    assert got["meta"]["folderUid"] == FOLDER and got["meta"]["version"] == 2 and got["dashboard"]["version"] == 2
    hits = sbx.grafana("GET", "/search", params=[("type", "dash-db"), ("folderUIDs", FOLDER)]).json()
    assert [hit["uid"] for hit in hits] == [first["uid"]]
    assert sbx.grafana("DELETE", f"/folders/{FOLDER}").status_code == 200
    assert sbx.grafana("GET", f"/dashboards/uid/{first['uid']}").status_code == 404


def test_the_spec_refuses_a_malformed_body(sbx: Sandbox) -> None:
    folder(sbx)
    bad = sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("x", noDataState="Sometimes"))
    assert bad.status_code == 400 and "noDataState" in bad.json()["message"]
    assert sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("x", **{"for": 300})).status_code == 400
    assert sbx.grafana("POST", "/dashboards/db", json={"dashboard": {"title": "x"}, "colour": 1}).status_code == 400
    assert sbx.grafana("GET", "/search", params={"kind": "dash-db"}).status_code == 400


def test_rules_are_checked_against_their_queries(sbx: Sandbox) -> None:
    folder(sbx)
    wrong = sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("x", condition="C"))
    assert wrong.status_code == 400 and "condition C" in wrong.json()["message"]
    data = rule("x")["data"]
    data[0]["datasourceUid"] = "missing"
    assert sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("x", data=data)).status_code == 400


def test_a_group_put_replaces_the_whole_group(sbx: Sandbox) -> None:
    folder(sbx)
    for title, uid in (("p95", "r-p95"), ("errors", "r-err")):
        assert sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule(title, uid)).status_code == 201
    path = f"/v1/provisioning/folder/{FOLDER}/rule-groups/latency"
    assert sbx.grafana("GET", path).json()["interval"] == 60
    assert sbx.grafana("PUT", path, json={"title": "latency", "interval": 15, "rules": [rule("p95", "r-p95")]}
                       ).status_code == 400  # not a multiple of the 10 s base interval
    put = sbx.grafana("PUT", path, json={"title": "latency", "interval": 30, "rules": [rule("p95", "r-p95")]})
    assert put.status_code == 200
    group = sbx.grafana("GET", path).json()
    assert [r["uid"] for r in group["rules"]] == ["r-p95"] and group["interval"] == 30
    assert sbx.grafana("GET", "/v1/provisioning/alert-rules/r-err").status_code == 404


def test_provenance_is_api_unless_disabled_and_locks_the_rule(sbx: Sandbox) -> None:
    folder(sbx)
    locked = sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("p95", "r-api")).json()
    assert locked["provenance"] == "api"
    free = sbx.grafana("POST", "/v1/provisioning/alert-rules", json=rule("errors", "r-free"),
                       headers={"X-Disable-Provenance": "true"}).json()
    assert free["provenance"] == ""
    refused = sbx.grafana("PUT", "/v1/provisioning/alert-rules/r-api", json=rule("p95"),
                          headers={"X-Disable-Provenance": "true"})
    assert refused.status_code == 409 and refused.json()["messageId"] == "alerting.provenanceMismatch"
    assert sbx.grafana("PUT", "/v1/provisioning/alert-rules/r-api", json=rule("p95 v2")).json()["title"] == "p95 v2"


def test_contact_points_redact_secure_settings_and_keep_them_on_redacted_writes(sbx: Sandbox) -> None:
    url = slack_hook(sbx)
    created = sbx.grafana("POST", "/v1/provisioning/contact-points",
                          json={"name": "scoop-slack", "type": "slack", "settings": {"url": url}})
    assert created.status_code == 202 and created.json()["settings"]["url"] == "[REDACTED]"
    uid = created.json()["uid"]
    (listed,) = sbx.grafana("GET", "/v1/provisioning/contact-points", params={"name": "scoop-slack"}).json()
    assert listed["settings"] == {"url": "[REDACTED]"} and url not in str(listed)
    update = {"name": "scoop-slack", "type": "slack", "settings": {"url": "[REDACTED]", "title": "Alert"}}
    assert sbx.grafana("PUT", f"/v1/provisioning/contact-points/{uid}", json=update).status_code == 202
    result = sbx.grafana("POST", "/alertmanager/grafana/config/api/v1/receivers/test", json={"receivers": [
        {"name": "scoop-slack", "grafana_managed_receiver_configs": [
            {"uid": uid, "name": "scoop-slack", "type": "slack", "settings": {"title": "Alert"}}]}]})
    assert result.status_code == 200, result.text
    assert result.json()["receivers"][0]["grafana_managed_receiver_configs"][0]["status"] == "ok"
    (post,) = sbx.control("GET", "/slack/posts", params={"channel": "#scoop-alerts"})["posts"]
    assert "TestAlert" in post["message"]["text"]


def test_a_failed_delivery_is_reported_per_integration(sbx: Sandbox) -> None:
    gone = f"{sbx.url}/slack/services/T0SANDBOX1/B0NOSUCHHK/abcdefghijklmnopqrstuvwx"
    result = sbx.grafana("POST", "/alertmanager/grafana/config/api/v1/receivers/test", json={"receivers": [
        {"name": "r", "grafana_managed_receiver_configs": [{"name": "r", "type": "slack", "settings": {"url": gone}}]},
        {"name": "m", "grafana_managed_receiver_configs": [{"name": "m", "type": "email", "settings": {}}]}]})
    assert result.status_code == 207
    configs = [r["grafana_managed_receiver_configs"][0] for r in result.json()["receivers"]]
    assert [c["status"] for c in configs] == ["failed", "failed"]
    assert "404" in configs[0]["error"] and "could not find addresses" in configs[1]["error"]


def test_the_policy_tree_names_only_known_receivers(sbx: Sandbox) -> None:
    tree = {"receiver": "grafana-default-email", "routes": [{"receiver": "nobody", "object_matchers": [["team", "=", "x"]]}]}
    refused = sbx.grafana("PUT", "/v1/provisioning/policies", json=tree)
    assert refused.status_code == 400 and "nobody" in refused.json()["message"]
    sbx.grafana("POST", "/v1/provisioning/contact-points",
                json={"name": "nobody", "type": "email", "settings": {"addresses": "ops@scoop.test"}})
    assert sbx.grafana("PUT", "/v1/provisioning/policies", json=tree).status_code == 202
    assert sbx.grafana("GET", "/v1/provisioning/policies").json()["routes"][0]["receiver"] == "nobody"
    (point,) = sbx.grafana("GET", "/v1/provisioning/contact-points", params={"name": "nobody"}).json()
    assert sbx.grafana("DELETE", f"/v1/provisioning/contact-points/{point['uid']}").status_code == 409
    assert sbx.grafana("DELETE", "/v1/provisioning/policies").status_code == 202
    assert "routes" not in sbx.grafana("GET", "/v1/provisioning/policies").json()


# --- a real Prometheus ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prometheus(sandbox_server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Any:
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(binary).is_file():
        pytest.fail("prometheus is not installed (scripts/install-system-deps.sh)")
    folder_path = tmp_path_factory.mktemp("prometheus")
    (folder_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: sandbox-apps\n"
        f"    http_sd_configs: [{{url: '{sandbox_server.url}/_sandbox/prometheus/targets', refresh_interval: 1s}}]\n")
    port = free_port()
    process = subprocess.Popen([binary, f"--config.file={folder_path / 'prometheus.yml'}",
                                f"--storage.tsdb.path={folder_path / 'data'}", "--storage.tsdb.retention.time=1h",
                                f"--web.listen-address=127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=open(folder_path / "log", "wb"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _ready(url), timeout=30)
    yield url
    process.terminate()
    process.wait(timeout=15)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/-/ready", timeout=1).ok
    except requests.RequestException:
        return False


def query(sbx: Sandbox, expr: str, **extra: Any) -> requests.Response:
    return sbx.grafana("POST", "/ds/query", json={"from": "now-5m", "to": "now", "queries": [
        {"refId": "A", "datasource": {"uid": "grafanacloud-prom"}, "expr": expr, "intervalMs": 1000,
         "maxDataPoints": 100, **extra}]})


def test_ds_query_runs_on_prometheus_which_scrapes_the_stand_in_apps(sbx: Sandbox, prometheus: str) -> None:
    source = sbx.grafana("GET", "/datasources/uid/grafanacloud-prom").json()
    assert sbx.grafana("PUT", "/datasources/uid/grafanacloud-prom",
                       json={"name": source["name"], "type": "prometheus", "url": prometheus, "access": "proxy"}).ok
    sbx.create_service("shop-web")
    targets = sbx.control("GET", "/prometheus/targets")
    assert targets == [{"targets": [sbx.url.removeprefix("http://")],
                        "labels": {"app": "shop-web", "job": "shop-web", "__metrics_path__": "/apps/shop-web/metrics"}}]
    requests.get(f"{sbx.url}/apps/shop-web/", timeout=5)

    def series() -> Any:
        answer = query(sbx, 'http_request_duration_seconds_count{app="shop-web",route="/"}', instant=True)
        frames = answer.json()["results"]["A"].get("frames") or []
        return answer.status_code == 200 and frames and frames[0]

    frame = wait_for(series, timeout=30, interval=0.5)
    assert [field["name"] for field in frame["schema"]["fields"]] == ["Time", "Value"]
    assert frame["schema"]["fields"][1]["labels"]["app"] == "shop-web"
    assert frame["data"]["values"][1][0] >= 1
    ranged = query(sbx, 'app_up{app="shop-web"}').json()["results"]["A"]
    assert ranged["status"] == 200 and len(ranged["frames"][0]["data"]["values"][0]) >= 1
    assert not [e for e in sbx.log(vendor="apps") if e["path"].endswith("/metrics")]  # scrapes are not logged


def test_a_promql_error_comes_back_as_the_query_error(sbx: Sandbox, prometheus: str) -> None:
    sbx.grafana("PUT", "/datasources/uid/grafanacloud-prom",
                json={"name": "grafanacloud-launchkit-prom", "type": "prometheus", "url": prometheus})
    answer = query(sbx, "rate(http_requests_total[5m")
    assert answer.status_code == 400
    result = answer.json()["results"]["A"]
    assert result["status"] == 400 and "parse error" in result["error"]
