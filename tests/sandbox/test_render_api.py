"""Render: auth, headers, owners, services, pagination, env vars, spec validation."""
from __future__ import annotations

import re

from conftest import OWNER_ID, Sandbox

SERVICE_ID = re.compile(r"^srv-[a-z0-9]{20}$")


def test_auth_rejects_missing_and_wrong_keys(sbx: Sandbox) -> None:
    for key in (None, "rnd_wrong"):
        response = sbx.render("GET", "/services", key=key)
        assert response.status_code == 401
        assert response.json()["message"] == "unauthorized"
        assert response.json()["id"]
    assert sbx.render("GET", "/services").status_code == 200


def test_every_response_has_rate_limit_and_request_id_headers(sbx: Sandbox) -> None:
    for response in (sbx.render("GET", "/owners"), sbx.render("GET", "/services/srv-nope"),
                     sbx.render("GET", "/owners", key=None)):
        for header in ("Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset", "Render-Request-Id"):
            assert response.headers.get(header), (header, response.status_code)
        assert int(response.headers["Ratelimit-Reset"]) >= 0


def test_owners(sbx: Sandbox) -> None:
    owners = sbx.render("GET", "/owners").json()
    assert [item["owner"]["id"] for item in owners] == [OWNER_ID]
    assert owners[0]["cursor"]
    assert sbx.render("GET", f"/owners/{OWNER_ID}").json()["name"] == "Sandbox Team"
    assert sbx.render("GET", "/owners/tea-unknown").status_code == 404


def test_service_crud(sbx: Sandbox) -> None:
    native = {"buildCommand": "bundle", "startCommand": "puma"}
    response = sbx.render("POST", "/services", json={
        "type": "web_service", "name": "scoop-web", "ownerId": OWNER_ID, "repo": "https://github.com/x/y",
        "serviceDetails": {"runtime": "ruby", "envSpecificDetails": native},
    })
    assert response.status_code == 201
    created = response.json()
    service = created["service"]
    assert created["deployId"].startswith("dep-")
    assert SERVICE_ID.match(service["id"])
    assert service["slug"] == "scoop-web" and service["suspended"] == "not_suspended"
    assert service["serviceDetails"]["url"] == "https://scoop-web.onrender.com"
    assert sbx.render("GET", f"/services/{service['id']}").json() == service

    patch = {"plan": "standard", "envSpecificDetails": {"startCommand": "rails s"}}
    patched = sbx.render("PATCH", f"/services/{service['id']}", json={"name": "scoop-web-2", "serviceDetails": patch})
    assert patched.status_code == 200, patched.text
    details = patched.json()["serviceDetails"]
    assert patched.json()["name"] == "scoop-web-2" and details["plan"] == "standard"
    assert details["envSpecificDetails"] == {"buildCommand": "bundle", "startCommand": "rails s"}

    assert sbx.render("DELETE", f"/services/{service['id']}").status_code == 204
    assert sbx.render("GET", f"/services/{service['id']}").status_code == 404
    assert sbx.render("DELETE", f"/services/{service['id']}").status_code == 404


def test_every_service_type_is_accepted_and_valid(sbx: Sandbox) -> None:
    """NOTES.md quirk 6: the spec's oneOf rejects valid cron bodies; the sandbox picks by type."""
    native = {"buildCommand": "bundle", "startCommand": "run"}
    bodies = {
        "static_site": {"buildCommand": "npm run build", "publishPath": "dist"},
        "web_service": {"runtime": "node", "envSpecificDetails": native},
        "private_service": {"runtime": "docker", "disk": {"name": "data", "mountPath": "/data"}},
        "background_worker": {"runtime": "ruby", "envSpecificDetails": native, "plan": "standard"},
        "cron_job": {"runtime": "ruby", "schedule": "*/10 * * * *", "envSpecificDetails": native},
    }
    for service_type, details in bodies.items():
        service = sbx.create_service(f"svc-{service_type}", service_type, serviceDetails=details)
        assert service["type"] == service_type
    types = {item["service"]["type"] for item in sbx.render("GET", "/services").json()}
    assert types == set(bodies)


def test_duplicate_service_name_conflicts(sbx: Sandbox) -> None:
    sbx.create_service("dup")
    response = sbx.render("POST", "/services", json={"type": "web_service", "name": "dup", "ownerId": OWNER_ID})
    assert response.status_code == 409
    assert "dup" in response.json()["message"]


def test_invalid_bodies_are_rejected_naming_the_field(sbx: Sandbox) -> None:
    cases = [
        ({"type": "web_service", "ownerId": OWNER_ID}, "name"),
        ({"type": "web_service", "name": "x", "ownerId": OWNER_ID, "serviceDetails": {"runtime": "cobol"}}, "runtime"),
        ({"type": "cron_job", "name": "x", "ownerId": OWNER_ID, "serviceDetails": {"runtime": "ruby"}}, "schedule"),
        ({"type": "spaceship", "name": "x", "ownerId": OWNER_ID}, "type"),
    ]
    for body, field in cases:
        response = sbx.render("POST", "/services", json=body)
        assert response.status_code == 400, body
        assert field in response.json()["message"], response.json()
    assert sbx.render("POST", "/services", data="{not json").status_code == 400
    duplicate_env = [{"key": "A", "value": "1"}, {"key": "A", "value": "2"}]
    response = sbx.render("POST", "/services", json={"type": "web_service", "name": "x", "ownerId": OWNER_ID,
                                                     "envVars": duplicate_env})
    assert response.status_code == 400
    assert sbx.render("GET", "/services").json() == []


