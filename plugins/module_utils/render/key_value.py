# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Render Key Value resource and the logic of render_key_value(_info).

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ensure, unique, wait_for
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import (
    RenderClient, dashboard_url, ip_allow_list, url_passwords)

READY = {"available"}
FAILED = {"unavailable", "recovery_failed", "suspended"}
DEFAULT_PLAN = "starter"


def policy_name(value: str | None) -> str | None:
    """Render spells Redis policies with underscores (allkeys_lru); accept Redis's hyphens too."""
    return value.replace("-", "_") if value else value


class KeyValue(Resource):
    kind = "Key Value instance"
    immutable = frozenset({"region"})
    disruptive = frozenset({"plan", "maxmemory_policy"})
    created_field = "createdAt"

    def __init__(self, client: RenderClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.owner_id = client.owner_id(params["owner"])

    def find(self) -> dict | None:
        if self.params.get("id"):
            return self.client.key_value(self.params["id"])
        return unique(self.client.key_values(self.owner_id, self.params["name"]), self.kind, self.params["name"])

    def namesakes(self) -> list[dict]:
        return self.client.key_values(self.owner_id, self.params["name"])

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
        values = {**want, "plan": want["plan"] or DEFAULT_PLAN, "environment_id": self.params.get("environment_id")}
        return self.client.create_key_value(self.owner_id, values)

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.update_key_value(resource["id"], changes)

    def delete(self, resource: dict) -> None:
        self.client.delete_key_value(resource["id"])


def key_value_view(client: RenderClient, resource: dict, secrets: Secrets, reveal: bool) -> dict:
    """What the modules return for a Key Value: its settings and (masked unless asked) connection info."""
    view = {"id": resource["id"], "name": resource["name"], "plan": resource.get("plan"),
            "region": resource.get("region"), "status": resource.get("status"),
            "maxmemory_policy": (resource.get("options") or {}).get("maxmemoryPolicy"),
            "ip_allow_list": resource.get("ipAllowList") or [], "version": resource.get("version"),
            "owner_id": (resource.get("owner") or {}).get("id"), "dashboard_url": resource.get("dashboardUrl")}
    if resource.get("status") != "suspended":
        view["connection"] = client.key_value_connection(resource["id"], secrets, reveal)
    return view


def run_key_value(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None,
                  clock: Clock | None = None) -> dict:
    client = client or RenderClient.from_params(params, secrets)
    outcome = ensure(KeyValue(client, params), params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "warnings": outcome.warnings,
                              "action": outcome.action, "key_value": None}
    item = outcome.resource
    if item is not None and params["wait"] and not check_mode:
        item = wait_for(lambda: client.key_value(item["id"]), lambda kv: kv.get("status"), READY, FAILED,
                        params["wait_timeout"], f"Key Value '{item['name']}'", clock=clock, link=dashboard_url)
    if item is not None:
        result["key_value"] = key_value_view(client, item, secrets, params["return_secrets"])
    if params.get("return_secrets"):  # asked for: they come back as they are (the task sets no_log)
        result["_unmasked"] = tuple(url_passwords(result["key_value"]))
    return result


def run_key_value_info(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params, secrets)
    if params.get("id"):
        items = [client.key_value(params["id"])]
    else:
        items = client.key_values(client.owner_id(params["owner"]), params.get("name"))
    views = [key_value_view(client, kv, secrets, params["return_secrets"]) for kv in items]
    result = {"changed": False, "key_values": views}
    if params.get("return_secrets"):
        result["_unmasked"] = tuple(url_passwords(views))
    return result
