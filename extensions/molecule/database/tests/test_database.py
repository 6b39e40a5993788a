"""Verify the database phase for the Scoop stack: a Render Postgres whose URL in scoop-web really
connects, migrated once, dumped with a dump that restores, and backed up nightly by a Render cron job.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import assert_seeded_env_plus, env, env_of, sandbox_state, service, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()
NAME = "scoop-db"
JOB = "scoop-db-backup"


def postgres(host) -> dict:
    """The instance as the info module reports it (no secrets: a result that returns them is hidden from
    the output of an ad-hoc call, as no_log would hide it)."""
    info = host.ansible("launchkit.paas.render_postgres_info", f"name={NAME}", check=True)
    assert [db["name"] for db in info["postgres"]] == [NAME]
    return info["postgres"][0]


def internal_url() -> str:
    """The instance's internal connection string, from the sandbox's state (secrets included)."""
    found = [db for db in sandbox_state()["vendors"]["render"]["postgres"] if db["name"] == NAME]
    assert len(found) == 1, f"{len(found)} Render Postgres named {NAME}"
    return found[0]["connectionInfo"]["internalConnectionString"]


def rows(url: str, query: str) -> list[tuple]:
    conn = psycopg2.connect(url, connect_timeout=10)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def test_one_available_render_postgres_of_the_asked_version(host):
    database = postgres(host)
    assert database["status"] == "available"
    assert database["version"] == "17"
    assert database["plan"] == "basic_256mb"


def test_scoop_web_url_is_the_internal_connection_string_and_connects(host):
    url = env_of(sandbox_state(), "scoop-web").get("DATABASE_URL")
    assert url, "scoop-web has no DATABASE_URL"
    assert url == internal_url()
    assert rows(url, "SELECT dog_name, notes FROM walks") == [("Biscuit", "first walk")]


def test_the_password_matters(host):
    url = internal_url()
    password = url.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        rows(url.replace(password, "wrong-" + uuid.uuid4().hex), "SELECT 1")


def test_each_migration_was_applied_once():
    url = env_of(sandbox_state(), "scoop-web")["DATABASE_URL"]
    applied = rows(url, "SELECT version FROM launchkit_migrations ORDER BY version")
    assert applied == [("001_walks.sql",), ("002_walk_notes.sql",)]


def test_scoop_web_keeps_its_other_env_vars():
    assert_seeded_env_plus("scoop-web", "DATABASE_URL")


def test_one_dump_that_restores():
    backups = Path(env("MOLECULE_EPHEMERAL_DIRECTORY")) / "backups"
    dumps = sorted(backups.glob(f"{NAME}-*.dump"))
    # The second converge (idempotence) made no new dump: the first one is younger than max_age.
    assert len(dumps) == 1, dumps
    assert oct(dumps[0].stat().st_mode & 0o777) == "0o600"
    admin = env("SANDBOX_PG_URL")
    scratch = f"lk_molecule_restore_{uuid.uuid4().hex[:8]}"
    rows(admin, f"CREATE DATABASE {scratch}")
    try:
        target = admin.rsplit("/", 1)[0] + "/" + scratch
        subprocess.run([pg_tool("pg_restore"), "--no-owner", "--no-acl", "--dbname", target, str(dumps[0])],
                       check=True, capture_output=True, text=True)
        assert rows(target, "SELECT dog_name, notes FROM walks") == [("Biscuit", "first walk")]
        assert rows(target, "SELECT count(*) FROM launchkit_migrations") == [(2,)]
    finally:
        rows(admin, f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")


def test_nightly_backup_job_gets_the_url():
    state = sandbox_state()
    job = service(state, JOB)
    assert job["type"] == "cron_job"
    assert job["serviceDetails"]["schedule"] == "0 3 * * *"
    assert env_of(state, JOB)["DATABASE_URL"] == env_of(state, "scoop-web")["DATABASE_URL"]


def test_same_options_are_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.render_postgres",
                          f"name={NAME} plan=basic_256mb version=17 region=oregon", check=True)
    assert result["changed"] is False, result
    assert result["action"] == "none", result


def pg_tool(name: str) -> str:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    assert candidates or os.path.exists(f"/usr/bin/{name}"), f"no {name} on this machine"
    return str(candidates[-1]) if candidates else f"/usr/bin/{name}"
