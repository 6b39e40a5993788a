"""Fault injection, the request log, seeding, state and reset."""
from __future__ import annotations

import time

import pytest
import requests

from conftest import OWNER_ID, Sandbox

WEB = {"type": "web_service", "ownerId": OWNER_ID}


def faults(sbx: Sandbox, **config: object) -> None:
    sbx.control("POST", "/faults", json={"seed": 1, **config})


def service_names(sbx: Sandbox) -> list[str]:
    return sorted(item["service"]["name"] for item in sbx.render("GET", "/services").json())


def test_health_and_unknown_control_path(sbx: Sandbox) -> None:
    health = sbx.control("GET", "/health")
    assert health["ok"] is True
    assert health["spec_validation"]["enabled"] is True, health
    assert health["spec_validation"]["vendors"] == {name: "on" for name in ("render", "upstash", "sendgrid", "sentry", "fly", "grafana")}
    assert requests.get(f"{sbx.url}/_sandbox/nope", timeout=5).status_code == 404


def test_429_carries_retry_after_and_the_vendor_body(sbx: Sandbox) -> None:
    faults(sbx, rate=1.0, kinds=["429"], retry_after=3)
    render = sbx.render("GET", "/services")
    assert render.status_code == 429 and render.headers["Retry-After"] == "3"
    assert set(render.json()) == {"id", "message"} and render.headers["Ratelimit-Remaining"] == "0"
    upstash = sbx.upstash("GET", "/redis/databases")
    assert upstash.status_code == 429 and isinstance(upstash.json(), str)
    assert [entry["fault"] for entry in sbx.log()] == ["429", "429"]


def test_503(sbx: Sandbox) -> None:
    faults(sbx, rate=1.0, kinds=["503"], vendor="render")
    assert sbx.render("GET", "/owners").status_code == 503
    assert sbx.upstash("GET", "/redis/databases").status_code == 200


def test_drop_closes_before_processing(sbx: Sandbox) -> None:
    faults(sbx, rate=1.0, kinds=["drop"], methods=["POST"])
    with pytest.raises(requests.ConnectionError):
        sbx.render("POST", "/services", json={**WEB, "name": "dropped"})
    sbx.control("DELETE", "/faults")
    assert service_names(sbx) == []
    assert sbx.log()[0]["fault"] == "drop" and sbx.log()[0]["status"] is None


def test_drop_after_processes_then_closes(sbx: Sandbox) -> None:
    faults(sbx, rate=1.0, kinds=["drop_after"], methods=["POST"], path_contains="/services")
    with pytest.raises(requests.ConnectionError):
        sbx.render("POST", "/services", json={**WEB, "name": "half-done"})
    sbx.control("DELETE", "/faults")
    assert service_names(sbx) == ["half-done"]
    entry = sbx.log()[0]
    assert entry["fault"] == "drop_after" and entry["status"] == 201 and entry["write"] is True


def test_nth_faults_exactly_one_matching_request(sbx: Sandbox) -> None:
    faults(sbx, nth=3, kinds=["503"], vendor="render", methods=["GET"])
    statuses = [sbx.render("GET", "/owners").status_code for _index in range(5)]
    sbx.render("POST", "/services", json={**WEB, "name": "not-counted"})
    assert statuses == [200, 200, 503, 200, 200]
    assert sbx.control("GET", "/faults")["matched"] == 5


def test_slow_delays_the_answer(sbx: Sandbox) -> None:
    faults(sbx, rate=1.0, kinds=["slow"], delay=0.6)
    started = time.monotonic()
    assert sbx.render("GET", "/owners").status_code == 200
    assert time.monotonic() - started >= 0.6


def test_seeded_rate_is_reproducible(sbx: Sandbox) -> None:
    def run() -> list[int]:
        faults(sbx, rate=0.5, kinds=["429", "503"])
        return [sbx.render("GET", "/owners").status_code for _index in range(20)]

    first, second = run(), run()
    assert first == second
    assert set(first) <= {200, 429, 503}
    assert 0 < sum(status != 200 for status in first) < 20


