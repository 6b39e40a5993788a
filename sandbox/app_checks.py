"""The component checks of the stand-in apps: a real Redis AUTH + PING and a real Postgres ``SELECT 1``.

Each check answers ``{"status": "ok", "latency_ms": n}`` or ``{"status": "error", "error": "..."}``.
An error message never carries the URL or its password: they are cut out of whatever the client
library said.
"""
from __future__ import annotations

import contextlib
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .faults import APP_TRAFFIC_HEADER
from .redis_servers import RespError, resp_connection

try:  # optional: the sandbox serves without it, the database check then says what is missing
    import psycopg2
except ImportError:  # pragma: no cover - depends on the environment
    psycopg2 = None

CHECK_TIMEOUT = 2.0  # seconds to connect and to answer
# env var -> component name in /health and /metrics, in report order
COMPONENTS: dict[str, str] = {"REDIS_URL": "redis", "DATABASE_URL": "database"}


# the Upstash REST API pair an app reads, in the order it looks for them (CloudGreet's names first, then
# the names @upstash/redis's Redis.fromEnv() reads)
REST_PAIRS = (("REDIS_REST_URL", "REDIS_REST_TOKEN"), ("UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"))


def check_components(env: dict[str, str], ca_file: Path | None, *, rest: bool = False) -> dict[str, dict[str, Any]]:
    """Check every component whose env var is set (non-empty) in ``env``. With ``rest`` (a serverless app,
    which talks to Redis over HTTP), the redis component is a PING over the Upstash REST API when the env
    has a REST URL and token."""
    checks = {"redis": lambda url: check_redis(url, ca_file), "database": check_database}
    found = {component: checks[component](env[key]) for key, component in COMPONENTS.items() if env.get(key)}
    credentials = rest_credentials(env) if rest else None
    if credentials is not None:
        found = {"redis": check_rest(*credentials), **{k: v for k, v in found.items() if k != "redis"}}
    return found


def rest_credentials(env: dict[str, str]) -> tuple[str, str] | None:
    """(REST URL, token) the app was given, or None."""
    for url_key, token_key in REST_PAIRS:
        if env.get(url_key) and env.get(token_key):
            return env[url_key], env[token_key]
    return None


class RestError(Exception):
    """An ``{"error": ...}`` answer of the Upstash REST API."""


def rest_command(url: str, token: str, *args: str | int) -> Any:
    """One command over the Upstash REST API (a JSON array POSTed to the URL); its ``result``."""
    request = urllib.request.Request(url.rstrip("/") + "/", data=json.dumps([str(a) for a in args]).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {token}",
                                                             "Content-Type": "application/json",
                                                             APP_TRAFFIC_HEADER: "1"})
    try:
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT) as answer:
            body = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        raise RestError(f"HTTP {exc.code}: {body.get('error', exc.reason) if isinstance(body, dict) else exc.reason}") \
            from None
    if not isinstance(body, dict) or "result" not in body:
        raise RestError(f"unexpected answer {body!r}")
    return body["result"]


def check_rest(url: str, token: str) -> dict[str, Any]:
    def ping() -> None:
        reply = rest_command(url, token, "PING")
        if reply != "PONG":
            raise RestError(f"PING answered {reply!r}")

    result = _timed(ping, url)
    if "error" in result:
        result["error"] = result["error"].replace(token, "<redacted>")
    return result


def redis_connection(url: str, ca_file: Path | None) -> contextlib.AbstractContextManager[Callable[..., Any]]:
    """An open, authenticated connection to the Redis at ``url`` (``redis://`` or ``rediss://`` trusting
    ``ca_file``): a context manager yielding ``run(*args)``."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"unsupported scheme {parts.scheme or '(none)'}: want redis:// or rediss://")
    context = None
    if parts.scheme == "rediss":
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file and ca_file.is_file() else None)
    password = unquote(parts.password) if parts.password else None
    return resp_connection(parts.port or 6379, password, host=parts.hostname or "localhost",
                           ssl_context=context, timeout=CHECK_TIMEOUT)


def redis_command(url: str, ca_file: Path | None, *args: str | int) -> Any:
    """Run one command on the Redis at ``url`` (``redis://`` or ``rediss://`` trusting ``ca_file``)."""
    with redis_connection(url, ca_file) as run:
        return run(*args)


def check_redis(url: str, ca_file: Path | None) -> dict[str, Any]:
    def ping() -> None:
        reply = redis_command(url, ca_file, "PING")
        if reply != "PONG":
            raise RespError(f"PING answered {reply!r}")

    return _timed(ping, url)


def check_database(url: str) -> dict[str, Any]:
    def select_one() -> None:
        if psycopg2 is None:
            raise RuntimeError("psycopg2 is not installed in the sandbox's Python")
        connection = psycopg2.connect(url, connect_timeout=max(1, int(CHECK_TIMEOUT)))
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            connection.close()

    return _timed(select_one, url)


def _timed(action: Callable[[], None], url: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        action()
    except Exception as exc:  # any failure is the component's error, reported without secrets
        return {"status": "error", "error": scrub(f"{type(exc).__name__}: {exc}".strip(), url)}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def scrub(message: str, url: str) -> str:
    """``message`` without ``url`` and without the password inside it (raw or percent-decoded)."""
    secrets = [url]
    password = urlsplit(url).password
    if password:
        secrets += [password, unquote(password)]
    for secret in sorted(set(secrets), key=len, reverse=True):
        message = message.replace(secret, "<redacted>")
    return " ".join(message.split())
