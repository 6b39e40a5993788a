# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The connection options of every module that connects to a PostgreSQL (postgres_*).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - PostgreSQL URL with its password, for example C(postgresql://app:secret@db.internal:5432/app)
        (Render, Supabase, Neon, or any PostgreSQL).
      - An C(sslmode) query parameter in the URL is honoured unless O(sslmode) is set.
      - Query parameters that only ORMs understand and libpq refuses (C(pgbouncer), C(connection_limit),
        C(pool_timeout), C(schema), C(socket_timeout), C(statement_cache_size), C(sslaccept), C(sslidentity))
        are left out of the module's own connections; the URL the app uses keeps them.
      - Messages name the server and database, never the password.
      - A login refused for now (PgBouncer backing off after a failed server login, a server starting, shutting
        down or out of connection slots, a dropped connection) is tried again with backoff for 20 seconds; a
        wrong password, an unknown database or a refused address fails at once.
    type: str
    required: true
  sslmode:
    description: libpq C(sslmode); overrides the one in O(url).
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  timeout:
    description: Seconds to wait for the connection.
    type: float
    default: 10
requirements:
  - python >= 3.10
  - psycopg2 (or psycopg2-binary)
"""
