"""The read-only console of the sandbox's PgBouncer (SANDBOX_PG_POOLER_STATS_URL from .sandbox/env, a stats
user's login to its ``pgbouncer`` database): what the tests ask it, as rows of {column: value}."""
from __future__ import annotations

import os
from typing import Any

import psycopg2


def pooler_show(what: str) -> list[dict[str, Any]]:
    """SHOW WHAT (POOLS, STATS, ...) on the pooler's console."""
    connection = psycopg2.connect(os.environ["SANDBOX_PG_POOLER_STATS_URL"], connect_timeout=10)
    connection.autocommit = True  # the console runs no transactions
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {what}")
            columns = [column[0] for column in cursor.description]
            return [dict(zip(columns, values)) for values in cursor.fetchall()]
    finally:
        connection.close()
