# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""postgres/connection: URL and sslmode handling, the shared options; no password in any message."""
from __future__ import annotations

import psycopg2
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.launchkit.paas.plugins.module_utils.postgres import backup, check, migrate
from ansible_collections.launchkit.paas.plugins.module_utils.postgres import connection as pg
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from postgres_fakes import PASSWORD, URL


# ------------------------------------------------------------------------------------------- options
@pytest.mark.parametrize("spec, required, timeout", [
    (check.ARGUMENT_SPEC, {}, 10.0),
    (migrate.ARGUMENT_SPEC, {"path": "/srv/migrations"}, 10.0),
    (backup.ARGUMENT_SPEC, {"dest": "/srv/backups"}, 3600),  # there, the budget of the whole job
])
def test_every_postgres_module_takes_url_sslmode_and_timeout(spec, required, timeout):
    assert spec["url"] == {"type": "str", "required": True, "no_log": True}
    validated = ArgumentSpecValidator(spec).validate({"url": URL, **required})
    assert not validated.error_messages, validated.error_messages
    params = validated.validated_parameters
    assert params["sslmode"] is None
    assert params["timeout"] == timeout and type(params["timeout"]) is type(timeout)
    refused = ArgumentSpecValidator(spec).validate({"url": URL, "sslmode": "sometimes", **required})
    assert any("sslmode" in message for message in refused.error_messages)
    missing = ArgumentSpecValidator(spec).validate(dict(required))
    assert any("url" in message for message in missing.error_messages)


def test_connection_options_are_built_fresh_with_the_modules_overrides():
    options = pg.connection_options(timeout={"type": "int", "default": 60}, schema={"type": "str"})
    assert list(options) == ["url", "sslmode", "timeout", "schema"]
    assert options["timeout"] == {"type": "int", "default": 60}
    assert options["sslmode"]["choices"] == list(pg.SSLMODES)
    options["url"]["required"] = False
    assert pg.connection_options()["url"]["required"] is True


# --------------------------------------------------------------------------------------- URL, sslmode
def test_connection_kwargs_passes_the_url_and_no_sslmode_by_default():
    assert pg.connection_kwargs(URL, None, 10) == {"dsn": URL, "connect_timeout": 10}


def test_connection_kwargs_option_overrides_url_sslmode():
    kwargs = pg.connection_kwargs(URL + "?sslmode=disable", "verify-full", 2.4)
    assert kwargs["sslmode"] == "verify-full"
    assert kwargs["connect_timeout"] == 2


def test_connection_kwargs_keeps_the_url_sslmode_for_libpq():
    kwargs = pg.connection_kwargs(URL + "?sslmode=require", None, 0.1)
    assert "sslmode" not in kwargs and kwargs["dsn"].endswith("sslmode=require")
    assert kwargs["connect_timeout"] == 1


def test_url_sslmode():
    assert pg.url_sslmode(URL + "?application_name=x&sslmode=verify-ca") == "verify-ca"
    assert pg.url_sslmode(URL) is None


def test_bad_url_sslmode_is_refused_without_the_password():
    with pytest.raises(ValueError) as caught:
        pg.connection_kwargs(URL + "?sslmode=sometimes", None, 5)
    assert "sslmode=sometimes" in str(caught.value) and PASSWORD not in str(caught.value)


@pytest.mark.parametrize("url", [f"mysql://root:{PASSWORD}@h/db", "db.internal:5432", ""])
def test_non_postgres_urls_are_refused_without_the_password(url):
    with pytest.raises(ValueError) as caught:
        pg.connection_kwargs(url, None, 5)
    assert PASSWORD not in str(caught.value)


def test_where_never_shows_user_or_password():
    assert pg.where(URL) == "db.internal:6543/appdb"
    assert pg.where("postgres://h") == "h:5432/(default)"


def test_url_secrets_include_the_decoded_password():
    assert pg.url_secrets("postgres://u:p%40ss%2Fw@h/db") == ["p%40ss%2Fw", "p@ss/w"]
    assert pg.url_secrets("postgres://u@h/db") == []
    assert pg.url_secrets(None) == []


def test_both_forms_of_the_password_are_masked_longest_first():
    secrets = Secrets(pg.url_secrets("postgres://u:p%40ss%2Fword@h/db"))
    assert secrets.redact("a p@ss/word b p%40ss%2Fword") == "a ******** b ********"


