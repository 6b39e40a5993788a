"""Small helpers shared by every vendor module."""
from __future__ import annotations

import secrets
import string
import time
import uuid
from datetime import UTC, datetime

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


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unix_now() -> int:
    return int(time.time())


def slugify(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name.lower())
    return "-".join(part for part in cleaned.split("-") if part) or "service"
