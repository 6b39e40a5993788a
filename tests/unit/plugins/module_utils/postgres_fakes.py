# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the postgres tests share: a password and its URL, touch(), and psycopg2 stand-ins (a connection
and its cursor that record every statement, answer scripted rows and fail, with the password in the
message, on a statement that contains `fail_on`)."""
from __future__ import annotations

import psycopg2

PASSWORD = "s3cret-Pa55"
URL = f"postgresql://app:{PASSWORD}@db.internal:6543/appdb"


def touch(path, size=3):
    path.write_bytes(b"x" * size)
    return path


class FakeCursor:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, query, args=None):
        text = query if isinstance(query, str) else repr(query)
        self.conn.executed.append(text)
        if self.conn.fail_on and self.conn.fail_on in text:
            raise psycopg2.ProgrammingError(f"syntax error near password {PASSWORD}")
        self.last = text

    def fetchone(self):
        return self.conn.rows.pop(0)

    def fetchall(self):
        return self.conn.rows.pop(0)


class FakeConnection:
    def __init__(self, rows=None, fail_on=None):
        self.rows = list(rows or [])
        self.fail_on = fail_on
        self.executed: list[str] = []
        self.commits = 0
        self.rollbacks = 0
        self.closed = False
        self.autocommit = False

    def cursor(self):
        return FakeCursor(self)

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1

    def close(self):
        self.closed = True
