# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: connecting to a PostgreSQL from its URL, for every postgres module.

Not a public API; it may change between any two releases.

What the postgres modules share: their connection options (documented in the launchkit.paas.postgres
doc fragment) and how they are run, the URL (its password registered as a secret, ORM-only query
parameters left out, an sslmode option winning over the URL's own), and a psycopg2 connection whose
errors name the server, never the password. A login refused for a while (a server starting or full, a
pooler backing off after failed server logins, a dropped connection) is tried again with backoff for
CONNECT_RETRY_SECONDS; a wrong password, an unknown database or a refused address fails at once.
"""
from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.libraries import optional_import
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, Deadline

psycopg2, PSYCOPG2_IMPORT_ERROR = optional_import("psycopg2")
sql = optional_import("psycopg2.sql")[0]

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SCHEMES = ("postgres", "postgresql")

# Query parameters that ORMs read from a DATABASE_URL but libpq refuses ("invalid URI query
# parameter"): Prisma's pgbouncer=true (Supabase's pooler URL carries it), connection_limit, pool_timeout,
# schema, socket_timeout, statement_cache_size, and its TLS spellings sslaccept/sslidentity. The
# controller's connections leave them out; the app keeps its URL as it is.
CLIENT_ONLY_PARAMS = frozenset({"pgbouncer", "connection_limit", "pool_timeout", "schema", "socket_timeout",
                                "statement_cache_size", "sslaccept", "sslidentity"})

# Logins refused for now, not for good: the server starting, stopping or full; PgBouncer backing off
# for server_login_retry (15 s by default) after a failed server login, or out of client slots; the
# connection dropped on the way. PgBouncer's own back-off is why the retries last this long.
TRANSIENT_LOGIN = re.compile(
    r"server login has been failing|the database system is (starting up|shutting down|in recovery mode|"
    r"not yet accepting connections)|too many (connections|clients)|remaining connection slots are reserved|"
    r"no more connections allowed|pgbouncer cannot connect to server|server closed the connection unexpectedly|"
    r"connection reset by peer|could not receive data from server", re.IGNORECASE)
CONNECT_RETRY_SECONDS = 20.0
CONNECT_BACKOFF = (0.5, 1.0, 2.0, 4.0)  # then every 4 s


# --------------------------------------------------------------------------------------- the module
def connection_options(**overrides: dict) -> dict[str, dict]:
    """The argument spec of the options every postgres module takes (url, sslmode, timeout), with the
    module's own `overrides` (a module whose timeout means more than the connection's, say)."""
    options: dict[str, dict] = {
        "url": {"type": "str", "required": True, "no_log": True},
        "sslmode": {"type": "str", "choices": list(SSLMODES)},
        "timeout": {"type": "float", "default": 10.0},
    }
    options.update(overrides)
    return options


def postgres_module(argument_spec: dict, logic: Callable[[dict, bool, Secrets], dict]) -> Module:
    """A postgres module: it needs psycopg2, not requests."""
    return Module(argument_spec, logic, needs_requests=False, requires={"psycopg2": PSYCOPG2_IMPORT_ERROR})


# ----------------------------------------------------------------------------------------- the URL
def url_secrets(url: str | None) -> list[str]:
    """The password of `url` as written and as decoded (libpq decodes %xx), to be masked."""
    if not url:
        return []
    raw = urlsplit(url).password
    return [raw, unquote(raw)] if raw else []


def where(url: str) -> str:
    """host:port/database of `url`, never its user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}/{parts.path.lstrip('/') or '(default)'}"


def url_database(url: str) -> str | None:
    """The database named in `url` (decoded), or None when it names none."""
    return unquote(urlsplit(url).path.lstrip("/")) or None


def with_database(url: str, database: str) -> str:
    """`url` pointing at another database of the same server, with the same credentials and query."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""), parts.query, parts.fragment))


def libpq_url(url: str) -> str:
    """`url` without the query parameters only ORMs understand (CLIENT_ONLY_PARAMS)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if key not in CLIENT_ONLY_PARAMS]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def url_sslmode(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("sslmode")
    return values[-1] if values else None


def connection_kwargs(url: str, sslmode: str | None, timeout: float) -> dict[str, Any]:
    """psycopg2.connect() arguments: the URL as DSN; an explicit sslmode wins over the URL's own."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(f"url must start with postgres:// or postgresql://, not {scheme or 'nothing'}://")
    in_url = url_sslmode(url)
    if in_url is not None and in_url not in SSLMODES:
        raise ValueError(f"the url's sslmode={in_url} is not one of {', '.join(SSLMODES)}")
    kwargs: dict[str, Any] = {"dsn": libpq_url(url), "connect_timeout": max(1, int(round(timeout)))}
    if sslmode:
        kwargs["sslmode"] = sslmode
    return kwargs


# ---------------------------------------------------------------------------------- the connection
def connect(params: dict, secrets: Secrets, clock: Clock | None = None) -> Any:
    """A psycopg2 connection to `params["url"]` (with its sslmode and timeout); a login refused for now
    (TRANSIENT_LOGIN) is tried again with backoff for CONNECT_RETRY_SECONDS."""
    secrets.add(*url_secrets(params["url"]))
    kwargs = connection_kwargs(params["url"], params.get("sslmode"), params.get("timeout") or 10)
    clock = clock or Clock()
    deadline = Deadline(CONNECT_RETRY_SECONDS, clock)
    attempt = 0
    while True:
        try:
            return psycopg2.connect(**kwargs)
        except psycopg2.Error as exc:
            if not (isinstance(exc, psycopg2.OperationalError) and TRANSIENT_LOGIN.search(error_message(exc))) \
                    or deadline.passed():
                tried = f" ({attempt + 1} attempts)" if attempt else ""
                raise failure(f"cannot connect to PostgreSQL at {where(params['url'])}{tried}", exc, secrets) from None
        clock.sleep(min(CONNECT_BACKOFF[min(attempt, len(CONNECT_BACKOFF) - 1)], max(deadline.left(), 0.1)))
        attempt += 1


def statement(template: str, *names: str) -> Any:
    """`template` with its {} filled by the quoted identifier of `names` (a name, or schema and name)."""
    return sql.SQL(template).format(sql.Identifier(*names))


def error_message(exc: Exception) -> str:
    """The database's message on one line."""
    text = (getattr(exc, "pgerror", None) or str(exc)).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def failure(what: str, exc: Exception, secrets: Secrets, **details: Any) -> ResourceError:
    """`what` failed, with the database's message, every secret masked."""
    return ResourceError(secrets.redact(f"{what}: {error_message(exc)}"), **details)
