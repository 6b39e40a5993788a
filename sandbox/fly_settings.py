"""How the sandbox's Fly.io behaves (``/_sandbox/fly/settings``) and Fly's documented rate limits.

Rate limits [vendor-doc]: per action, per Machine (or App), 1 request/s with bursts to 3; Get
Machine 5/s with bursts to 10; app deletions 100/min. A refused request is a 429 with Fly's error
body and no ``Retry-After``: whether Fly sends one is UNCONFIRMED, so a client must not rely on it.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from .common import apply_settings, boolean, env_float, non_negative
from .errors import ApiError
from .routing import Request

FAILURES = ("start", "checks")  # what a machine named in ``fail`` does wrong
DEFAULT_RATE = (1.0, 3.0)  # requests per second, burst
RATES: dict[tuple[str, str], tuple[float, float]] = {
    ("GET", "/apps/{app_name}/machines/{machine_id}"): (5.0, 10.0),
    ("DELETE", "/apps/{app_name}"): (100 / 60, 100.0),
}
GLOBAL_ACTIONS = frozenset({("DELETE", "/apps/{app_name}")})  # limited per token, not per app


def rate_limit_default() -> bool:
    return os.environ.get("SANDBOX_FLY_RATELIMIT", "on").lower() not in ("0", "off", "false", "no")


def failure_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or any(kind not in FAILURES for kind in value.values()):
        raise ValueError(f"fail must map a machine id or name to one of {list(FAILURES)}")
    return dict(value)


def regions(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("insufficient_capacity must be a list of region codes")
    return list(value)


def status_code(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError("capacity_status must be an HTTP error status (400-599)")
    return value


@dataclass
class FlySettings:
    """Steered through ``POST /_sandbox/fly/settings``; reset restores these defaults."""

    rate_limit: bool = field(default_factory=rate_limit_default)
    start_seconds: float = field(default_factory=lambda: env_float("SANDBOX_FLY_START_SECONDS", 0.5))
    show_secrets: bool = False  # whether the sandbox's token may read secret values
    fail: dict[str, str] = field(default_factory=dict)
    insufficient_capacity: list[str] = field(default_factory=list)
    capacity_status: int = 412

    def update(self, body: Any) -> None:
        apply_settings(self, body, {
            "rate_limit": boolean("rate_limit"), "start_seconds": non_negative("start_seconds"),
            "show_secrets": boolean("show_secrets"), "fail": failure_map,
            "insufficient_capacity": regions, "capacity_status": status_code})

    def describe(self) -> dict[str, Any]:
        return {"rate_limit": self.rate_limit, "start_seconds": self.start_seconds,
                "show_secrets": self.show_secrets, "fail": dict(self.fail),
                "insufficient_capacity": list(self.insufficient_capacity), "capacity_status": self.capacity_status}

    def failure(self, machine_id: str, name: str) -> str | None:
        return self.fail.get(machine_id, self.fail.get(name))

    def check_capacity(self, region: str) -> None:
        if region in self.insufficient_capacity:
            raise CapacityError(self.capacity_status, f"insufficient resources available to fulfill request in {region}")


class CapacityError(ApiError):
    """Fly's ``{"error": ..., "status": "insufficient_capacity"}``."""

    kind = "insufficient_capacity"


class NameTaken(ApiError):
    """Fly's 422 for an app name in use anywhere on Fly.io (``status: name_taken``, fly-go flaps_error.go)."""

    kind = "name_taken"

    def __init__(self, name: str) -> None:
        super().__init__(422, f"Validation failed: Name has already been taken ({name})")


class RateLimiter:
    """Token buckets per (action, machine or app)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}

    def check(self, request: Request) -> None:
        action = (request.method, request.template)
        rate, burst = RATES.get(action, DEFAULT_RATE)
        subject = "" if action in GLOBAL_ACTIONS else (request.params.get("machine_id")
                                                       or request.params.get("app_name") or "")
        key = (*action, subject)
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            raise ApiError(429, f"rate limit exceeded for {request.method} {request.template}")
        self._buckets[key] = (tokens - 1, now)
