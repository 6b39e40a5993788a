"""The request log: one entry per vendor request, for tests to count reads, writes and faults."""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class LogEntry:
    seq: int
    time: float
    vendor: str
    method: str
    path: str
    query: str
    status: int | None = None
    write: bool = False
    fault: str | None = None
    response_invalid: str | None = None


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []
        self._seq = 0

    def start(self, vendor: str, method: str, path: str, query: str, fault: str | None, *,
              keep: bool = True) -> LogEntry:
        """A new entry, in the log unless ``keep`` is False (then only the caller sees it)."""
        with self._lock:
            if not keep:
                return LogEntry(0, time.time(), vendor, method, path, query, fault=fault)
            self._seq += 1
            entry = LogEntry(self._seq, time.time(), vendor, method, path, query,
                             write=method.upper() in WRITE_METHODS, fault=fault)
            self._entries.append(entry)
            return entry

    def clear(self) -> None:
        with self._lock:
            self._entries = []

    def select(self, vendor: str | None = None, since: int = 0) -> list[LogEntry]:
        with self._lock:
            return [entry for entry in self._entries
                    if entry.seq > since and (vendor is None or entry.vendor == vendor)]

    def entries(self, vendor: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self.select(vendor, since)]

    def summary(self, vendor: str | None = None, since: int = 0) -> dict[str, int]:
        chosen = self.select(vendor, since)
        return {
            "reads": sum(1 for entry in chosen if not entry.write),
            "writes": sum(1 for entry in chosen if entry.write),
            "faults": sum(1 for entry in chosen if entry.fault),
            "response_invalid": sum(1 for entry in chosen if entry.response_invalid),
        }
