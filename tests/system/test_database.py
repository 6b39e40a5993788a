"""The database phase of site.yml for both rehearsal stacks: a Render Postgres (Scoop) and an external
Postgres given by URL (RekindlePro, a Supabase stand-in on the sandbox's PostgreSQL with password login).

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_database.py
"""
from __future__ import annotations

import os
from pathlib import Path

import psycopg2

from conftest import assert_ok, control, env_of, log_summary, recap, render_api, run_site, state
from test_leaks import assert_no_leak, secrets_in

SCOOP_SERVICES = ("scoop-web", "scoop-sidekiq", "scoop-recurring-jobs")
KINDLE_SERVICES = ("rekindlepro-api", "rekindlepro-worker")
KINDLE_PASSWORD = "rehearsal-supabase-2b7e91"


def render_postgres(name: str) -> list[dict]:
    return [item["postgres"] for item in render_api("GET", f"/postgres?name={name}")]


def query(url: str, sql: str) -> list[tuple]:
    conn = psycopg2.connect(url, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            found = cur.fetchall() if cur.description else []
        conn.commit()
        return found
    finally:
        conn.close()


def counted(*args: str, state_dir: Path):
    control("DELETE", "/log")
    result = run_site(*args, state_dir=state_dir)
    return result, log_summary()


def test_database_phase_check_mode_rollout_and_second_run(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    # The worker and the daily job exist first: the phase wires them too.
    assert_ok(run_site("--tags", "worker,cron", "--limit", "scoop_production", state_dir=state_dir), "worker+cron")

    check, check_summary = counted("--tags", "database", "--check", "--diff", state_dir=state_dir)
    assert_ok(check, "database phase in check mode")
    assert check_summary["writes"] == 0, f"check mode wrote: {check_summary}"
    assert render_postgres("scoop-db") == []
    assert query(os.environ["SANDBOX_PG_URL"].rsplit("/", 1)[0] + "/rekindlepro",
                 "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]

    first, first_summary = counted("--tags", "database", state_dir=state_dir)
    assert_ok(first, "database phase")
    assert first_summary["writes"] > 0

    # Scoop: one Render Postgres; every service that runs the app's code has its URL, and it connects.
    [database] = render_postgres("scoop-db")
    assert database["status"] == "available" and database["version"] == "17"
    snapshot = state()
    urls = {name: env_of(snapshot, name).get("DATABASE_URL") for name in SCOOP_SERVICES}
    assert len(set(urls.values())) == 1 and None not in urls.values(), sorted(urls)
    assert query(urls["scoop-web"], "SELECT current_database()") == [(database["databaseName"],)]
    # The nightly backup job exists with the URL, and the controller's dump is there.
    assert env_of(snapshot, "scoop-db-backup")["DATABASE_URL"] == urls["scoop-web"]
    dumps = sorted((tmp_path / "backups" / "scoop_production").glob("scoop-db-*.dump"))
    assert len(dumps) == 1, dumps

    # RekindlePro: the external URL went into both services; both migrations ran.
    kindle_url = env_of(snapshot, "rekindlepro-api")["DATABASE_URL"]
    assert KINDLE_PASSWORD in kindle_url and env_of(snapshot, "rekindlepro-worker")["DATABASE_URL"] == kindle_url
    assert query(kindle_url, "SELECT version FROM launchkit_migrations ORDER BY version") == [
        ("001_initial_schema.sql",), ("002_messages.sql",)]

    second, second_summary = counted("--tags", "database", state_dir=state_dir)
    assert_ok(second, "second database phase")
    assert second_summary["writes"] == 0, f"the second run wrote: {second_summary}"
    assert {host: counts["changed"] for host, counts in recap(second).items()} == {
        "scoop_production": 0, "rekindlepro_staging": 0, "synckairos_staging": 0, "cloudgreet_production": 0}, \
        second.stdout[-3000:]
    assert len(list((tmp_path / "backups" / "scoop_production").glob("scoop-db-*.dump"))) == 1


def test_rollback_restores_env_keys_and_keeps_the_data(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,cron,database", state_dir=state_dir), "rollout")
    kindle_url = env_of(state(), "rekindlepro-api")["DATABASE_URL"]
    query(kindle_url, "INSERT INTO users (email) VALUES ('keep@rekindle.test')")
    [database] = render_postgres("scoop-db")

    rollback, summary = counted("--tags", "rollback_database", state_dir=state_dir)
    assert_ok(rollback, "database rollback")
    snapshot = state()
    for name in SCOOP_SERVICES + KINDLE_SERVICES:
        assert "DATABASE_URL" not in env_of(snapshot, name), f"{name} still has DATABASE_URL"
    # The databases and their rows stay; the backup job is suspended.
    assert [db["id"] for db in render_postgres("scoop-db")] == [database["id"]]
    assert query(kindle_url, "SELECT email FROM users") == [("keep@rekindle.test",)]
    job = next(s for s in snapshot["vendors"]["render"]["services"] if s["name"] == "scoop-db-backup")
    assert job["suspended"] == "suspended"
    assert summary["writes"] > 0

    again, again_summary = counted("--tags", "rollback_database", state_dir=state_dir)
    assert_ok(again, "second database rollback")
    assert again_summary["writes"] == 0, f"the second rollback wrote: {again_summary}"


def test_database_phase_prints_no_password_at_vvv(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,cron", "--limit", "scoop_production", state_dir=state_dir), "worker+cron")
    result = run_site("--tags", "database", "-vvv", "--diff", state_dir=state_dir)
    assert_ok(result, "database phase at -vvv")
    snapshot = state()
    scoop_url = env_of(snapshot, "scoop-web")["DATABASE_URL"]
    secrets = secrets_in(snapshot) | {KINDLE_PASSWORD, scoop_url.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]}
    assert scoop_url in secrets and env_of(snapshot, "rekindlepro-api")["DATABASE_URL"] in secrets
    assert "scoop-db" in result.stdout and '"module_args"' in result.stdout  # really -vvv
    assert_no_leak(result.stdout + result.stderr, secrets, "the database phase at -vvv --diff")
    rollback = run_site("--tags", "rollback_database", "-vvv", "--diff", state_dir=state_dir)
    assert_ok(rollback, "database rollback at -vvv")
    assert_no_leak(rollback.stdout + rollback.stderr, secrets, "the database rollback at -vvv --diff")


def test_rollback_deletes_only_a_database_the_rollout_created_and_dumps_it_first(quick_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,cron,database", "--limit", "scoop_production", state_dir=state_dir),
              "rollout")
    [created] = render_postgres("scoop-db")
    url = env_of(state(), "scoop-web")["DATABASE_URL"]
    query(url, "CREATE TABLE walks (dog text); INSERT INTO walks VALUES ('Biscuit')")

    rollback = run_site("--tags", "rollback_database", "--limit", "scoop_production",
                        "-e", "database_rollback_delete_instance=true", state_dir=state_dir)
    assert_ok(rollback, "database rollback with delete")
    assert render_postgres("scoop-db") == [], f"{created['id']} was not deleted"
    [final] = sorted((tmp_path / "backups" / "scoop_production").glob("scoop-db-final-*.dump"))
    assert final.stat().st_size > 0


def test_rollback_never_deletes_a_database_that_existed_before(quick_sandbox, tmp_path):
    """scoop-db exists before the rollout: the phase adopts it, and no rollback may delete it."""
    state_dir = tmp_path / "state"
    control("POST", "/seed", {"render": {"postgres": [
        {"name": "scoop-db", "plan": "basic_256mb", "version": "17", "region": "oregon"}]}})
    [existing] = render_postgres("scoop-db")
    assert_ok(run_site("--tags", "worker,cron,database", "--limit", "scoop_production", state_dir=state_dir),
              "rollout")
    assert [db["id"] for db in render_postgres("scoop-db")] == [existing["id"]]

    rollback = run_site("--tags", "rollback_database", "--limit", "scoop_production",
                        "-e", "database_rollback_delete_instance=true", state_dir=state_dir)
    assert_ok(rollback, "database rollback with delete")
    assert [db["id"] for db in render_postgres("scoop-db")] == [existing["id"]]
    assert "existed before the rollout" in rollback.stdout
    assert "DATABASE_URL" not in env_of(state(), "scoop-web")


def test_a_previous_value_that_holds_the_new_one_is_recorded_and_restored_exactly(quick_sandbox, tmp_path):
    """Ansible masks every no_log value inside other strings: a previous DATABASE_URL of '<new url>?sslmode=disable'
    must still be recorded as it was (not '********?sslmode=disable') and be what the rollback puts back."""
    state_dir = tmp_path / "state"
    server = os.environ["SANDBOX_PG_URL"].split("@", 1)[1].split("/", 1)[0]
    new_url = f"postgresql://rekindlepro:{KINDLE_PASSWORD}@{server}/rekindlepro"
    previous = new_url + "?sslmode=disable"
    api = {s["name"]: s for s in state()["vendors"]["render"]["services"]}["rekindlepro-api"]
    render_api("PUT", f"/services/{api['id']}/env-vars/DATABASE_URL", {"value": previous})
    worker_before = env_of(state(), "rekindlepro-worker").get("DATABASE_URL")

    rollout = run_site("--tags", "database", "--limit", "rekindlepro_staging", state_dir=state_dir)
    assert_ok(rollout, "database phase")
    assert env_of(state(), "rekindlepro-api")["DATABASE_URL"] == new_url

    rollback = run_site("--tags", "rollback_database", "--limit", "rekindlepro_staging", state_dir=state_dir)
    assert_ok(rollback, "rollback of the database phase")
    assert env_of(state(), "rekindlepro-api")["DATABASE_URL"] == previous
    assert env_of(state(), "rekindlepro-worker").get("DATABASE_URL") == worker_before
    assert_no_leak(rollout.stdout + rollback.stdout, {KINDLE_PASSWORD}, "the database phase and its rollback")


def render_postgres_calls() -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in control("GET", "/log")["entries"]
            if e["vendor"] == "render" and "/postgres" in e["path"]]


def test_an_external_database_is_never_looked_up_changed_or_deleted_on_render(quick_sandbox, tmp_path):
    """RekindlePro's database is given by URL: check mode, the phase, and a rollback asked to delete the instance
    never call a Render Postgres API, and the database keeps its rows."""
    state_dir = tmp_path / "state"
    kindle = ("--limit", "rekindlepro_staging")
    for args in (("--tags", "database", "--check"), ("--tags", "database")):
        control("DELETE", "/log")
        assert_ok(run_site(*args, *kindle, state_dir=state_dir), " ".join(args))
        assert render_postgres_calls() == [], args
    kindle_url = env_of(state(), "rekindlepro-api")["DATABASE_URL"]
    query(kindle_url, "INSERT INTO users (email) VALUES ('stays@rekindle.test')")

    control("DELETE", "/log")
    rollback = run_site("--tags", "rollback_database", *kindle, "-e", "database_rollback_delete_instance=true",
                        state_dir=state_dir)
    assert_ok(rollback, "rollback asked to delete the instance")
    assert render_postgres_calls() == []
    assert "It is given by URL (database_provider: external)" in rollback.stdout
    assert "DATABASE_URL" not in env_of(state(), "rekindlepro-api")
    assert query(kindle_url, "SELECT email FROM users") == [("stays@rekindle.test",)]
