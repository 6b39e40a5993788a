"""Small helpers shared by every vendor module."""
from __future__ import annotations

import os
import secrets
import string
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_ALNUM = string.ascii_lowercase + string.digits


def random_alnum(length: int) -> str:
    """Lowercase letters and digits, as in Render ids (``srv-`` + 20 chars)."""
    return "".join(secrets.choice(_ALNUM) for _index in range(length))


def prefixed_id(prefix: str, length: int = 20) -> str:
    return f"{prefix}-{random_alnum(length)}"


def new_uuid() -> str:
    return str(uuid.uuid4())


def random_secret(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def iso_at(timestamp: float) -> str:
    """A Unix timestamp as the ISO 8601 UTC text the vendors use (``2024-01-02T03:04:05.000000Z``)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_now() -> str:
    return iso_at(time.time())


def parse_time(text: str) -> float:
    """An ISO 8601 date-time or a Unix epoch number as a Unix timestamp; ValueError otherwise."""
    try:
        return float(text)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def random_hex(length: int) -> str:
    """Lowercase hex digits, as in git SHAs."""
    return secrets.token_hex((length + 1) // 2)[:length]


def unix_now() -> int:
    return int(time.time())


def slugify(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name.lower())
    return "-".join(part for part in cleaned.split("-") if part) or "service"


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


def non_negative(name: str) -> Callable[[Any], float]:
    """A settings parser: a number >= 0 (ValueError otherwise)."""

    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{name} must be a number >= 0")
        return float(value)

    return parse


def boolean(name: str) -> Callable[[Any], bool]:
    def parse(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value

    return parse


def apply_settings(target: object, body: Any, parsers: dict[str, Callable[[Any], Any]]) -> None:
    """Set the attributes of ``target`` named in the JSON object ``body``, each through its parser.

    Used by the control API; a ValueError there becomes a 400."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(body) - set(parsers))
    if unknown:
        raise ValueError(f"unknown settings: {unknown}; known: {sorted(parsers)}")
    parsed = {key: parsers[key](value) for key, value in body.items()}
    for key, value in parsed.items():
        setattr(target, key, value)


class RateWindow:
    """Fixed-window request counter behind a vendor's rate-limit headers (reported, not enforced).

    ``hit`` counts one request and answers (remaining, seconds until the window resets)."""

    def __init__(self, limit: int, window: int) -> None:
        self.limit, self.window = limit, window
        self.started, self.count = time.monotonic(), 0

    def hit(self) -> tuple[int, int]:
        now = time.monotonic()
        if now - self.started >= self.window:
            self.started, self.count = now, 0
        self.count += 1
        reset = max(1, int(self.window - (now - self.started)))
        return max(0, self.limit - self.count), reset
