"""Render deploys: a status sequence computed lazily from timestamps (no threads).

A deploy walks through its phases, each taking an equal share of ``build_seconds``:
``created`` (``queued`` in 202 mode) -> ``build_in_progress`` -> ``pre_deploy_in_progress`` (only
with a preDeployCommand) -> ``update_in_progress`` -> ``live``, or stops at the end of a phase with
the failure injected for its service. Final transitions (``live`` deactivating the previous live
deploy, the ``deploy_ended`` event) are applied by ``DeployBook.due`` before each request.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .common import apply_settings, boolean, env_float, iso_at, non_negative, prefixed_id, random_hex
from .errors import BadRequest, NotFound
from .render_events import EventLog

PHASE_OF_FAILURE = {
    "build_failed": "build_in_progress",
    "pre_deploy_failed": "pre_deploy_in_progress",
    "update_failed": "update_in_progress",
}
IN_PROGRESS = frozenset({"created", "queued", "build_in_progress", "pre_deploy_in_progress", "update_in_progress"})
# final status -> Deploy Ended ``deployStatus`` and the deprecated integer ``status`` (meaning UNCONFIRMED)
ENDED = {"live": ("succeeded", 2), "canceled": ("canceled", 4)}
FAILED_ENDED = ("failed", 3)


def service_setting(mapping: dict[str, Any], service: dict[str, Any]) -> Any:
    """A per-service control setting, keyed by service id or name."""
    return mapping.get(service["id"], mapping.get(service["name"]))


def failure_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or any(status not in PHASE_OF_FAILURE for status in value.values()):
        raise ValueError(f"fail must map a service name or id to one of {sorted(PHASE_OF_FAILURE)}")
    return dict(value)


@dataclass
class DeploySettings:
    """Steered through ``POST /_sandbox/render/deploys``."""

    build_seconds: float = field(default_factory=lambda: env_float("SANDBOX_BUILD_SECONDS", 1.0))
    fail: dict[str, str] = field(default_factory=dict)
    queue_202: bool = False

    def update(self, body: Any) -> None:
        apply_settings(self, body, {"build_seconds": non_negative("build_seconds"), "fail": failure_map,
                                    "queue_202": boolean("queue_202")})

    def describe(self) -> dict[str, Any]:
        return {"build_seconds": self.build_seconds, "fail": dict(self.fail), "queue_202": self.queue_202}


@dataclass
class DeployOrder:
    """What a deploy is asked to do."""

    trigger: str
    build: bool = True
    clear_cache: bool = False
    commit_id: str | None = None
    image_url: str | None = None
    rollback_of: Deploy | None = None
    first: bool = False
    queued: bool = False  # answered 202 "Queued": the first phase is ``queued``
    outcome: str | None = None  # forced final status (seeding); None = injected failure or live


@dataclass
class Deploy:
    id: str
    service_id: str
    order: DeployOrder
    phases: tuple[str, ...]
    phase_seconds: float
    outcome: str
    created: float
    commit: dict[str, Any] | None = None
    image: dict[str, Any] | None = None
    #: the service's env when the deploy went live: what its instances run with (None until then)
    env: dict[str, str] | None = None
    status: str | None = None  # the final status, once reached
    finished: float | None = None
    updated: float | None = None

    def ends_at(self) -> float:
        steps = len(self.phases) if self.outcome == "live" else self.phases.index(PHASE_OF_FAILURE[self.outcome]) + 1
        return self.created + steps * self.phase_seconds

    def phase_index(self, now: float) -> int:
        return min(int((now - self.created) / self.phase_seconds), len(self.phases) - 1) if self.phase_seconds else 0

    def status_at(self, now: float) -> str:
        if self.status is not None:
            return self.status
        return self.outcome if now >= self.ends_at() else self.phases[self.phase_index(now)]

    def in_progress(self, now: float) -> bool:
        return self.status_at(now) in IN_PROGRESS

    def document(self, now: float) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "status": self.status_at(now), "trigger": self.order.trigger,
                               "createdAt": iso_at(self.created)}
        doc["updatedAt"] = iso_at(self.updated if self.updated is not None
                                  else self.created + self.phase_index(now) * self.phase_seconds)
        started = self.created + self.phase_seconds
        if now >= started and (self.finished is None or self.finished >= started):
            doc["startedAt"] = iso_at(started)
        if self.finished is not None:
            doc["finishedAt"] = iso_at(self.finished)
        if self.commit is not None:
            doc["commit"] = dict(self.commit)
        if self.image is not None:
            doc["image"] = dict(self.image)
        return doc

    def started_details(self) -> dict[str, Any]:
        trigger: dict[str, Any] = {
            "firstBuild": self.order.first, "envUpdated": False, "manual": self.order.trigger == "manual",
            "deployedByRender": False, "clearCache": self.order.clear_cache,
            "rollback": self.order.rollback_of is not None,
        }
        if self.order.rollback_of is not None:
            trigger["rollbackTargetDeployId"] = self.order.rollback_of.id
        if self.commit is not None:
            trigger["newCommit"] = self.commit["id"]
        return {"deployId": self.id, "trigger": trigger}

    def ended_details(self) -> dict[str, Any]:
        final = self.status or self.outcome
        deploy_status, legacy = ENDED.get(final, FAILED_ENDED)
        reason: dict[str, Any] = {}
        if final == "build_failed":
            reason = {"buildFailed": {"id": self.id}}
        elif final in PHASE_OF_FAILURE:
            reason = {"failure": {"evicted": False, "nonZeroExit": 1}}
        return {"deployId": self.id, "deployStatus": deploy_status, "status": legacy, "reason": reason}


def new_commit(commit_id: str | None, now: float) -> dict[str, Any]:
    sha = commit_id or random_hex(40)
    return {"id": sha, "message": f"sandbox commit {sha[:7]}", "createdAt": iso_at(now)}


def image_repository(reference: str) -> str:
    """``docker.io/acme/app:1.2`` or ``…/app@sha256:…`` -> ``docker.io/acme/app``."""
    name = reference.split("@", 1)[0]
    head, _sep, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


class DeployBook:
    """Every deploy of every service, plus the settings that steer new ones."""

    def __init__(self, events: EventLog, env_of: Callable[[str], dict[str, str]] = lambda _sid: {}) -> None:
        self.events = events
        self.env_of = env_of  # a service's current env (what a deploy that goes live now takes)
        self.settings = DeploySettings()
        self._seq = itertools.count(1)
        self.deploys: dict[str, tuple[int, Deploy]] = {}

    # --- queries -------------------------------------------------------------------------------
    def of_service(self, service_id: str) -> list[tuple[int, Deploy]]:
        return [(seq, deploy) for seq, deploy in self.deploys.values() if deploy.service_id == service_id]

    def get(self, service_id: str, deploy_id: str) -> Deploy:
        found = self.deploys.get(deploy_id)
        if found is None or found[1].service_id != service_id:
            raise NotFound("deploy not found")
        return found[1]

    def running_env(self, service_id: str) -> dict[str, str]:
        """The env the service runs with: its live deploy's, taken when that deploy went live ({} before)."""
        live = self.latest(service_id, "live")
        return dict(live.env or {}) if live is not None else {}

    def latest(self, service_id: str, status: str) -> Deploy | None:
        rows = [(seq, deploy) for seq, deploy in self.of_service(service_id) if deploy.status == status]
        return max(rows, key=lambda row: row[0])[1] if rows else None

    # --- changes -------------------------------------------------------------------------------
    def start(self, service: dict[str, Any], order: DeployOrder, *, already_done: bool = False) -> Deploy:
        """Create a deploy; ``already_done`` backdates it so it has just reached its outcome."""
        now = time.time()
        outcome = order.outcome or service_setting(self.settings.fail, service) or "live"
        phases = self._phases(service, order, outcome)
        phase_seconds = self.settings.build_seconds / len(phases)
        created = now - phase_seconds * len(phases) if already_done else now
        deploy = Deploy(prefixed_id("dep"), service["id"], order, phases, phase_seconds, outcome, created)
        self._attach_source(deploy, service, now)
        self.deploys[deploy.id] = (next(self._seq), deploy)
        self.events.emit(service["id"], "deploy_started", deploy.started_details(), created)
        return deploy

    def cancel(self, deploy: Deploy) -> None:
        now = time.time()
        if not deploy.in_progress(now):
            raise BadRequest(f"deploy {deploy.id} is not in progress (status {deploy.status_at(now)})")
        deploy.status, deploy.finished, deploy.updated = "canceled", now, now
        self.events.emit(deploy.service_id, "deploy_ended", deploy.ended_details(), now)

    def due(self, now: float) -> list[tuple[float, Callable[[], None]]]:
        """Deploys that reached their outcome by ``now`` and are not settled yet."""
        return [(deploy.ends_at(), partial(self._finish, deploy)) for _seq, deploy in self.deploys.values()
                if deploy.status is None and deploy.ends_at() <= now]

    def forget(self, service_id: str) -> None:
        self.deploys = {key: row for key, row in self.deploys.items() if row[1].service_id != service_id}

    def dump(self) -> list[dict[str, Any]]:
        now = time.time()
        return [{**deploy.document(now), "serviceId": deploy.service_id,
                 "envKeys": sorted(deploy.env) if deploy.env is not None else None}
                for _seq, deploy in self.deploys.values()]

    # --- internals -----------------------------------------------------------------------------
    def _phases(self, service: dict[str, Any], order: DeployOrder, outcome: str) -> tuple[str, ...]:
        phases = ["queued" if order.queued else "created"]
        if order.build or outcome == "build_failed":
            phases.append("build_in_progress")
        pre_deploy = service["serviceDetails"].get("envSpecificDetails", {}).get("preDeployCommand")
        if pre_deploy or outcome == "pre_deploy_failed":
            phases.append("pre_deploy_in_progress")
        phases.append("update_in_progress")
        return tuple(phases)

    def _attach_source(self, deploy: Deploy, service: dict[str, Any], now: float) -> None:
        """Git services get a commit, image services an image: the rollback target's, the last live
        deploy's for ``deploy_only``, else a new one."""
        order = deploy.order
        base = order.rollback_of or (None if order.build else self.latest(service["id"], "live"))
        if "imagePath" in service:
            deploy.image = dict(base.image) if base and base.image else {
                "ref": order.image_url or service["imagePath"], "sha": f"sha256:{random_hex(64)}"}
        else:
            deploy.commit = dict(base.commit) if base and base.commit else new_commit(order.commit_id, now)

    def _finish(self, deploy: Deploy) -> None:
        end = deploy.ends_at()
        deploy.status, deploy.finished, deploy.updated = deploy.outcome, end, end
        if deploy.outcome == "live":
            deploy.env = dict(self.env_of(deploy.service_id))
            for _seq, other in self.of_service(deploy.service_id):
                if other is not deploy and other.status == "live":
                    other.status, other.updated = "deactivated", end
        self.events.emit(deploy.service_id, "deploy_ended", deploy.ended_details(), end)
