# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: a Fly.io app as a resource, and the fly_app(_info) logic.

Not a public API; it may change between any two releases. App names are global across Fly.io, so
an app is found by its name alone; one that exists in another organization is refused, and a name
taken by an app the token cannot see is reported as such.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ResourceError, ensure
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import NAME_TAKEN, FlyClient
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import required_org

#: the text Fly sent for a taken name before the name_taken status existed (fly-go flaps_error.go)
LEGACY_NAME_TAKEN = "Name has already been taken"

OPTIONS: dict[str, dict] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "network": {"type": "str"},
    "force": {"type": "bool", "default": False},
}
INFO_OPTIONS: dict[str, dict] = {"name": {"type": "str"}}


def org_of(app: dict) -> str | None:
    return (app.get("organization") or {}).get("slug")


def name_taken(exc: ApiError) -> bool:
    """fly-go IsNameTakenError: the status when Fly gives one, else the legacy text."""
    if exc.code and exc.code != "unknown":
        return exc.code == NAME_TAKEN
    return LEGACY_NAME_TAKEN.lower() in exc.message.lower()


class App(Resource):
    kind = "Fly.io app"
    immutable = frozenset({"org", "network"})

    def __init__(self, client: FlyClient, params: dict) -> None:
        self.client = client
        self.params = params
        self._read: list[dict | None] = []

    def find(self) -> dict | None:
        """The app; the first read is kept for the engine's first look, every later look reads again."""
        if self._read:
            return self._read.pop()
        return self.client.app(self.params["name"])

    def first_read(self) -> dict | None:
        found = self.find()
        self._read.append(found)
        return found

    def desired(self) -> dict:
        return {"org": self.params["org"], "network": self.params["network"]}

    def current(self, resource: dict) -> dict:
        return {"org": org_of(resource), "network": resource.get("network")}

    def create(self) -> dict:
        p = self.params
        try:
            self.client.create_app(p["name"], required_org(p), p["network"])
        except ApiError as exc:
            if name_taken(exc):
                raise ResourceError(
                    f"the name '{p['name']}' is taken, possibly by an app in an org this token cannot see "
                    f"(Fly.io app names are global, not per organization): choose another name ({exc.message})",
                    status=exc.status, error_code=exc.code, request_id=exc.request_id) from None
            raise
        made = self.client.app(p["name"])
        if made is None:
            raise ResourceError(f"Fly.io accepted the app '{p['name']}' but does not show it yet; run again")
        return made

    def update(self, resource: dict, changes: dict) -> dict:  # every managed option is immutable
        raise AssertionError(f"no option of a Fly.io app can change: {sorted(changes)}")  # pragma: no cover

    def delete(self, resource: dict) -> None:
        self.client.delete_app(resource["name"], force=self.params["force"])


def app_view(app: dict) -> dict[str, Any]:
    return {"id": app.get("id"), "name": app.get("name"), "org": org_of(app), "network": app.get("network"),
            "status": app.get("status"), "machine_count": app.get("machine_count"),
            "volume_count": app.get("volume_count")}


def run_app(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    if params["state"] == "present":
        required_org(params)
    client = client or FlyClient.from_params(params, secrets)
    resource = App(client, params)
    found = resource.first_read()
    if found is not None and params["org"] and org_of(found) not in (None, params["org"]):
        raise ResourceError(f"the app '{params['name']}' exists in the organization '{org_of(found)}', not "
                            f"'{params['org']}': Fly.io app names are global; choose another name or org")
    outcome = ensure(resource, params["state"], check_mode)
    return {"changed": outcome.changed, "action": outcome.action, "warnings": outcome.warnings,
            "diff": outcome.diff(), "app": app_view(outcome.resource) if outcome.resource else None}


def run_app_info(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    client = client or FlyClient.from_params(params, secrets)
    if params.get("name"):
        found = client.app(params["name"])
        apps = [found] if found is not None else []
    else:
        apps = client.apps(required_org(params))
    return {"changed": False, "apps": [app_view(app) for app in apps]}
