"""Verify the redis phase on Fly.io for the SyncKairos stack: an evicting Upstash database (a cache), its
rediss:// URL in the app's secrets, and every Machine rolled onto the secrets version that holds it.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import fly_app, machines_running, sandbox_state, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()
APP = "synckairos-staging"


def test_the_app_has_redis_url_and_every_machine_runs_with_it():
    assert all(url.startswith("rediss://") for url in machines_running(APP, "REDIS_URL"))
    assert "JWT_SECRET" in {secret["name"] for secret in fly_app(APP)["secrets"]}  # the seeded key is untouched


def test_the_url_reaches_the_upstash_database_with_eviction_on():
    databases = [db for db in sandbox_state()["vendors"]["upstash"]["databases"]
                 if db["database_name"] == "synckairos-staging-redis"]
    assert len(databases) == 1 and databases[0]["eviction"] is True
    url = machines_running(APP, "REDIS_URL")[0]
    client = redis.Redis.from_url(url, socket_timeout=5, ssl_ca_certs=_ca(), decode_responses=True)
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_no_render_service_was_touched():
    state = sandbox_state()
    assert all("REDIS_URL" not in env for env in state["vendors"]["render"]["env_vars"].values())
    assert state["vendors"]["render"]["key_values"] == []


def _ca() -> str | None:
    import os  # noqa: PLC0415  pylint: disable=import-outside-toplevel
    return os.environ.get("LAUNCHKIT_SANDBOX_CA") or None
