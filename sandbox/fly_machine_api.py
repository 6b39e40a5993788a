"""The Machines endpoints of the sandbox's Fly.io (``/apps/{app_name}/machines...``)."""
from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from .apps import released
from .errors import ApiError, BadRequest, Conflict, NotFound
from .fly_machines import (
    RUNNING, Lease, Machine, check_lease, check_region, check_version, generated_name, machine_or_404,
    new_machine_id, require_image, version_id, wait_states,
)
from .routing import Request, Response

if TYPE_CHECKING:
    from .fly import FlyAPI, FlyApp

NONCE_HEADER = "fly-machine-lease-nonce"
MAX_WAIT = 60  # seconds [spec: "This request will block for up to 60 seconds"]
WAIT_POLL = 0.05
STARTABLE = frozenset({"created", "stopped", "suspended", "failed"})
STOPPABLE = frozenset({"started", "starting", "replacing", "suspended"})
BASE = "/apps/{app_name}/machines"
ONE = BASE + "/{machine_id}"


class MachineAPI:
    def __init__(self, fly: FlyAPI) -> None:
        self.fly = fly

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", BASE, self.list_machines), ("POST", BASE, self.create_machine),
            ("GET", ONE, self.get_machine), ("POST", ONE, self.update_machine), ("DELETE", ONE, self.delete_machine),
            ("POST", ONE + "/start", self.start), ("POST", ONE + "/stop", self.stop),
            ("POST", ONE + "/restart", self.restart), ("POST", ONE + "/suspend", self.suspend),
            ("GET", ONE + "/wait", self.wait),
            ("GET", ONE + "/lease", self.get_lease), ("POST", ONE + "/lease", self.acquire_lease),
            ("DELETE", ONE + "/lease", self.release_lease),
            ("GET", ONE + "/versions", self.versions), ("GET", ONE + "/events", self.events),
            ("GET", ONE + "/metadata", self.get_metadata), ("PUT", ONE + "/metadata", self.put_metadata),
            ("PATCH", ONE + "/metadata", self.patch_metadata),
            ("GET", ONE + "/metadata/{key}", self.get_metadata_key),
            ("POST", ONE + "/metadata/{key}", self.set_metadata_key),
            ("DELETE", ONE + "/metadata/{key}", self.delete_metadata_key),
        ]

    # --- helpers -------------------------------------------------------------------------------
    def _machine(self, request: Request) -> Machine:
        app = self.fly.app_of(request)
        machine = machine_or_404(self.fly.machines, app.name, request.params["machine_id"])
        self.fly.observe(machine)
        return machine

    def _writable(self, request: Request) -> Machine:
        machine = self._machine(request)
        check_lease(machine, request.header(NONCE_HEADER), time.time())
        if machine.state == "destroyed":
            raise ApiError(412, f"machine {machine.id} is destroyed")
        return machine

    def _document(self, machine: Machine, **extra: Any) -> Response:
        return Response(200, {**machine.document(), **extra})

    def _launch(self, machine: Machine, app: FlyApp, body: dict[str, Any], state: str) -> None:
        """Give ``machine`` its env (config env + the app's secrets of now) and start it unless
        ``skip_launch`` (``state``: what it shows while starting)."""
        now = time.time()
        machine.env, machine.secrets_version = self.fly.launch_env(app, machine.config, bool(body.get("skip_secrets")))
        machine.versions.insert(0, (machine.instance_id, copy.deepcopy(machine.config)))
        machine.event(state, "update" if state == "replacing" else "launch", now, "user")
        if body.get("skip_launch"):
            machine.move("created" if state == "created" else "stopped", None, 0, now)
            return
        self._boot(machine, state, now)

    def _boot(self, machine: Machine, state: str, now: float) -> None:
        self.fly.settings.check_capacity(machine.region)
        failure = self.fly.settings.failure(machine.id, machine.name)
        machine.move(state, "failed" if failure == "start" else "started", self.fly.settings.start_seconds, now)

    def _check_secrets_version(self, app: FlyApp, body: dict[str, Any]) -> None:
        wanted = body.get("min_secrets_version")
        if wanted is not None and wanted > app.secrets_version:
            raise BadRequest(f"min_secrets_version {wanted} is newer than the app's secrets (version "
                             f"{app.secrets_version})")

    # --- machines ------------------------------------------------------------------------------
    def list_machines(self, request: Request) -> Response:
        app = self.fly.app_of(request)
        states = [state for state in (request.arg("state") or "").split(",") if state]
        region, summary = request.arg("region"), request.arg("summary") == "true"
        found = []
        for machine in self.fly.machines_of(app.name, include_deleted=request.arg("include_deleted") == "true"):
            self.fly.observe(machine)
            if (not region or machine.region == region) and (not states or machine.state in states):
                found.append(machine.document(summary=summary))
        return Response(200, found)

    def create_machine(self, request: Request) -> Response:
        app = self.fly.app_of(request)
        body = request.body or {}
        config = require_image(body.get("config"))
        region = check_region(body.get("region") or self.fly.default_region)
        self.fly.settings.check_capacity(region)
        self._check_secrets_version(app, body)
        name = body.get("name") or generated_name()
        if any(other.name == name for other in self.fly.machines_of(app.name)):
            raise Conflict(f"a machine named {name} already exists in app {app.name}")
        machine = Machine(new_machine_id(), app.name, name, region, copy.deepcopy(config), time.time())
        self._launch(machine, app, body, "created")
        self.fly.machines[machine.id] = machine
        extra: dict[str, Any] = {}
        if body.get("lease_ttl"):
            machine.lease = Lease(version_id(), time.time() + int(body["lease_ttl"]), "", machine.instance_id)
            extra["nonce"] = machine.lease.nonce
        return self._document(machine, **extra)

    def get_machine(self, request: Request) -> Response:
        return self._document(self._machine(request))

    def update_machine(self, request: Request) -> Response:
        """The whole config is replaced [NOTES quirk 3]; a running Machine is relaunched unless skip_launch."""
        machine = self._writable(request)
        app = self.fly.app_of(request)
        body = request.body or {}
        check_version(machine, body.get("current_version"))
        config = require_image(body.get("config"))
        if body.get("region") not in (None, machine.region):
            raise BadRequest(f"a machine cannot move region ({machine.region} -> {body['region']})")
        self._check_secrets_version(app, body)
        if not body.get("skip_launch"):
            self.fly.settings.check_capacity(machine.region)
        machine.config = copy.deepcopy(config)
        machine.name = body.get("name") or machine.name
        machine.instance_id = version_id()
        self._launch(machine, app, body, "replacing")
        return self._document(machine)

    def delete_machine(self, request: Request) -> Response:
        machine = self._writable(request)
        if machine.state in RUNNING | {"stopping", "suspending"} and request.arg("force") != "true":
            raise ApiError(412, f"unable to destroy machine {machine.id}, not currently stopped (state "
                                f"{machine.state}); stop it first or use force=true")
        now = time.time()
        machine.move("destroyed", None, 0, now)
        machine.lease = None
        machine.event("destroyed", "destroy", now, "user")
        return Response(200)

    def start(self, request: Request) -> Response:
        machine = self._writable(request)
        if machine.state not in STARTABLE:
            raise ApiError(412, f"unable to start machine from current state: '{machine.state}'")
        self._boot(machine, "starting", time.time())
        return Response(200)

    def stop(self, request: Request) -> Response:
        machine = self._writable(request)
        if machine.state not in STOPPABLE:
            raise ApiError(412, f"unable to stop machine from current state: '{machine.state}'")
        machine.move("stopping", "stopped", self.fly.settings.start_seconds / 2, time.time())
        return Response(200)

    def restart(self, request: Request) -> Response:
        machine = self._writable(request)
        if machine.state != "started":
            raise ApiError(412, f"unable to restart machine from current state: '{machine.state}'")
        self._boot(machine, "starting", time.time())
        return Response(200)

    def suspend(self, request: Request) -> Response:
        machine = self._writable(request)
        if machine.state != "started":
            raise ApiError(412, f"unable to suspend machine from current state: '{machine.state}'")
        machine.move("suspending", "suspended", self.fly.settings.start_seconds / 2, time.time())
        return Response(200)

    def wait(self, request: Request) -> Response:
        """Block (without the state lock) until the state is reached, else 408 after ``timeout`` s."""
        machine = self._machine(request)
        states = wait_states(request.arg("state"))
        version = request.arg("version") or request.arg("instance_id")
        timeout = min(int(request.arg("timeout") or MAX_WAIT), MAX_WAIT)
        deadline = time.monotonic() + timeout
        while not (machine.state in states and version in (None, machine.instance_id)):
            if time.monotonic() >= deadline:
                raise ApiError(408, f"timeout waiting for machine {machine.id} to be {request.arg('state') or 'started'}"
                                    f" (state {machine.state})")
            with released(self.fly.context.lock):
                time.sleep(WAIT_POLL)
            machine.settle(time.time())
        return Response(200, {"ok": True, "state": machine.state, "version": machine.instance_id,
                              "event_id": machine.events[0]["id"] if machine.events else ""})

    # --- leases --------------------------------------------------------------------------------
    def get_lease(self, request: Request) -> Response:
        machine = self._machine(request)
        if machine.lease is None or machine.lease.expires_at <= time.time():
            raise NotFound(f"machine {machine.id} has no lease")
        return Response(200, machine.lease.document())

    def acquire_lease(self, request: Request) -> Response:
        machine = self._machine(request)
        now, body = time.time(), request.body or {}
        nonce = request.header(NONCE_HEADER)
        check_lease(machine, nonce, now)
        ttl = int(body.get("ttl") or 30)
        held = machine.lease is not None and machine.lease.expires_at > now
        machine.lease = Lease(nonce if held else version_id(), now + ttl, str(body.get("description", "")),
                              machine.instance_id)
        return Response(201, machine.lease.document())

    def release_lease(self, request: Request) -> Response:
        machine = self._machine(request)
        now = time.time()
        if machine.lease is None or machine.lease.expires_at <= now:
            raise NotFound(f"machine {machine.id} has no lease")
        check_lease(machine, request.header(NONCE_HEADER), now)
        machine.lease = None
        return Response(200)

    # --- history and metadata ------------------------------------------------------------------
    def versions(self, request: Request) -> Response:
        machine = self._machine(request)
        return Response(200, [{"version": version, "user_config": copy.deepcopy(config)}
                              for version, config in machine.versions])

    def events(self, request: Request) -> Response:
        limit = min(int(request.arg("limit") or 20), 50)
        return Response(200, [dict(event) for event in self._machine(request).events[:limit]])

    def get_metadata(self, request: Request) -> Response:
        return Response(200, dict(self._machine(request).config.get("metadata") or {}))

    def put_metadata(self, request: Request) -> Response:
        return self._write_metadata(request, replace=True)

    def patch_metadata(self, request: Request) -> Response:
        return self._write_metadata(request, replace=False)

    def _write_metadata(self, request: Request, *, replace: bool) -> Response:
        machine = self._writable(request)
        body = request.body or {}
        if body.get("machine_version") not in (None, machine.instance_id):
            raise ApiError(412, f"machine_version {body['machine_version']} does not match {machine.instance_id}")
        current = {} if replace else dict(machine.config.get("metadata") or {})
        machine.config["metadata"] = {**current, **(body.get("metadata") or {})}
        return Response(204)

    def get_metadata_key(self, request: Request) -> Response:
        metadata = self._machine(request).config.get("metadata") or {}
        key = request.params["key"]
        if key not in metadata:
            raise NotFound(f"metadata key {key} not found")
        return Response(200, {"value": metadata[key]})

    def set_metadata_key(self, request: Request) -> Response:
        machine = self._writable(request)
        machine.config.setdefault("metadata", {})[request.params["key"]] = (request.body or {}).get("value", "")
        return Response(204)

    def delete_metadata_key(self, request: Request) -> Response:
        machine = self._writable(request)
        (machine.config.get("metadata") or {}).pop(request.params["key"], None)
        return Response(204)
