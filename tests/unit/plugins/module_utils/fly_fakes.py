# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small stateful Fly.io Machines API at the transport level, for the Fly module tests.

Apps, secrets (with Fly-side digests the modules cannot compute), Machines with versions, leases
(a mutating call on a leased Machine without its nonce is refused, as Fly refuses it), health checks
and certificates. Every request also goes through the real HTTP core (retries, errors, redaction).
"""
from __future__ import annotations

import copy
import hashlib
import itertools
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import LEASE_NONCE_HEADER, VENDOR, FlyClient
from launchkit_fakes import Call, FakeSession, make_http, reply

TOKEN = "fm2_unit-test-token"
ORG = "acme"


def fly_digest(value: str) -> str:
    """Stands for Fly's own digest, whose algorithm the modules do not know."""
    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


class FakeFly:
    def __init__(self, machines: list[dict] | None = None, secrets: dict[str, str] | None = None,
                 apps: dict[str, dict] | None = None) -> None:
        self.api = FakeSession()
        self.apps = apps if apps is not None else {"web": {"id": "a1", "name": "web", "network": "default",
                                                           "organization": {"slug": ORG}, "status": "deployed"}}
        self.secret_values = dict(secrets or {})
        self.version = 0
        self.machines = {m["id"]: copy.deepcopy(m) for m in machines or []}
        self.leases: dict[str, str] = {}
        self.nonces = (f"nonce-{n}" for n in itertools.count(1))
        self.versions = (f"v{n}" for n in itertools.count(100))
        self.failing_checks: set[str] = set()
        self.update_failures: dict[str, Any] = {}
        self.create_failures: list[Any] = []
        self.certificates: dict[str, dict] = {}
        self._routes()

    # -- routing
    def _routes(self) -> None:
        self.api.on("GET", "/apps", lambda call: reply(200, {"apps": list(self.apps.values())}))
        self.api.on("POST", "/apps", self._create_app)
        for name in ("web", "other", "taken"):
            self.api.on("GET", f"/apps/{name}", lambda call, n=name: reply(200, self.apps[n]) if n in self.apps
                        else reply(404, {"error": "app not found"}))
            self.api.on("DELETE", f"/apps/{name}", lambda call, n=name: (self.apps.pop(n, None), reply(202))[1])
        self.api.on("GET", "/apps/web/secrets", lambda call: reply(200, {"secrets": self._secret_list()}))
        self.api.on("POST", "/apps/web/secrets", self._update_secrets)
        self.api.on("GET", "/apps/web/machines", lambda call: reply(200, list(self.machines.values())))
        self.api.on("POST", "/apps/web/machines", self._create_machine)
        for machine_id in [*self.machines, "m-new"]:
            self._machine_routes(machine_id)
        for hostname in ("www.example.test",):
            base = f"/apps/web/certificates/{hostname}"
            self.api.on("GET", base, lambda call, h=hostname: reply(200, self.certificates[h]) if h in self.certificates
                        else reply(404, {"error": "certificate not found"}))
            self.api.on("DELETE", base, lambda call, h=hostname: (self.certificates.pop(h, None), reply(204))[1])
            self.api.on("POST", f"{base}/check", lambda call, h=hostname: reply(200, self.certificates[h]))
        self.api.on("POST", "/apps/web/certificates/acme", self._create_certificate)
        self.api.on("GET", "/apps/web/certificates",
                    lambda call: reply(200, {"certificates": list(self.certificates.values())}))

    def _machine_routes(self, machine_id: str) -> None:
        base = f"/apps/web/machines/{machine_id}"
        self.api.on("GET", base, lambda call: reply(200, self.machines[machine_id]) if machine_id in self.machines
                    else reply(404, {"error": "machine not found"}))
        self.api.on("POST", base, lambda call: self._update_machine(call, machine_id))
        self.api.on("DELETE", base, lambda call: self._delete_machine(call, machine_id))
        self.api.on("POST", f"{base}/lease", lambda call: self._lease(machine_id))
        self.api.on("GET", f"{base}/lease", lambda call: reply(200, {"nonce": "other", "owner": "someone@example.test"}))
        self.api.on("DELETE", f"{base}/lease", lambda call: self._release(call, machine_id))

    # -- apps
    def _create_app(self, call: Call) -> Any:
        name = call.json["name"]
        if name == "taken":
            return reply(422, {"error": "Name has already been taken", "status": "name_taken"})
        self.apps[name] = {"id": "a2", "name": name, "network": call.json.get("network") or "default",
                           "organization": {"slug": call.json["org_slug"]}, "status": "pending"}
        return reply(201)

    # -- secrets
    def _secret_list(self) -> list[dict]:
        return [{"name": k, "digest": fly_digest(v), "created_at": "2026-01-01T00:00:00Z"}
                for k, v in self.secret_values.items()]

    def _update_secrets(self, call: Call) -> Any:
        for name, value in call.json["values"].items():
            if value is None:
                self.secret_values.pop(name, None)
            else:
                self.secret_values[name] = value
        self.version += 1
        return reply(200, {"version": self.version, "secrets": self._secret_list()})

    # -- machines
    def _refused_without_lease(self, call: Call, machine_id: str) -> Any:
        held = self.leases.get(machine_id)
        if held and call.headers.get(LEASE_NONCE_HEADER) != held:
            return reply(409, {"error": "machine is leased; the lease nonce is required"})
        return None

    def _create_machine(self, call: Call) -> Any:
        if self.create_failures:
            failure = self.create_failures.pop(0)
            if failure is not None:
                return failure
        machine = {"id": "m-new", "name": call.json.get("name") or "gen-name", "region": call.json.get("region") or "iad",
                   "state": "stopped" if call.json.get("skip_launch") else "started",
                   "instance_id": next(self.versions), "config": copy.deepcopy(call.json["config"]), "checks": []}
        self.machines["m-new"] = machine
        return reply(200, machine)

    def _update_machine(self, call: Call, machine_id: str) -> Any:
        refused = self._refused_without_lease(call, machine_id)
        if refused:
            return refused
        if machine_id in self.update_failures:
            return self.update_failures[machine_id]
        machine = self.machines[machine_id]
        if call.json.get("current_version") not in (None, machine["instance_id"]):
            return reply(412, {"error": "machine version mismatch"})
        machine.update(config=copy.deepcopy(call.json["config"]), instance_id=next(self.versions),
                       state="stopped" if call.json.get("skip_launch") else "started")
        machine["checks"] = [{"name": "health", "status": "critical" if machine_id in self.failing_checks
                              else "passing"}]
        return reply(200, machine)

    def _delete_machine(self, call: Call, machine_id: str) -> Any:
        refused = self._refused_without_lease(call, machine_id)
        if refused:
            return refused
        self.machines.pop(machine_id, None)
        return reply(200)

    def _lease(self, machine_id: str) -> Any:
        if machine_id in self.leases:
            return reply(409, {"error": "lease currently held"})
        self.leases[machine_id] = next(self.nonces)
        return reply(201, {"status": "success", "data": {"nonce": self.leases[machine_id], "expires_at": 1}})

    def _release(self, call: Call, machine_id: str) -> Any:
        if self.leases.get(machine_id) == call.headers.get(LEASE_NONCE_HEADER):
            self.leases.pop(machine_id, None)
        return reply(200)

    # -- certificates
    def _create_certificate(self, call: Call) -> Any:
        hostname = call.json["hostname"]
        self.certificates[hostname] = {
            "hostname": hostname, "configured": False, "acme_requested": True, "status": "pending",
            "dns_requirements": {"a": ["66.241.124.1"], "aaaa": ["2a09:8280:1::1"], "cname": "web.fly.dev",
                                 "acme_challenge": {"name": f"_acme-challenge.{hostname}", "target": f"{hostname}.x.flydns.net"},
                                 "ownership": {"name": f"_fly-ownership.{hostname}", "app_value": "app-123"}}}
        return reply(201, self.certificates[hostname])


def fly_client(fake: FakeFly, **overrides: Any) -> FlyClient:
    return FlyClient(make_http(fake.api, vendor=VENDOR, headers={"Authorization": f"FlyV1 {TOKEN}"}, **overrides))


def machine(machine_id: str, role: str = "web", image: str = "registry.fly.io/web:1", secrets_version: int | None = None,
            state: str = "started", **config: Any) -> dict:
    metadata = {"launchkit_role": role}
    if secrets_version is not None:
        metadata["launchkit_secrets_version"] = str(secrets_version)
    return {"id": machine_id, "name": f"name-{machine_id}", "region": "ams", "state": state,
            "instance_id": f"v-{machine_id}", "checks": [{"name": "health", "status": "passing"}],
            "config": {"image": image, "metadata": metadata, "restart": {"policy": "always"}, **config}}


def base_params(**overrides: Any) -> dict:
    values = {"api_url": "https://api.test/v1", "api_token": TOKEN, "org": ORG, "timeout": 5.0,
              "validate_certs": True}
    values.update(overrides)
    return values
