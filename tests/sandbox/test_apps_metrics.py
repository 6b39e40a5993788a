"""The stand-in apps' /metrics from real work: request durations, SyncKairos's own names with a metrics
prefix (a switch times a real Redis round-trip), and the job queue read from the app's Redis."""
from __future__ import annotations

import re

from conftest import Sandbox, redis_call
from test_apps import app, kv_url, seed_web

SESSIONS = {"path": "/v1/sessions", "id_field": "session_id", "gauge": "synckairos_active_sessions"}


def metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        found = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if found and found[1] == name and all(f'{k}="{v}"' in (found[2] or "") for k, v in labels.items()):
            return float(found[3])
    raise AssertionError(f"{name} {labels} not in:\n{text}")


def test_request_durations_are_measured_per_route(sbx: Sandbox) -> None:
    seed_web(sbx)
    app(sbx, "shop-web", "/")
    created = app(sbx, "shop-web", "/items", "POST", json={"a": 1}).json()
    app(sbx, "shop-web", f"/items/{created['id']}", headers={"X-Item-Token": created["token"]})
    text = app(sbx, "shop-web", "/metrics").text
    assert metric(text, "http_request_duration_seconds_count", route="/", method="GET", status="200") == 1
    assert metric(text, "http_request_duration_seconds_count", route="/items/:id", method="GET", status="200") == 1
    assert metric(text, "http_request_duration_seconds_sum", route="/", method="GET", status="200") > 0


def test_synckairos_names_and_a_switch_timed_on_redis(sbx: Sandbox) -> None:
    url = kv_url(sbx)
    sbx.control("POST", "/seed", json={"apps": {"resources": {"sync-web": SESSIONS},
                                                "metrics": {"sync-web": {"prefix": "synckairos"}}}})
    seed_web(sbx, "sync-web", env={"REDIS_URL": url})
    assert app(sbx, "sync-web", "/v1/sessions", "POST", json={"session_id": "s1"}).status_code == 201
    switched = app(sbx, "sync-web", "/v1/sessions/s1/switch", "POST")
    assert switched.status_code == 200 and switched.json()["switch_ms"] > 0
    assert app(sbx, "sync-web", "/v1/sessions/nope/switch", "POST").status_code == 404
    assert redis_call(url, "EXISTS", "session:s1:switched") == 1
    redis_call(url, "RPUSH", "queue:default", "job1", "job2")
    redis_call(url, "SET", "stat:failed", "3")
    text = app(sbx, "sync-web", "/metrics").text
    assert metric(text, "synckairos_switch_cycle_duration_ms_count") == 1
    assert metric(text, "synckairos_http_requests_total", status_code="201", route="/v1/sessions", method="POST") == 1
    assert metric(text, "synckairos_http_request_duration_ms_count", route="/v1/sessions/:id/switch") == 1
    assert metric(text, "synckairos_active_sessions") == 1
    assert metric(text, "synckairos_db_writes_failed_total") == 0
    assert metric(text, "app_jobs_pending") == 2 and metric(text, "app_jobs_failed_total") == 3
    assert metric(text, "app_redis_maxmemory_bytes") == 32 * 1024 * 1024
    assert metric(text, "app_redis_memory_used_bytes") > 0


def test_without_a_redis_the_job_queue_families_are_declared_without_samples(sbx: Sandbox) -> None:
    sbx.create_service("plain-web")
    text = app(sbx, "plain-web", "/metrics").text
    for name, kind in (("app_jobs_pending", "gauge"), ("app_jobs_failed_total", "counter"),
                       ("app_redis_memory_used_bytes", "gauge"), ("app_redis_maxmemory_bytes", "gauge")):
        assert f"# TYPE {name} {kind}" in text
        assert not [line for line in text.splitlines() if line.startswith(name + " ")], name
