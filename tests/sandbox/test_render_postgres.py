"""Render Postgres: real databases and login roles on the PostgreSQL named by SANDBOX_PG_URL.

This module starts its own sandbox servers: one with ``--pg-url $SANDBOX_PG_URL`` (an admin URL of a
PostgreSQL that requires passwords for other roles, as scripts/sandbox-up.sh configures it) and one
without PostgreSQL.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests

from conftest import OWNER_ID, REPO, Sandbox, free_port, pg_admin_url, wait_for

PG_ID = re.compile(r"^dpg-[a-z0-9]{20}$")
MARK = "launchkit-sandbox"


# --- servers ----------------------------------------------------------------------------------
def launch(state_dir: Path, pg_url: str | None) -> Sandbox:
    """A sandbox server process on a free port, healthy; ``pg_url`` None runs it without PostgreSQL."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SANDBOX_")}
    env["SANDBOX_PROVISION_DELAY"] = "0.2"
    command = [sys.executable, "-m", "sandbox.server", "--port", str(port), "--state-dir", str(state_dir)]
    if pg_url:
        command += ["--pg-url", pg_url]
    with open(state_dir / "server.log", "ab") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Sandbox(f"http://127.0.0.1:{port}", state_dir, process)

    def healthy() -> bool:
        try:
            return requests.get(f"{server.url}/_sandbox/health", timeout=1).status_code == 200
        except requests.RequestException:
            return process.poll() is not None  # stops waiting; the assert below reports it

    wait_for(healthy, timeout=20)
    assert process.poll() is None, (state_dir / "server.log").read_text()
    return server


def stop(server: Sandbox, *, kill: bool = False, keep_state: bool = False) -> None:
    if kill:
        server.process.kill()
    else:
        server.process.terminate()
    server.process.wait(timeout=30)
    if not keep_state:
        shutil.rmtree(server.state_dir, ignore_errors=True)


def new_state_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="lk-render-pg-", dir="/tmp"))


@pytest.fixture(scope="module")
def pg_server() -> Iterator[Sandbox]:
    url = pg_admin_url()
    server = launch(new_state_dir(), url)
    yield server
    stop(server)


@pytest.fixture
def pg(pg_server: Sandbox) -> Iterator[Sandbox]:
    """A clean sandbox with PostgreSQL; afterwards no response may have failed spec validation."""
    pg_server.control("POST", "/reset")
    yield pg_server
    invalid = [entry for entry in pg_server.log() if entry["response_invalid"]]
    assert not invalid, f"sandbox answered outside the spec: {invalid}"


