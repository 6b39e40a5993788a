# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: fly_deploy, the apply step of a Fly.io app: a rolling update of its Machines.

Not a public API; it may change between any two releases.

One Machine at a time, as flyctl's rolling strategy does (internal/machine/update.go, lease.go):
take a lease, read the Machine again under it, send its whole config (the image replaced when one is
given, the secrets version noted in its metadata) with ``min_secrets_version`` and its version as
``current_version``, wait for it to be started at the new version, wait for its health checks to
pass, give the lease back. The first failure stops the roll: the Machines after it stay on their old
version, and the failure names the Machine, the step and the reason.

Fly shows no secrets version on a Machine, so the version it was last rolled onto is kept in its
``config.metadata`` (``launchkit_secrets_version``); a Machine at the target version (or newer) and
on the target image is not updated, so a second run rolls nothing; if it runs with a health check
failing (a roll that stopped at it), its checks are waited for as after an update, without a write.
"""
from __future__ import annotations

import copy
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core import progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError, WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import (
    SECRETS_VERSION_KEY, FlyClient, failing_checks, leased, live_machines, secrets_version, wait_checks, wait_state)

OPTIONS: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "metadata": {"type": "dict", "default": {}},
    "secrets_version": {"type": "int", "no_log": False},
    "image": {"type": "str"},
    "lease_ttl": {"type": "int", "default": 120},
    "wait_timeout": {"type": "int", "default": 300},
    "checks_timeout": {"type": "int", "default": 300},
}
#: how often an update whose answer was lost is looked up and, when it did not happen, sent again
UPDATE_ATTEMPTS = 3
#: states of a Machine that is not running: it is updated without being launched (skip_launch)
RESTING = ("stopped", "suspended", "created")


def on_target(machine: dict, params: dict) -> bool:
    """Whether the Machine already runs the target secrets version (or a newer one) and the target image."""
    wanted = params.get("secrets_version")
    have = secrets_version(machine)
    if wanted is not None and (have is None or have < wanted):
        return False
    image = params.get("image")
    return not image or (machine.get("config") or {}).get("image") == image


def selected(client: FlyClient, params: dict) -> list[dict]:
    """The app's Machines (not destroyed) whose metadata holds every pair of `metadata`, by id."""
    wanted = {str(k): str(v) for k, v in (params["metadata"] or {}).items()}
    return sorted(live_machines(client, params["app"], wanted), key=lambda m: str(m.get("id")))


def rolled_config(machine: dict, params: dict) -> dict:
    """The Machine's whole config, with the target image and the secrets version noted in its metadata."""
    config = copy.deepcopy(machine.get("config") or {})
    if params.get("image"):
        config["image"] = params["image"]
    if params.get("secrets_version") is not None:
        config["metadata"] = dict(config.get("metadata") or {}, **{SECRETS_VERSION_KEY: str(params["secrets_version"])})
    return config


def entry(machine: dict, action: str, before: dict | None = None) -> dict[str, Any]:
    before = before or machine
    return {"id": machine.get("id"), "name": machine.get("name"), "region": machine.get("region"), "action": action,
            "state": machine.get("state"), "version_before": before.get("instance_id"),
            "version": machine.get("instance_id"), "image": (machine.get("config") or {}).get("image"),
            "secrets_version": secrets_version(machine)}


