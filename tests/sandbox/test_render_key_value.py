"""Render Key Value: real redis-servers with the requested password and maxmemory-policy."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import OWNER_ID, Sandbox, config_get, redis_call, wait_for

KV_ID = re.compile(r"^red-[a-z0-9]{20}$")


def connection(sbx: Sandbox, kv_id: str) -> dict[str, str]:
    response = sbx.render("GET", f"/key-value/{kv_id}/connection-info")
    assert response.status_code == 200
    return response.json()


def refused(url: str) -> bool:
    try:
        redis_call(url, "PING")
    except Exception:  # noqa: BLE001 - any connection failure counts
        return True
    return False


def test_create_provisions_a_real_redis(sbx: Sandbox) -> None:
    kv = sbx.create_key_value("cache", maxmemoryPolicy="volatile_lru")
    assert KV_ID.match(kv["id"]) and kv["status"] == "creating"
    assert kv["options"]["maxmemoryPolicy"] == "volatile_lru"
    sbx.wait_key_value_status(kv["id"], "available")
    info = connection(sbx, kv["id"])
    url = info["externalConnectionString"]
    assert info["internalConnectionString"] == url
    assert url.startswith("redis://default:") and "@127.0.0.1:" in url
    assert "-a " in info["cliCommand"] and "-p " in info["cliCommand"]
    assert redis_call(url, "PING") in (True, "PONG")
    assert config_get(url, "maxmemory-policy") == "volatile-lru"
    assert config_get(url, "maxmemory") == str(32 * 1024 * 1024)
    assert config_get(url, "appendonly") == "no"
    wrong = re.sub(r"default:[^@]+@", "default:wrong@", url)
    with pytest.raises(Exception):  # noqa: B017 - redis-py and RESP raise different types
        redis_call(wrong, "PING")


def test_default_policy_is_allkeys_lru(sbx: Sandbox) -> None:
    kv = sbx.create_key_value("plain")
    sbx.wait_key_value_status(kv["id"], "available")
    assert kv["options"]["maxmemoryPolicy"] == "allkeys_lru"
    assert config_get(connection(sbx, kv["id"])["externalConnectionString"], "maxmemory-policy") == "allkeys-lru"


def test_patch_policy_restarts_and_changes_the_live_server(sbx: Sandbox) -> None:
    kv = sbx.create_key_value("cache")
    sbx.wait_key_value_status(kv["id"], "available")
    url = connection(sbx, kv["id"])["externalConnectionString"]
    redis_call(url, "SET", "k", "v")
    response = sbx.render("PATCH", f"/key-value/{kv['id']}", json={"maxmemoryPolicy": "noeviction"})
    assert response.status_code == 200
    assert response.json()["status"] == "config_restart"
    assert response.json()["options"]["maxmemoryPolicy"] == "noeviction"
    assert config_get(url, "maxmemory-policy") == "noeviction"
    sbx.wait_key_value_status(kv["id"], "available")
    assert redis_call(url, "GET", "k") == "v"


def test_patch_name_and_allow_list_are_stored(sbx: Sandbox) -> None:
    kv = sbx.create_key_value("cache")
    allow = [{"cidrBlock": "10.0.0.0/8", "description": "vpc"}]
    doc = sbx.render("PATCH", f"/key-value/{kv['id']}", json={"name": "renamed", "ipAllowList": allow}).json()
    assert doc["name"] == "renamed" and doc["ipAllowList"] == allow
    bad = sbx.render("PATCH", f"/key-value/{kv['id']}", json={"ipAllowList": [{"cidrBlock": "10.0.0.0/8"}]})
    assert bad.status_code == 400 and "description" in bad.json()["message"]


def test_suspend_and_resume_keep_port_and_password(sbx: Sandbox) -> None:
    kv = sbx.create_key_value("cache")
    sbx.wait_key_value_status(kv["id"], "available")
    url = connection(sbx, kv["id"])["externalConnectionString"]
    assert sbx.render("POST", f"/key-value/{kv['id']}/suspend").status_code == 202
    assert sbx.render("GET", f"/key-value/{kv['id']}").json()["status"] == "suspended"
    assert wait_for(lambda: refused(url))
    assert sbx.render("POST", f"/key-value/{kv['id']}/resume").status_code == 202
    sbx.wait_key_value_status(kv["id"], "available")
    assert connection(sbx, kv["id"])["externalConnectionString"] == url
    assert redis_call(url, "PING") in (True, "PONG")


def test_delete_stops_the_server_and_removes_its_dir(sbx: Sandbox) -> None:
    kv = sbx.create_key_value("cache")
    sbx.wait_key_value_status(kv["id"], "available")
    url = connection(sbx, kv["id"])["externalConnectionString"]
    directory = Path(sbx.state_dir) / "redis" / kv["id"]
    assert (directory / "redis.conf").is_file()
    assert sbx.render("DELETE", f"/key-value/{kv['id']}").status_code == 204
    assert refused(url)
    assert not directory.exists()
    assert sbx.render("GET", f"/key-value/{kv['id']}").status_code == 404


def test_list_filters_and_validation(sbx: Sandbox) -> None:
    sbx.create_key_value("one", region="frankfurt")
    sbx.create_key_value("two")
    listed = sbx.render("GET", "/key-value").json()
    assert [item["keyValue"]["name"] for item in listed] == ["one", "two"]
    assert all(item["cursor"] and item["keyValue"]["dashboardUrl"] for item in listed)
    frankfurt = sbx.render("GET", "/key-value", params={"region": "frankfurt", "ownerId": OWNER_ID}).json()
    assert [item["keyValue"]["name"] for item in frankfurt] == ["one"]
    bad = sbx.render("POST", "/key-value", json={"name": "x", "ownerId": OWNER_ID, "plan": "gigantic"})
    assert bad.status_code == 400 and "plan" in bad.json()["message"]
    missing_owner = sbx.render("POST", "/key-value", json={"name": "x", "ownerId": "tea-nobody", "plan": "free"})
    assert missing_owner.status_code == 404
