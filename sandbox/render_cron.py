"""Render cron job runs (``POST/DELETE /cron-jobs/{cronJobId}/runs``), computed lazily from timestamps.

A run is ``pending`` for ``run_seconds``, then ``successful`` (or ``unsuccessful`` when a failure is
injected for its cron job). The spec has no GET for a run: results show as service events and as
``serviceDetails.lastSuccessfulRunAt``.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .common import apply_settings, env_float, iso_at, non_negative, prefixed_id
from .render_deploys import service_setting
from .render_events import EventLog


def run_failure_map(value: Any) -> dict[str, bool]:
    if not isinstance(value, dict) or not all(isinstance(flag, bool) for flag in value.values()):
        raise ValueError("fail must map a cron job name or id to true or false")
    return dict(value)


@dataclass
class CronSettings:
    """Steered through ``POST /_sandbox/render/cron``."""

    run_seconds: float = field(default_factory=lambda: env_float("SANDBOX_CRON_RUN_SECONDS", 0.5))
    fail: dict[str, bool] = field(default_factory=dict)

    def update(self, body: Any) -> None:
        apply_settings(self, body, {"run_seconds": non_negative("run_seconds"), "fail": run_failure_map})

    def describe(self) -> dict[str, Any]:
        return {"run_seconds": self.run_seconds, "fail": dict(self.fail)}


@dataclass
class CronRun:
    id: str
    service: dict[str, Any]  # the stored cron job (shared, so lastSuccessfulRunAt lands on it)
    started: float
    ends: float
    outcome: str
    triggered_by: str
    status: str = "pending"
    finished: float | None = None
    canceled_by: str | None = None
    #: the env the run starts with: the job's live deploy's (a cron job runs its last deploy)
    env: dict[str, str] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "status": self.status, "startedAt": iso_at(self.started),
                               "triggeredBy": self.triggered_by}
        if self.finished is not None:
            doc["finishedAt"] = iso_at(self.finished)
        if self.canceled_by is not None:
            doc["canceledBy"] = self.canceled_by
        return doc

    def ended_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"cronJobRunId": self.id, "status": self.status}
        if self.status == "unsuccessful":
            details["reason"] = {"evicted": False, "nonZeroExit": 1}
        return details


class CronBook:
    """Every cron job run, plus the settings that steer new ones."""

    def __init__(self, events: EventLog) -> None:
        self.events = events
        self.settings = CronSettings()
        self._seq = itertools.count(1)
        self.runs: dict[str, tuple[int, CronRun]] = {}

    def trigger(self, service: dict[str, Any], user: str, env: dict[str, str] | None = None) -> CronRun:
        """Start a run, cancelling any active one first (the spec: "and cancel any active runs")."""
        self.cancel_active(service["id"], user)
        now = time.time()
        outcome = "unsuccessful" if service_setting(self.settings.fail, service) else "successful"
        run = CronRun(prefixed_id("run"), service, now, now + self.settings.run_seconds, outcome, user, env=dict(env or {}))
        self.runs[run.id] = (next(self._seq), run)
        self.events.emit(service["id"], "cron_job_run_started", {"cronJobRunId": run.id}, now)
        return run

    def cancel_active(self, service_id: str, user: str) -> None:
        now = time.time()
        for _seq, run in self.runs.values():
            if run.service["id"] == service_id and run.status == "pending":
                run.status, run.finished, run.canceled_by = "canceled", now, user
                self.events.emit(service_id, "cron_job_run_ended", run.ended_details(), now)

    def due(self, now: float) -> list[tuple[float, Callable[[], None]]]:
        return [(run.ends, partial(self._finish, run)) for _seq, run in self.runs.values()
                if run.status == "pending" and run.ends <= now]

    def forget(self, service_id: str) -> None:
        self.runs = {key: row for key, row in self.runs.items() if row[1].service["id"] != service_id}

    def dump(self) -> list[dict[str, Any]]:
        return [{**run.document(), "cronJobId": run.service["id"], "envKeys": sorted(run.env)}
                for _seq, run in self.runs.values()]

    def _finish(self, run: CronRun) -> None:
        run.status, run.finished = run.outcome, run.ends
        if run.outcome == "successful":
            run.service["serviceDetails"]["lastSuccessfulRunAt"] = iso_at(run.ends)
        self.events.emit(run.service["id"], "cron_job_run_ended", run.ended_details(), run.ends)
