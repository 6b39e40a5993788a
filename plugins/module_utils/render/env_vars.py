# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of render_env_vars, key-level ownership of a service's env.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient, env_string


def plan_env_changes(current: dict[str, str], env: dict[str, Any], remove: list[str], purge: bool) -> dict:
    """Which keys to set and which to delete; every other key of the service is left alone."""
    wanted = {key: env_string(value) for key, value in env.items()}
    to_set = {key: value for key, value in wanted.items() if current.get(key) != value}
    to_delete = [key for key in remove if key in current and key not in env]
    if purge:
        to_delete += [key for key in current if key not in env and key not in to_delete]
    return {"set": to_set, "delete": sorted(to_delete)}


def run_env_vars(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    env = params["env"] or {}
    clash = sorted(set(env) & set(params["remove"]))
    if clash:
        raise ValueError(f"keys both set (env) and removed (remove): {', '.join(clash)}; keep each key in one")
    secrets.add(*(env_string(v) for v in env.values()))
    client = client or RenderClient.from_params(params, secrets)
    owner_id = client.owner_id(params["owner"])
    service = client.service(owner_id, params["service"])
    if params.get("from_service"):
        env = {**copied_env(client, owner_id, params, secrets), **env}
    current = client.env_vars(service["id"])
    plan = plan_env_changes(current, env, params["remove"], params["purge"])
    if not check_mode:
        for key, value in plan["set"].items():
            client.put_env_var(service["id"], key, value)
        for key in plan["delete"]:
            client.delete_env_var(service["id"], key)
    result = {
        "changed": bool(plan["set"] or plan["delete"]),
        "service": {"id": service["id"], "name": service["name"], "type": service["type"]},
        "set_keys": sorted(plan["set"]), "removed_keys": plan["delete"],
        "unchanged_keys": sorted(k for k in env if k not in plan["set"]),
        "diff": _env_diff(current, plan),
    }
    if params["return_previous"]:
        previous = {key: current.get(key) for key in [*plan["set"], *plan["delete"]]}
        result["previous"] = previous
        secrets.add(*(v for v in previous.values() if v))
        result["_unmasked"] = tuple(v for v in previous.values() if v)
    return result


def copied_env(client: RenderClient, owner_id: str, params: dict, secrets: Secrets) -> dict[str, str]:
    """The env of another service (Render's "Add from Service"), limited to from_service_keys if given."""
    source = client.service(owner_id, params["from_service"])
    values = client.env_vars(source["id"])
    keys = params.get("from_service_keys")
    if keys:
        absent = sorted(set(keys) - set(values))
        if absent:
            raise ResourceError(f"{source['name']} has no env vars named {', '.join(absent)}")
        values = {key: values[key] for key in keys}
    values = {key: value for key, value in values.items() if key not in params["remove"]}
    secrets.add(*values.values())
    return values


def _env_diff(current: dict, plan: dict) -> dict:
    """Keys only: every value is treated as a secret."""
    before = {key: MASK for key in [*plan["set"], *plan["delete"]] if key in current}
    after = {key: MASK_NEW for key in plan["set"]}
    return {"before": before, "after": after}
