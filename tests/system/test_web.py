"""The web phase of site.yml (RekindlePro): health-check path, custom domain, verification, HTTPS, rollback.

The rehearsal fixture marks api.rekindlepro.example's DNS record as created and the sandbox inventory
waits for its verification, then checks https://api.rekindlepro.example/health through the sandbox's
HTTPS listener (web_https_connect_to) against the sandbox CA.

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_web.py
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import assert_ok, control, recap, render_api, run_site, services_by_name, state

HOST = "rekindlepro_staging"
WEB = "rekindlepro-api"
DOMAIN = "api.rekindlepro.example"
WEB_PHASE = ("--tags", "web", "--limit", HOST)
ROLLBACK = ("--tags", "rollback_web", "--limit", HOST)
TASK = re.compile(r"^TASK \[(?:[^\]:]+ : )?(.+?)\] \*+$")
CHANGED = re.compile(r"^changed: \[[^\]]+\](?: => \(item=(.+?)\))?")


@pytest.fixture(autouse=True)
def seeded(sandbox):  # noqa: ARG001 - `sandbox` (conftest) resets and seeds the rehearsal fixture
    return None


def run_counted(*args: str, state_dir) -> tuple:
    """Run site.yml with ARGS; the result and the sandbox's writes during the run, as 'METHOD path'."""
    control("DELETE", "/log")
    result = run_site(*args, state_dir=state_dir)
    writes = [f"{e['method']} {e['path']}" for e in control("GET", "/log")["entries"] if e["write"]]
    return result, writes


def changed_tasks(result) -> list[tuple[str, str | None]]:
    """Each (task name, loop item) the run reported changed, in order."""
    changed, task = [], None
    for line in result.stdout.splitlines():
        if match := TASK.match(line):
            task = match.group(1)
        elif match := CHANGED.match(line):
            changed.append((task, match.group(1)))
    return changed


def web_service() -> dict:
    return services_by_name(state())[WEB]


def domains() -> dict[str, dict]:
    return {d["name"]: d for d in state()["vendors"]["render"]["custom_domains"]}


def record(state_dir) -> dict | None:
    path = state_dir / HOST / "web.json"
    return json.loads(path.read_text()) if path.exists() else None


def fatal_message(result) -> str:
    start = result.stdout.index(f"fatal: [{HOST}]")
    return re.search(r'"msg": "((?:[^"\\]|\\.)*)"', result.stdout[start:]).group(1)


def test_first_run_sets_the_path_adds_the_domain_waits_for_it_and_checks_https(tmp_path):
    assert web_service()["serviceDetails"]["healthCheckPath"] == ""
    result, writes = run_counted(*WEB_PHASE, "--diff", state_dir=tmp_path)
    assert_ok(result, "web phase")
    service_id = web_service()["id"]
    assert web_service()["serviceDetails"]["healthCheckPath"] == "/health"
    assert {name: d["verificationStatus"] for name, d in domains().items()} == {DOMAIN: "verified"}
    assert writes[:2] == [f"PATCH /render/v1/services/{service_id}",
                          f"POST /render/v1/services/{service_id}/custom-domains"]
    assert len(writes) == 3 and re.fullmatch(
        rf"POST /render/v1/services/{service_id}/custom-domains/cdm-\w+/verify", writes[2])
    # HTTPS through the sandbox's listener: the stand-in app of the service answered /health once.
    app_requests = [e["path"] for e in control("GET", "/log?vendor=apps")["entries"]]
    assert app_requests == [f"/apps/{WEB}/health"]
    assert f'"{DOMAIN}": 200' in result.stdout
    # The diff shows what changes: the path and the domain.
    assert '-    "health_check_path": ""' in result.stdout and '+    "health_check_path": "/health"' in result.stdout
    # The record was kept: the path before and the domain the run added.
    kept = record(tmp_path)
    assert kept["health_check_path"] == "" and kept["domains_created"] == [DOMAIN] and kept["service"] == WEB


def test_second_run_changes_and_writes_nothing(tmp_path):
    assert_ok(run_site(*WEB_PHASE, state_dir=tmp_path), "first web run")
    kept = record(tmp_path)
    result, writes = run_counted(*WEB_PHASE, state_dir=tmp_path)
    assert_ok(result, "second web run")
    assert recap(result)[HOST]["changed"] == 0 and writes == []
    assert record(tmp_path) == kept


