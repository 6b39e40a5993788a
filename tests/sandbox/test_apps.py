"""The stand-in apps: /apps/<service>/{health,ready,metrics,echo} against real Redis and Postgres."""
from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from conftest import Sandbox, free_port, pg_admin_url, wait_for


def seed_web(sbx: Sandbox, name: str = "shop-web", env: dict[str, str] | None = None, **extra: Any) -> str:
    seeded = sbx.control("POST", "/seed", json={"render": {"services": [
        {"name": name, "env_vars": env or {}, **extra}]}})
    return seeded["render"]["services"][0]["id"]


def app(sbx: Sandbox, name: str, path: str, method: str = "GET", **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{sbx.url}/apps/{name}{path}", timeout=30, **kwargs)


def kv_url(sbx: Sandbox) -> str:
    kv = sbx.create_key_value("app-cache")
    sbx.wait_key_value_status(kv["id"], "available")
    info = sbx.render("GET", f"/key-value/{kv['id']}/connection-info").json()
    return info["externalConnectionString"]


def test_health_with_a_real_key_value(sbx: Sandbox) -> None:
    url = kv_url(sbx)
    seed_web(sbx, env={"REDIS_URL": url, "RAILS_ENV": "production"})
    answer = app(sbx, "shop-web", "/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ok" and body["service"] == "shop-web"
    assert list(body["checks"]) == ["redis"]
    assert body["checks"]["redis"]["status"] == "ok"
    assert isinstance(body["checks"]["redis"]["latency_ms"], float | int)


def test_health_with_an_upstash_database_over_tls(sbx: Sandbox) -> None:
    database = sbx.create_database("app-sessions")
    url = f"rediss://default:{database['password']}@{database['endpoint']}:{database['port']}"
    seed_web(sbx, env={"REDIS_URL": url})
    wait_for(lambda: app(sbx, "shop-web", "/health").status_code == 200)
    answer = app(sbx, "shop-web", "/health")
    assert answer.json()["checks"]["redis"]["status"] == "ok"
    assert database["password"] not in answer.text


def test_health_names_an_unreachable_redis_without_its_password(sbx: Sandbox) -> None:
    url = f"redis://default:app-secret-pw-93c1@127.0.0.1:{free_port()}/0"
    seed_web(sbx, env={"REDIS_URL": url})
    answer = app(sbx, "shop-web", "/health")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"]["status"] == "error"
    assert "refused" in body["checks"]["redis"]["error"].lower()
    assert "app-secret-pw-93c1" not in answer.text and "redis://" not in answer.text


def test_health_reports_a_wrong_redis_password(sbx: Sandbox) -> None:
    url = kv_url(sbx).replace("://default:", "://default:wrong", 1)
    seed_web(sbx, env={"REDIS_URL": url})
    answer = app(sbx, "shop-web", "/health")
    assert answer.status_code == 503
    error = answer.json()["checks"]["redis"]["error"]
    assert "WRONGPASS" in error or "invalid password" in error
    password = url.split("://default:", 1)[1].split("@", 1)[0]
    assert password not in answer.text


def test_health_checks_the_database(sbx: Sandbox) -> None:
    seed_web(sbx, env={"DATABASE_URL": pg_admin_url()})
    answer = app(sbx, "shop-web", "/health")
    assert answer.status_code == 200, answer.text
    assert answer.json()["checks"] == {"database": {"status": "ok", "latency_ms": answer.json()["checks"]
                                                    ["database"]["latency_ms"]}}


def test_health_names_a_missing_database_without_the_url(sbx: Sandbox) -> None:
    base = pg_admin_url().rsplit("/", 1)[0]
    url = base.replace("://postgres@", "://postgres:db-secret-pw-41aa@", 1) + "/launchkit_no_such_db"
    seed_web(sbx, env={"DATABASE_URL": url, "REDIS_URL": kv_url(sbx)})
    answer = app(sbx, "shop-web", "/health")
    assert answer.status_code == 503
    body = answer.json()
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["database"]["status"] == "error"
    assert "launchkit_no_such_db" in body["checks"]["database"]["error"]
    assert "db-secret-pw-41aa" not in answer.text and "postgresql://" not in answer.text


def test_the_app_runs_with_the_env_of_its_live_deploy_not_the_current_env(sbx: Sandbox) -> None:
    sbx.control("POST", "/render/deploys", json={"build_seconds": 0.2})
    service_id = seed_web(sbx)
    assert app(sbx, "shop-web", "/health").json()["checks"] == {}
    sbx.render("PUT", f"/services/{service_id}/env-vars/REDIS_URL",
               json={"value": f"redis://127.0.0.1:{free_port()}"})
    # Render applies env on the next deploy: until then the app has no REDIS_URL.
    assert app(sbx, "shop-web", "/health").json()["checks"] == {}
    state = sbx.control("GET", "/state")["vendors"]["render"]
    assert "REDIS_URL" in state["env_vars"][service_id] and "REDIS_URL" not in state["running_env_vars"][service_id]
    deploy = sbx.render("POST", f"/services/{service_id}/deploys", json={"deployMode": "deploy_only"}).json()
    wait_for(lambda: app(sbx, "shop-web", "/health").status_code == 503, timeout=10)
    state = sbx.control("GET", "/state")["vendors"]["render"]
    assert state["running_env_vars"][service_id] == state["env_vars"][service_id]
    assert next(d for d in state["deploys"] if d["id"] == deploy["id"])["envKeys"] == ["REDIS_URL"]


def test_ready_follows_the_latest_deploy(sbx: Sandbox) -> None:
    sbx.control("POST", "/render/deploys", json={"build_seconds": 1.0})
    seed_web(sbx, deploy="in_progress")
    seed_web(sbx, name="never-deployed", deploy="none")
    early = app(sbx, "shop-web", "/ready")
    assert early.status_code == 503 and early.json()["ready"] is False
    assert "latest deploy dep-" in early.json()["reason"]
    wait_for(lambda: app(sbx, "shop-web", "/ready").status_code == 200, timeout=10)
    assert app(sbx, "shop-web", "/ready").json() == {"ready": True}
    never = app(sbx, "never-deployed", "/ready")
    assert never.status_code == 503 and never.json()["reason"] == "the service has no deploy"


def test_metrics_in_prometheus_text(sbx: Sandbox) -> None:
    seed_web(sbx, env={"REDIS_URL": kv_url(sbx), "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/x"})
    app(sbx, "shop-web", "/")
    app(sbx, "shop-web", "/")
    app(sbx, "shop-web", "/missing")
    answer = app(sbx, "shop-web", "/metrics")
    assert answer.status_code == 200
    assert answer.raw.headers.getlist("Content-Type") == ["text/plain; version=0.0.4; charset=utf-8"]
    lines = answer.text.splitlines()
    assert "app_up 1" in lines
    assert "app_redis_up 1" in lines and "app_database_up 0" in lines
    assert 'http_requests_total{path="/",method="GET",status="200"} 2' in lines
    assert 'http_requests_total{path="/missing",method="GET",status="404"} 1' in lines
    started = next(line for line in lines if line.startswith("process_start_time_seconds "))
    assert 0 < time.time() - float(started.split()[1]) < 600
    again = app(sbx, "shop-web", "/metrics").text.splitlines()
    assert 'http_requests_total{path="/metrics",method="GET",status="200"} 1' in again


def test_metrics_leave_out_components_not_configured(sbx: Sandbox) -> None:
    seed_web(sbx)
    text = app(sbx, "shop-web", "/metrics").text
    assert "app_up 1" in text and "app_redis_up" not in text and "app_database_up" not in text


def test_root_echo_and_not_found(sbx: Sandbox) -> None:
    seed_web(sbx)
    assert app(sbx, "shop-web", "/").json() == {"service": "shop-web", "status": "ok"}
    echo = app(sbx, "shop-web", "/echo", "POST", json={"order": 7, "items": ["a"]})
    assert echo.status_code == 200
    assert echo.json() == {"method": "POST", "json": {"order": 7, "items": ["a"]}}
    not_json = app(sbx, "shop-web", "/echo", "POST", data="order=7")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    missing = app(sbx, "shop-web", "/api/v1/orders")
    assert missing.status_code == 404 and "GET /api/v1/orders" in missing.json()["error"]
    assert app(sbx, "shop-web", "/echo").status_code == 404


def test_unknown_services_and_other_types_are_404(sbx: Sandbox) -> None:
    seed_web(sbx, name="shop-worker", type="background_worker")
    for name in ("nobody", "shop-worker"):
        answer = app(sbx, name, "/health")
        assert answer.status_code == 404 and name in answer.json()["error"]
    assert requests.get(f"{sbx.url}/apps", timeout=10).status_code == 404


def test_a_service_is_found_by_its_slug(sbx: Sandbox) -> None:
    seed_web(sbx, name="Shop Web")
    slug = sbx.render("GET", "/services").json()[0]["service"]["slug"]
    assert slug == "shop-web"
    assert app(sbx, slug, "/").json() == {"service": "Shop Web", "status": "ok"}


def test_a_suspended_service_answers_503_everywhere(sbx: Sandbox) -> None:
    service_id = seed_web(sbx)
    assert sbx.render("POST", f"/services/{service_id}/suspend").status_code == 202
    for method, path in (("GET", "/"), ("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"),
                         ("POST", "/echo"), ("GET", "/anything")):
        answer = app(sbx, "shop-web", path, method, json={} if method == "POST" else None)
        assert answer.status_code == 503, (method, path)
        assert "suspended" in answer.json()["error"]
    sbx.render("POST", f"/services/{service_id}/resume")
    assert app(sbx, "shop-web", "/").status_code == 200


def test_extra_routes_through_control_and_seed(sbx: Sandbox) -> None:
    seed_web(sbx)
    routes = sbx.control("POST", "/apps/shop-web/routes",
                         json={"method": "GET", "path": "/api/status/", "status": 200, "json": {"queue": 0}})
    assert routes["routes"] == [{"method": "GET", "path": "/api/status", "status": 200, "json": {"queue": 0}}]
    assert app(sbx, "shop-web", "/api/status").json() == {"queue": 0}
    sbx.control("POST", "/seed", json={"apps": {"routes": [
        {"service": "shop-web", "path": "/health", "status": 500, "json": {"status": "error"}}]}})
    assert app(sbx, "shop-web", "/health").status_code == 500  # an extra route wins over the built-in
    assert len(sbx.control("GET", "/apps/shop-web/routes")["routes"]) == 2
    sbx.control("DELETE", "/apps/shop-web/routes")
    assert app(sbx, "shop-web", "/api/status").status_code == 404
    assert app(sbx, "shop-web", "/health").status_code == 200


@pytest.mark.parametrize("route", [
    {"path": "no-slash"}, {"path": "/x", "status": 99}, {"path": "/x", "method": "BREW"},
    {"path": "/x", "body": {}}, ["not", "an", "object"],
])
def test_extra_routes_are_checked(sbx: Sandbox, route: Any) -> None:
    answer = requests.post(f"{sbx.url}/_sandbox/apps/shop-web/routes", json=[route], timeout=10)
    assert answer.status_code == 400, answer.text


def test_reset_forgets_routes(sbx: Sandbox) -> None:
    sbx.control("POST", "/apps/shop-web/routes", json={"path": "/x"})
    sbx.control("POST", "/reset")
    assert sbx.control("GET", "/apps/shop-web/routes")["routes"] == []


def test_app_requests_are_logged_but_never_writes(sbx: Sandbox) -> None:
    seed_web(sbx)
    app(sbx, "shop-web", "/echo", "POST", json={"a": 1})
    app(sbx, "shop-web", "/health")
    entries = sbx.log(vendor="apps")
    assert [(entry["method"], entry["path"], entry["write"]) for entry in entries] == [
        ("POST", "/apps/shop-web/echo", False), ("GET", "/apps/shop-web/health", False)]
    assert sbx.summary() == {"reads": 2, "writes": 0, "faults": 0, "response_invalid": 0}
    assert sbx.summary(vendor="render")["reads"] == 0


def test_health_in_the_components_shape_checks_database_and_redis_for_real(sbx: Sandbox) -> None:
    seeded = sbx.control("POST", "/seed", json={"apps": {"health": {"plan-api": "components"}}})
    assert seeded["apps"]["health"] == {"plan-api": "components"}
    seed_web(sbx, "plan-api", env={"DATABASE_URL": pg_admin_url(), "REDIS_URL": kv_url(sbx)})
    answer = app(sbx, "plan-api", "/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "healthy" and body["components"] == {"redis": "healthy", "database": "healthy"}
    assert body["version"].startswith("dep-") and body["timestamp"].endswith("Z")
    assert sbx.control("GET", "/state")["vendors"]["apps"]["health"] == {"plan-api": "components"}


def test_health_in_the_components_shape_is_degraded_with_503_when_one_fails(sbx: Sandbox) -> None:
    sbx.control("POST", "/seed", json={"apps": {"health": {"plan-api": "components"}}})
    dead = f"redis://default:plan-secret-pw-41b7@127.0.0.1:{free_port()}/0"
    seed_web(sbx, "plan-api", env={"DATABASE_URL": pg_admin_url(), "REDIS_URL": dead})
    answer = app(sbx, "plan-api", "/health")
    assert answer.status_code == 503
    assert answer.json()["status"] == "degraded"
    assert answer.json()["components"] == {"redis": "unhealthy", "database": "healthy"}
    assert "plan-secret-pw-41b7" not in answer.text
    # Another service keeps the default shape.
    seed_web(sbx, "other-web", env={"REDIS_URL": dead})
    assert app(sbx, "other-web", "/health").json()["checks"]["redis"]["status"] == "error"


@pytest.mark.parametrize("seed", [{"health": {"plan-api": "words"}}, {"health": ["plan-api"]}, {"shapes": {}}])
def test_a_bad_health_seed_is_refused(sbx: Sandbox, seed: Any) -> None:
    answer = requests.post(f"{sbx.url}/_sandbox/seed", json={"apps": seed}, timeout=10)
    assert answer.status_code == 400, answer.text


def test_an_item_is_created_then_read_back_with_its_token(sbx: Sandbox) -> None:
    seed_web(sbx)
    created = app(sbx, "shop-web", "/items", "POST", json={"name": "smoke"})
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["name"] == "smoke" and item["id"].startswith("itm-") and item["token"].startswith("itk-")
    read = app(sbx, "shop-web", f"/items/{item['id']}", headers={"X-Item-Token": item["token"]})
    assert read.status_code == 200 and read.json() == {k: v for k, v in item.items() if k != "token"}
    assert app(sbx, "shop-web", f"/items/{item['id']}").status_code == 403
    assert app(sbx, "shop-web", f"/items/{item['id']}", headers={"X-Item-Token": "itk-wrong"}).status_code == 403
    assert app(sbx, "shop-web", "/items/itm-999", headers={"X-Item-Token": item["token"]}).status_code == 404
    assert app(sbx, "shop-web", "/items", "POST", json=["not", "an", "object"]).status_code == 400
    # Items belong to their app, and a reset forgets them.
    seed_web(sbx, "other-web")
    assert app(sbx, "other-web", f"/items/{item['id']}", headers={"X-Item-Token": item["token"]}).status_code == 404
    sbx.control("POST", "/reset")
    seed_web(sbx)
    assert app(sbx, "shop-web", f"/items/{item['id']}", headers={"X-Item-Token": item["token"]}).status_code == 404
