# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: an Upstash Redis database as a resource, and the upstash_redis(_info) logic.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ResourceError, ensure, unique
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.redis.policy import SPELLINGS, redis_spelling
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.client import (
    PLANS, PLATFORMS, PRIMARY_REGIONS, READ_REGIONS, SECRET_FIELDS, UpstashClient)

RETURN_SECRETS = {"type": "bool", "default": False}
OPTIONS: dict[str, dict] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "platform": {"type": "str", "choices": list(PLATFORMS), "default": "aws"},
    "primary_region": {"type": "str", "choices": list(PRIMARY_REGIONS)},
    "read_regions": {"type": "list", "elements": "str", "choices": list(READ_REGIONS)},
    "plan": {"type": "str", "choices": list(PLANS)},
    "budget": {"type": "int"},
    "eviction": {"type": "bool"},
    "maxmemory_policy": {"type": "str", "choices": list(SPELLINGS)},
    "tls": {"type": "bool"},
    "return_secrets": RETURN_SECRETS,
    "reset_password": {"type": "bool", "default": False},
}
INFO_OPTIONS: dict[str, dict] = {
    "name": {"type": "str"},
    "id": {"type": "str"},
    "return_secrets": RETURN_SECRETS,
}


# Upstash's eviction is a switch, not a Redis policy: on, it evicts with its one algorithm
# (NOTES.md, Upstash quirk 3; Upstash's docs, redis/features/eviction).
UPSTASH_EVICTION = "optimistic-volatile (volatile-random and allkeys-random combined)"


def eviction_for(name: str, policy: str | None) -> tuple[bool | None, str | None]:
    """(eviction, warning) for a Redis `policy` asked of the Upstash database `name`: noeviction is the
    switch off; any other policy turns it on, with a warning that Upstash evicts its own way instead.
    (None, None) when no policy is asked."""
    if not policy:
        return None, None
    asked = redis_spelling(policy)
    if asked == "noeviction":
        return False, None
    return True, (f"Upstash database {name}: maxmemory_policy {asked} asked for, but Upstash has only an eviction "
                  f"switch: eviction is on, and Upstash evicts with {UPSTASH_EVICTION} rather than {asked}.")


