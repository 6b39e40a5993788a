"""What the stand-in apps measure for ``GET /metrics`` (sandbox/apps.py), all from real work:

- ``http_request_duration_seconds`` (histogram; route, method, status): the handling time of every request
  the app served;
- with a metrics prefix (seed ``{"apps": {"metrics": {"<app>": {"prefix": "synckairos"}}}}``), the
  SyncKairos names: ``<prefix>_http_requests_total{status_code,route,method}``,
  ``<prefix>_http_request_duration_ms`` (histogram, ms buckets), ``<prefix>_switch_cycle_duration_ms``
  (histogram of the Redis round-trip a session switch makes), ``<prefix>_websocket_connections`` and
  ``<prefix>_db_write_queue_size`` (gauges: the stand-in serves no WebSocket and writes synchronously, so
  both are truly 0), ``<prefix>_db_writes_failed_total`` (switch writes Redis refused);
- the job-queue view of any app with a ``REDIS_URL``: ``app_jobs_pending`` (``LLEN queue:default``),
  ``app_jobs_failed_total`` (Sidekiq's ``stat:failed`` counter), ``app_redis_memory_used_bytes`` and
  ``app_redis_maxmemory_bytes`` (``INFO memory``); absent keys count 0, an unreachable Redis leaves them out.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .app_checks import redis_command
from .errors import BadRequest

SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MS_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
QUEUE_KEY = "queue:default"
FAILED_KEY = "stat:failed"
PREFIX = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def labels_text(labels: tuple[tuple[str, str], ...], extra: str = "") -> str:
    parts = [f'{name}="{label(value)}"' for name, value in labels] + ([extra] if extra else [])
    return "{" + ",".join(parts) + "}" if parts else ""


@dataclass
class Histogram:
    """A Prometheus histogram per label set."""

    name: str
    help: str
    buckets: tuple[float, ...]
    series: dict[tuple[tuple[str, str], ...], list[float]] = field(default_factory=dict)

    def observe(self, labels: tuple[tuple[str, str], ...], value: float) -> None:
        counts = self.series.setdefault(labels, [0.0] * (len(self.buckets) + 2))  # buckets, +Inf, sum
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                counts[index] += 1
        counts[-2] += 1
        counts[-1] += value

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for labels, counts in sorted(self.series.items()):
            bounds = [f"{bound:g}" for bound in self.buckets] + ["+Inf"]
            for bound, count in zip(bounds, counts):
                le = 'le="' + bound + '"'
                out.append(f"{self.name}_bucket{labels_text(labels, le)} {count:g}")
            out.append(f"{self.name}_sum{labels_text(labels)} {counts[-1]:.6f}")
            out.append(f"{self.name}_count{labels_text(labels)} {counts[-2]:g}")
        return out


class AppMetrics:
    """One app's measurements (thread-safe: requests are measured outside the state lock)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.lock = threading.Lock()
        self.duration = Histogram("http_request_duration_seconds",
                                  "Time the app took to answer, by route, method and status.", SECONDS_BUCKETS)
        self.duration_ms = Histogram(f"{prefix}_http_request_duration_ms", "Request handling time in ms.", MS_BUCKETS)
        self.switch_ms = Histogram(f"{prefix}_switch_cycle_duration_ms",
                                   "Time of a session switch's Redis round-trip in ms.", MS_BUCKETS)
        # A histogram without labels is exposed at 0 from the start, as Prometheus client libraries do:
        # its first observation is then an increase rate() sees.
        self.switch_ms.series[()] = [0.0] * (len(MS_BUCKETS) + 2)
        self.requests: dict[tuple[tuple[str, str], ...], int] = {}
        self.writes_failed = 0

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self.lock:
            self.duration.observe((("route", route), ("method", method), ("status", str(status))), seconds)
            if self.prefix:
                key = (("status_code", str(status)), ("route", route), ("method", method))
                self.requests[key] = self.requests.get(key, 0) + 1
                self.duration_ms.observe((("route", route), ("method", method), ("status_code", str(status))),
                                         seconds * 1000)

    def switched(self, milliseconds: float | None) -> None:
        with self.lock:
            if milliseconds is None:
                self.writes_failed += 1
            else:
                self.switch_ms.observe((), milliseconds)

    def lines(self) -> list[str]:
        with self.lock:
            out = self.duration.lines()
            if not self.prefix:
                return out
            name = f"{self.prefix}_http_requests_total"
            out += [f"# HELP {name} Requests served, by status code, route and method.", f"# TYPE {name} counter"]
            out += [f"{name}{labels_text(key)} {count}" for key, count in sorted(self.requests.items())]
            out += self.duration_ms.lines() + self.switch_ms.lines()
            for suffix, kind, help_text, value in (
                    ("websocket_connections", "gauge", "Open WebSocket connections.", 0),
                    ("db_write_queue_size", "gauge", "Writes waiting to reach the database.", 0),
                    ("db_writes_failed_total", "counter", "Session writes that failed.", self.writes_failed)):
                out += [f"# HELP {self.prefix}_{suffix} {help_text}", f"# TYPE {self.prefix}_{suffix} {kind}",
                        f"{self.prefix}_{suffix} {value}"]
            return out


def metrics_seed(data: Any) -> dict[str, str]:
    """``{"<app>": {"prefix": "synckairos"}}`` as app -> prefix."""
    if not isinstance(data, dict) or not all(
            isinstance(item, dict) and set(item) == {"prefix"} and isinstance(item["prefix"], str)
            and PREFIX.match(item["prefix"]) for item in data.values()):
        raise BadRequest('metrics maps an app to {"prefix": "<metric name prefix>"}')
    return {name: item["prefix"] for name, item in data.items()}


QUEUE_FAMILIES = (
    ("app_jobs_pending", "gauge", f"Jobs waiting in {QUEUE_KEY}."),
    ("app_jobs_failed_total", "counter", "Jobs that failed (Sidekiq's stat:failed)."),
    ("app_redis_memory_used_bytes", "gauge", "Memory the app's Redis uses."),
    ("app_redis_maxmemory_bytes", "gauge", "The maxmemory of the app's Redis (0: no limit)."),
)


def queue_lines(redis_url: str | None, ca_file: Path | None) -> list[str]:
    """The job-queue and memory gauges read from the app's Redis. The families are always declared (as an
    app's metrics library declares them at start); without a Redis, or when it cannot be reached, they have
    no sample."""
    values: list[int | None] = [None] * len(QUEUE_FAMILIES)
    if redis_url:
        try:
            pending = int(redis_command(redis_url, ca_file, "LLEN", QUEUE_KEY) or 0)
            failed = int(redis_command(redis_url, ca_file, "GET", FAILED_KEY) or 0)
            info = redis_command(redis_url, ca_file, "INFO", "memory")
            text = info.decode() if isinstance(info, bytes) else str(info)
            memory = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
            values = [pending, failed, int(memory.get("used_memory", 0)), int(memory.get("maxmemory", 0))]
        except Exception:  # noqa: BLE001 - an unreachable Redis shows as app_redis_up 0, reported elsewhere
            pass
    lines: list[str] = []
    for (name, kind, help_text), value in zip(QUEUE_FAMILIES, values):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"] + ([f"{name} {value}"] if value is not None else [])
    return lines
