"""Vercel: projects, env vars and deployments of one team; the stand-in app at the production URL with the env
of its current production deployment, and its rate-limited route counted through the Upstash REST API."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from conftest import Sandbox, wait_for

TOKEN = "vercel_sandbox_token"
TEAM = {"teamId": "team_launchkit_sandbox"}


def vercel(sbx: Sandbox, method: str, path: str, *, token: str | None = TOKEN, team: bool = True,
           **kwargs: Any) -> requests.Response:
    params = {**(TEAM if team else {}), **kwargs.pop("params", {})}
    return sbx._bearer(method, f"/vercel{path}", token, params=params, **kwargs)


def seed_project(sbx: Sandbox, env: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body = {"name": "cloudgreet", "framework": "nextjs", "env": env or [], **extra}
    return sbx.control("POST", "/seed", json={"vercel": {"projects": [body]}})["vercel"]["projects"][0]


def plain(key: str, value: str, target: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "value": value, "type": "plain", "target": target or ["production"], **extra}


def redeploy(sbx: Sandbox, project: str = "cloudgreet") -> dict[str, Any]:
    current = vercel(sbx, "GET", f"/v9/projects/{project}").json()["targets"]["production"]["id"]
    response = vercel(sbx, "POST", "/v13/deployments", json={"name": project, "deploymentId": current,
                                                             "target": "production"})
    assert response.status_code == 200, response.text
    return response.json()


def wait_state(sbx: Sandbox, deployment_id: str, state: str) -> dict[str, Any]:
    def current() -> dict[str, Any] | None:
        doc = vercel(sbx, "GET", f"/v13/deployments/{deployment_id}").json()
        return doc if doc["readyState"] == state else None

    return wait_for(current)


def test_auth_and_team(sbx: Sandbox) -> None:
    seed_project(sbx)
    missing = vercel(sbx, "GET", "/v9/projects/cloudgreet", token=None)
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "forbidden"
    assert vercel(sbx, "GET", "/v9/projects/cloudgreet", token="nope").status_code == 403
    for params in ({}, {"teamId": "team_someone_else"}):
        answer = vercel(sbx, "GET", "/v9/projects/cloudgreet", team=False, params=params)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert vercel(sbx, "GET", "/v10/projects", team=False).json()["projects"] == []
    found = vercel(sbx, "GET", "/v9/projects/cloudgreet")
    assert found.status_code == 200 and found.headers["X-RateLimit-Limit"] and "X-RateLimit-Remaining" in found.headers
    project = found.json()
    assert project["framework"] == "nextjs" and project["accountId"] == TEAM["teamId"]
    assert project["targets"]["production"]["readyState"] == "READY"
    assert project["targets"]["production"]["alias"] == ["cloudgreet.vercel.app"]
    assert vercel(sbx, "GET", f"/v9/projects/{project['id']}").json()["name"] == "cloudgreet"
    assert [p["name"] for p in vercel(sbx, "GET", "/v10/projects").json()["projects"]] == ["cloudgreet"]


def test_env_crud_types_and_values(sbx: Sandbox) -> None:
    seed_project(sbx)
    created = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", json=[
        plain("PLAIN", "p"), {"key": "SECRET", "value": "s3cret", "type": "encrypted", "target": ["production"]},
        {"key": "HIDDEN", "value": "h1dden", "type": "sensitive", "target": ["production", "preview"]}])
    assert created.status_code == 201, created.text
    ids = {env["key"]: env["id"] for env in created.json()["created"]}
    listed = {env["key"]: env for env in vercel(sbx, "GET", "/v10/projects/cloudgreet/env").json()["envs"]}
    assert listed["PLAIN"]["value"] == "p"
    assert listed["SECRET"]["value"] not in ("s3cret", "") and listed["HIDDEN"]["value"] == ""
    one = vercel(sbx, "GET", f"/v1/projects/cloudgreet/env/{ids['SECRET']}").json()
    assert one["value"] == "s3cret" and one["decrypted"] is True
    assert "value" not in vercel(sbx, "GET", f"/v1/projects/cloudgreet/env/{ids['HIDDEN']}").json()
    edited = vercel(sbx, "PATCH", f"/v9/projects/cloudgreet/env/{ids['PLAIN']}", json={"value": "q"})
    assert edited.status_code == 200 and edited.json()["value"] == "q"
    assert vercel(sbx, "DELETE", f"/v9/projects/cloudgreet/env/{ids['PLAIN']}").status_code == 200
    assert vercel(sbx, "GET", f"/v1/projects/cloudgreet/env/{ids['PLAIN']}").status_code == 404


@pytest.mark.parametrize("body, words", [
    ({"key": "A", "value": "1", "target": ["production"]}, "`type`"),
    ({"key": "A", "value": "1", "type": "secret", "target": ["production"]}, "`type`"),
    ({"key": "A", "value": "1", "type": "plain", "target": ["staging"]}, "`target`"),
    ({"key": "A", "value": "1", "type": "plain"}, "`target`"),
    ({"key": "A", "type": "plain", "target": ["production"]}, "`value`"),
    ({"key": "A", "value": "1", "type": "plain", "target": ["production"], "note": "x"}, "`note`"),
    ({"key": "A", "value": "1", "type": "plain", "target": ["production", "preview"], "gitBranch": "main"},
     "gitBranch"),
])
def test_env_shapes_the_sdk_refuses(sbx: Sandbox, body: dict[str, Any], words: str) -> None:
    seed_project(sbx)
    answer = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", json=body)
    assert answer.status_code == 400 and words in answer.json()["error"]["message"], answer.text
    undeclared = vercel(sbx, "GET", "/v10/projects/cloudgreet/env", params={"limit": "5"})
    assert undeclared.status_code == 400 and "limit" in undeclared.json()["error"]["message"]


def test_env_conflict_upsert_and_branches(sbx: Sandbox) -> None:
    seed_project(sbx, env=[plain("KEY", "one", ["production", "preview"])])
    clash = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", json=plain("KEY", "two", ["preview"]))
    assert clash.status_code == 400 and clash.json()["error"]["code"] == "ENV_CONFLICT"
    assert clash.json()["error"]["envVarId"]
    other_target = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", json=plain("KEY", "dev", ["development"]))
    assert other_target.status_code == 201
    branch = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", json=plain("KEY", "b", ["preview"], gitBranch="feat"))
    assert branch.status_code == 201
    upserted = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", params={"upsert": "true"},
                      json=plain("KEY", "three", ["production", "preview"]))
    assert upserted.status_code == 201
    values = sorted((env["value"], env.get("gitBranch")) for env in
                    vercel(sbx, "GET", "/v10/projects/cloudgreet/env").json()["envs"])
    assert values == [("b", "feat"), ("dev", None), ("three", None)]
    batch = vercel(sbx, "POST", "/v10/projects/cloudgreet/env", json=[plain("NEW", "n"), plain("KEY", "x")]).json()
    assert [env["key"] for env in batch["created"]] == ["NEW"]
    assert batch["failed"][0]["error"]["code"] == "ENV_CONFLICT"


def test_deployment_states_and_env_captured_at_creation(sbx: Sandbox) -> None:
    seed_project(sbx, env=[plain("GREETING", "hello")])
    sbx.control("POST", "/vercel/settings", json={"queued_seconds": 0.3, "build_seconds": 0.3})
    first = vercel(sbx, "GET", "/v9/projects/cloudgreet").json()["targets"]["production"]["id"]
    created = redeploy(sbx)
    assert created["readyState"] == "QUEUED" and created["target"] == "production"
    env_id = vercel(sbx, "GET", "/v10/projects/cloudgreet/env").json()["envs"][0]["id"]
    vercel(sbx, "PATCH", f"/v9/projects/cloudgreet/env/{env_id}", json={"value": "written after"})
    wait_state(sbx, created["id"], "BUILDING")
    assert sbx.control("GET", "/vercel/projects/cloudgreet/running-env")["deployment"] == first
    ready = wait_state(sbx, created["id"], "READY")
    assert ready["alias"] == ["cloudgreet.vercel.app"] and ready["aliasAssigned"] is True
    running = sbx.control("GET", "/vercel/projects/cloudgreet/running-env")
    assert running["deployment"] == created["id"] and running["env"] == {"GREETING": "hello"}
    assert vercel(sbx, "GET", f"/v13/deployments/{first}").json()["alias"] == []
    listed = vercel(sbx, "GET", "/v7/deployments", params={"projectId": "cloudgreet", "target": "production"}).json()
    assert [d["uid"] for d in listed["deployments"]] == [created["id"], first]
    again = redeploy(sbx)
    wait_state(sbx, again["id"], "READY")
    assert sbx.control("GET", "/vercel/projects/cloudgreet/running-env")["env"] == {"GREETING": "written after"}


@pytest.mark.parametrize("fault", ["ERROR", "CANCELED"])
def test_fault_makes_the_next_build_fail(sbx: Sandbox, fault: str) -> None:
    seed_project(sbx)
    sbx.control("POST", "/vercel/settings", json={"queued_seconds": 0.1, "build_seconds": 0.1, "fail_next": fault})
    first = vercel(sbx, "GET", "/v9/projects/cloudgreet").json()["targets"]["production"]["id"]
    failed = wait_state(sbx, redeploy(sbx)["id"], fault)
    assert failed["alias"] == []
    assert vercel(sbx, "GET", "/v9/projects/cloudgreet").json()["targets"]["production"]["id"] == first
    assert sbx.control("GET", "/vercel/settings")["fail_next"] is None


def test_deployment_shapes_and_429(sbx: Sandbox) -> None:
    seed_project(sbx)
    assert vercel(sbx, "POST", "/v13/deployments", json={"deploymentId": "dpl_x"}).status_code == 400  # no name
    assert vercel(sbx, "POST", "/v13/deployments", json={"name": "cloudgreet"}).json()["error"]["code"] == \
        "missing_files"
    assert vercel(sbx, "POST", "/v13/deployments", json={"name": "cloudgreet", "deploymentId": "dpl_none"}
                  ).status_code == 404
    assert vercel(sbx, "POST", "/v13/deployments", params={"forceNew": "yes"},
                  json={"name": "cloudgreet"}).status_code == 400
    sbx.control("POST", "/faults", json={"rate": 1.0, "kinds": ["429"], "vendor": "vercel", "retry_after": 2})
    limited = vercel(sbx, "GET", "/v9/projects/cloudgreet")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert limited.headers["X-RateLimit-Remaining"] == "0" and limited.json()["error"]["code"] == "rate_limited"


def test_stand_in_sees_only_its_deployment_env_and_health_over_rest(sbx: Sandbox) -> None:
    database = sbx.control("POST", "/upstash/integration-databases", json={"database_name": "cloudgreet-redis"})
    seed_project(sbx, env=[plain("REDIS_REST_URL", database["rest_url"]),
                           {"key": "REDIS_REST_TOKEN", "value": database["rest_token"], "type": "sensitive",
                            "target": ["production"]}])
    health = requests.get(f"{sbx.url}/apps/cloudgreet.vercel.app/health", timeout=10)
    assert health.status_code == 200 and health.json()["checks"]["redis"]["status"] == "ok", health.text
    env_id = next(env["id"] for env in vercel(sbx, "GET", "/v10/projects/cloudgreet/env").json()["envs"]
                  if env["key"] == "REDIS_REST_TOKEN")
    vercel(sbx, "PATCH", f"/v9/projects/cloudgreet/env/{env_id}", json={"value": "wrong-token"})
    assert requests.get(f"{sbx.url}/apps/cloudgreet/health", timeout=10).status_code == 200  # not redeployed yet
    sbx.control("POST", "/vercel/settings", json={"queued_seconds": 0, "build_seconds": 0.1})
    wait_state(sbx, redeploy(sbx)["id"], "READY")
    broken = requests.get(f"{sbx.url}/apps/cloudgreet.vercel.app/health", timeout=10)
    assert broken.status_code == 503 and "wrong-token" not in broken.text
    assert "WRONGPASS" in broken.json()["checks"]["redis"]["error"]


def test_rate_limited_route_counts_through_upstash_rest(sbx: Sandbox) -> None:
    database = sbx.control("POST", "/upstash/integration-databases", json={"database_name": "cloudgreet-redis"})
    seed_project(sbx, env=[plain("UPSTASH_REDIS_REST_URL", database["rest_url"]),
                           plain("UPSTASH_REDIS_REST_TOKEN", database["rest_token"])])
    sbx.control("POST", "/seed", json={"apps": {"rate_limits": {"cloudgreet": {
        "method": "POST", "path": "/api/rate-limited", "limit": 3, "window_seconds": 60}}}})
    sbx.control("DELETE", "/log")
    answers = [requests.post(f"{sbx.url}/apps/cloudgreet.vercel.app/api/rate-limited", timeout=10,
                             headers={"X-Forwarded-For": "203.0.113.7"}) for _index in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "3" and int(a.headers["X-RateLimit-Reset"]) > 0 for a in answers)
    other = requests.post(f"{sbx.url}/apps/cloudgreet/api/rate-limited", timeout=10,
                          headers={"X-Forwarded-For": "198.51.100.1"})
    assert other.status_code == 200
    assert len([e for e in sbx.log(vendor="upstash-rest") if e["method"] == "POST"]) == 6  # one real EVAL each


def test_seeded_env_is_older_than_the_seeded_deployment(sbx: Sandbox) -> None:
    """The seeded deployment was built with the seeded env: no entry may look changed since it (in milliseconds,
    as a client compares them), or a redeploy-when-env-changed client redeploys a freshly seeded project."""
    seeded = seed_project(sbx, env=[plain("NEXT_PUBLIC_APP_URL", "https://cloudgreet.vercel.app"),
                                    plain("NODE_ENV", "production", ["production", "preview"])])
    deployment = vercel(sbx, "GET", f"/v13/deployments/{seeded['deployment']}").json()
    envs = vercel(sbx, "GET", "/v10/projects/cloudgreet/env").json()["envs"]
    assert len(envs) == 2
    assert all(max(env["createdAt"], env["updatedAt"]) < deployment["createdAt"] for env in envs)