def test_fault_config_validation_and_clear(sbx: Sandbox) -> None:
    bad = requests.post(f"{sbx.url}/_sandbox/faults", json={"kinds": ["explode"]}, timeout=5)
    assert bad.status_code == 400
    faults(sbx, rate=1.0, kinds=["503"])
    assert sbx.control("GET", "/faults")["active"] is True
    sbx.control("DELETE", "/faults")
    assert sbx.control("GET", "/faults")["active"] is False
    assert sbx.render("GET", "/owners").status_code == 200


def test_request_log_counts_reads_and_writes(sbx: Sandbox) -> None:
    sbx.render("GET", "/owners")
    service = sbx.render("POST", "/services", json={**WEB, "name": "logged"}).json()["service"]
    sbx.render("PUT", f"/services/{service['id']}/env-vars/A", json={"value": "1"})
    sbx.render("GET", f"/services/{service['id']}/env-vars")
    sbx.upstash("GET", "/redis/databases")
    sbx.control("GET", "/state")  # control calls are not logged
    assert sbx.summary() == {"reads": 3, "writes": 2, "faults": 0, "response_invalid": 0}
    assert sbx.summary(vendor="render") == {"reads": 2, "writes": 2, "faults": 0, "response_invalid": 0}
    entries = sbx.log(vendor="render")
    assert [entry["method"] for entry in entries] == ["GET", "POST", "PUT", "GET"]
    assert entries[1]["path"] == "/render/v1/services" and entries[1]["status"] == 201
    since = entries[1]["seq"]
    assert [entry["seq"] for entry in sbx.log(since=since)] == [since + 1, since + 2, since + 3]
    assert sbx.summary(since=since)["writes"] == 1
    sbx.control("DELETE", "/log")
    assert sbx.log() == []


def test_seed_and_state(sbx: Sandbox) -> None:
    seeded = sbx.control("POST", "/seed", json={
        "render": {"services": [{"name": "scoop-web", "type": "web_service",
                                 "env_vars": {"RAILS_ENV": "production", "SECRET_KEY_BASE": "abc"}}]},
        "upstash": {"databases": [{"database_name": "seeded"}]},
    })
    service = seeded["render"]["services"][0]
    assert service["name"] == "scoop-web" and service["id"].startswith("srv-")
    env = sbx.render("GET", f"/services/{service['id']}/env-vars").json()
    assert {item["envVar"]["key"]: item["envVar"]["value"] for item in env} == {
        "RAILS_ENV": "production", "SECRET_KEY_BASE": "abc"}
    state = sbx.control("GET", "/state")
    assert state["vendors"]["render"]["env_vars"][service["id"]]["SECRET_KEY_BASE"] == "abc"
    assert state["vendors"]["upstash"]["databases"][0]["password"]
    bad = requests.post(f"{sbx.url}/_sandbox/seed", json={"nope": {}}, timeout=5)
    assert bad.status_code == 400


def test_reset_clears_state_log_and_faults(sbx: Sandbox) -> None:
    sbx.create_service("gone")
    database = sbx.create_database()
    faults(sbx, rate=1.0, kinds=["503"], vendor="upstash")
    sbx.control("POST", "/reset")
    assert sbx.log() == [] and sbx.control("GET", "/faults")["active"] is False
    assert service_names(sbx) == []
    assert sbx.render("GET", "/owners").json()[0]["owner"]["id"] == OWNER_ID
    assert sbx.upstash("GET", "/redis/databases").json() == []
    assert not (sbx.state_dir / "redis" / database["database_id"]).exists()


def test_a_domain_validation_counts_as_a_read(sbx: Sandbox) -> None:
    """POST .../whitelabel/domains/{id}/validate asks SendGrid to look at the DNS: logged, not a write."""
    domain = sbx.sendgrid("POST", "/whitelabel/domains", json={"domain": "mail-check.example"}).json()
    since = sbx.log()[-1]["seq"]
    assert sbx.sendgrid("POST", f"/whitelabel/domains/{domain['id']}/validate").status_code == 200
    assert sbx.summary(since=since) == {**sbx.summary(since=since), "reads": 1, "writes": 0}