class Database(Resource):
    kind = "Upstash Redis database"
    immutable = frozenset({"platform", "primary_region"})
    id_field = "database_id"
    created_field = "creation_time"

    def __init__(self, client: UpstashClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        return unique(self.namesakes(), "Upstash database", self.params["name"], id_key="database_id")

    def namesakes(self) -> list[dict]:
        return [db for db in self.client.databases() if db.get("database_name") == self.params["name"]]

    def desired(self) -> dict:
        p = self.params
        return {"platform": p["platform"], "primary_region": p["primary_region"],
                "read_regions": p["read_regions"], "eviction": p["eviction"], "tls": p["tls"] or None}

    def current(self, resource: dict) -> dict:
        return {"platform": resource.get("platform", self.params["platform"]),
                "primary_region": resource.get("primary_region"),
                "read_regions": resource.get("read_regions") or [],
                "eviction": bool(resource.get("eviction")), "tls": bool(resource.get("tls"))}

    def create(self) -> dict:
        # TLS is always asked for: Upstash turns it on for new databases anyway.
        p = self.params
        return self.client.create_database(p["name"], p["platform"], p["primary_region"],
                                           read_regions=p["read_regions"], plan=p["plan"], budget=p["budget"],
                                           eviction=p["eviction"], tls=True)

    def update(self, resource: dict, changes: dict) -> dict:
        database_id = resource["database_id"]
        if "eviction" in changes:
            if changes["eviction"]:
                self.client.enable_eviction(database_id)
            else:
                self.client.disable_eviction(database_id)
        if changes.get("tls"):
            self.client.enable_tls(database_id)
        if "read_regions" in changes:
            self.client.update_regions(database_id, changes["read_regions"])
        return self.client.database(database_id, credentials=True)

    def delete(self, resource: dict) -> None:
        self.client.delete_database(resource["database_id"])


def validate(params: dict) -> None:
    if params["state"] == "present" and not params["primary_region"]:
        raise ValueError("primary_region is required to create or manage an Upstash database (e.g. us-east-1)")
    if params["tls"] is False:
        raise ValueError("tls: false cannot be honoured: Upstash enables TLS on every new database and it "
                         "cannot be disabled; remove the option or set it to true")
    if params["reset_password"] and params["state"] == "absent":
        raise ValueError("reset_password applies to a database that stays (state=present)")
    if params["read_regions"] and params["primary_region"] in params["read_regions"]:
        raise ValueError(f"read_regions must not include the primary region {params['primary_region']}")


def shown(value: str | None, reveal: bool) -> str | None:
    """A secret as returned: itself when asked for, else the mask; None when there is none."""
    if not value:
        return None
    return value if reveal else MASK


def database_view(db: dict, secrets: Secrets, reveal: bool) -> dict:
    """What the modules return: settings, redis_url and REST credentials (masked unless asked)."""
    secrets.add(*(db.get(field) for field in SECRET_FIELDS))
    scheme = "rediss" if db.get("tls") else "redis"
    endpoint, port = db.get("endpoint"), db.get("port")
    password = shown(db.get("password"), reveal)
    return {"id": db.get("database_id"), "name": db.get("database_name"), "state": db.get("state"),
            "primary_region": db.get("primary_region"), "read_regions": db.get("read_regions") or [],
            "tls": bool(db.get("tls")), "eviction": bool(db.get("eviction")), "endpoint": endpoint, "port": port,
            "plan": db.get("type"),
            "redis_url": f"{scheme}://default:{password}@{endpoint}:{port}" if password else None,
            "rest_url": f"https://{endpoint}" if endpoint else None,
            "rest_token": shown(db.get("rest_token"), reveal),
            "read_only_rest_token": shown(db.get("read_only_rest_token"), reveal)}


def credentials(databases: list[dict]) -> tuple[str, ...]:
    """The credentials of these databases: when the task asks for them in clear, kept out of the masking."""
    return tuple(db[field] for db in databases for field in SECRET_FIELDS if db.get(field))


def run_redis(params: dict, check_mode: bool, secrets: Secrets, client: UpstashClient | None = None) -> dict:
    validate(params)
    eviction, policy_warning = eviction_for(params["name"], params.get("maxmemory_policy"))
    if eviction is not None:
        params = {**params, "eviction": eviction}
    client = client or UpstashClient.from_params(params, secrets)
    outcome = ensure(Database(client, params), params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": ([policy_warning] if policy_warning else []) + outcome.warnings,
                              "database": None}
    if outcome.resource is None:
        return result
    database_id = outcome.resource.get("database_id")
    if not database_id:
        raise ResourceError("Upstash answered without a database_id")
    if params["reset_password"]:
        # An action, every time it is asked for: Upstash replaces the password (and the REST tokens) at once.
        result.update(changed=True, action="reset_password" if outcome.action == "none" else outcome.action)
        if check_mode:
            result["database"] = database_view(client.database(database_id), secrets, False)
            return result
        client.reset_password(database_id)
    db = client.database(database_id, credentials=True)
    result["database"] = database_view(db, secrets, params["return_secrets"])
    if params["return_secrets"]:
        result["_unmasked"] = credentials([db])
    return result


def run_redis_info(params: dict, check_mode: bool, secrets: Secrets, client: UpstashClient | None = None) -> dict:
    client = client or UpstashClient.from_params(params, secrets)
    reveal = params["return_secrets"]
    if params.get("id"):
        found = [client.database(params["id"], credentials=reveal)]
    else:
        found = [db for db in client.databases() if not params.get("name") or db.get("database_name") == params["name"]]
        if reveal:
            found = [client.database(db["database_id"], credentials=True) for db in found]
    result: dict[str, Any] = {"changed": False, "databases": [database_view(db, secrets, reveal) for db in found]}
    if reveal:
        result["_unmasked"] = credentials(found)
    return result