def test_connect_failure_names_the_server_not_the_password(monkeypatch):
    def refuse(**kwargs):
        raise psycopg2.OperationalError(f'FATAL:  password authentication failed for user "app" ({PASSWORD})')

    monkeypatch.setattr(pg.psycopg2, "connect", refuse)
    secrets = Secrets()
    with pytest.raises(ResourceError) as caught:
        pg.connect({"url": URL, "sslmode": None, "timeout": 5}, secrets)
    message = str(caught.value)
    assert "db.internal:6543/appdb" in message and "password authentication failed" in message
    assert PASSWORD not in message
    assert PASSWORD in secrets.values


class FakeClock:
    def __init__(self):
        self.time, self.slept = 0.0, []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.time += seconds


BACKING_OFF = "FATAL:  server login has been failing, try again later (server_login_retry)"


def scripted_connect(monkeypatch, *outcomes):
    """psycopg2.connect answering OUTCOMES in turn (an error message raises OperationalError); the calls made."""
    calls = []

    def connect(**kwargs):
        calls.append(kwargs)
        outcome = outcomes[min(len(calls), len(outcomes)) - 1]
        if isinstance(outcome, str):
            raise psycopg2.OperationalError(outcome)
        return outcome

    monkeypatch.setattr(pg.psycopg2, "connect", connect)
    return calls


def test_a_login_refused_for_now_is_tried_again_with_backoff(monkeypatch):
    # PgBouncer refuses logins for server_login_retry (15 s) after a failed server login; then it lets them in.
    connection = object()
    calls = scripted_connect(monkeypatch, BACKING_OFF, "FATAL:  the database system is starting up", BACKING_OFF,
                             BACKING_OFF, BACKING_OFF, BACKING_OFF, connection)
    clock = FakeClock()
    assert pg.connect({"url": URL, "sslmode": None, "timeout": 5}, Secrets(), clock=Clock(clock.now, clock.sleep)) \
        is connection
    assert len(calls) == 7 and clock.slept == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_login_refused_for_good_fails_at_once_and_one_refused_too_long_fails_with_the_attempts(monkeypatch):
    calls = scripted_connect(monkeypatch, f'FATAL:  password authentication failed for user "app" ({PASSWORD})')
    clock = FakeClock()
    with pytest.raises(ResourceError, match="password authentication failed") as caught:
        pg.connect({"url": URL, "sslmode": None, "timeout": 5}, Secrets(), clock=Clock(clock.now, clock.sleep))
    assert len(calls) == 1 and clock.slept == [] and "attempts" not in str(caught.value)
    calls = scripted_connect(monkeypatch, BACKING_OFF)
    with pytest.raises(ResourceError, match=r"at db.internal:6543/appdb \(\d+ attempts\): .*server_login_retry"):
        pg.connect({"url": URL, "sslmode": None, "timeout": 5}, Secrets(), clock=Clock(clock.now, clock.sleep))
    assert clock.time >= pg.CONNECT_RETRY_SECONDS and len(calls) == len(clock.slept) + 1


def test_orm_only_query_parameters_are_left_out_of_the_controllers_connection():
    """Supabase's pooler URL for Prisma carries pgbouncer=true, which libpq refuses outright."""
    url = "postgresql://app:pw@pooler.supabase.com:6543/postgres?pgbouncer=true&connection_limit=1&sslmode=require"
    assert pg.libpq_url(url) == "postgresql://app:pw@pooler.supabase.com:6543/postgres?sslmode=require"
    assert pg.connection_kwargs(url, None, 5)["dsn"] == pg.libpq_url(url)
    plain = "postgresql://app:pw@db:5432/app?application_name=launchkit"
    assert pg.libpq_url(plain) == plain


def test_libpq_really_refuses_the_orm_parameters_it_is_given():
    """Why libpq_url exists: psycopg2 fails on the URL as the app has it, before any connection."""
    with pytest.raises(psycopg2.ProgrammingError, match="pgbouncer"):
        psycopg2.connect("postgresql://app:pw@127.0.0.1:1/app?pgbouncer=true", connect_timeout=1)


def test_url_database_and_with_database_keep_credentials_and_query():
    assert pg.url_database("postgres://u:p@h/my%2Fdb?sslmode=require") == "my/db"
    assert pg.url_database("postgres://u:p@h:5432") is None
    assert pg.with_database(URL + "?sslmode=require", "appdb_lk_restore_1") == (
        f"postgresql://app:{PASSWORD}@db.internal:6543/appdb_lk_restore_1?sslmode=require")
    assert pg.with_database("postgres://h", "a b") == "postgres://h/a%20b"
