# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of the Render modules, as plain functions over parameters.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

import re
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW, Secrets, mask_url, url_password
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Resource, ResourceError, ensure, unique, wait_for)

# A URL inside a longer text, such as the cliCommand `redis-cli -u "rediss://user:password@host:port"`.
EMBEDDED_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"']+")
KEY_VALUE_READY = {"available"}
KEY_VALUE_FAILED = {"unavailable", "recovery_failed", "suspended"}
CONNECTION_FIELDS = {"internalConnectionString": "internal_connection_string",
                     "externalConnectionString": "external_connection_string",
                     "cliCommand": "cli_command"}


def policy_name(value: str | None) -> str | None:
    """Render spells Redis policies with underscores (allkeys_lru); accept Redis's hyphens too."""
    return value.replace("-", "_") if value else value


def ip_allow_list(entries: list[dict] | None) -> list[dict] | None:
    if entries is None:
        return None
    return [{"cidrBlock": e["cidr_block"], "description": e.get("description") or e["cidr_block"]} for e in entries]


class KeyValue(Resource):
    kind = "Key Value instance"
    immutable = frozenset({"region"})
    disruptive = frozenset({"plan", "maxmemory_policy"})

    def __init__(self, client: RenderClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.owner_id = client.owner_id(params["owner"])

    def find(self) -> dict | None:
        if self.params.get("id"):
            return self.client.key_value(self.params["id"])
        return unique(self.client.key_values(self.owner_id, self.params["name"]), self.kind, self.params["name"])

    def desired(self) -> dict:
        p = self.params
        return {"name": p["name"], "plan": p["plan"], "region": p["region"],
                "maxmemory_policy": policy_name(p["maxmemory_policy"]),
                "ip_allow_list": ip_allow_list(p["ip_allow_list"])}

    def current(self, resource: dict) -> dict:
        return {"name": resource["name"], "plan": resource.get("plan"), "region": resource.get("region"),
                "maxmemory_policy": (resource.get("options") or {}).get("maxmemoryPolicy"),
                "ip_allow_list": resource.get("ipAllowList") or []}

    def create(self) -> dict:
        want = self.desired()
        body = {"name": want["name"], "ownerId": self.owner_id, "plan": want["plan"] or "starter",
                "region": want["region"], "maxmemoryPolicy": want["maxmemory_policy"],
                "ipAllowList": want["ip_allow_list"], "environmentId": self.params.get("environment_id")}
        return self.client.http.request("POST", "/key-value", json_body=compact(body), ok=(201,)).body

    def update(self, resource: dict, changes: dict) -> dict:
        names = {"maxmemory_policy": "maxmemoryPolicy", "ip_allow_list": "ipAllowList"}
        body = {names.get(key, key): value for key, value in changes.items()}
        return self.client.http.request("PATCH", f"/key-value/{resource['id']}", json_body=body).body

    def delete(self, resource: dict) -> None:
        self.client.http.request("DELETE", f"/key-value/{resource['id']}", ok=(204, 404))


def compact(body: dict) -> dict:
    """The body without the fields left unset (None)."""
    return {key: value for key, value in body.items() if value is not None}


def key_value_view(client: RenderClient, resource: dict, secrets: Secrets, reveal: bool) -> dict:
    """What the modules return for a Key Value: its settings and (masked unless asked) connection info."""
    view = {"id": resource["id"], "name": resource["name"], "plan": resource.get("plan"),
            "region": resource.get("region"), "status": resource.get("status"),
            "maxmemory_policy": (resource.get("options") or {}).get("maxmemoryPolicy"),
            "ip_allow_list": resource.get("ipAllowList") or [], "version": resource.get("version"),
            "owner_id": (resource.get("owner") or {}).get("id"), "dashboard_url": resource.get("dashboardUrl")}
    if resource.get("status") == "suspended":
        return view
    info = client.connection_info(resource["id"])
    view["connection"] = connection_view(info, CONNECTION_FIELDS, secrets, reveal)
    secrets.add(*_cli_password(info.get("cliCommand")))
    return view


def connection_view(info: dict, fields: dict[str, str], secrets: Secrets, reveal: bool,
                    passwords: tuple[str, ...] = ()) -> dict:
    """A connection-info answer under our names, every password registered and (unless revealed) masked.

    URLs keep all but their password; another text has each of `passwords` replaced, or is masked whole.
    """
    connection = {}
    for api_name, name in fields.items():
        value = info.get(api_name)
        secrets.add(url_password(value) if "://" in (value or "") else None)
        connection[name] = value if reveal else _mask_connection(value, passwords)
    secrets.add(*passwords)
    return connection


def _mask_connection(value: str | None, passwords: tuple[str, ...] = ()) -> str | None:
    if not value:
        return value
    masked = EMBEDDED_URL.sub(lambda match: mask_url(match.group(0)), value)
    for password in filter(None, passwords):
        masked = masked.replace(password, MASK)
    if masked == value and "://" not in value:  # nothing recognisable in it: hide it whole
        return MASK
    return masked


def _cli_password(command: str | None) -> list[str]:
    words = (command or "").split()
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-a", "--pass")]


def run_key_value(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params)
    resource = KeyValue(client, params)
    outcome = ensure(resource, params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "warnings": outcome.warnings,
                              "action": outcome.action, "key_value": None}
    item = outcome.resource
    if item is None or check_mode:
        result["key_value"] = key_value_view(client, item, secrets, params["return_secrets"]) if item else None
        return _unmasked(result, params)
    if params["wait"]:
        item = wait_for(lambda: client.key_value(item["id"]), lambda kv: kv.get("status"), KEY_VALUE_READY,
                        KEY_VALUE_FAILED, params["wait_timeout"], f"Key Value '{item['name']}'")
    result["key_value"] = key_value_view(client, item, secrets, params["return_secrets"])
    return _unmasked(result, params)


def _unmasked(result: dict, params: dict) -> dict:
    """When the user asks for secrets, they must come back as they are (the task sets no_log)."""
    if params.get("return_secrets"):
        result["_unmasked"] = tuple(url_passwords(result.get("key_value")))
    return result


def url_passwords(value: Any) -> list[str]:
    """The passwords of every URL inside a (nested) value."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in url_passwords(item)]
    if isinstance(value, list):
        return [s for item in value for s in url_passwords(item)]
    return [url_password(value)] if isinstance(value, str) and "://" in value else []


def run_key_value_info(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params)
    if params.get("id"):
        items = [client.key_value(params["id"])]
    else:
        items = client.key_values(client.owner_id(params["owner"]), params.get("name"))
    views = [key_value_view(client, kv, secrets, params["return_secrets"]) for kv in items]
    result = {"changed": False, "key_values": views}
    if params.get("return_secrets"):
        result["_unmasked"] = tuple(url_passwords(views))
    return result


def run_service_info(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params)
    owner_id = client.owner_id(params["owner"])
    if params.get("id"):
        services = [client.http.get(f"/services/{params['id']}")]
    else:
        services = client.services(owner_id, params.get("name"), params.get("type"))
    wanted = params.get("env_values") or []
    views, revealed = [], []
    for service in services:
        view = service_view(service)
        if params["env_keys"] or wanted:
            env = client.env_vars(service["id"])
            if params["env_keys"]:
                view["env_keys"] = sorted(env)
            if wanted:
                # Values asked for are secrets: returned as they are under env (the task sets
                # no_log), masked in any error.
                view["env"] = {key: env[key] for key in wanted if key in env}
                revealed.extend(value for value in view["env"].values() if value)
                secrets.add(*revealed)
        views.append(view)
    result: dict[str, Any] = {"changed": False, "services": views}
    if revealed:
        result["_unmasked"] = tuple(revealed)
    return result


def service_view(service: dict) -> dict:
    details = service.get("serviceDetails") or {}
    return {"id": service["id"], "name": service["name"], "type": service["type"],
            "owner_id": service.get("ownerId"), "slug": service.get("slug"),
            "suspended": service.get("suspended") == "suspended", "repo": service.get("repo"),
            "branch": service.get("branch"), "dashboard_url": service.get("dashboardUrl"),
            "url": details.get("url"), "region": details.get("region"), "plan": details.get("plan"),
            "runtime": details.get("runtime") or details.get("env"), "service_details": details}


def env_string(value: Any) -> str:
    """An env value as the app will read it: YAML booleans become true/false, not Python's True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def plan_env_changes(current: dict[str, str], env: dict[str, Any], remove: list[str], purge: bool) -> dict:
    """Which keys to set and which to delete; every other key of the service is left alone."""
    wanted = {key: env_string(value) for key, value in env.items()}
    to_set = {key: value for key, value in wanted.items() if current.get(key) != value}
    to_delete = [key for key in remove if key in current and key not in env]
    if purge:
        to_delete += [key for key in current if key not in env and key not in to_delete]
    return {"set": to_set, "delete": sorted(to_delete)}


def run_env_vars(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params)
    env = params["env"] or {}
    clash = sorted(set(env) & set(params["remove"]))
    if clash:
        raise ValueError(f"keys both set (env) and removed (remove): {', '.join(clash)}; keep each key in one")
    secrets.add(*(env_string(v) for v in env.values()))
    owner_id = client.owner_id(params["owner"])
    service = client.service(owner_id, params["service"])
    if params.get("from_service"):
        env = {**copied_env(client, owner_id, params, secrets), **env}
    current = client.env_vars(service["id"])
    plan = plan_env_changes(current, env, params["remove"], params["purge"])
    previous = {key: current.get(key) for key in [*plan["set"], *plan["delete"]]}
    if not check_mode:
        for key, value in plan["set"].items():
            client.put_env_var(service["id"], key, value)
        for key in plan["delete"]:
            client.delete_env_var(service["id"], key)
    changed_keys = sorted(plan["set"])
    result = {
        "changed": bool(plan["set"] or plan["delete"]),
        "service": {"id": service["id"], "name": service["name"], "type": service["type"]},
        "set_keys": changed_keys, "removed_keys": plan["delete"],
        "unchanged_keys": sorted(k for k in env if k not in plan["set"]),
        "diff": _env_diff(current, plan),
    }
    if params["return_previous"]:
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