def test_check_mode_writes_nothing_and_predicts_the_real_run(tmp_path):
    before = state()
    predicted, writes = run_counted(*WEB_PHASE, "--check", state_dir=tmp_path)
    assert_ok(predicted, "web phase in check mode")
    assert writes == [] and record(tmp_path) is None
    assert state()["vendors"]["render"]["custom_domains"] == before["vendors"]["render"]["custom_domains"]
    assert web_service()["serviceDetails"]["healthCheckPath"] == ""
    real = run_site(*WEB_PHASE, state_dir=tmp_path)
    assert_ok(real, "web phase")
    assert changed_tasks(predicted) == changed_tasks(real)
    assert [task for task, _item in changed_tasks(real)] == [
        "Keep the rollback record before any change (the path before, the domains this run adds)",
        "The web service's health-check path (web_health_check_path)",
        "Add each custom domain (and wait until Render verified it when web_domain_wait_verified)"]
    assert recap(predicted)[HOST]["changed"] == recap(real)[HOST]["changed"] == 3


def test_an_apex_brings_its_www_twin_and_pending_dns_is_no_failure(tmp_path):
    wanted = {"web_domains": [DOMAIN, {"name": "rekindlepro.example", "www": True}], "web_domain_wait_verified": False}
    predicted = run_site(*WEB_PHASE, "--check", "-e", json.dumps(wanted), state_dir=tmp_path)
    assert_ok(predicted, "web phase in check mode")
    result = run_site(*WEB_PHASE, "-e", json.dumps(wanted), state_dir=tmp_path)
    assert_ok(result, "web phase")
    assert changed_tasks(predicted) == changed_tasks(result)
    found = domains()
    assert sorted(found) == [DOMAIN, "rekindlepro.example", "www.rekindlepro.example"]
    assert found["www.rekindlepro.example"]["redirectForName"] == "rekindlepro.example"
    assert found["rekindlepro.example"]["verificationStatus"] == "unverified"
    # The DNS records still to create are the phase's pending actions, not a failure.
    assert "DNS: create ALIAS rekindlepro.example -> " in result.stdout
    assert "DNS: create CNAME www.rekindlepro.example -> " in result.stdout
    assert record(tmp_path)["domains_created"] == [DOMAIN, "rekindlepro.example", "www.rekindlepro.example"]


def test_rollback_restores_the_path_and_removes_only_what_the_run_added(tmp_path):
    service_id = web_service()["id"]
    render_api("PATCH", f"/services/{service_id}", {"serviceDetails": {"healthCheckPath": "/up"}})
    render_api("POST", f"/services/{service_id}/custom-domains", {"name": "app.rekindlepro.example"})
    control("POST", "/render/dns", {"records": {"app.rekindlepro.example": True}})
    wanted = {"web_domains": ["app.rekindlepro.example", DOMAIN]}
    assert_ok(run_site(*WEB_PHASE, "-e", json.dumps(wanted), state_dir=tmp_path), "web phase")
    assert sorted(domains()) == ["api.rekindlepro.example", "app.rekindlepro.example"]
    assert record(tmp_path)["domains_created"] == [DOMAIN]  # app.rekindlepro.example is adopted

    result, writes = run_counted(*ROLLBACK, "--diff", state_dir=tmp_path)
    assert_ok(result, "web rollback")
    assert web_service()["serviceDetails"]["healthCheckPath"] == "/up"
    assert sorted(domains()) == ["app.rekindlepro.example"]
    assert writes[0] == f"PATCH /render/v1/services/{service_id}"
    assert len(writes) == 2 and writes[1].startswith(f"DELETE /render/v1/services/{service_id}/custom-domains/cdm-")
    assert record(tmp_path) is None
    again, writes = run_counted(*ROLLBACK, state_dir=tmp_path)
    assert_ok(again, "second web rollback")
    assert writes == [] and recap(again)[HOST]["changed"] == 0


@pytest.mark.parametrize("settings, message", [
    ({"web_domains": ["https://api.rekindlepro.example"]}, "web_domains[0]: 'https://api.rekindlepro.example' is a URL"),
    ({"web_domains": ["api_rekindlepro.example"]}, "is not a valid domain name"),
    ({"web_health_check_path": "health"}, "web_health_check_path 'health' must be a path starting with /"),
    ({"web_service": "rekindlepro-nosuch"}, "web_service names 'rekindlepro-nosuch', which does not exist"),
    ({"web_service": "rekindlepro-worker"}, "web_service names 'rekindlepro-worker', a background_worker; it must be a web_service"),
])
def test_bad_settings_fail_before_any_write(tmp_path, settings, message):
    result, writes = run_counted(*WEB_PHASE, "-e", json.dumps(settings), state_dir=tmp_path)
    assert result.returncode != 0
    assert message in fatal_message(result)
    assert writes == [] and record(tmp_path) is None