# --- helpers ----------------------------------------------------------------------------------
def admin_rows(query: str, *args: Any) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(pg_admin_url(), connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(query, args)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def exists(database: str | None = None, user: str | None = None) -> bool:
    if database is not None:
        return bool(admin_rows("SELECT 1 FROM pg_database WHERE datname = %s", database))
    return bool(admin_rows("SELECT 1 FROM pg_roles WHERE rolname = %s", user))


def create(sbx: Sandbox, name: str = "App DB", **extra: Any) -> dict[str, Any]:
    body = {"name": name, "ownerId": OWNER_ID, "plan": "basic_256mb", "version": "16", **extra}
    response = sbx.render("POST", "/postgres", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def wait_status(sbx: Sandbox, pg_id: str, status: str) -> dict[str, Any]:
    def current() -> dict[str, Any] | None:
        doc = sbx.render("GET", f"/postgres/{pg_id}").json()
        return doc if doc["status"] == status else None

    return wait_for(current)


def connection_info(sbx: Sandbox, pg_id: str) -> dict[str, str]:
    response = sbx.render("GET", f"/postgres/{pg_id}/connection-info")
    assert response.status_code == 200, response.text
    return response.json()


def run(url: str, query: str) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(url, connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def refusal(url: str) -> str:
    """The error PostgreSQL answers a connection with ('' when it connects)."""
    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        return str(exc)
    return ""


def names(listing: list[dict[str, Any]]) -> list[str]:
    return [item["postgres"]["name"] for item in listing]


# --- tests ------------------------------------------------------------------------------------
def test_create_is_a_real_database_that_becomes_available(pg: Sandbox) -> None:
    doc = create(pg, "My App-DB")
    assert PG_ID.match(doc["id"]) and doc["status"] == "creating"
    assert re.fullmatch(r"my_app_db_[a-z0-9]{4}", doc["databaseName"])
    assert doc["databaseUser"] == f"{doc['databaseName']}_user"
    assert doc["owner"]["id"] == OWNER_ID and doc["role"] == "primary" and doc["version"] == "16"
    assert doc["suspended"] == "not_suspended" and doc["suspenders"] == [] and doc["region"] == "oregon"
    assert doc["dashboardUrl"].endswith(doc["id"]) and "project" in doc
    assert wait_status(pg, doc["id"], "available")["updatedAt"] == doc["updatedAt"]

    info = connection_info(pg, doc["id"])
    url = info["externalConnectionString"]
    assert info["internalConnectionString"] == url
    assert url.startswith(f"postgresql://{doc['databaseUser']}:{info['password']}@127.0.0.1:")
    assert url.endswith(f"/{doc['databaseName']}")
    assert info["psqlCommand"].startswith(f"PGPASSWORD={info['password']} psql -h 127.0.0.1 -p ")
    assert info["psqlCommand"].endswith(f"-U {doc['databaseUser']} {doc['databaseName']}")

    run(url, "CREATE TABLE accounts (id serial PRIMARY KEY, email text)")
    run(url, "INSERT INTO accounts (email) VALUES ('a@example.test')")
    assert run(url, "SELECT current_user, current_database(), count(*) FROM accounts") == [
        (doc["databaseUser"], doc["databaseName"], 1)]
    assert run(url, "SHOW server_encoding") == [("UTF8",)]


def test_postgresql_refuses_a_wrong_password(pg: Sandbox) -> None:
    doc = create(pg)
    info = connection_info(pg, doc["id"])
    wrong = info["externalConnectionString"].replace(f":{info['password']}@", ":not-the-password@")
    error = refusal(wrong)
    assert "password authentication failed" in error, (
        f"PostgreSQL accepted a wrong password ({error or 'connected'}): its pg_hba.conf must require "
        "scram-sha-256 for non-admin roles over TCP (scripts/sandbox-up.sh writes it)")
    assert refusal(info["externalConnectionString"]) == ""


def test_a_role_cannot_reach_another_instance(pg: Sandbox) -> None:
    first, second = create(pg, "one"), create(pg, "two")
    info = connection_info(pg, first["id"])
    crossed = info["externalConnectionString"].rsplit("/", 1)[0] + f"/{second['databaseName']}"
    assert "permission denied" in refusal(crossed)


def test_requested_names_are_used_and_must_be_free_on_the_server(pg: Sandbox) -> None:
    doc = create(pg, "named", databaseName="lk_named_db", databaseUser="lk_named_user")
    assert (doc["databaseName"], doc["databaseUser"]) == ("lk_named_db", "lk_named_user")
    assert exists(database="lk_named_db") and exists(user="lk_named_user")
    only_user = create(pg, "Only User", databaseUser="lk_only_user")
    assert only_user["databaseUser"] == "lk_only_user" and only_user["databaseName"].startswith("only_user_")

    for clash in ({"databaseName": "lk_named_db"}, {"databaseUser": "lk_named_user"}, {"databaseUser": "postgres"}):
        body = {"name": "again", "ownerId": OWNER_ID, "plan": "free", "version": "15", **clash}
        response = pg.render("POST", "/postgres", json=body)
        assert response.status_code == 400, response.text
        assert "already exist" in response.json()["message"]
    assert exists(user="postgres")
    too_long = pg.render("POST", "/postgres", json={"name": "long", "ownerId": OWNER_ID, "plan": "free",
                                                    "version": "15", "databaseName": "d" * 64})
    assert too_long.status_code == 400 and "at most 63 bytes" in too_long.json()["message"]


def test_create_checks_the_owner_and_the_spec(pg: Sandbox) -> None:
    body = {"name": "x", "ownerId": OWNER_ID, "plan": "basic_256mb", "version": "16"}
    unknown_owner = pg.render("POST", "/postgres", json={**body, "ownerId": "tea-nobody"})
    assert unknown_owner.status_code == 404
    for bad, field in (({"version": "9"}, "version"), ({"plan": "gigantic"}, "plan"), ({"region": "mars"}, "region")):
        response = pg.render("POST", "/postgres", json={**body, **bad})
        assert response.status_code == 400 and field in response.json()["message"], response.text
    missing = pg.render("POST", "/postgres", json={"name": "x", "ownerId": OWNER_ID, "plan": "free"})
    assert missing.status_code == 400 and "version" in missing.json()["message"]
    assert pg.render("GET", "/postgres").json() == []
    assert pg.render("GET", "/postgres/dpg-unknown").status_code == 404


def test_free_plan_expires_and_optional_fields_are_kept(pg: Sandbox) -> None:
    allow = [{"cidrBlock": "10.0.0.0/8", "description": "office"}]
    doc = create(pg, "free-db", plan="free", region="frankfurt", diskSizeGB=5, enableHighAvailability=True,
                 enableDiskAutoscaling=True, ipAllowList=allow, parameterOverrides={"work_mem": "8MB"},
                 readReplicas=[{"name": "reader"}], environmentId="evm-sandbox")
    assert doc["expiresAt"] > doc["createdAt"] and doc["region"] == "frankfurt"
    assert doc["diskSizeGB"] == 5 and doc["highAvailabilityEnabled"] is True and doc["diskAutoscalingEnabled"] is True
    assert doc["ipAllowList"] == allow and doc["parameterOverrides"] == {"work_mem": "8MB"}
    assert [replica["name"] for replica in doc["readReplicas"]] == ["reader"]
    assert PG_ID.match(doc["readReplicas"][0]["id"]) and doc["environmentId"] == "evm-sandbox"
    assert "expiresAt" not in create(pg, "paid")


def test_list_filters_and_pagination(pg: Sandbox) -> None:
    first = create(pg, "alpha", region="frankfurt")
    create(pg, "beta", environmentId="evm-one")
    third = create(pg, "gamma")
    listed = pg.render("GET", "/postgres").json()
    assert names(listed) == ["alpha", "beta", "gamma"] and all(item["cursor"] for item in listed)
    assert "project" not in listed[0]["postgres"]  # list items are the `postgres` schema

    def query(**params: Any) -> list[str]:
        response = pg.render("GET", "/postgres", params=params)
        assert response.status_code == 200, response.text
        return names(response.json())

    assert query(name="beta,gamma") == ["beta", "gamma"]
    assert query(region="frankfurt") == ["alpha"]
    assert query(ownerId=OWNER_ID) == ["alpha", "beta", "gamma"] and query(ownerId="tea-other") == []
    assert query(environmentId="evm-one") == ["beta"]
    assert query(createdAfter=first["createdAt"]) == ["beta", "gamma"]
    assert query(createdBefore=third["createdAt"]) == ["alpha", "beta"]
    assert pg.render("POST", f"/postgres/{first['id']}/suspend").status_code == 202
    assert query(suspended="suspended") == ["alpha"] and query(suspended="not_suspended") == ["beta", "gamma"]
    assert query(updatedAfter=third["updatedAt"]) == ["alpha"]

    page = pg.render("GET", "/postgres", params={"limit": 2}).json()
    assert names(page) == ["alpha", "beta"]
    rest = pg.render("GET", "/postgres", params={"limit": 2, "cursor": page[-1]["cursor"]}).json()
    assert names(rest) == ["gamma"]
    assert pg.render("GET", "/postgres", params={"cursor": rest[-1]["cursor"]}).json() == []
    assert pg.render("GET", "/postgres", params={"createdAfter": "yesterday"}).status_code == 400


def test_patch_changes_what_the_spec_allows(pg: Sandbox) -> None:
    doc = create(pg, "app", diskSizeGB=10, readReplicas=[{"name": "reader"}])
    wait_status(pg, doc["id"], "available")
    url = connection_info(pg, doc["id"])["externalConnectionString"]
    run(url, "CREATE TABLE kept (id int)")
    allow = [{"cidrBlock": "203.0.113.0/24", "description": "ci"}]
    change = {"name": "app-2", "ipAllowList": allow, "enableDiskAutoscaling": True}
    renamed = pg.render("PATCH", f"/postgres/{doc['id']}", json=change)
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["name"] == "app-2" and body["ipAllowList"] == allow and body["diskAutoscalingEnabled"] is True
    assert body["status"] == "available" and body["databaseName"] == doc["databaseName"]

    resized = pg.render("PATCH", f"/postgres/{doc['id']}", json={
        "plan": "pro_4gb", "diskSizeGB": 20, "enableHighAvailability": True,
        "readReplicas": [{"name": "reader"}, {"name": "second"}]}).json()
    assert resized["status"] == "config_restart" and resized["plan"] == "pro_4gb"
    assert resized["diskSizeGB"] == 20 and resized["highAvailabilityEnabled"] is True
    assert resized["readReplicas"][0] == doc["readReplicas"][0] and resized["readReplicas"][1]["name"] == "second"
    wait_status(pg, doc["id"], "available")
    assert run(url, "SELECT count(*) FROM kept") == [(0,)]

    for refused, word in (({"diskSizeGB": 5}, "decreased"), ({"version": "17"}, "version"),
                          ({"databaseName": "other"}, "databaseName"), ({"plan": "huge"}, "plan"),
                          ({"ipAllowList": [{"cidrBlock": "10.0.0.0/8"}]}, "description")):
        response = pg.render("PATCH", f"/postgres/{doc['id']}", json=refused)
        assert response.status_code == 400 and word in response.json()["message"], (refused, response.text)
    assert pg.render("GET", f"/postgres/{doc['id']}").json()["diskSizeGB"] == 20
    assert pg.render("PATCH", "/postgres/dpg-unknown", json={"name": "x"}).status_code == 404


def test_suspend_refuses_connections_and_resume_restores_them(pg: Sandbox) -> None:
    doc = create(pg)
    wait_status(pg, doc["id"], "available")
    url = connection_info(pg, doc["id"])["externalConnectionString"]
    run(url, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')")
    held = psycopg2.connect(url)
    held.autocommit = True

    assert pg.render("POST", f"/postgres/{doc['id']}/suspend").status_code == 202
    suspended = pg.render("GET", f"/postgres/{doc['id']}").json()
    assert (suspended["status"], suspended["suspended"], suspended["suspenders"]) == ("suspended", "suspended", ["user"])
    assert "not currently accepting connections" in refusal(url)
    with pytest.raises(psycopg2.Error), held.cursor() as cursor:
        cursor.execute("SELECT 1")
    held.close()
    assert pg.render("POST", f"/postgres/{doc['id']}/suspend").status_code == 202
    assert pg.render("POST", f"/postgres/{doc['id']}/restart").status_code == 400

    assert pg.render("POST", f"/postgres/{doc['id']}/resume").status_code == 202
    resumed = pg.render("GET", f"/postgres/{doc['id']}").json()
    assert resumed["status"] == "updating_instance" and resumed["suspended"] == "not_suspended"
    assert resumed["suspenders"] == []
    wait_status(pg, doc["id"], "available")
    assert run(url, "SELECT body FROM notes") == [("kept",)]
    assert pg.render("POST", f"/postgres/{doc['id']}/resume").status_code == 202


def test_restart_ends_open_connections(pg: Sandbox) -> None:
    doc = create(pg)
    url = connection_info(pg, doc["id"])["externalConnectionString"]
    held = psycopg2.connect(url)
    held.autocommit = True
    assert pg.render("POST", f"/postgres/{doc['id']}/restart").status_code == 202
    with pytest.raises(psycopg2.Error), held.cursor() as cursor:
        cursor.execute("SELECT 1")
    held.close()
    assert run(url, "SELECT 1") == [(1,)]
    assert pg.render("POST", "/postgres/dpg-unknown/restart").status_code == 404


def test_delete_drops_the_database_and_role_even_when_connected(pg: Sandbox) -> None:
    doc = create(pg)
    url = connection_info(pg, doc["id"])["externalConnectionString"]
    held = psycopg2.connect(url)
    assert pg.render("DELETE", f"/postgres/{doc['id']}").status_code == 204
    held.close()
    assert not exists(database=doc["databaseName"]) and not exists(user=doc["databaseUser"])
    assert refusal(url)
    assert pg.render("GET", f"/postgres/{doc['id']}").status_code == 404
    assert pg.render("DELETE", f"/postgres/{doc['id']}").status_code == 404
    assert pg.render("GET", f"/postgres/{doc['id']}/connection-info").status_code == 404


def test_reset_drops_only_what_this_sandbox_created(pg: Sandbox) -> None:
    first, second = create(pg, "one"), create(pg, "two")
    held = psycopg2.connect(connection_info(pg, first["id"])["externalConnectionString"])
    foreign = [f"lk_test_{kind}_{os.getpid()}" for kind in ("plain", "other_sandbox", "orphan")]
    live_dir = new_state_dir()
    notes = [None, f"{MARK} {live_dir}", f"{MARK} /tmp/lk-render-pg-gone-{os.getpid()}"]
    for database, note in zip(foreign, notes):
        admin_rows(f"CREATE DATABASE {database}")
        if note:
            admin_rows(f"COMMENT ON DATABASE {database} IS %s", note)
    try:
        pg.control("POST", "/reset")
        held.close()
        for doc in (first, second):
            assert not exists(database=doc["databaseName"]) and not exists(user=doc["databaseUser"])
        assert pg.render("GET", "/postgres").json() == []
        assert [exists(database=name) for name in foreign] == [True, True, False]
    finally:
        for database in foreign:
            admin_rows(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(live_dir)


def test_state_and_seed(pg: Sandbox) -> None:
    seeded = pg.control("POST", "/seed", json={"render": {"postgres": [{"name": "seeded", "plan": "free"}]}})
    (entry,) = seeded["render"]["postgres"]
    assert PG_ID.match(entry["id"]) and entry["name"] == "seeded"
    state = pg.control("GET", "/state")["vendors"]["render"]
    (instance,) = state["postgres"]
    assert instance["id"] == entry["id"] and instance["version"] == "16"
    assert instance["connectionInfo"]["password"] == instance["password"]
    assert state["postgres_server"]["port"] == instance["port"]
    assert run(instance["connectionInfo"]["externalConnectionString"], "SELECT current_database()") == [
        (instance["databaseName"],)]


def test_leftovers_of_a_killed_sandbox_are_dropped_at_start() -> None:
    state_dir = new_state_dir()
    first = launch(state_dir, pg_admin_url())
    try:
        doc = create(first, "left")
    finally:
        stop(first, kill=True, keep_state=True)
    assert exists(database=doc["databaseName"])
    second = launch(state_dir, pg_admin_url())
    try:
        assert not exists(database=doc["databaseName"]) and not exists(user=doc["databaseUser"])
    finally:
        stop(second)


def test_a_clean_stop_drops_the_databases() -> None:
    server = launch(new_state_dir(), pg_admin_url())
    doc = create(server, "stopped")
    stop(server)
    assert not exists(database=doc["databaseName"]) and not exists(user=doc["databaseUser"])


def test_without_postgresql_create_is_refused_and_the_rest_works() -> None:
    server = launch(new_state_dir(), None)
    try:
        body = {"name": "db", "ownerId": OWNER_ID, "plan": "free", "version": "16"}
        response = server.render("POST", "/postgres", json=body)
        assert response.status_code == 400 and "no PostgreSQL" in response.json()["message"]
        assert "--pg-url" in response.json()["message"]
        assert server.render("GET", "/postgres").json() == []
        assert server.render("GET", "/postgres/dpg-unknown").status_code == 404
        assert server.create_service("still-works")["name"] == "still-works"
        assert server.control("GET", "/state")["vendors"]["render"]["postgres_server"] is None
        assert server.summary()["response_invalid"] == 0
    finally:
        stop(server)


# --- scripts/sandbox-up.sh --------------------------------------------------------------------
TRUST_ALL = "local all all trust\nhost all all 127.0.0.1/32 trust\n"


def script(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts" / name)], env=env, check=False, capture_output=True, text=True,
                          timeout=120)


def env_file(path: Path) -> dict[str, str]:
    return dict(line.removeprefix("export ").split("=", 1) for line in path.read_text().splitlines()
                if line.startswith("export "))


def reload_postgres(data: Path) -> None:
    os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGHUP)


def wrong_password_refused(values: dict[str, str]) -> bool:
    """Create a Render Postgres through the script's sandbox; is a wrong password refused?"""
    headers = {"Authorization": f"Bearer {values['RENDER_API_KEY']}"}
    body = {"name": "script-db", "ownerId": OWNER_ID, "plan": "free", "version": "15"}
    created = requests.post(f"{values['RENDER_API_URL']}/postgres", json=body, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    info = requests.get(f"{values['RENDER_API_URL']}/postgres/{created.json()['id']}/connection-info",
                        headers=headers, timeout=30).json()
    assert run(info["externalConnectionString"], "SELECT 1") == [(1,)]
    wrong = info["externalConnectionString"].replace(f":{info['password']}@", ":wrong@")
    return "password authentication failed" in refusal(wrong)


def test_sandbox_up_requires_passwords_and_wires_postgres() -> None:
    state = new_state_dir()
    state.chmod(0o755)
    env = {**os.environ, "SANDBOX_STATE_DIR": str(state), "SANDBOX_PORT": str(free_port()),
           "SANDBOX_PG_PORT": str(free_port()), "PYTHON": sys.executable}
    data = state / "pg" / "data"
    try:
        up = script("sandbox-up.sh", env)
        assert up.returncode == 0, up.stderr
        assert up.stderr.index("starting PostgreSQL") < up.stderr.index("starting sandbox")
        values = env_file(state / "env")
        assert values["SANDBOX_PG_URL"] == f"postgresql://postgres@127.0.0.1:{env['SANDBOX_PG_PORT']}/postgres"
        hba = [line.split() for line in (data / "pg_hba.conf").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
        assert hba == [["local", "all", "all", "trust"], ["host", "all", "postgres", "127.0.0.1/32", "trust"],
                       ["host", "all", "all", "127.0.0.1/32", "scram-sha-256"]]
        assert wrong_password_refused(values)
        assert run(values["SANDBOX_PG_URL"], "SELECT current_user") == [("postgres",)]

        # a data dir from before password authentication, PostgreSQL still running: rewritten and reloaded
        (data / "pg_hba.conf").write_text(TRUST_ALL)
        reload_postgres(data)
        assert wait_for(lambda: not wrong_password_refused(values))
        again = script("sandbox-up.sh", env)
        assert again.returncode == 0 and "already up" in again.stderr, again.stderr
        assert "without PostgreSQL" not in again.stderr
        assert wait_for(lambda: wrong_password_refused(values))

        # the same data dir after a stop: rewritten before PostgreSQL starts
        assert script("sandbox-down.sh", env).returncode == 0
        (data / "pg_hba.conf").write_text(TRUST_ALL)
        assert script("sandbox-up.sh", env).returncode == 0
        assert wrong_password_refused(values)
        assert script("sandbox-down.sh", env).returncode == 0
        assert not (data / "postmaster.pid").exists()
    finally:
        script("sandbox-down.sh", env)
        shutil.rmtree(state, ignore_errors=True)
