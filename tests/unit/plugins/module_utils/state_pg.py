# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real PostgreSQL for the tests of the postgresql state backend: the sandbox's server.

SANDBOX_PG_URL (make sandbox-up writes it to .sandbox/env) names it; each test gets a database of its own,
dropped at the end. Without SANDBOX_PG_URL the tests that use it are skipped, unless LAUNCHKIT_REQUIRE_PG=1
(then they fail). A test module imports the fixtures ``fixture_admin_url`` and ``fixture_dsn`` to use ``dsn``.
"""
from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture(scope="module", name="admin_url")
def fixture_admin_url():
    url = os.environ.get("SANDBOX_PG_URL")
    if not url:
        if os.environ.get("LAUNCHKIT_REQUIRE_PG"):
            pytest.fail("SANDBOX_PG_URL is not set: start the sandbox (make sandbox-up) and load .sandbox/env")
        pytest.skip("no PostgreSQL: SANDBOX_PG_URL is not set (make sandbox-up, then load .sandbox/env)")
    return url


def _admin(url: str, statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@pytest.fixture(name="dsn")
def fixture_dsn(admin_url):
    """A fresh database of the sandbox's server for one test (dropped afterwards)."""
    name = "launchkit_state_" + uuid.uuid4().hex[:12]
    _admin(admin_url, f"CREATE DATABASE {name}")
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    _admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def rows(dsn: str, query: str, args: tuple = ()) -> list[tuple]:
    import psycopg2

    connection = psycopg2.connect(dsn)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(query, args or None)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()
