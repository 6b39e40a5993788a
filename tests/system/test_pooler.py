"""SyncKairos's Supabase through its transaction pooler: the app's DATABASE_URL goes through the sandbox's
PgBouncer in transaction mode (SANDBOX_PG_POOLER_URL), the controller migrates, checks and backs up through
the direct URL (database_admin_url), and the database role warns when the controller would go through the
pooler.

The pooler's own counters (SHOW STATS on its console, SANDBOX_PG_POOLER_STATS_URL) say who went through it.
"""
from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import psycopg2
import pytest
import requests

from conftest import assert_ok, last_seq, log_summary, run_site
from tests.pooler_console import pooler_show
from test_fly import APP, HOST, fly_app, running_env

WARNING = "goes through a transaction pooler"


def pooled_transactions(database: str) -> int:
    """How many transactions the pooler has run in DATABASE for its clients since it started."""
    return sum(int(row["total_xact_count"]) for row in pooler_show("STATS") if row["database"] == database)


def port(url: str) -> int:
    return urlsplit(url).port


def direct_tables(database: str) -> set[str]:
    admin = urlsplit(os.environ["SANDBOX_PG_URL"])._replace(path=f"/{database}").geturl()
    connection = psycopg2.connect(admin, connect_timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {name for (name,) in cursor.fetchall()}
    finally:
        connection.close()


def test_synckairos_migrates_directly_while_its_app_goes_through_the_pooler(fly_sandbox, tmp_path):
    state_dir = tmp_path / "state"
    pooler_port, direct_port = port(os.environ["SANDBOX_PG_POOLER_URL"]), port(os.environ["SANDBOX_PG_URL"])
    assert pooler_port != direct_port
    before = pooled_transactions("synckairos")

    # The database phase alone, the Machines left on their old secrets (no roll, so no app check runs): the
    # migrations, the check and the table assertions ran, and not one transaction went through the pooler.
    phase = run_site("--tags", "database", "--limit", HOST, "-e", "launchkit_apply_env=false", state_dir=state_dir)
    assert_ok(phase, "database phase")
    assert WARNING not in phase.stdout
    assert {"sync_sessions", "sync_events", "launchkit_migrations"} <= direct_tables("synckairos")
    assert pooled_transactions("synckairos") == before

    # The whole stack: the Machines roll onto the secrets, the app's DATABASE_URL is the pooler's, and its
    # /health reaches the database through it.
    rollout = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(rollout, "rollout")
    assert f"{HOST}: PASSED: 19 of 19 checks passed" in rollout.stdout
    for machine in fly_app()["machines"]:
        url = urlsplit(running_env(machine["id"])["env"]["DATABASE_URL"])
        assert (url.hostname, url.port, url.path, url.query) == ("127.0.0.1", pooler_port, "/synckairos", "")
    through_pooler = pooled_transactions("synckairos")
    assert through_pooler > before
    health = requests.get(f"{os.environ['LAUNCHKIT_SANDBOX_URL']}/apps/{APP}/health", timeout=30)
    assert health.status_code == 200 and health.json()["checks"]["database"]["status"] == "ok"
    assert pooled_transactions("synckairos") > through_pooler

    since = last_seq()
    again = run_site("--limit", HOST, state_dir=state_dir)
    assert_ok(again, "second run")
    assert log_summary(since=since)["writes"] == 0


# The app's URL as a Prisma app has it: Supabase's pooler URL ends in ?pgbouncer=true.
PRISMA_URL = ("{{ lookup('ansible.builtin.env', 'SANDBOX_PG_POOLER_URL') | regex_replace('^postgresql://([^/@]+)/.*$', "
              "'postgresql://' ~ synckairos_supabase_login ~ '@\\1/synckairos?pgbouncer=true') }}")


@pytest.mark.parametrize(("extra", "warned"), [
    pytest.param({}, False, id="direct-admin-url"),
    pytest.param({"database_admin_url": ""}, True, id="pooled-url-said-so"),
    pytest.param({"database_admin_url": "", "database_url_pooled": None}, False, id="pooler-port-unknown"),
    pytest.param({"database_admin_url": "", "database_url_pooled": None, "database_url": PRISMA_URL}, True,
                 id="prisma-flag"),
])
def test_the_role_warns_when_the_controller_would_go_through_a_transaction_pooler(
        fly_sandbox, tmp_path, extra, warned):
    args = ["--tags", "database", "--limit", HOST, "--check"] + (["-e", json.dumps(extra)] if extra else [])
    result = run_site(*args, state_dir=tmp_path / "state")
    assert_ok(result, "database phase in check mode")
    assert (WARNING in result.stdout) is warned, result.stdout[-6000:]