class Roll:
    """One Machine's update, step by step, so a failure can say at which step it stopped."""

    def __init__(self, client: FlyClient, params: dict, clock: Clock | None) -> None:
        self.client = client
        self.params = params
        self.clock = clock
        self.step = "lease"

    def __call__(self, machine: dict) -> dict:
        app, machine_id, p = self.params["app"], machine["id"], self.params
        self.step = "lease"
        with leased(self.client, app, machine_id, p["lease_ttl"]) as nonce:
            self.step = "read"
            fresh = self.client.machine(app, machine_id) or machine
            resting = fresh.get("state") in RESTING
            self.step = "update"
            progress.say(f"{app}: updating Machine {machine_id} ({fresh.get('region')})")
            updated = self._update(fresh, resting, nonce)
            if not resting:
                self.step = "start"
                updated = wait_state(self.client, app, machine_id, "started", p["wait_timeout"],
                                     version=updated.get("instance_id"), clock=self.clock)
                self.step = "checks"
                updated = wait_checks(self.client, app, machine_id, p["checks_timeout"], self.clock)
            self.step = "release"
        return entry(updated, "rolled", fresh)

    def verify(self, machine: dict) -> dict:
        """A Machine already on the target: when it runs with a check failing (a roll that stopped at it),
        wait for its checks before going on, as after an update; nothing is written."""
        if machine.get("state") == "started" and failing_checks(machine):
            self.step = "checks"
            machine = wait_checks(self.client, self.params["app"], machine["id"], self.params["checks_timeout"],
                                  self.clock)
        return entry(machine, "unchanged")

    def _update(self, fresh: dict, resting: bool, nonce: str) -> dict:
        """The update, sent again only after a read shows that a lost one did not happen (a Machine update is
        no repeatable call: its current_version guard refuses a second one that did)."""
        app, p = self.params["app"], self.params
        for attempt in range(UPDATE_ATTEMPTS):
            try:
                return self.client.update_machine(app, fresh["id"], rolled_config(fresh, p),
                                                  current_version=fresh.get("instance_id"),
                                                  skip_launch=True if resting else None,
                                                  min_secrets_version=p.get("secrets_version"), nonce=nonce)
            except WriteOutcomeUnknown:
                if attempt + 1 == UPDATE_ATTEMPTS:
                    raise
                again = self.client.machine(app, fresh["id"]) or fresh
                if again.get("instance_id") != fresh.get("instance_id") and on_target(again, p):
                    return again  # it went through; only its answer was lost
                fresh = again
        raise AssertionError("unreachable")  # pragma: no cover


def check_params(params: dict) -> None:
    if params.get("secrets_version") is None and not params.get("image"):
        raise ValueError("give secrets_version, image or both: what the Machines are rolled onto")


def run_deploy(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None,
               clock: Clock | None = None) -> dict:
    check_params(params)
    client = client or FlyClient.from_params(params, secrets)
    machines = selected(client, params)
    pending = [m for m in machines if not on_target(m, params)]
    result: dict[str, Any] = {
        "changed": bool(pending), "app": params["app"], "secrets_version": params.get("secrets_version"),
        "image": params.get("image"), "rolled": [], "unchanged": [m["id"] for m in machines if on_target(m, params)],
        "warnings": [] if machines else [f"no Machine of {params['app']} matches metadata {params['metadata']}"],
        "diff": {"before": {m["id"]: target_view(m) for m in pending},
                 "after": {m["id"]: target_view({"config": rolled_config(m, params)}) for m in pending}}}
    if check_mode:
        result["rolled"] = [m["id"] for m in pending]
        result["machines"] = [entry(m, "rolled" if m in pending else "unchanged") for m in machines]
        return result
    roll = Roll(client, params, clock)
    done: list[dict] = []
    for place, machine in enumerate(machines):
        rolling = machine in pending
        try:
            done.append(roll(machine) if rolling else roll.verify(machine))
        except (ApiError, ResourceError) as exc:
            waiting = [m["id"] for m in pending if m not in machines[:place + 1]]
            raise ResourceError(
                f"the roll of {params['app']} stopped at Machine {machine['id']} ({machine.get('name')}, "
                f"{machine.get('region')}) at step '{roll.step}': {exc}. Rolled: {', '.join(result['rolled']) or 'none'}; "
                f"not rolled (still on their old version): {', '.join(waiting) or 'none'}",
                failed_machine=machine["id"], failed_step=roll.step, rolled=result["rolled"], not_rolled=waiting,
                machines=done) from None
        if rolling:
            result["rolled"].append(machine["id"])
    result["machines"] = done
    return result


def target_view(machine: dict) -> dict:
    return {"image": (machine.get("config") or {}).get("image"), "secrets_version": secrets_version(machine)}
