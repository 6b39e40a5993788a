# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: a Fly.io Machine as a resource, and the fly_machine(_info) logic.

Not a public API; it may change between any two releases.

A Machine is found by its metadata (``identity``, written into ``config.metadata``), or by id;
never by name, which Fly generates when none is given and does not keep unique. Fly has no partial
update: the module sends the whole ``config`` it was given. Fly fills defaults into the config it
returns, so the given config is compared as a subset of the Machine's (every key given must hold
the given value; a list must have the same length, item by item); when anything differs, the update
sends exactly the given config (plus the identity and the bookkeeping metadata key fly_deploy
keeps), so keys left out of it are gone after the update. An update is made under a lease, with the
Machine's version as ``current_version``.
"""
from __future__ import annotations

import copy
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Outcome, Resource, ResourceError, create_once, unique)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import (
    GONE, SECRETS_VERSION_KEY, CapacityError, FlyClient, leased, live_machines, secrets_version, wait_state)

OPTIONS: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "identity": {"type": "dict"},
    "id": {"type": "str"},
    "name": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "config": {"type": "dict"},
    "region": {"type": "str"},
    "fallback_regions": {"type": "list", "elements": "str", "default": []},
    "skip_launch": {"type": "bool", "default": False},
    "min_secrets_version": {"type": "int", "no_log": False},
    "lease_ttl": {"type": "int", "default": 120},
    "force": {"type": "bool", "default": True},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 300},
}
INFO_OPTIONS: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "id": {"type": "str"},
    "identity": {"type": "dict"},
}
#: config keys whose values may hold what an app treats as secret: a diff shows their keys only
MASKED_CONFIG = ("env", "files")


def contains(current: Any, wanted: Any) -> bool:
    """Whether `current` (as Fly returns it, defaults filled in) holds every value of `wanted`."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(contains(current.get(key), value) for key, value in wanted.items())
    if isinstance(wanted, list):
        return (isinstance(current, list) and len(current) == len(wanted)
                and all(contains(have, want) for have, want in zip(current, wanted)))
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool) and isinstance(current, (int, float)):
        return float(current) == float(wanted)
    return current == wanted


def identity_of(params: dict) -> dict[str, str]:
    return {str(key): str(value) for key, value in (params.get("identity") or {}).items()}


def wanted_config(params: dict, current: dict | None) -> dict:
    """The whole config to send: the given one, its metadata with the identity, and the secrets version
    kept in metadata (the one asked for, else the Machine's own)."""
    config = copy.deepcopy(params["config"] or {})
    metadata = {str(k): str(v) for k, v in (config.get("metadata") or {}).items()}
    identity = identity_of(params)
    clash = sorted(k for k, v in identity.items() if k in metadata and metadata[k] != v)
    if clash:
        raise ValueError(f"config.metadata gives {', '.join(clash)} another value than identity; leave them to identity")
    metadata.update(identity)
    kept = secrets_version(current) if current else None
    if params.get("min_secrets_version") is not None:
        metadata[SECRETS_VERSION_KEY] = str(params["min_secrets_version"])
    elif kept is not None:
        metadata[SECRETS_VERSION_KEY] = str(kept)
    config["metadata"] = metadata
    return config


def shown_config(config: dict) -> dict:
    """A config for a diff: env and files by key only."""
    shown = copy.deepcopy(config)
    if isinstance(shown.get("env"), dict):
        shown["env"] = {key: MASK for key in shown["env"]}
    if isinstance(shown.get("files"), list):
        shown["files"] = [{"guest_path": item.get("guest_path")} for item in shown["files"] if isinstance(item, dict)]
    return shown


def config_diff(current: dict, wanted: dict) -> dict:
    """Before/after of the top-level config keys that differ."""
    keys = sorted(key for key in set(wanted) | set(current) if not contains(current.get(key), wanted.get(key))
                  and key in wanted)
    before = shown_config({key: current.get(key) for key in keys if key in current})
    after = shown_config({key: wanted[key] for key in keys})
    return {"before": before, "after": after}


def machine_view(machine: dict) -> dict[str, Any]:
    config = machine.get("config") or {}
    return {"id": machine.get("id"), "name": machine.get("name"), "region": machine.get("region"),
            "state": machine.get("state"), "version": machine.get("instance_id"), "image": config.get("image"),
            "metadata": config.get("metadata") or {}, "secrets_version": secrets_version(machine),
            "private_ip": machine.get("private_ip"),
            "checks": [{"name": c.get("name"), "status": c.get("status")} for c in machine.get("checks") or []],
            "created_at": machine.get("created_at"), "updated_at": machine.get("updated_at")}


