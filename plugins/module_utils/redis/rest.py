# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the REST part of redis_check (the Upstash REST API an app such as a
serverless rate limiter calls instead of the Redis protocol).

Not a public API; it may change between any two releases.

Requests as Upstash documents them (redis/features/restapi): ``Authorization: Bearer <token>``, one
command as a JSON array POSTed to the base URL (``["SET", "k", "v", "EX", "30"]``), several as an array
of arrays POSTed to ``/pipeline``; answers ``{"result": ...}`` or ``{"error": "..."}``. Sent through the
collection's HTTP core (core/transport.py). The checks are what a rate limiter does: PING, SET with EX
and GET, INCR with EXPIRE, and an EVAL of a small sliding-window script; and, given a read-only token,
that it refuses a write. Every key is under ``launchkit:check:`` with a TTL, and deleted at the end.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    ApiError, HttpClient, RetryPolicy, Vendor, WriteOutcomeUnknown, checked_base_url)

NAMESPACE = "launchkit:check"
#: how many calls the sliding window admits in the check (the script is run one more time than this)
WINDOW_LIMIT = 2
# A sliding window as a rate limiter keeps it: a sorted set of hit times, the old ones dropped, a hit
# admitted while fewer than ARGV[3] fall into the last ARGV[2] milliseconds. Answers {admitted, remaining}.
SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1}
end
return {0, 0}
""".strip()


def _parse_error(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict) and body.get("error"):
        return None, str(body["error"])
    return None, str(body or "")[:500]


VENDOR = Vendor(name="Upstash REST", parse_error=_parse_error,
                auth_hint="Check the REST token (redis_rest_token): it must be the database's own REST token.")


def check_rest_params(params: dict) -> None:
    """Refuse, before any call, a REST URL that is no http(s) URL, or a URL without its token."""
    if not params.get("rest_url"):
        if params.get("rest_token") or params.get("rest_readonly_token"):
            raise ValueError("rest_token and rest_readonly_token need rest_url (https://<endpoint> of the database)")
        return
    try:
        checked_base_url(params["rest_url"], VENDOR.name)
    except ValueError:  # its message quotes the URL, which is a secret here
        raise ValueError("rest_url is not an http(s) URL with a host and no credentials in it: "
                         "write it whole, https://<endpoint> of the database") from None
    if not params.get("rest_token"):
        raise ValueError("rest_url needs rest_token (the database's REST token, from the vault)")


def client(params: dict, secrets: Secrets, session: Any = None, retry: RetryPolicy | None = None) -> HttpClient:
    secrets.add(params["rest_token"], params.get("rest_readonly_token"))
    return HttpClient(params["rest_url"], VENDOR, headers={"Authorization": f"Bearer {params['rest_token']}"},
                      timeout=params["timeout"], secrets=secrets, session=session,
                      validate_certs=params.get("validate_certs", True),
                      **({"retry": retry} if retry is not None else {}))


def _command(http: HttpClient, command: list, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    answer = http.request("POST", "", json_body=command, ok=(200,), repeatable=_repeatable(command), headers=headers)
    return (answer.body or {}).get("result") if isinstance(answer.body, dict) else answer.body


def _pipeline(http: HttpClient, commands: list[list]) -> list:
    answer = http.request("POST", "/pipeline", json_body=commands, ok=(200,),
                          repeatable=all(_repeatable(command) for command in commands))
    results = answer.body if isinstance(answer.body, list) else []
    errors = [item["error"] for item in results if isinstance(item, dict) and item.get("error")]
    if errors or len(results) != len(commands):
        raise ResourceError(f"Upstash REST pipeline failed: {'; '.join(errors) or 'unexpected answer'}")
    return [item.get("result") for item in results]


def _repeatable(command: list) -> bool:
    """A command that leaves the same state however often it is sent: reads, SET of one value, EXPIRE, DEL."""
    return str(command[0]).upper() in ("PING", "GET", "TTL", "PTTL", "EXISTS", "SET", "EXPIRE", "PEXPIRE", "DEL")


def _on_fresh_keys(http: HttpClient, keys: list[str], index: int, step: Callable[[str], Any]) -> Any:
    """Run a step whose writes cannot be repeated on one key (INCR, the window's EVAL). When a call got no
    answer (it may or may not have been applied), the step runs again on a new key, as a retry with
    backoff; the key that may hold a half-counted state is deleted at the end with the others (and has a TTL)."""
    attempt = 0
    while True:
        try:
            return step(keys[index])
        except WriteOutcomeUnknown:
            attempt += 1
            if attempt >= http.retry.attempts:
                raise
            http.retry.sleep(http.retry.backoff(attempt - 1))
            keys.append(keys[index])
            keys[index] = f"{keys[index].rsplit('#', 1)[0]}#{attempt}"


def _timed(latencies: dict, name: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = action()
    latencies[name] = round((time.perf_counter() - start) * 1000, 3)
    return value


def run_rest_checks(params: dict, check_mode: bool, secrets: Secrets, session: Any = None,
                    retry: RetryPolicy | None = None) -> dict:
    """The REST report (``redis.rest``); a ResourceError naming what failed, never the URL or a token."""
    http = client(params, secrets, session, retry)
    latencies: dict[str, float] = {}
    report: dict[str, Any] = {"latency_ms": latencies, "skipped": []}
    prefix = f"{NAMESPACE}:{uuid.uuid4().hex}"
    keys = [f"{prefix}:value", f"{prefix}:counter", f"{prefix}:window", f"{prefix}:readonly"]
    try:
        report["ping"] = _timed(latencies, "ping", lambda: _command(http, ["PING"])) == "PONG"
        if check_mode:
            report["skipped"] = ["set_get", "incr_expire", "sliding_window", "readonly"]
        else:
            _probe_writes(http, params, report, latencies, keys)
    except ApiError as exc:
        raise ResourceError(secrets.redact(f"Redis REST check failed: {exc.describe()}"), redis_rest=report) from None
    finally:
        if not check_mode:
            _cleanup(http, keys)
    failures = [name for name in ("ping", "set_get", "ttl_ok", "incr_expire", "sliding_window", "readonly_refuses_write")
                if report.get(name) is False]
    if failures:
        raise ResourceError(f"Redis REST check failed: {', '.join(failures)}", redis_rest=report)
    return report


def _probe_writes(http: HttpClient, params: dict, report: dict, latencies: dict, keys: list[str]) -> None:
    value_key, readonly_key = keys[0], keys[3]
    token, ttl = uuid.uuid4().hex, params["ttl"]
    _timed(latencies, "set", lambda: _command(http, ["SET", value_key, token, "EX", str(ttl)]))
    report["set_get"] = _timed(latencies, "get", lambda: _command(http, ["GET", value_key])) == token
    report["ttl"] = _command(http, ["TTL", value_key])
    report["ttl_ok"] = isinstance(report["ttl"], int) and 0 < report["ttl"] <= ttl
    counted = _timed(latencies, "incr_expire", lambda: _on_fresh_keys(http, keys, 1, lambda key: _pipeline(
        http, [["INCR", key], ["INCR", key], ["EXPIRE", key, str(ttl)]])))
    report["incr_expire"] = counted == [1, 2, 1]
    now_ms = str(int(time.time() * 1000))
    window_ms = str(ttl * 1000)

    def runs(key: str) -> list[list]:
        return [["EVAL", SLIDING_WINDOW, "1", key, now_ms, window_ms, str(WINDOW_LIMIT), f"hit-{index}"]
                for index in range(WINDOW_LIMIT + 1)]
    answers = _timed(latencies, "sliding_window",
                     lambda: _on_fresh_keys(http, keys, 2, lambda key: _pipeline(http, runs(key))))
    admitted = [bool(answer and answer[0] == 1) for answer in answers]
    report["rate_limit"] = {"limit": WINDOW_LIMIT, "calls": WINDOW_LIMIT + 1, "admitted": admitted.count(True),
                            "refused": admitted.count(False)}
    report["sliding_window"] = admitted == [True] * WINDOW_LIMIT + [False]
    if params.get("rest_readonly_token"):
        report["readonly_refuses_write"], report["readonly_error"] = _readonly_refuses(
            http, params["rest_readonly_token"], readonly_key, latencies)


def _readonly_refuses(http: HttpClient, token: str, key: str, latencies: dict) -> tuple[bool, str | None]:
    """(True, the refusal) when the read-only token may read (PING) but not write (SET)."""
    _command(http, ["PING"], token)
    try:
        _timed(latencies, "readonly_write", lambda: _command(http, ["SET", key, "x", "EX", "30"], token))
    except ApiError as exc:
        if exc.status in (400, 401, 403):
            return True, exc.message.split(" ", 1)[0]  # NOPERM, Redis's own word; never the token
        raise
    return False, None


def _cleanup(http: HttpClient, keys: list[str]) -> None:
    try:
        _command(http, ["DEL", *keys])
    except (ApiError, ResourceError):
        pass  # every key carries a TTL, so it expires on its own
