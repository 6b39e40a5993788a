# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Upstash Developer API client, the only place Upstash's paths and fields are written.

Not a public API; it may change between any two releases. Paths and payloads follow Upstash's
Developer API OpenAPI document; base URL https://api.upstash.com/v2, HTTP Basic auth
(account email : API key). No list is paginated; errors have no documented schema.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import HttpClient, Vendor, json_message

DEFAULT_URL = "https://api.upstash.com/v2"
PLATFORMS = ("aws", "gcp")
PRIMARY_REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-1",
                   "eu-west-2", "sa-east-1", "ap-south-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
                   "af-south-1", "us-central1", "us-east4", "europe-west1", "asia-northeast1")
READ_REGIONS = PRIMARY_REGIONS[:13]
PLANS = ("free", "payg", "fixed_250mb", "fixed_1gb", "fixed_5gb", "fixed_10gb", "fixed_50gb", "fixed_100gb",
         "fixed_500gb")
#: the fields of a database that hold credentials (present unless read with credentials hidden)
SECRET_FIELDS = ("password", "rest_token", "read_only_rest_token")


def _parse_error(body: Any) -> tuple[str | None, str]:
    # Upstash documents no error schema: bodies are a JSON string or {"error": ...}.
    return None, json_message(body, "error", "message")


VENDOR = Vendor("Upstash", parse_error=_parse_error,
                auth_hint="Check email and api_key (or UPSTASH_EMAIL and UPSTASH_API_KEY): the Developer API "
                          "key of a native Upstash account, not one created through Vercel or Fly.io.")


class UpstashClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> "UpstashClient":
        http = HttpClient(params["api_url"], VENDOR, auth=(params["email"], params["api_key"]),
                          timeout=params["timeout"], validate_certs=params["validate_certs"],
                          secrets=secrets or Secrets(), **overrides)
        return cls(http)

    def databases(self) -> list[dict]:
        return self.http.get("/redis/databases") or []

    def database(self, database_id: str, credentials: bool = False) -> dict:
        """One database; its password and REST tokens only when `credentials` is true."""
        return self.http.get(f"/redis/database/{database_id}",
                             params=None if credentials else {"credentials": "hide"})

    def create_database(self, name: str, platform: str, primary_region: str, *, read_regions: list[str] | None = None,
                        plan: str | None = None, budget: int | None = None, eviction: bool | None = None,
                        tls: bool = True) -> dict:
        body = {"database_name": name, "platform": platform, "primary_region": primary_region,
                "read_regions": read_regions, "plan": plan, "budget": budget, "eviction": eviction, "tls": tls}
        return self.http.request("POST", "/redis/database", json_body=compact(body), ok=(200, 201)).body

    def delete_database(self, database_id: str) -> None:
        self.http.request("DELETE", f"/redis/database/{database_id}", ok=(200, 204, 404))

    def enable_eviction(self, database_id: str) -> None:
        self._action(database_id, "enable-eviction")

    def disable_eviction(self, database_id: str) -> None:
        self._action(database_id, "disable-eviction")

    def enable_tls(self, database_id: str) -> None:
        self._action(database_id, "enable-tls")

    def update_regions(self, database_id: str, read_regions: list[str]) -> None:
        self._action(database_id, "update-regions", {"read_regions": read_regions})

    def reset_password(self, database_id: str) -> dict:
        """A new password (and REST tokens) at once; the old password stops working. Never repeated blindly."""
        return self.http.request("POST", f"/redis/reset-password/{database_id}").body

    def _action(self, database_id: str, action: str, body: dict | None = None) -> None:
        # These actions set absolute states (enable/disable/set regions), so repeating one is safe.
        self.http.request("POST", f"/redis/{action}/{database_id}", json_body=body, repeatable=True)
