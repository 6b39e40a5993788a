"""Verify the database phase on Fly.io for the SyncKairos stack: the plan's tables migrated into the
database given by URL, DATABASE_URL in the app's secrets and every Machine rolled onto them, nothing made
on Render.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import sys
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import machines_running, sandbox_state, testinfra_hosts  # noqa: E402

testinfra_hosts = testinfra_hosts()
APP = "synckairos-staging"


def test_every_machine_runs_with_the_database_url_and_the_tables_are_there():
    urls = set(machines_running(APP, "DATABASE_URL"))
    assert len(urls) == 1
    connection = psycopg2.connect(urls.pop(), connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            tables = {row[0] for row in cursor.fetchall()}
    finally:
        connection.close()
    assert {"sync_sessions", "sync_events"} <= tables


def test_nothing_was_made_on_render():
    assert sandbox_state()["vendors"]["render"]["postgres"] == []
