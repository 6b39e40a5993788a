"""Fly.io Machines: records whose state moves on lazily from timestamps (no threads), each running the
stand-in app (sandbox/apps.py) with the env it was launched with.

A Machine's env is its config's ``env`` plus the app's secrets as they were when it was created or
last updated (``skip_secrets`` leaves them out): setting secrets later never reaches it until the next
update [NOTES Fly quirk 1]. Every update replaces the whole config and gives a new ``instance_id``
(the Machine's ``version``).
"""
from __future__ import annotations

import copy
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from .common import iso_at, random_hex
from .errors import ApiError, BadRequest, Conflict, NotFound

ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SETTLED = frozenset({"started", "stopped", "suspended", "failed", "destroyed"})
RUNNING = frozenset({"started", "starting", "replacing"})
CHECK_TTL = 1.0  # seconds a check result is reused, as Fly runs checks on an interval
REGIONS = frozenset(
    "ams arn atl bog bom bos cdg den dfw ewr eze fra gdl gig gru hkg iad jnb lax lhr mad mia nrt ord otp phx qro "
    "scl sea sin sjc syd waw yul yyz".split())


def version_id() -> str:
    """A 26-character ULID-like id, as Fly's instance ids and event ids are."""
    return "".join(secrets.choice(ULID_ALPHABET) for _index in range(26))


@dataclass
class Lease:
    nonce: str
    expires_at: float
    description: str
    version: str

    def document(self) -> dict[str, Any]:
        return {"nonce": self.nonce, "expires_at": int(self.expires_at), "owner": "sandbox@launchkit.test",
                "description": self.description, "version": self.version}


@dataclass
class Machine:
    id: str
    app: str
    name: str
    region: str
    config: dict[str, Any]
    created: float
    instance_id: str = field(default_factory=version_id)
    private_ip: str = field(default_factory=lambda: f"fdaa:0:1:a7b:{random_hex(4)}:{random_hex(4)}:{random_hex(4)}:2")
    state: str = "created"
    pending: tuple[str, float] | None = None  # the state reached at that time
    updated: float = 0.0
    env: dict[str, str] = field(default_factory=dict)  # what the running stand-in app sees
    secrets_version: int | None = None
    started_at: float | None = None
    lease: Lease | None = None
    versions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    checked_at: float = 0.0

    def settle(self, now: float) -> None:
        if self.pending is not None and now >= self.pending[1]:
            state, when = self.pending
            self.pending = None
            self.state, self.updated, self.checked_at = state, when, 0.0
            if state == "started":
                self.started_at = when
            self.event(state, {"started": "start", "stopped": "stop", "suspended": "suspend"}.get(state, "exit"), when)

    def move(self, state: str, then: str | None, delay: float, now: float) -> None:
        self.state, self.updated = state, now
        self.pending = (then, now + delay) if then else None
        self.checked_at = 0.0

    def event(self, status: str, kind: str, when: float, source: str = "flyd") -> None:
        self.events.insert(0, {"id": version_id(), "type": kind, "status": status, "source": source,
                               "timestamp": int(when * 1000)})
        del self.events[20:]

    def leased_by_other(self, nonce: str, now: float) -> bool:
        return self.lease is not None and self.lease.expires_at > now and self.lease.nonce != nonce

    def document(self, *, summary: bool = False) -> dict[str, Any]:
        image = str(self.config.get("image", ""))
        repository, _colon, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "latest")
        registry, _slash, repository = repository.rpartition("/") if repository.count("/") > 1 else ("", "", repository)
        doc: dict[str, Any] = {
            "id": self.id, "name": self.name, "state": self.state, "region": self.region,
            "instance_id": self.instance_id, "private_ip": self.private_ip,
            "image_ref": {"registry": registry or "docker.io", "repository": repository, "tag": tag or "latest",
                          "digest": "sha256:" + hashlib.sha256(image.encode()).hexdigest(), "labels": {}},
            "created_at": iso_at(self.created), "updated_at": iso_at(self.updated or self.created),
        }
        if not summary:
            doc.update(config=copy.deepcopy(self.config), host_status="ok", events=[dict(event) for event in self.events],
                       checks=[dict(check) for check in self.checks])
        return doc


def check_paths(config: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, type, path) of every check of ``config``: the top-level named ones, then each service's."""
    found = [(name, str(check.get("type", "tcp")), str(check.get("path") or "/"))
             for name, check in (config.get("checks") or {}).items()]
    for index, service in enumerate(config.get("services") or []):
        for number, check in enumerate(service.get("checks") or []):
            kind = str(check.get("type", "tcp"))
            found.append((f"servicecheck-{index:02d}-{kind}-{service.get('internal_port', 0)}-{number}", kind,
                          str(check.get("path") or "/")))
    return found


def require_image(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict) or not config.get("image"):
        raise BadRequest("invalid config: an image is required (config.image)")
    return config


def check_region(region: str) -> str:
    if region not in REGIONS:
        raise BadRequest(f"invalid region {region!r}: not a Fly.io region code")
    return region


def wait_states(raw: str | None) -> frozenset[str]:
    state = raw or "started"
    return SETTLED if state == "settled" else frozenset({state})


def check_lease(machine: Machine, nonce: str, now: float) -> None:
    """Refuse a write to a Machine someone else holds a lease on (NOTES Fly quirk 4)."""
    if machine.leased_by_other(nonce, now):
        raise Conflict(f"machine {machine.id} is leased (lease expires at {int(machine.lease.expires_at)}); "
                       "send its nonce in the fly-machine-lease-nonce header")


def check_version(machine: Machine, current: str | None) -> None:
    if current is not None and current != machine.instance_id:
        raise ApiError(412, f"current_version {current} does not match the machine's version {machine.instance_id}")


def machine_or_404(machines: dict[str, Machine], app: str, machine_id: str) -> Machine:
    machine = machines.get(machine_id)
    if machine is None or machine.app != app:
        raise NotFound(f"machine {machine_id} not found")
    return machine


def new_machine_id() -> str:
    return random_hex(14)


def generated_name() -> str:
    first = secrets.choice(["summer", "winter", "autumn", "spring", "quiet", "bold", "misty", "lively"])
    second = secrets.choice(["frost", "river", "meadow", "forest", "breeze", "stone", "ember", "field"])
    return f"{first}-{second}-{secrets.randbelow(9000) + 1000}"