def test_pagination_across_pages(sbx: Sandbox) -> None:
    names = [f"svc-{index:02d}" for index in range(45)]
    sbx.control("POST", "/seed", json={"render": {"services": [{"name": name} for name in names]}})
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = sbx.render("GET", "/services", params={"cursor": cursor} if cursor else {}).json()
        sizes.append(len(page))
        if not page:
            break
        seen.extend(item["service"]["name"] for item in page)
        cursor = page[-1]["cursor"]
    assert sizes == [20, 20, 5, 0]
    assert seen == names
    assert len(sbx.render("GET", "/services", params={"limit": 100}).json()) == 45
    too_many = sbx.render("GET", "/services", params={"limit": 500})
    assert too_many.status_code == 400 and "limit" in too_many.json()["message"], too_many.text
    assert len(sbx.render("GET", "/services", params={"limit": 7}).json()) == 7


def test_service_filters(sbx: Sandbox) -> None:
    sbx.create_service("alpha")
    sbx.create_service("beta", "background_worker", serviceDetails={"runtime": "docker"})
    sbx.create_service("gamma")
    by_name = sbx.render("GET", "/services", params={"name": "alpha,gamma"}).json()
    assert sorted(item["service"]["name"] for item in by_name) == ["alpha", "gamma"]
    encoded = sbx.render("GET", "/services?name=alpha%2Cbeta").json()
    assert sorted(item["service"]["name"] for item in encoded) == ["alpha", "beta"]
    workers = sbx.render("GET", "/services", params={"type": "background_worker", "ownerId": OWNER_ID}).json()
    assert [item["service"]["name"] for item in workers] == ["beta"]
    assert sbx.render("GET", "/services", params={"ownerId": "tea-other"}).json() == []


def env_of(sbx: Sandbox, service_id: str) -> dict[str, str]:
    items = sbx.render("GET", f"/services/{service_id}/env-vars").json()
    return {item["envVar"]["key"]: item["envVar"]["value"] for item in items}


def test_env_var_whole_set_put_replaces(sbx: Sandbox) -> None:
    service = sbx.create_service("env", envVars=[{"key": "A", "value": "1"}, {"key": "B", "value": "2"}])
    assert env_of(sbx, service["id"]) == {"A": "1", "B": "2"}
    response = sbx.render("PUT", f"/services/{service['id']}/env-vars",
                          json=[{"key": "B", "value": "22"}, {"key": "SECRET", "generateValue": True}])
    assert response.status_code == 200
    assert [item["envVar"]["key"] for item in response.json()] == ["B", "SECRET"]
    env = env_of(sbx, service["id"])
    assert set(env) == {"B", "SECRET"} and env["B"] == "22" and len(env["SECRET"]) >= 32
    both = sbx.render("PUT", f"/services/{service['id']}/env-vars",
                      json=[{"key": "X", "value": "1", "generateValue": True}])
    assert both.status_code == 400
    assert env_of(sbx, service["id"]) == env


def test_env_var_per_key(sbx: Sandbox) -> None:
    service = sbx.create_service("env", envVars=[{"key": "KEEP", "value": "k"}])
    base = f"/services/{service['id']}/env-vars"
    assert sbx.render("GET", f"{base}/MISSING").status_code == 404
    assert sbx.render("DELETE", f"{base}/MISSING").status_code == 404
    put = sbx.render("PUT", f"{base}/NEW", json={"value": "v1"})
    assert put.status_code == 200 and put.json() == {"key": "NEW", "value": "v1"}
    assert sbx.render("PUT", f"{base}/NEW", json={"value": "v2"}).json()["value"] == "v2"
    generated = sbx.render("PUT", f"{base}/GEN", json={"generateValue": True}).json()["value"]
    assert len(generated) >= 32
    assert sbx.render("GET", f"{base}/NEW").json() == {"key": "NEW", "value": "v2"}
    assert sbx.render("DELETE", f"{base}/NEW").status_code == 204
    assert env_of(sbx, service["id"]) == {"KEEP": "k", "GEN": generated}
    assert sbx.render("PUT", f"{base}/BAD", json={"nothing": 1}).status_code == 400
    assert sbx.render("GET", "/services/srv-missing/env-vars").status_code == 404


def test_env_var_pagination(sbx: Sandbox) -> None:
    service = sbx.create_service("many", envVars=[{"key": f"K{index:03d}", "value": "v"} for index in range(30)])
    first = sbx.render("GET", f"/services/{service['id']}/env-vars", params={"limit": 25}).json()
    rest = sbx.render("GET", f"/services/{service['id']}/env-vars", params={"cursor": first[-1]["cursor"]}).json()
    assert len(first) == 25 and len(rest) == 5
    assert sbx.render("GET", f"/services/{service['id']}/env-vars", params={"cursor": rest[-1]["cursor"]}).json() == []
