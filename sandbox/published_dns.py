"""The sandbox's pretend DNS: the names whose records the control API marks as published (the person
running a rollout created them at their DNS provider). Render custom domains and Fly certificates
are verified against it."""
from __future__ import annotations

import re
from typing import Any

from .errors import BadRequest

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def normalized_domain(name: str) -> str:
    domain = name.strip().lower().rstrip(".")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise BadRequest(f"{name!r} is not a valid domain name")
    return domain


def dns_records(value: Any) -> dict[str, bool]:
    if not isinstance(value, dict) or not all(isinstance(flag, bool) for flag in value.values()):
        raise ValueError("records must map a domain name to true (present) or false (absent)")
    return {normalized_domain(name): flag for name, flag in value.items()}


class PublishedDns:
    """Steered by ``{"records": {"<domain>": true|false}}`` (merged: true publishes, false removes)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def update(self, body: Any) -> None:
        if not isinstance(body, dict) or set(body) != {"records"}:
            raise ValueError('the body must be {"records": {"<domain>": true|false}}')
        for name, present in dns_records(body["records"]).items():
            if present:
                self.names.add(name)
            else:
                self.names.discard(name)

    def describe(self) -> dict[str, Any]:
        return {"present": sorted(self.names)}
