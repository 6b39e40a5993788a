# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""postgres/check: the report, the write check and the connection headroom; no password in any message."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import check as pc
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from postgres_fakes import PASSWORD, URL, FakeConnection


# ---------------------------------------------------------------------------------------- headroom
def test_headroom():
    assert pc.headroom(100, 3, 17) == {"max_connections": 100, "superuser_reserved": 3, "used": 17,
                                       "free": 80, "percent_used": 17.0}
    assert pc.headroom(10, 3, 12)["free"] == 0


def _check_rows(used):
    return [("15.4", 150004, "appdb", "app", 20, 3), (used,), [("users",)], (1,)]


def test_check_reports_and_never_changes(monkeypatch):
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: FakeConnection(rows=_check_rows(5)))
    params = {"url": URL, "sslmode": None, "schema": "public", "min_free_connections": 5, "require_write": True,
              "timeout": 5}
    result = pc.run_check(params, False, Secrets())
    assert result["changed"] is False
    report = result["postgres"]
    assert report["tables"] == ["users"] and report["writable"] is True and report["write_target"] == "schema"
    assert report["connections"]["free"] == 12


def test_check_fails_on_low_headroom_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: FakeConnection(rows=_check_rows(15)))
    params = {"url": URL, "sslmode": None, "schema": "public", "min_free_connections": 5, "require_write": True,
              "timeout": 5}
    with pytest.raises(ResourceError) as caught:
        pc.run_check(params, False, Secrets())
    message = str(caught.value)
    assert "only 2 connection(s) free of max_connections=20" in message and "min_free_connections is 5" in message
    assert PASSWORD not in message
    assert caught.value.details["postgres"]["connections"]["free"] == 2


def test_check_write_falls_back_to_a_temp_table():
    conn = FakeConnection(rows=[(1,)], fail_on="Identifier('public'")
    writable, target, why = pc._check_write(conn, "public")
    assert (writable, target, why) == (True, "temp", None)
    assert conn.rollbacks == 2 and conn.commits == 0


def test_check_write_reports_why_not_and_the_check_fails_without_the_password(monkeypatch):
    conn = FakeConnection(rows=_check_rows(1)[:3], fail_on="CREATE")
    monkeypatch.setattr(pg.psycopg2, "connect", lambda **kwargs: conn)
    params = {"url": URL, "sslmode": None, "schema": "public", "min_free_connections": 5, "require_write": True,
              "timeout": 5}
    with pytest.raises(ResourceError) as caught:
        pc.run_check(params, False, Secrets())
    assert "cannot write" in str(caught.value) and PASSWORD not in str(caught.value)
    report = caught.value.details["postgres"]
    assert report["writable"] is False and report["write_target"] == "none"
    assert "syntax error" in report["write_error"] and PASSWORD not in report["write_error"]
    assert conn.commits == 0
