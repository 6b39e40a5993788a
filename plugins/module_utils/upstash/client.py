# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Upstash Developer API client, Redis resource and module logic.

Not a public API; it may change between any two releases. Paths and payloads follow Upstash's
Developer API OpenAPI document; base URL https://api.upstash.com/v2, HTTP Basic auth
(account email : API key).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import HttpClient, Vendor, json_message
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ResourceError, ensure, unique

DEFAULT_URL = "https://api.upstash.com/v2"
PLATFORMS = ("aws", "gcp")
PRIMARY_REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-1",
                   "eu-west-2", "sa-east-1", "ap-south-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
                   "af-south-1", "us-central1", "us-east4", "europe-west1", "asia-northeast1")
READ_REGIONS = PRIMARY_REGIONS[:13]
PLANS = ("free", "payg", "fixed_250mb", "fixed_1gb", "fixed_5gb", "fixed_10gb", "fixed_50gb", "fixed_100gb",
         "fixed_500gb")
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
    def from_params(cls, params: dict, **overrides: Any) -> "UpstashClient":
        http = HttpClient(params["api_url"], VENDOR, auth=(params["email"], params["api_key"]),
                          timeout=params["timeout"], validate_certs=params["validate_certs"], **overrides)
        return cls(http)

    def databases(self) -> list[dict]:
        return self.http.get("/redis/databases") or []

    def database(self, database_id: str, credentials: bool = False) -> dict:
        return self.http.get(f"/redis/database/{database_id}",
                             params=None if credentials else {"credentials": "hide"})

    def action(self, database_id: str, action: str, body: dict | None = None) -> None:
        # These actions set absolute states (enable/disable/set regions), so repeating one is safe.
        self.http.request("POST", f"/redis/{action}/{database_id}", json_body=body, repeatable=True)


class Database(Resource):
    kind = "Upstash Redis database"
    immutable = frozenset({"platform", "primary_region"})

    def __init__(self, client: UpstashClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        name = self.params["name"]
        return unique([db for db in self.client.databases() if db.get("database_name") == name],
                      "Upstash database", name, id_key="database_id")

    def desired(self) -> dict:
        p = self.params
        regions = p["read_regions"]
        return {"platform": p["platform"], "primary_region": p["primary_region"],
                "read_regions": regions, "eviction": p["eviction"], "tls": p["tls"] or None}

    def current(self, resource: dict) -> dict:
        return {"platform": resource.get("platform", self.params["platform"]),
                "primary_region": resource.get("primary_region"),
                "read_regions": resource.get("read_regions") or [],
                "eviction": bool(resource.get("eviction")), "tls": bool(resource.get("tls"))}

    def create(self) -> dict:
        p = self.params
        body = {"database_name": p["name"], "platform": p["platform"], "primary_region": p["primary_region"],
                "read_regions": p["read_regions"], "plan": p["plan"], "budget": p["budget"],
                "eviction": p["eviction"], "tls": True}
        return self.client.http.request("POST", "/redis/database", ok=(200, 201),
                                        json_body={k: v for k, v in body.items() if v is not None}).body

    def update(self, resource: dict, changes: dict) -> dict:
        database_id = resource["database_id"]
        if "eviction" in changes:
            self.client.action(database_id, "enable-eviction" if changes["eviction"] else "disable-eviction")
        if changes.get("tls"):
            self.client.action(database_id, "enable-tls")
        if "read_regions" in changes:
            self.client.action(database_id, "update-regions", {"read_regions": changes["read_regions"]})
        return self.client.database(database_id, credentials=True)

    def delete(self, resource: dict) -> None:
        self.client.http.request("DELETE", f"/redis/database/{resource['database_id']}", ok=(200, 204, 404))


def validate(params: dict) -> None:
    if params["state"] == "present" and not params["primary_region"]:
        raise ValueError("primary_region is required to create or manage an Upstash database (e.g. us-east-1)")
    if params["tls"] is False:
        raise ValueError("tls: false cannot be honoured: Upstash enables TLS on every new database and it "
                         "cannot be disabled; remove the option or set it to true")
    if params["read_regions"] and params["primary_region"] in params["read_regions"]:
        raise ValueError(f"read_regions must not include the primary region {params['primary_region']}")


def database_view(db: dict, secrets: Secrets, reveal: bool) -> dict:
    """What the modules return: settings, redis_url and REST credentials (masked unless asked)."""
    for field in SECRET_FIELDS:
        secrets.add(db.get(field))
    scheme = "rediss" if db.get("tls") else "redis"
    endpoint, port = db.get("endpoint"), db.get("port")
    password = db.get("password")
    shown = password if reveal else MASK
    view = {"id": db.get("database_id"), "name": db.get("database_name"), "state": db.get("state"),
            "primary_region": db.get("primary_region"), "read_regions": db.get("read_regions") or [],
            "tls": bool(db.get("tls")), "eviction": bool(db.get("eviction")), "endpoint": endpoint, "port": port,
            "plan": db.get("type"),
            "redis_url": f"{scheme}://default:{shown}@{endpoint}:{port}" if password else None,
            "rest_url": f"https://{endpoint}" if endpoint else None,
            "rest_token": (db.get("rest_token") if reveal else MASK) if db.get("rest_token") else None,
            "read_only_rest_token": ((db.get("read_only_rest_token") if reveal else MASK)
                                     if db.get("read_only_rest_token") else None)}
    return view


def run_redis(params: dict, check_mode: bool, secrets: Secrets, client: UpstashClient | None = None) -> dict:
    validate(params)
    client = client or UpstashClient.from_params(params)
    outcome = ensure(Database(client, params), params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "database": None}
    if outcome.resource is not None:
        database_id = outcome.resource.get("database_id")
        if not database_id:
            raise ResourceError("Upstash answered without a database_id")
        db = client.database(database_id, credentials=True)
        result["database"] = database_view(db, secrets, params["return_secrets"])
    if params["return_secrets"] and result["database"]:
        result["_unmasked"] = tuple(secrets.values)
    return result


def run_redis_info(params: dict, check_mode: bool, secrets: Secrets, client: UpstashClient | None = None) -> dict:
    client = client or UpstashClient.from_params(params)
    if params.get("id"):
        found = [client.database(params["id"], credentials=params["return_secrets"])]
    else:
        found = [db for db in client.databases() if not params.get("name") or db.get("database_name") == params["name"]]
        if params["return_secrets"]:
            found = [client.database(db["database_id"], credentials=True) for db in found]
    views = [database_view(db, secrets, params["return_secrets"]) for db in found]
    result: dict[str, Any] = {"changed": False, "databases": views}
    if params["return_secrets"]:
        result["_unmasked"] = tuple(secrets.values)
    return result
