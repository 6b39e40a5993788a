# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Fly.io Machines API client, the only place Fly's paths, query
parameters, headers and body fields are written.

Not a public API; it may change between any two releases. Paths and payloads follow the Machines
API's OpenAPI document (https://docs.machines.dev/spec/openapi3.json); base URL
https://api.machines.dev/v1. One method per operation; the resource files beside this one never
build a URL or a body. What was confirmed where (auth scheme, errors, leases) is in docs/fly.md.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, wait_for
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    ApiError, HttpClient, Vendor, WriteOutcomeUnknown, json_message)
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll

DEFAULT_URL = "https://api.machines.dev/v1"
#: the header a leased Machine's mutating calls carry (fly-go flaps_machines.go NonceHeader)
LEASE_NONCE_HEADER = "fly-machine-lease-nonce"
#: the token prefixes (before the first "_") fly-go's tokens.Parse counts as macaroons
MACAROON_PREFIXES = ("fm1r", "fm1a", "fm2")
AUTH_SCHEMES = ("bearer", "flyv1")
#: Fly's error statuses (ErrorResponse.status, fly-go flaps_error.go)
CAPACITY = "insufficient_capacity"
NAME_TAKEN = "name_taken"
#: the metadata key (config.metadata) where a Machine keeps the secrets version it was last updated onto:
#: Fly takes min_secrets_version on create and update but shows it nowhere on the Machine
SECRETS_VERSION_KEY = "launchkit_secrets_version"
#: states of a Machine that is no more (it is not found, listed or rolled)
GONE = ("destroyed", "destroying")
#: states a wait for another state ends in: the Machine will not get there by itself
DEAD_ENDS = (*GONE, "failed")


class CapacityError(ApiError):
    """Fly has no room for the Machine where it was asked for (status insufficient_capacity)."""


def _parse_error(body: Any) -> tuple[str | None, str]:
    # {"error": "...", "status": "unknown" | "insufficient_capacity" | "name_taken" | ...}; fly-go also
    # reads a "message" field.
    code = body.get("status") if isinstance(body, dict) else None
    return (code if isinstance(code, str) else None), json_message(body, "error", "message")


VENDOR = Vendor("Fly.io", parse_error=_parse_error, request_id_header="fly-request-id",
                auth_hint="Check api_token (or FLY_API_TOKEN): an org or deploy token from `fly tokens create`, "
                          "with or without its FlyV1 prefix.")


def split_tokens(token: str) -> list[str]:
    """The tokens in `token`: any Bearer/FlyV1 scheme removed, comma-separated tokens split (fly-go tokens.Parse)."""
    text = token.strip()
    while " " in text and text.split(" ", 1)[0].lower() in AUTH_SCHEMES:
        text = text.split(" ", 1)[1].strip()
    return [part.strip() for part in text.split(",") if part.strip()]


def authorization(token: str) -> str:
    """The Authorization header fly-go sends for `token` (tokens.normalized with the scheme): ``FlyV1``
    and the macaroons alone when there is one, else ``Bearer`` and the tokens."""
    tokens = split_tokens(token)
    macaroons = [part for part in tokens if part.split("_", 1)[0] in MACAROON_PREFIXES]
    if macaroons:
        return "FlyV1 " + ",".join(macaroons)
    return "Bearer " + ",".join(tokens)


def is_not_found(exc: ApiError) -> bool:
    return exc.status == 404


class FlyClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> "FlyClient":
        secrets = secrets or Secrets()
        secrets.add(*split_tokens(params["api_token"]))
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": authorization(params["api_token"])},
                          timeout=params["timeout"], validate_certs=params["validate_certs"], secrets=secrets,
                          **overrides)
        return cls(http)

    def _get_or_none(self, path: str, params: dict | None = None) -> dict | None:
        try:
            return self.http.get(path, params=params)
        except ApiError as exc:
            if is_not_found(exc):
                return None
            raise

    def _send(self, method: str, path: str, body: Any = None, nonce: str | None = None, **kwargs: Any) -> Any:
        """A write; a capacity refusal is raised as CapacityError."""
        headers = {LEASE_NONCE_HEADER: nonce} if nonce else None
        try:
            return self.http.request(method, path, json_body=body, headers=headers, **kwargs).body
        except ApiError as exc:
            if exc.code == CAPACITY and not isinstance(exc, CapacityError):
                raise CapacityError(exc.status, exc.message, code=exc.code, request_id=exc.request_id,
                                    method=exc.method, path=exc.path, vendor=exc.vendor) from None
            raise

    # -- apps
    def apps(self, org: str) -> list[dict]:
        return (self.http.get("/apps", params={"org_slug": org}) or {}).get("apps") or []

    def app(self, name: str) -> dict | None:
        return self._get_or_none(f"/apps/{name}")

    def create_app(self, name: str, org: str, network: str | None = None) -> None:
        """Answers 201 without a body; read the app afterwards."""
        self._send("POST", "/apps", compact({"name": name, "org_slug": org, "network": network}), ok=(200, 201))

    def delete_app(self, name: str, force: bool = False) -> None:
        """Delete the app; `force` stops its running Machines first (Fly refuses otherwise)."""
        self._send("DELETE", f"/apps/{name}", ok=(200, 202, 204, 404), params={"force": "true"} if force else None)

    # -- secrets
    def secrets(self, app: str) -> list[dict]:
        """Each secret's name, digest and times; never a value (show_secrets is not asked for)."""
        return (self.http.get(f"/apps/{app}/secrets") or {}).get("secrets") or []

    def update_secrets(self, app: str, values: dict[str, str | None]) -> dict:
        """Set the keys with a value and unset those with None, in one call; the answer has the new version.

        Repeatable: it sets absolute values (a repeat only bumps the version again).
        """
        return self._send("POST", f"/apps/{app}/secrets", {"values": values}, repeatable=True) or {}

    # -- machines
    def machines(self, app: str) -> list[dict]:
        return self.http.get(f"/apps/{app}/machines") or []

    def machine(self, app: str, machine_id: str) -> dict | None:
        return self._get_or_none(f"/apps/{app}/machines/{machine_id}")

    def create_machine(self, app: str, config: dict, *, name: str | None = None, region: str | None = None,
                       skip_launch: bool | None = None, min_secrets_version: int | None = None) -> dict:
        body = compact({"config": config, "name": name, "region": region, "skip_launch": skip_launch,
                        "min_secrets_version": min_secrets_version})
        return self._send("POST", f"/apps/{app}/machines", body, ok=(200, 201))

    def update_machine(self, app: str, machine_id: str, config: dict, *, current_version: str | None = None,
                       skip_launch: bool | None = None, min_secrets_version: int | None = None,
                       nonce: str | None = None) -> dict:
        """Replace the Machine's whole config (no partial update); `current_version` guards against a
        concurrent change, `nonce` is the lease held on it."""
        body = compact({"config": config, "current_version": current_version, "skip_launch": skip_launch,
                        "min_secrets_version": min_secrets_version})
        return self._send("POST", f"/apps/{app}/machines/{machine_id}", body, nonce=nonce)

    def delete_machine(self, app: str, machine_id: str, *, force: bool = False, nonce: str | None = None) -> None:
        self._send("DELETE", f"/apps/{app}/machines/{machine_id}", nonce=nonce, ok=(200, 202, 204, 404),
                   params={"force": "true"} if force else None)

    # -- leases
    def lease(self, app: str, machine_id: str) -> dict | None:
        return self._get_or_none(f"/apps/{app}/machines/{machine_id}/lease")

    def acquire_lease(self, app: str, machine_id: str, ttl: int, description: str | None = None) -> dict:
        """A new lease; its nonce is in the answer (``nonce``, or ``data.nonce`` as fly-go reads it)."""
        body = compact({"ttl": ttl, "description": description})
        return self._send("POST", f"/apps/{app}/machines/{machine_id}/lease", body, ok=(200, 201)) or {}

    def release_lease(self, app: str, machine_id: str, nonce: str) -> None:
        self._send("DELETE", f"/apps/{app}/machines/{machine_id}/lease", nonce=nonce, ok=(200, 204, 404))

    # -- certificates
    def certificates(self, app: str) -> list[dict]:
        return (self.http.get(f"/apps/{app}/certificates") or {}).get("certificates") or []

    def certificate(self, app: str, hostname: str) -> dict | None:
        return self._get_or_none(f"/apps/{app}/certificates/{hostname}")

    def create_acme_certificate(self, app: str, hostname: str) -> dict:
        return self._send("POST", f"/apps/{app}/certificates/acme", {"hostname": hostname}, ok=(200, 201)) or {}

    def check_certificate(self, app: str, hostname: str) -> dict:
        """Fly checks the hostname's DNS again; it changes nothing but the certificate's state, so it is repeatable."""
        return self._send("POST", f"/apps/{app}/certificates/{hostname}/check", repeatable=True) or {}

    def delete_certificate(self, app: str, hostname: str) -> None:
        self._send("DELETE", f"/apps/{app}/certificates/{hostname}", ok=(200, 204, 404))


