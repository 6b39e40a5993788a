"""Verify the redis phase for the Scoop stack: a working, non-evicting Redis wired into scoop-web only.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import assert_seeded_env_plus, env_of, sandbox_state, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()

KEY_VALUE = {"name": "scoop-redis", "plan": "starter", "region": "oregon", "maxmemory_policy": "noeviction"}


def test_redis_url_reaches_a_non_evicting_redis(host):
    state = sandbox_state()
    redis_url = env_of(state, "scoop-web").get("REDIS_URL")
    assert redis_url, "scoop-web has no REDIS_URL"

    # The URL the services got is the Key Value's internal connection string (from the sandbox's state: a
    # module result that returns secrets is hidden from an ad-hoc call's output, as no_log would hide it).
    info = host.ansible("launchkit.paas.render_key_value_info", "name=scoop-redis", check=True)
    assert [kv["name"] for kv in info["key_values"]] == ["scoop-redis"]
    key_values = [kv for kv in sandbox_state()["vendors"]["render"]["key_values"] if kv["name"] == "scoop-redis"]
    assert redis_url == key_values[0]["connectionInfo"]["internalConnectionString"]

    client = redis.Redis.from_url(redis_url, socket_timeout=5, decode_responses=True)
    try:
        assert client.ping() is True
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    finally:
        client.close()
    # And the password matters: without it the server refuses.
    anonymous = redis.Redis.from_url(redis_url.replace(redis_url.split("@")[0].split("//")[1] + "@", ""),
                                     socket_timeout=5)
    try:
        with pytest.raises(redis.exceptions.AuthenticationError):
            anonymous.ping()
    finally:
        anonymous.close()


def test_scoop_web_keeps_its_other_env_vars():
    assert_seeded_env_plus("scoop-web", "REDIS_URL")


def test_only_scoop_web_was_wired():
    state = sandbox_state()
    wired = [s["name"] for s in state["vendors"]["render"]["services"]
             if "REDIS_URL" in state["vendors"]["render"]["env_vars"].get(s["id"], {})]
    assert wired == ["scoop-web"]
    assert [kv["name"] for kv in state["vendors"]["render"]["key_values"]] == ["scoop-redis"]
    assert state["vendors"]["upstash"]["databases"] == []


def test_key_value_with_same_options_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.render_key_value",
                          " ".join(f"{key}={value}" for key, value in KEY_VALUE.items()), check=True)
    assert result["changed"] is False, result
    assert result["action"] == "none", result
    assert result["key_value"]["maxmemory_policy"] == "noeviction"
