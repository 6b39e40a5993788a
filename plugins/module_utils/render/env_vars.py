# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of render_env_vars, key-level ownership of a service's env.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.env import env_diff, plan_env_changes, refuse_clash
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient, env_string


def run_env_vars(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    env = {key: env_string(value) for key, value in (params["env"] or {}).items()}
    refuse_clash(env, params["remove"])
    secrets.add(*env.values())
    client = client or RenderClient.from_params(params, secrets)
    owner_id = client.owner_id(params["owner"])
    service = client.service(owner_id, params["service"])
    source = client.service(owner_id, params["from_service"]) if params.get("from_service") else None
    # Digests first (the run keeps them): the values are read only when a key may change.
    target_digests, current = client.env_digests(service["id"])
    copied: dict[str, str] | None = None
    wanted = {key: client.env_digest(value) for key, value in env.items()}
    if source is not None:
        source_digests, copied = client.env_digests(source["id"])
        wanted = {**copied_keys(source, source_digests, params), **wanted}
    if _differs(target_digests, wanted, params):
        if source is not None:
            copied = copied_keys(source, copied if copied is not None else client.env_vars(source["id"]), params)
            secrets.add(*copied.values())
            env = {**copied, **env}
        current = current if current is not None else client.env_vars(service["id"])
        plan = plan_env_changes(current, env, params["remove"], params["purge"])
    else:
        current, plan = (current if current is not None else dict.fromkeys(target_digests)), {"set": {}, "delete": []}
    if not check_mode:
        for key, value in plan["set"].items():
            client.put_env_var(service["id"], key, value)
        for key in plan["delete"]:
            client.delete_env_var(service["id"], key)
    result = {
        "changed": bool(plan["set"] or plan["delete"]),
        "service": {"id": service["id"], "name": service["name"], "type": service["type"]},
        "set_keys": sorted(plan["set"]), "removed_keys": plan["delete"],
        "unchanged_keys": sorted(k for k in wanted if k not in plan["set"]),
        "diff": env_diff(current, plan),
    }
    if params["return_previous"]:
        previous = {key: current.get(key) for key in [*plan["set"], *plan["delete"]]}
        result["previous"] = previous
        secrets.add(*(v for v in previous.values() if v))
        result["_unmasked"] = tuple(v for v in previous.values() if v)
    return result


def _differs(current: dict[str, str], wanted: dict[str, str], params: dict) -> bool:
    """Whether a key would change: a wanted digest differs, a key to remove is there, or purge finds one."""
    return (any(current.get(key) != digest for key, digest in wanted.items())
            or any(key in current and key not in wanted for key in params["remove"])
            or (params["purge"] and any(key not in wanted for key in current)))


def copied_keys(source: dict, items: dict[str, str], params: dict) -> dict[str, str]:
    """What "Add from Service" takes of the source's env (values or digests): from_service_keys if
    given (each must exist there), never a key in remove."""
    keys = params.get("from_service_keys")
    if keys:
        absent = sorted(set(keys) - set(items))
        if absent:
            raise ResourceError(f"{source['name']} has no env vars named {', '.join(absent)}")
        items = {key: items[key] for key in keys}
    return {key: value for key, value in items.items() if key not in params["remove"]}