def test_waiting_for_a_domain_without_its_dns_record_fails_naming_it_and_the_rollback_still_removes_it(tmp_path):
    control("POST", "/render/dns", {"records": {DOMAIN: False}})
    result = run_site(*WEB_PHASE, "-e", json.dumps({"web_domain_wait_timeout": 2}), state_dir=tmp_path)
    assert result.returncode != 0 and recap(result)[HOST]["failed"] == 1
    assert f"DNS for {DOMAIN} is not verified after 2 s; create the records listed in domains[].dns_records" \
        in result.stdout
    assert domains()[DOMAIN]["verificationStatus"] == "unverified"
    # The record was written before the add, so the rollback removes the domain.
    assert record(tmp_path)["domains_created"] == [DOMAIN]
    assert_ok(run_site(*ROLLBACK, state_dir=tmp_path), "web rollback")
    assert domains() == {} and web_service()["serviceDetails"]["healthCheckPath"] == ""


def test_a_verified_domain_whose_app_fails_fails_the_https_check(tmp_path):
    control("POST", f"/apps/{WEB}/routes", {"method": "GET", "path": "/health", "status": 503,
                                            "json": {"status": "error"}})
    result = run_site(*WEB_PHASE, "-e", json.dumps({"web_https_retries": 0}), state_dir=tmp_path)
    assert result.returncode != 0
    assert f"GET https://{DOMAIN}/health failed: expected status 200, got 503" in result.stdout
    assert domains()[DOMAIN]["verificationStatus"] == "verified"


def test_a_www_twin_render_does_not_add_is_added_by_the_phase(tmp_path):
    wanted = {"web_domains": [{"name": "app.rekindlepro.example", "www": True}], "web_domain_wait_verified": False}
    predicted, writes = run_counted(*WEB_PHASE, "--check", "-e", json.dumps(wanted), state_dir=tmp_path)
    assert_ok(predicted, "web phase in check mode")
    assert writes == []
    result = run_site(*WEB_PHASE, "-e", json.dumps(wanted), state_dir=tmp_path)
    assert_ok(result, "web phase")
    assert changed_tasks(predicted) == changed_tasks(result)
    assert ("Add the www twins asked for that Render did not add", "www.app.rekindlepro.example") \
        in changed_tasks(result)
    assert sorted(domains()) == ["app.rekindlepro.example", "www.app.rekindlepro.example"]
    assert record(tmp_path)["domains_created"] == ["app.rekindlepro.example", "www.app.rekindlepro.example"]


def test_the_rollout_report_shows_the_domains_and_the_pending_dns_records(tmp_path):
    wanted = {"web_domains": [DOMAIN, "rekindlepro.example"], "web_domain_wait_verified": False,
              # Only the web phase runs here: the app's Redis and database are not wired, which validation
              # reports as failed checks; the report is what this test reads.
              "validate_fail_on_error": False,
              "validate_report_dir": f"{tmp_path}/reports/{{{{ inventory_hostname }}}}"}
    assert_ok(run_site("--tags", "web,validate", "--limit", HOST, "-e", json.dumps(wanted), state_dir=tmp_path / "state"),
              "web and validate phases")
    folder = tmp_path / "reports" / HOST
    data = json.loads((folder / "rollout-report.json").read_text(encoding="utf-8"))
    markdown = (folder / "rollout-report.md").read_text(encoding="utf-8")
    web = data["phases"]["web"]
    assert web["configured"] is True and web["health_check_path"] == "/health"
    assert [(d["name"], d["verification_status"]) for d in web["domains"]] == [
        (DOMAIN, "verified"), ("rekindlepro.example", "unverified"), ("www.rekindlepro.example", "unverified")]
    assert web["https"] == {DOMAIN: 200}
    assert web["rollback_record"]["domains_created"] == [DOMAIN, "rekindlepro.example", "www.rekindlepro.example"]
    assert len(data["pending_actions"]) == 2
    assert data["pending_actions"][0].startswith("DNS: create ALIAS rekindlepro.example -> rekindlepro-api.onrender.com")
    assert data["pending_actions"][1].startswith("DNS: create CNAME www.rekindlepro.example -> ")
    assert f"| {DOMAIN} | verified | - | 200 |" in markdown
    assert "| www.rekindlepro.example | unverified | rekindlepro.example | - |" in markdown
    assert "## Pending actions\n\n- DNS: create ALIAS rekindlepro.example" in markdown
