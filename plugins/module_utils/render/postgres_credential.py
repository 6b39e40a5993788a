# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of render_postgres_credential.

Not a public API; it may change between any two releases.

A Render Postgres has database users (``/postgres/{id}/credentials``): Render lists them, creates one by
name, which "becomes the database's new default user" (202, no body), and deletes one by name. A new
user's password is given only by the database's ``connection-info``, which speaks for the default user:
after a create the module reads it and fails unless it names the new user, so a URL it returns is
always the new user's.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Resource, ResourceError, ensure)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.postgres import find_postgres, revealed

KIND = "Render Postgres user"


class Credential(Resource):
    kind = KIND
    id_field = "username"
    created_field = "createdAt"

    def __init__(self, client: RenderClient, postgres_id: str, username: str) -> None:
        self.client = client
        self.postgres_id = postgres_id
        self.username = username
        self.users: list[dict] | None = None  # the first list read, as it was before any write

    def listed(self) -> list[dict]:
        users = self.client.postgres_users(self.postgres_id)
        if self.users is None:
            self.users = users
        return users

    def find(self) -> dict | None:
        return next((user for user in self.listed() if user.get("username") == self.username), None)

    def desired(self) -> dict:
        return {"username": self.username}

    def current(self, resource: dict) -> dict:
        return {"username": resource.get("username")}

    def create(self) -> dict:
        self.client.create_postgres_user(self.postgres_id, self.username)
        found = self.find()
        if found is None:
            raise ResourceError(f"Render accepted the new {KIND} '{self.username}' but does not list it")
        return found

    def update(self, resource: dict, changes: dict) -> dict:  # pragma: no cover - a username is the whole user
        raise AssertionError("a Render Postgres user has nothing to update")

    def delete(self, resource: dict) -> None:
        self.client.delete_postgres_user(self.postgres_id, resource["username"])


def default_user(users: list[dict] | None) -> str | None:
    return next((user.get("username") for user in users or () if user.get("default")), None)


def url_user(url: str | None) -> str | None:
    username = urlsplit(url).username if url and "://" in url else None
    return unquote(username) if username else None


def credential_view(user: dict | None) -> dict | None:
    if user is None:
        return None
    return {"username": user.get("username"), "default": bool(user.get("default")),
            "created_at": user.get("createdAt"), "open_connections": user.get("openConnections")}


def default_connection(client: RenderClient, postgres_id: str, username: str, secrets: Secrets,
                       reveal: bool) -> dict:
    """The database's connection info, which must be the user's: Render hands out the default user's."""
    connection = client.postgres_connection(postgres_id, secrets, reveal)
    named = url_user(connection.get("external_connection_string") or connection.get("internal_connection_string"))
    if named != username:
        raise ResourceError(
            f"Render's connection info for the Postgres {postgres_id} is for the user '{named}', not for the new "
            f"default user '{username}': its URL cannot be given. Check the users in the Render Dashboard "
            f"(Connect > Credentials)")
    return connection


def run_postgres_credential(params: dict, check_mode: bool, secrets: Secrets,
                            client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params, secrets)
    database = find_postgres(client, params["owner"], params["postgres"])
    resource = Credential(client, database["id"], params["username"])
    outcome = ensure(resource, params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "postgres_id": database["id"],
                              "previous_default": default_user(resource.users), "connection": None}
    if params["state"] == "absent":
        result["credential"] = None
        return result
    if check_mode and outcome.action == "create":
        result["credential"] = {"username": params["username"], "default": True}
        return result
    result["credential"] = credential_view(outcome.resource)
    if result["credential"]["default"] or outcome.action == "create":
        result["connection"] = default_connection(client, database["id"], params["username"], secrets,
                                                  params["return_secrets"])
    if params["return_secrets"] and result["connection"]:
        result["_unmasked"] = revealed({"connection": result["connection"]})
    return result
