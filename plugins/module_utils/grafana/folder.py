# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: a Grafana folder as a resource (grafana_folder).

Not a public API; it may change between any two releases. A folder is found by its uid. Its title can
change; its parent cannot here (a move is another call). Deleting a folder that holds alert rules
fails unless force_delete_rules is true, which is never set implicitly.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ensure
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import GrafanaClient
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import checked_uid

OPTIONS: dict[str, dict] = {
    "uid": {"type": "str", "required": True},
    "title": {"type": "str"},
    "parent_uid": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "force_delete_rules": {"type": "bool", "default": False},
}


def validate(params: dict) -> None:
    checked_uid(params["uid"], "uid")
    checked_uid(params.get("parent_uid"), "parent_uid")
    if params["state"] == "present" and not (params.get("title") or "").strip():
        raise ValueError("title is required with state=present: the folder's name as Grafana shows it")


class Folder(Resource):
    kind = "Grafana folder"
    immutable = frozenset({"parent_uid"})
    id_field = "uid"

    def __init__(self, client: GrafanaClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        return self.client.folder(self.params["uid"])

    def desired(self) -> dict:
        return {"title": self.params["title"], "parent_uid": self.params["parent_uid"]}

    def current(self, resource: dict) -> dict:
        return {"title": resource.get("title"), "parent_uid": resource.get("parentUid") or None}

    def create(self) -> dict:
        p = self.params
        return self.client.create_folder(p["uid"], p["title"], p["parent_uid"]) or self.find() or {}

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.update_folder(self.params["uid"], changes["title"], resource.get("version"))

    def delete(self, resource: dict) -> None:
        self.client.delete_folder(self.params["uid"], force_delete_rules=self.params["force_delete_rules"])


def folder_view(folder: dict) -> dict[str, Any]:
    return {"uid": folder.get("uid"), "title": folder.get("title"), "parent_uid": folder.get("parentUid") or None,
            "url": folder.get("url"), "version": folder.get("version")}


def run_folder(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    validate(params)
    client = client or GrafanaClient.from_params(params, secrets)
    outcome = ensure(Folder(client, params), params["state"], check_mode)
    return {"changed": outcome.changed, "action": outcome.action, "warnings": outcome.warnings,
            "diff": outcome.diff(), "folder": folder_view(outcome.resource) if outcome.resource else None}
