# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Render API client and the Render resources.

Not a public API; it may change between any two releases. Paths and payloads follow Render's
public OpenAPI document (https://api-docs.render.com); base URL https://api.render.com/v1.
"""
from __future__ import annotations

from typing import Any, Iterator

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    HttpClient, Vendor, cursor_pages, json_message)
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, unique

DEFAULT_URL = "https://api.render.com/v1"
PAGE_LIMIT = 100
REGIONS = ("frankfurt", "oregon", "ohio", "singapore", "virginia")
KEY_VALUE_PLANS = ("free", "starter", "standard", "pro", "pro_plus", "custom")
MAXMEMORY_POLICIES = ("noeviction", "allkeys_lfu", "allkeys_lru", "allkeys_random",
                      "volatile_lfu", "volatile_lru", "volatile_random", "volatile_ttl")
POSTGRES_PLANS = ("free", "starter", "standard", "pro", "pro_plus", "custom",
                  "basic_256mb", "basic_1gb", "basic_4gb",
                  "pro_4gb", "pro_8gb", "pro_16gb", "pro_32gb", "pro_64gb", "pro_128gb", "pro_192gb", "pro_256gb",
                  "pro_384gb", "pro_512gb",
                  "accelerated_16gb", "accelerated_32gb", "accelerated_64gb", "accelerated_128gb",
                  "accelerated_256gb", "accelerated_384gb", "accelerated_512gb", "accelerated_768gb",
                  "accelerated_1024gb")
POSTGRES_VERSIONS = ("11", "12", "13", "14", "15", "16", "17", "18")  # oldest first: the last is the default
SERVICE_TYPES = ("static_site", "web_service", "private_service", "background_worker", "cron_job")
OWNER_ID_PREFIXES = ("tea-", "usr-")


# The ip_allow_list option of a Render datastore (doc fragment render.ip_allow_list).
IP_ALLOW_LIST_OPTION = {"type": "list", "elements": "dict", "options": {
    "cidr_block": {"type": "str", "required": True}, "description": {"type": "str"}}}


def module_options() -> dict:
    """The options every Render module takes: connection (doc fragment render) and workspace (render.owner)."""
    from ansible.module_utils.basic import env_fallback

    options = base_options("RENDER_API_URL", DEFAULT_URL, "RENDER_API_KEY")
    options["owner"] = {"type": "str", "fallback": (env_fallback, ["RENDER_OWNER_ID"])}
    return options


def _parse_error(body: Any) -> tuple[str | None, str]:
    code = body.get("id") if isinstance(body, dict) else None
    return code, json_message(body, "message")


VENDOR = Vendor("Render", parse_error=_parse_error, request_id_header="Render-Request-Id",
                reset_header="Ratelimit-Reset", reset_is_epoch=False)


class RenderClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, **overrides: Any) -> "RenderClient":
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['api_key']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"], **overrides)
        return cls(http)

    # -- lists (Render: an array of {<wrapper>: item, cursor}; next page from the last cursor)
    def list(self, path: str, wrapper: str, **filters: Any) -> Iterator[dict]:
        def fetch(cursor: str | None) -> list:
            return self.http.get(path, params={**filters, "limit": PAGE_LIMIT, "cursor": cursor}) or []
        for item in cursor_pages(fetch, lambda last: last.get("cursor"), page_size=PAGE_LIMIT):
            yield item[wrapper]

    # -- workspaces
    def owner_id(self, owner: str | None) -> str:
        """The workspace id for an id, a name or an email; the only workspace when none is given."""
        if owner and owner.startswith(OWNER_ID_PREFIXES):
            return owner
        owners = list(self.list("/owners", "owner"))
        if owner is None:
            if len(owners) == 1:
                return owners[0]["id"]
            names = ", ".join(f"{o['name']} ({o['id']})" for o in owners)
            raise ResourceError(f"this API key sees several workspaces ({names}): set owner to one of them")
        match = unique([o for o in owners if owner in (o.get("name"), o.get("email"))], "workspace", owner)
        if match is None:
            raise ResourceError(f"no workspace named '{owner}' is visible to this API key")
        return match["id"]

    # -- services
    def services(self, owner_id: str, names: list[str] | None = None, types: list[str] | None = None) -> list[dict]:
        found = self.list("/services", "service", ownerId=owner_id, name=names or None, type=types or None)
        return [s for s in found if (not names or s["name"] in names) and (not types or s["type"] in types)]

    def service(self, owner_id: str, ref: str) -> dict:
        """A service by id (srv-..., crn-...) or by its unique name in the workspace."""
        if ref.startswith(("srv-", "crn-")):
            return self.http.get(f"/services/{ref}")
        match = unique(self.services(owner_id, [ref]), "service", ref)
        if match is None:
            raise ResourceError(f"no service named '{ref}' in workspace {owner_id}")
        return match

    # -- env vars (key-level endpoints only: the whole-set PUT would drop keys we do not manage)
    def env_vars(self, service_id: str) -> dict[str, str]:
        return {item["key"]: item.get("value") for item in self.list(f"/services/{service_id}/env-vars", "envVar")}

    def put_env_var(self, service_id: str, key: str, value: str) -> None:
        self.http.request("PUT", f"/services/{service_id}/env-vars/{key}", json_body={"value": value})

    def delete_env_var(self, service_id: str, key: str) -> None:
        self.http.request("DELETE", f"/services/{service_id}/env-vars/{key}", ok=(204, 404))

    # -- key value
    def key_values(self, owner_id: str, name: str | None = None) -> list[dict]:
        found = self.list("/key-value", "keyValue", ownerId=owner_id, name=[name] if name else None)
        return [kv for kv in found if name is None or kv["name"] == name]

    def key_value(self, key_value_id: str) -> dict:
        return self.http.get(f"/key-value/{key_value_id}")

    def connection_info(self, key_value_id: str) -> dict:
        return self.http.get(f"/key-value/{key_value_id}/connection-info")