#: how this collection's leases describe themselves (a lease whose answer was lost is known by it)
LEASE_DESCRIPTION = "launchkit.paas update"


def lease_nonce(lease: dict) -> str | None:
    """The nonce of a lease as the spec gives it (``nonce``) or as fly-go reads it (``data.nonce``)."""
    return lease.get("nonce") or (lease.get("data") or {}).get("nonce")


# -- what fly_machine and fly_deploy share: a lease held around an update, and the waits after it
@contextmanager
def leased(client: FlyClient, app: str, machine_id: str, ttl: int) -> Iterator[str]:
    """Hold a lease on the Machine while the block runs and yield its nonce; released however the block ends.

    As flyctl does (internal/machine/lease.go): acquire, then read the Machine again under the lease, then
    release, where a lease already gone is no error. A lease held by someone else fails with its owner.
    """
    try:
        nonce = lease_nonce(client.acquire_lease(app, machine_id, ttl, description=LEASE_DESCRIPTION))
    except WriteOutcomeUnknown:
        # The answer was lost: the lease is ours when it carries our description, else none was made.
        held = client.lease(app, machine_id) or {}
        if (held.get("description") or (held.get("data") or {}).get("description")) == LEASE_DESCRIPTION:
            nonce = lease_nonce(held)
        elif not held:
            nonce = lease_nonce(client.acquire_lease(app, machine_id, ttl, description=LEASE_DESCRIPTION))
        else:
            raise
    except ApiError as exc:
        if exc.status != 409:
            raise
        held = client.lease(app, machine_id) or {}
        owner = held.get("owner") or (held.get("data") or {}).get("owner") or "another client"
        raise ResourceError(f"Machine {machine_id} is leased by {owner} (another deploy or update is running): "
                            "run again once it is done", machine=machine_id) from None
    if not nonce:
        raise ResourceError(f"Fly.io granted a lease on Machine {machine_id} without a nonce")
    try:
        yield nonce
    except BaseException:
        try:
            client.release_lease(app, machine_id, nonce)
        except ApiError:
            pass  # the block's own failure is the one to report; the lease expires after its ttl anyway
        raise
    client.release_lease(app, machine_id, nonce)


def wait_state(client: FlyClient, app: str, machine_id: str, state: str, timeout: float, *,
               version: str | None = None, clock: Clock | None = None) -> dict:
    """Poll the Machine until it is in `state` (and at `version`, the instance_id an update answered
    with); fail when it fails or is destroyed, or after `timeout` seconds."""
    def fetch() -> dict:
        return client.machine(app, machine_id) or {"state": "destroyed"}

    def status(machine: dict) -> str:
        if version and machine.get("instance_id") != version and machine.get("state") not in DEAD_ENDS:
            return "replacing"
        return str(machine.get("state"))

    return wait_for(fetch, status, {state}, set(DEAD_ENDS) - {state}, timeout, f"Machine {machine_id}", clock=clock)


def failing_checks(machine: dict) -> list[str]:
    return [f"{check.get('name')}: {check.get('status')}" for check in machine.get("checks") or []
            if check.get("status") != "passing"]


def wait_checks(client: FlyClient, app: str, machine_id: str, timeout: float, clock: Clock | None = None) -> dict:
    """Poll the Machine until every health check passes (flyctl's watch.MachinesChecks); a Machine
    without checks passes at once. Fail after `timeout` seconds with the checks still failing."""
    polled = poll(lambda: client.machine(app, machine_id) or {}, lambda machine: not failing_checks(machine),
                  timeout, clock, interval=2.0)
    if not polled.done:
        raise ResourceError(f"Machine {machine_id}: health checks not passing after {timeout:g} s "
                            f"({'; '.join(failing_checks(polled.value))})", machine=machine_id)
    return polled.value


def live_machines(client: FlyClient, app: str, metadata: dict[str, str]) -> list[dict]:
    """The app's Machines (not destroyed) whose config.metadata holds every pair of `metadata`."""
    def fits(machine: dict) -> bool:
        have = (machine.get("config") or {}).get("metadata") or {}
        return machine.get("state") not in GONE and all(have.get(k) == v for k, v in metadata.items())
    return [m for m in client.machines(app) if fits(m)]


def secrets_version(machine: dict) -> int | None:
    """The secrets version the Machine was last updated onto by this collection (its metadata), if any."""
    value = ((machine.get("config") or {}).get("metadata") or {}).get(SECRETS_VERSION_KEY)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
