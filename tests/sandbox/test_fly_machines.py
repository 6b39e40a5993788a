"""Fly.io Machines: lifecycle, whole-config updates, secrets versions a Machine sees, leases, waits,
capacity failures, failing Machines, and the seeded app served at <app>.fly.dev."""
from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from conftest import REPO, Sandbox

CONFIG = {"image": "registry.fly.io/web:1", "env": {"MODE": "one"}, "metadata": {"role": "web"},
          "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
          "services": [{"protocol": "tcp", "internal_port": 8080, "ports": [{"port": 443, "handlers": ["tls", "http"]}],
                        "checks": [{"type": "http", "path": "/health", "port": 8080, "interval": "10s"}]}]}


@pytest.fixture
def fly(sbx: Sandbox) -> Sandbox:
    sbx.control("POST", "/fly/settings", json={"rate_limit": False})
    answer = sbx.fly("POST", "/apps", json={"name": "web", "org_slug": "personal"})
    assert answer.status_code == 201, answer.text
    return sbx


def create(sbx: Sandbox, app: str = "web", **body: Any) -> dict[str, Any]:
    answer = sbx.fly("POST", f"/apps/{app}/machines", json={"config": CONFIG, "region": "iad", **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait(sbx: Sandbox, machine: dict[str, Any], state: str = "started", timeout: int = 10,
         app: str = "web", **params: Any) -> Any:
    return sbx.fly("GET", f"/apps/{app}/machines/{machine['id']}/wait",
                   params={"state": state, "timeout": timeout, **params})


def running_env(sbx: Sandbox, machine: dict[str, Any], app: str = "web") -> dict[str, Any]:
    return sbx.control("GET", f"/fly/apps/{app}/machines/{machine['id']}/env")


def test_create_start_stop_destroy(fly: Sandbox) -> None:
    machine = create(fly, name="web-1")
    assert machine["state"] == "created" and machine["region"] == "iad" and len(machine["instance_id"]) == 26
    assert machine["config"]["env"] == {"MODE": "one"} and "nonce" not in machine
    done = wait(fly, machine)
    assert done.status_code == 200 and done.json()["state"] == "started"
    got = fly.fly("GET", f"/apps/web/machines/{machine['id']}").json()
    assert got["checks"][0]["status"] == "passing"
    assert fly.fly("POST", f"/apps/web/machines/{machine['id']}/start").status_code == 412
    refused = fly.fly("DELETE", f"/apps/web/machines/{machine['id']}")
    assert refused.status_code == 412 and "not currently stopped" in refused.json()["error"]
    assert fly.fly("POST", f"/apps/web/machines/{machine['id']}/stop", json={"signal": "SIGTERM"}).status_code == 200
    assert wait(fly, machine, "stopped").status_code == 200
    assert fly.fly("GET", "/apps/web/machines", params={"state": "stopped", "summary": "true"}).json()[0]["id"] == machine["id"]
    assert fly.fly("DELETE", f"/apps/web/machines/{machine['id']}").status_code == 200
    assert fly.fly("GET", "/apps/web/machines").json() == []
    assert fly.fly("GET", "/apps/web/machines", params={"include_deleted": "true"}).json()[0]["state"] == "destroyed"
    events = fly.fly("GET", f"/apps/web/machines/{machine['id']}/events").json()
    assert events[0]["type"] == "destroy"


def test_running_machine_sees_new_secrets_only_when_updated(fly: Sandbox) -> None:
    fly.fly("POST", "/apps/web/secrets", json={"values": {"TOKEN": "v1"}})
    machine = create(fly)
    wait(fly, machine)
    assert running_env(fly, machine)["env"] == {"MODE": "one", "TOKEN": "v1"}
    version = fly.fly("POST", "/apps/web/secrets", json={"values": {"TOKEN": "v2", "EXTRA": "x"}}).json()["version"]
    seen = running_env(fly, machine)
    assert seen["env"]["TOKEN"] == "v1" and seen["secrets_version"] == 1 and version == 2
    too_new = fly.fly("POST", f"/apps/web/machines/{machine['id']}", json={"config": CONFIG, "min_secrets_version": 3})
    assert too_new.status_code == 400
    updated = fly.fly("POST", f"/apps/web/machines/{machine['id']}", json={"config": CONFIG, "min_secrets_version": 2})
    assert updated.status_code == 200 and updated.json()["state"] == "replacing"
    assert running_env(fly, machine)["env"] == {"MODE": "one", "TOKEN": "v2", "EXTRA": "x"}
    assert running_env(fly, machine)["secrets_version"] == 2


def test_update_replaces_the_whole_config_and_checks_current_version(fly: Sandbox) -> None:
    machine = create(fly)
    wait(fly, machine)
    bare = {"image": "registry.fly.io/web:2"}
    stale = fly.fly("POST", f"/apps/web/machines/{machine['id']}", json={"config": bare, "current_version": "0" * 26})
    assert stale.status_code == 412 and "current_version" in stale.json()["error"]
    updated = fly.fly("POST", f"/apps/web/machines/{machine['id']}",
                      json={"config": bare, "current_version": machine["instance_id"], "skip_launch": True}).json()
    assert updated["config"] == bare and updated["instance_id"] != machine["instance_id"]
    assert updated["state"] == "stopped" and running_env(fly, machine)["env"] == {}
    versions = fly.fly("GET", f"/apps/web/machines/{machine['id']}/versions").json()
    assert [v["version"] for v in versions] == [updated["instance_id"], machine["instance_id"]]
    assert fly.fly("GET", f"/apps/web/machines/{machine['id']}/metadata").json() == {}


def test_lease_nonce_is_required_from_others(fly: Sandbox) -> None:
    machine = create(fly, lease_ttl=60)
    nonce = machine["nonce"]
    path = f"/apps/web/machines/{machine['id']}"
    wait(fly, machine)
    assert fly.fly("GET", f"{path}/lease").json()["nonce"] == nonce
    refused = fly.fly("POST", f"{path}/stop")
    assert refused.status_code == 409 and "fly-machine-lease-nonce" in refused.json()["error"]
    assert fly.fly("POST", f"{path}/lease", json={"ttl": 30}).status_code == 409
    assert fly.fly("POST", f"{path}/metadata/owner", json={"value": "x"}).status_code == 409
    headers = {"fly-machine-lease-nonce": nonce}
    assert fly.fly("POST", f"{path}/metadata/owner", json={"value": "me"}, headers=dict(headers)).status_code == 204
    assert fly.fly("GET", f"{path}/metadata/owner").json() == {"value": "me"}
    assert fly.fly("POST", f"{path}/stop", headers=dict(headers)).status_code == 200
    assert fly.fly("DELETE", f"{path}/lease", headers={"fly-machine-lease-nonce": "other"}).status_code == 409
    assert fly.fly("DELETE", f"{path}/lease", headers=dict(headers)).status_code == 200
    assert fly.fly("GET", f"{path}/lease").status_code == 404
    lease = fly.fly("POST", f"{path}/lease", json={"ttl": 30, "description": "deploy"})
    assert lease.status_code == 201 and lease.json()["nonce"] != nonce


def test_wait_times_out_with_408(fly: Sandbox) -> None:
    machine = create(fly, skip_launch=True)
    assert machine["state"] == "created"
    timed_out = wait(fly, machine, timeout=1)
    assert timed_out.status_code == 408 and "error" in timed_out.json()
    assert fly.fly("POST", f"/apps/web/machines/{machine['id']}/start").status_code == 200
    assert wait(fly, machine, version=machine["instance_id"]).json()["ok"] is True


def test_insufficient_capacity_in_a_region(fly: Sandbox) -> None:
    placed = create(fly, region="sjc")
    wait(fly, placed)
    fly.fly("POST", f"/apps/web/machines/{placed['id']}/stop")
    wait(fly, placed, "stopped")
    fly.control("POST", "/fly/settings", json={"insufficient_capacity": ["sjc"]})
    refused = fly.fly("POST", "/apps/web/machines", json={"config": CONFIG, "region": "sjc"})
    assert refused.status_code == 412
    assert refused.json()["status"] == "insufficient_capacity" and "sjc" in refused.json()["error"]
    assert fly.fly("POST", f"/apps/web/machines/{placed['id']}/start").json()["status"] == "insufficient_capacity"
    assert fly.fly("POST", f"/apps/web/machines/{placed['id']}", json={"config": CONFIG}).status_code == 412
    assert create(fly, region="ams")["region"] == "ams"


def seed_fixture(sbx: Sandbox) -> dict[str, Any]:
    fixture = json.loads((REPO / "sandbox" / "fixtures" / "rehearsal.json").read_text())
    return sbx.control("POST", "/seed", json={"fly": fixture["fly"], "apps": fixture["apps"]})


def test_seeded_app_is_served_at_its_fly_dev_name(sbx: Sandbox) -> None:
    seeded = seed_fixture(sbx)["fly"]["apps"][0]
    assert seeded["name"] == "synckairos-staging" and len(seeded["machines"]) == 2
    machines = sbx.fly("GET", "/apps/synckairos-staging/machines").json()
    assert {m["state"] for m in machines} == {"started"} and {m["region"] for m in machines} == {"sjc"}
    assert all(m["checks"][0]["status"] == "passing" for m in machines)
    host = "synckairos-staging.fly.dev"
    status, headers, health = sbx.https(host, "/health")
    assert status == 200 and health["status"] == "ok" and headers["X-Machine-Id"] in seeded["machines"]
    assert sbx.https(host, "/ready")[0] == 200
    created = sbx.https(host, "/v1/sessions", method="POST",
                        body={"session_id": "s-1", "sync_mode": "per_participant", "participants": []})
    assert created[0] == 201 and created[2]["session_id"] == "s-1"
    assert sbx.https(host, "/v1/sessions/s-1")[2]["sync_mode"] == "per_participant"
    assert sbx.https(host, "/v1/sessions/nope")[0] == 404
    metrics = sbx.https(host, "/metrics")[2]
    assert "synckairos_active_sessions 1" in metrics
    served_by = {sbx.https(host, "/")[1]["X-Machine-Id"] for _index in range(4)}
    assert served_by == set(seeded["machines"])
    assert sbx.control("GET", "/state")["vendors"]["apps"]["resources"]["synckairos-staging"]["count"] == 1
    assert requests.get(f"{sbx.url}/apps/{host}/health", timeout=10).status_code == 200
    assert seed_fixture(sbx)["fly"]["apps"][0]["action"] == "exists"
    env = running_env(sbx, {"id": seeded["machines"][0]}, "synckairos-staging")
    assert env["env"]["JWT_SECRET"] and env["secrets_version"] == 1


def test_a_failing_machine_fails_to_start_or_its_checks(sbx: Sandbox) -> None:
    sbx.control("POST", "/fly/settings", json={"rate_limit": False})
    first, second = seed_fixture(sbx)["fly"]["apps"][0]["machines"]
    sbx.control("POST", "/fly/settings", json={"fail": {second: "start"}})
    app, config = "synckairos-staging", sbx.fly("GET", f"/apps/synckairos-staging/machines/{second}").json()["config"]
    updated = sbx.fly("POST", f"/apps/{app}/machines/{second}", json={"config": config}).json()
    assert wait(sbx, updated, timeout=1, app=app).status_code == 408
    assert wait(sbx, updated, "failed", app=app).status_code == 200
    assert {sbx.https(f"{app}.fly.dev", "/")[1]["X-Machine-Id"] for _index in range(3)} == {first}
    sbx.control("POST", "/fly/settings", json={"fail": {first: "checks"}})
    got = sbx.fly("GET", f"/apps/{app}/machines/{first}").json()
    assert got["state"] == "started" and got["checks"][0]["status"] == "critical"
    sbx.fly("POST", f"/apps/{app}/machines/{first}/stop")
    wait(sbx, {"id": first}, "stopped", app=app)
    status, _headers, body = sbx.https(f"{app}.fly.dev", "/health")
    assert status == 503 and "no started machine" in body["error"]
