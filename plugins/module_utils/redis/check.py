# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the checks of the redis_check module against a real Redis.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable
from urllib.parse import urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets, url_password
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError

try:
    import redis

    HAS_REDIS = True
    REDIS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_REDIS = False
    REDIS_IMPORT_ERROR = exc

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


def check_pubsub(client: Any, channel: str, timeout: float) -> bool:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(channel)
        pubsub.get_message(timeout=timeout)  # the subscribe confirmation
        client.publish(channel, "ping")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=max(0.01, deadline - time.monotonic()))
            if message and message.get("data") == "ping":
                return True
        return False
    finally:
        pubsub.close()


def run_checks(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    secrets.add(url_password(params["url"]))
    client = connect(params)
    latencies: dict[str, float] = {}
    report: dict[str, Any] = {"latency_ms": latencies, "skipped": []}
    token = uuid.uuid4().hex
    key = f"{NAMESPACE}:{token}"
    try:
        report["ping"] = bool(_timed(latencies, "ping", client.ping))
        info = client.info("server")
        report["server_version"] = info.get("redis_version")
        if check_mode:
            report["skipped"] = ["set_get", "ttl"]
        else:
            _timed(latencies, "set", lambda: client.set(key, token, ex=params["ttl"]))
            report["set_get"] = _timed(latencies, "get", lambda: client.get(key)) == token
            ttl = client.ttl(key)
            report["ttl"] = ttl
            report["ttl_ok"] = 0 < ttl <= params["ttl"]
        if params["pubsub"]:
            report["pubsub"] = _timed(latencies, "pubsub", lambda: check_pubsub(client, key, params["timeout"]))
        policy, source = read_policy(client, params["maxmemory_policy"])
    except redis.exceptions.RedisError as exc:
        raise ResourceError(f"Redis check of {_where(params['url'])} failed: {type(exc).__name__}: {exc}") from None
    finally:
        if not check_mode:
            _cleanup(client, key)
        client.close()
    fits, reason = policy_fits(params["use"], policy)
    report.update(maxmemory_policy=policy, policy_source=source, policy_fits=fits, policy_reason=reason)
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
