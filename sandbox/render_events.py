"""Render service events (``GET /services/{id}/events``): an append-only log with filters."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from .common import iso_at, parse_time, prefixed_id
from .errors import BadRequest

DEFAULT_WINDOW = 3600.0  # the spec: startTime "Defaults to now() - 1 hour"


def event_type_for(alternative: dict[str, Any]) -> str | None:
    """The event ``type`` a ``details`` oneOf alternative belongs to, from its title
    (``Cron Job Run Ended`` -> ``cron_job_run_ended``)."""
    title = alternative.get("title")
    return title.lower().replace(" ", "_") if isinstance(title, str) else None


@dataclass
class Event:
    seq: int
    id: str
    timestamp: float
    service_id: str
    type: str
    details: dict[str, Any]

    def document(self) -> dict[str, Any]:
        return {"id": self.id, "timestamp": iso_at(self.timestamp), "serviceId": self.service_id,
                "type": self.type, "details": self.details}


class EventLog:
    """Events in the order they happened. Lazily computed transitions are emitted (by the caller)
    in timestamp order before any request is answered, so sequence order is time order."""

    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self.events: list[Event] = []

    def emit(self, service_id: str, event_type: str, details: dict[str, Any], when: float | None = None) -> Event:
        event = Event(next(self._seq), prefixed_id("evt"), time.time() if when is None else when,
                      service_id, event_type, details)
        self.events.append(event)
        return event

    def forget(self, service_id: str) -> None:
        self.events = [event for event in self.events if event.service_id != service_id]

    def rows(self, service_id: str, types: list[str], start: str | None, end: str | None) -> list[tuple[int, Any]]:
        now = time.time()
        since = _time_arg("startTime", start, now - DEFAULT_WINDOW)
        until = _time_arg("endTime", end, now)
        return [(event.seq, event.document()) for event in self.events
                if event.service_id == service_id and (not types or event.type in types)
                and since <= event.timestamp <= until]

    def dump(self) -> list[dict[str, Any]]:
        return [event.document() for event in self.events]


def _time_arg(name: str, raw: str | None, default: float) -> float:
    if not raw:
        return default
    try:
        return parse_time(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an ISO 8601 date-time or a Unix timestamp") from exc
