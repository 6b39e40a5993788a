# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of redis_check (does a Redis URL work for the app's use?).

Not a public API; it may change between any two releases.

PING, SET/GET and TTL on a key of its own (skipped in check mode), a publish/subscribe round trip,
and whether maxmemory-policy suits the declared use, each step timed.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable
from urllib.parse import urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.libraries import optional_import
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import is_unknown, unknown_target
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets, url_password
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll
from ansible_collections.launchkit.paas.plugins.module_utils.redis.rest import check_rest_params, run_rest_checks

redis, REDIS_IMPORT_ERROR = optional_import("redis")

# What each use needs from maxmemory-policy, and why (said in the failure message).
POLICY_FIT = {
    "queue": ({"noeviction"},
              "a job queue needs noeviction: an evicting Redis silently drops queued jobs when memory fills"),
    "cache": ({"allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-random"},
              "a cache wants an evicting policy (LRU or LFU best) so that old entries make room for new ones"),
}
# Evicting, but not the best choice for a cache: accepted with a warning.
SECOND_BEST = {"allkeys-random": "random eviction (the only kind Upstash offers) keeps a cache working, "
                                 "but LRU or LFU keeps hot keys better"}
NAMESPACE = "launchkit:check"
#: seconds one read of the subscription may block while the round trip is awaited
LISTEN_STEP = 0.1

ARGUMENT_SPEC = {
    "url": {"type": "str", "required": True, "no_log": True},
    "use": {"type": "str", "choices": ["queue", "cache", "any"], "default": "any"},
    "maxmemory_policy": {"type": "str"},
    "pubsub": {"type": "bool", "default": True},
    "ttl": {"type": "int", "default": 30},
    "timeout": {"type": "float", "default": 5.0},
    "ca_path": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "rest_url": {"type": "str", "no_log": True},
    "rest_token": {"type": "str", "no_log": True},
    "rest_readonly_token": {"type": "str", "no_log": True},
}


def check_url(params: dict) -> None:
    """Refuse, before any connection, a url that is no Redis URL, or a REST URL without its token (the
    run's preflight calls this too).

    The message never quotes the URL: it carries the password.
    """
    if not is_unknown(params.get("rest_url") or ""):
        check_rest_params(params)
    url = params["url"]
    if is_unknown(url):
        return
    parts = urlsplit(url)
    if "://" not in url or parts.scheme not in ("redis", "rediss"):
        given = f"a {parts.scheme}:// URL" if "://" in url and parts.scheme else "a text without redis://"
        raise ValueError(f"url must start with redis:// or rediss:// (e.g. rediss://default:PASSWORD@host:6379), "
                         f"not {given}")
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    if port is not None and not 0 < port < 65536:
        raise ValueError("url has a port that is not a number from 1 to 65535")
    if not parts.hostname:
        raise ValueError("url has no host (e.g. rediss://default:PASSWORD@host:6379)")
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        raise ValueError("url may end only with a database number (e.g. /0) after the host and port")


def policy_fits(use: str, policy: str | None) -> tuple[bool | None, str]:
    """Whether `policy` suits `use`; None when it cannot be told (policy unknown)."""
    if use == "any":
        return True, "no policy requirement"
    allowed, why = POLICY_FIT[use]
    if policy is None:
        return None, f"maxmemory-policy could not be read; {why}"
    if policy in allowed:
        return True, SECOND_BEST.get(policy) or f"{policy} suits a {use}"
    return False, f"maxmemory-policy is {policy}, but {why} (wanted: {', '.join(sorted(allowed))})"


