# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the sentry_client_key logic (a project's client key and its DSN).

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Resource, ResourceError, ensure, unique)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import SentryClient

#: the name Sentry gives the key it makes with a project
DEFAULT_KEY_NAME = "Default"


def is_default_key(key: dict) -> bool:
    return key.get("name") == DEFAULT_KEY_NAME


class ClientKey(Resource):
    kind = "Sentry client key"
    created_field = "dateCreated"

    def __init__(self, client: SentryClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.project = params["project"]
        self.adopted = False
        self._found: tuple[dict | None] | None = None

    def find(self) -> dict | None:
        if self._found is None:
            self._found = (self._find(),)
        return self._found[0]

    def _find(self) -> dict | None:
        p = self.params
        keys = self.client.keys(self.project)
        if p.get("key_id"):
            return next((key for key in keys if key.get("id") == p["key_id"]), None)
        found = unique([key for key in keys if key.get("name") == p["name"]], "Sentry client key", p["name"])
        if found is None and p["state"] == "present" and p.get("adopt_default") and len(keys) == 1 \
                and is_default_key(keys[0]):
            # The key Sentry made with the project: a second key would give the app a second DSN.
            self.adopted = True
            return keys[0]
        return found

    def namesakes(self) -> list[dict] | None:
        if self.params.get("key_id"):
            return None
        return [key for key in self.client.keys(self.project) if key.get("name") == self.params["name"]]

    def desired(self) -> dict:
        p = self.params
        rename = p.get("name") if p.get("key_id") else None
        return {"name": rename, "rate_limit": rate_limit_body(p.get("rate_limit"))}

    def current(self, resource: dict) -> dict:
        return {"name": resource.get("name"), "rate_limit": resource.get("rateLimit")}

    def create(self) -> dict:
        return self.client.create_key(self.project, self.params["name"], rate_limit_body(self.params.get("rate_limit")))

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.update_key(self.project, resource["id"], changes.get("name"), changes.get("rate_limit"))

    def delete(self, resource: dict) -> None:
        self.client.delete_key(self.project, resource["id"])


def rate_limit_body(rate_limit: dict | None) -> dict | None:
    if not rate_limit:
        return None
    return {"count": rate_limit["count"], "window": rate_limit["window"]}


def mask_dsn(dsn: str | None) -> str | None:
    """https://<key>@o1.ingest.sentry.io/2 -> https://********@o1.ingest.sentry.io/2."""
    if not dsn:
        return dsn
    parts = urlsplit(dsn)
    if "@" not in parts.netloc:
        return dsn
    host = parts.netloc.rsplit("@", 1)[1]
    return f"{parts.scheme}://{MASK}@{host}{parts.path}"


def key_secrets(key: dict | None) -> tuple[str, ...]:
    """The DSNs and keys of a client key. The key id is the public key on sentry.io, so it is among them."""
    dsn = (key or {}).get("dsn") or {}
    return tuple(value for value in (dsn.get("public"), dsn.get("secret"), (key or {}).get("public"),
                                     (key or {}).get("secret")) if value)


def key_view(key: dict | None, reveal: bool, adopted: bool = False) -> dict | None:
    if key is None:
        return None
    public = (key.get("dsn") or {}).get("public")
    return {"id": key.get("id"), "name": key.get("name"), "project_id": key.get("projectId"),
            "is_active": key.get("isActive"), "rate_limit": key.get("rateLimit"), "adopted": adopted,
            "date_created": key.get("dateCreated"),
            "dsn": {"public": public if reveal else mask_dsn(public)}}


def validate_key(params: dict) -> None:
    if not params.get("name") and not params.get("key_id"):
        raise ValueError("set name (or key_id) to say which client key is meant")
    rate_limit = params.get("rate_limit")
    if rate_limit and not 0 <= rate_limit["window"] <= 86400:
        raise ValueError("rate_limit.window must be between 0 and 86400 seconds")
    if rate_limit and rate_limit["count"] < 0:
        raise ValueError("rate_limit.count must not be negative")


def refuse_default_key_delete(resource: ClientKey, params: dict) -> None:
    found = resource.find()
    if found is not None and is_default_key(found) and not params.get("force"):
        raise ResourceError(
            f"refusing to delete the key '{found.get('name')}' that Sentry made with the project: its DSN is "
            f"likely the one every deployed client sends to; set force: true to delete it anyway")


def run_client_key(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    validate_key(params)
    client = client or SentryClient.from_params(params, secrets)
    resource = ClientKey(client, params)
    if params["state"] == "absent":
        refuse_default_key_delete(resource, params)
    outcome = ensure(resource, params["state"], check_mode)
    reveal = params.get("return_secrets", False)
    dsn_secrets = key_secrets(outcome.resource)
    secrets.add(*dsn_secrets)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings,
                              "client_key": key_view(outcome.resource, reveal, resource.adopted)}
    if resource.adopted and outcome.resource is not None:
        result["action"] = "adopt" if outcome.action == "none" else outcome.action
    if reveal and result["client_key"]:
        # Only the key's own values are shown; the auth token stays masked.
        result["_unmasked"] = tuple(value for value in dsn_secrets if value in secrets.values)
    return result
