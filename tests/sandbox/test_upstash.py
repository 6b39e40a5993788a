"""Upstash: databases on real redis-servers, TLS with the sandbox CA, eviction as a policy."""
from __future__ import annotations

import uuid

import pytest

from conftest import Sandbox, config_get, redis_call

CREDENTIALS = ("password", "rest_token", "read_only_rest_token")


def tls_url(database: dict) -> str:
    return f"rediss://default:{database['password']}@{database['endpoint']}:{database['port']}"


def test_auth(sbx: Sandbox) -> None:
    assert sbx.upstash("GET", "/redis/databases", auth=None).status_code == 401
    assert sbx.upstash("GET", "/redis/databases", auth=("sandbox@launchkit.test", "nope")).status_code == 401
    assert sbx.upstash("GET", "/redis/databases").json() == []


def test_create_get_and_hide_credentials(sbx: Sandbox) -> None:
    database = sbx.create_database("sessions", read_regions=["us-west-1"])
    uuid.UUID(database["database_id"])
    assert database["database_name"] == "sessions" and database["region"] == "global"
    assert database["state"] == "active" and database["endpoint"] == "127.0.0.1" and database["tls"] is True
    assert database["read_regions"] == ["us-west-1"] and database["eviction"] is False
    assert all(database[key] for key in CREDENTIALS)
    shown = sbx.upstash("GET", f"/redis/database/{database['database_id']}").json()
    assert shown["password"] == database["password"]
    hidden = sbx.upstash("GET", f"/redis/database/{database['database_id']}", params={"credentials": "hide"}).json()
    assert not set(CREDENTIALS) & set(hidden)
    assert hidden["database_name"] == "sessions"
    assert [item["database_id"] for item in sbx.upstash("GET", "/redis/databases").json()] == [database["database_id"]]


def test_tls_connection_with_the_sandbox_ca(sbx: Sandbox) -> None:
    database = sbx.create_database()
    url = tls_url(database)
    assert redis_call(url, "PING", ca=sbx.ca) in (True, "PONG")
    assert config_get(url, "maxmemory-policy", ca=sbx.ca) == "noeviction"
    with pytest.raises(Exception):  # noqa: B017 - plain TCP against a TLS-only port fails
        redis_call(url.replace("rediss://", "redis://"), "PING")
    assert sbx.upstash("POST", f"/redis/enable-tls/{database['database_id']}").json()["tls"] is True


def test_eviction_toggles_change_the_live_policy(sbx: Sandbox) -> None:
    database = sbx.create_database(eviction=True)
    url, database_id = tls_url(database), database["database_id"]
    assert config_get(url, "maxmemory-policy", ca=sbx.ca) == "allkeys-random"
    response = sbx.upstash("POST", f"/redis/disable-eviction/{database_id}")
    assert response.status_code == 200 and response.json() == "OK"
    assert config_get(url, "maxmemory-policy", ca=sbx.ca) == "noeviction"
    assert sbx.upstash("GET", f"/redis/database/{database_id}").json()["eviction"] is False
    assert sbx.upstash("POST", f"/redis/enable-eviction/{database_id}").json() == "OK"
    assert config_get(url, "maxmemory-policy", ca=sbx.ca) == "allkeys-random"
    assert sbx.upstash("GET", f"/redis/database/{database_id}").json()["eviction"] is True


def test_rename_and_update_regions(sbx: Sandbox) -> None:
    database_id = sbx.create_database("old")["database_id"]
    renamed = sbx.upstash("POST", f"/redis/rename/{database_id}", json={"name": "new"})
    assert renamed.status_code == 200 and renamed.json()["database_name"] == "new"
    regions = sbx.upstash("POST", f"/redis/update-regions/{database_id}", json={"read_regions": ["eu-west-1"]})
    assert regions.json() == "OK"
    assert sbx.upstash("GET", f"/redis/database/{database_id}").json()["read_regions"] == ["eu-west-1"]
    primary = sbx.upstash("POST", f"/redis/update-regions/{database_id}", json={"read_regions": ["us-east-1"]})
    assert primary.status_code == 400 and isinstance(primary.json(), str)


def test_delete_and_not_found(sbx: Sandbox) -> None:
    database = sbx.create_database()
    database_id = database["database_id"]
    deleted = sbx.upstash("DELETE", f"/redis/database/{database_id}")
    assert deleted.status_code == 200 and deleted.json() == "OK"
    missing = sbx.upstash("GET", f"/redis/database/{database_id}")
    assert missing.status_code == 404 and missing.json() == "database not found"
    with pytest.raises(Exception):  # noqa: B017
        redis_call(tls_url(database), "PING", ca=sbx.ca)


def test_invalid_create_body(sbx: Sandbox) -> None:
    body = {"database_name": "x", "platform": "azure", "primary_region": "us-east-1"}
    response = sbx.upstash("POST", "/redis/database", json=body)
    assert response.status_code == 400 and "platform" in response.json()
    missing = sbx.upstash("POST", "/redis/database", json={"platform": "aws", "primary_region": "us-east-1"})
    assert missing.status_code == 400 and "database_name" in missing.json()
    assert sbx.upstash("GET", "/redis/databases").json() == []