def _timed(latencies: dict, name: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = action()
    latencies[name] = round((time.perf_counter() - start) * 1000, 3)
    return value


def connect(params: dict) -> Any:
    options: dict[str, Any] = {"socket_timeout": params["timeout"], "socket_connect_timeout": params["timeout"],
                               "decode_responses": True}
    if params["url"].startswith("rediss://"):
        options["ssl_cert_reqs"] = "required" if params["validate_certs"] else "none"
        if params.get("ca_path"):
            options["ssl_ca_certs"] = params["ca_path"]
    return redis.Redis.from_url(params["url"], **options)


def read_policy(client: Any, declared: str | None) -> tuple[str | None, str]:
    try:
        value = client.config_get("maxmemory-policy").get("maxmemory-policy")
        if value:
            return value, "server"
    except redis.exceptions.ResponseError:
        pass  # managed Redis often disables CONFIG; fall back to what the caller declared
    return (declared.replace("_", "-"), "declared") if declared else (None, "unknown")


def check_pubsub(client: Any, channel: str, timeout: float, clock: Clock | None = None) -> bool:
    """Whether a message published on `channel` reaches a subscriber within `timeout` seconds."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(channel)
        pubsub.get_message(timeout=timeout)  # the subscribe confirmation
        client.publish(channel, "ping")
        # Each read blocks until a message comes (or LISTEN_STEP passes), so poll need not sleep.
        heard = poll(lambda: pubsub.get_message(timeout=min(LISTEN_STEP, timeout)), _is_ping, timeout, clock,
                     interval=0)
        return heard.done
    finally:
        pubsub.close()


def _is_ping(message: dict | None) -> bool:
    return bool(message) and message.get("data") == "ping"


def run_checks(params: dict, check_mode: bool, secrets: Secrets, clock: Clock | None = None) -> dict:
    skipped = unknown_target("the Redis", params["url"], check_mode)
    if skipped is not None:
        return skipped
    secrets.add(url_password(params["url"]))
    client = connect(params)
    token = uuid.uuid4().hex
    key = f"{NAMESPACE}:{token}"
    try:
        report = _probe(client, params, check_mode, key, token, clock)
    except redis.exceptions.RedisError as exc:
        raise ResourceError(secrets.redact(f"Redis check of {_where(params['url'])} failed: "
                                           f"{type(exc).__name__}: {exc}")) from None
    finally:
        if not check_mode:
            _cleanup(client, key)
        client.close()
    result = _judge(report, params)
    if params.get("rest_url"):
        # The same database over the Upstash REST API (what a serverless app calls); skipped, with a note,
        # while its URL is not known yet (check mode, a database about to be created).
        if is_unknown(params["rest_url"]):
            report["rest"] = {"skipped": ["rest"], "note": "the REST URL is known after apply"}
        else:
            report["rest"] = run_rest_checks(params, check_mode, secrets)
    return result


def _probe(client: Any, params: dict, check_mode: bool, key: str, token: str, clock: Clock | None) -> dict:
    """Every step against the server, timed: the report before judgement."""
    latencies: dict[str, float] = {}
    report: dict[str, Any] = {"latency_ms": latencies, "skipped": []}
    report["ping"] = bool(_timed(latencies, "ping", client.ping))
    report["server_version"] = client.info("server").get("redis_version")
    if check_mode:
        report["skipped"] = ["set_get", "ttl"]
    else:
        _timed(latencies, "set", lambda: client.set(key, token, ex=params["ttl"]))
        report["set_get"] = _timed(latencies, "get", lambda: client.get(key)) == token
        report["ttl"] = client.ttl(key)
        report["ttl_ok"] = 0 < report["ttl"] <= params["ttl"]
    if params["pubsub"]:
        report["pubsub"] = _timed(latencies, "pubsub", lambda: check_pubsub(client, key, params["timeout"], clock))
    report["maxmemory_policy"], report["policy_source"] = read_policy(client, params["maxmemory_policy"])
    return report


def _judge(report: dict[str, Any], params: dict) -> dict:
    """The result, with a warning when the policy is unknown or second best; a ResourceError on a failure."""
    policy = report["maxmemory_policy"]
    fits, reason = policy_fits(params["use"], policy)
    report.update(policy_fits=fits, policy_reason=reason)
    failures = [name for name in ("ping", "set_get", "ttl_ok", "pubsub") if report.get(name) is False]
    if fits is False:
        failures.append("maxmemory_policy")
    result: dict[str, Any] = {"changed": False, "redis": report, "warnings": []}
    if (fits is None and params["use"] != "any") or policy in SECOND_BEST:
        result["warnings"].append(reason)
    if failures:
        raise ResourceError(f"Redis check failed: {', '.join(failures)}"
                            + (f" ({reason})" if fits is False else ""), redis=report)
    return result


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}"


def _cleanup(client: Any, key: str) -> None:
    try:
        client.delete(key)
    except redis.exceptions.RedisError:
        pass  # the key carries a TTL, so it expires on its own