class Machine(Resource):
    kind = "Fly.io Machine"

    def __init__(self, client: FlyClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.regions_tried: list[str] = []

    def find(self) -> dict | None:
        app, machine_id = self.params["app"], self.params.get("id")
        if machine_id:
            found = self.client.machine(app, machine_id)
            return found if found and found.get("state") not in GONE else None
        identity = identity_of(self.params)
        return unique(live_machines(self.client, app, identity), "Fly.io Machine",
                      ", ".join(f"{k}={v}" for k, v in identity.items()))

    def create(self) -> dict:
        """Create in `region`, then in each of `fallback_regions` while Fly answers insufficient_capacity."""
        p = self.params
        regions = [p["region"], *p["fallback_regions"]]
        for place, region in enumerate(regions):
            try:
                self.regions_tried.append(region or "(Fly's choice)")
                return self.client.create_machine(p["app"], wanted_config(p, None), name=p["name"], region=region,
                                                  skip_launch=p["skip_launch"] or None,
                                                  min_secrets_version=p["min_secrets_version"])
            except CapacityError as exc:
                if place + 1 < len(regions):
                    continue
                raise ResourceError(
                    f"Fly.io has no capacity for this Machine (insufficient_capacity) in "
                    f"{', '.join(self.regions_tried)}: {exc.message}. Fly says a region without capacity is not "
                    "fixed by retrying there; list other regions in fallback_regions, or try again later",
                    status=exc.status, error_code=exc.code, request_id=exc.request_id) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def delete(self, resource: dict) -> None:
        p = self.params
        with leased(self.client, p["app"], resource["id"], p["lease_ttl"]) as nonce:
            self.client.delete_machine(p["app"], resource["id"], force=p["force"], nonce=nonce)


def update(client: FlyClient, params: dict, machine: dict, clock: Clock | None = None) -> dict:
    """Send the whole config under a lease, guarded by the Machine's version, then wait for it."""
    app, machine_id = params["app"], machine["id"]
    with leased(client, app, machine_id, params["lease_ttl"]) as nonce:
        fresh = client.machine(app, machine_id) or machine  # read again under the lease, as flyctl does
        config = wanted_config(params, fresh)
        try:
            updated = client.update_machine(app, machine_id, config, current_version=fresh.get("instance_id"),
                                            skip_launch=params["skip_launch"] or None,
                                            min_secrets_version=params["min_secrets_version"], nonce=nonce)
        except WriteOutcomeUnknown:
            updated = client.machine(app, machine_id) or {}
            if not contains(updated.get("config"), config):
                raise
        if params["wait"] and not params["skip_launch"]:
            updated = wait_state(client, app, machine_id, "started", params["wait_timeout"],
                                 version=updated.get("instance_id"), clock=clock)
    return updated


def check_params(params: dict) -> None:
    if params["state"] == "present" and not params.get("config"):
        raise ValueError("config is required with state=present: the Machine's whole config (Fly.io has no partial update)")
    if not params.get("id") and not params.get("identity"):
        raise ValueError("identity (metadata key/values that identify the Machine) or id is required; "
                         "a Machine is never found by name")
    if params["state"] == "present" and not isinstance((params.get("config") or {}).get("image"), str):
        raise ValueError("config.image is required: the image the Machine runs")


def run_machine(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None,
                clock: Clock | None = None) -> dict:
    check_params(params)
    client = client or FlyClient.from_params(params, secrets)
    resource = Machine(client, params)
    found = resource.find()
    outcome = Outcome(False, found)
    if params["state"] == "absent":
        if found is not None:
            outcome = Outcome(True, None, before={"id": found["id"], "state": found.get("state")}, after={},
                              action="delete")
            if not check_mode:
                resource.delete(found)
    elif found is None:
        config = wanted_config(params, None)
        outcome = Outcome(True, None, before={}, after=shown_config(config), action="create")
        if not check_mode:
            made = create_once(resource, clock=clock, outcome=outcome)
            if params["wait"] and not params["skip_launch"]:
                made = wait_state(client, params["app"], made["id"], "started", params["wait_timeout"],
                                  version=made.get("instance_id"), clock=clock)
            outcome.resource = made
    else:
        if params["region"] and found.get("region") != params["region"]:
            raise ResourceError(f"Machine {found['id']} runs in {found.get('region')}, not {params['region']}: a Machine "
                                "cannot move; delete it (state: absent) and create it again")
        config = wanted_config(params, found)
        if not contains(found.get("config") or {}, config):
            diff = config_diff(found.get("config") or {}, config)
            outcome = Outcome(True, found, before=diff["before"], after=diff["after"], action="update")
            if not check_mode:
                outcome.resource = update(client, params, found, clock)
    result = {"changed": outcome.changed, "action": outcome.action, "warnings": outcome.warnings,
              "diff": outcome.diff(), "machine": machine_view(outcome.resource) if outcome.resource else None}
    if len(resource.regions_tried) > 1:
        result["warnings"].append(f"no capacity in {', '.join(resource.regions_tried[:-1])}: created in "
                                  f"{resource.regions_tried[-1]}")
    return result


def run_machine_info(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    client = client or FlyClient.from_params(params, secrets)
    if params.get("id"):
        found = client.machine(params["app"], params["id"])
        machines = [found] if found else []
    else:
        machines = live_machines(client, params["app"], identity_of(params))
    return {"changed": False, "machines": [machine_view(m) for m in machines]}
