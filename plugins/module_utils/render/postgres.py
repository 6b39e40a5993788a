# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of render_postgres and render_postgres_info.

Not a public API; it may change between any two releases.

Render Postgres lives under ``/postgres``: list and create, read/patch/delete one by id, its
``connection-info`` (the only place the password appears) and ``suspend``/``resume``. A delete is
irreversible, so the module refuses it unless the user confirms, before any call is made.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Outcome, Resource, ResourceError, ensure_absent, ensure_present, unique, wait_for)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import (
    POSTGRES_VERSIONS, RenderClient, dashboard_url, ip_allow_list, url_passwords)

KIND = "Render Postgres database"
DEFAULT_VERSION = POSTGRES_VERSIONS[-1]
# A database serving connections: available, or available with a maintenance window ahead (Render
# sets maintenance_scheduled days before it). Every other status is passing (creating, config_restart,
# updating_instance, maintenance_in_progress, recovery_in_progress, unavailable during a plan change)
# but recovery_failed; a wait that ends in one of them fails at its timeout, naming the status.
READY = {"available", "maintenance_scheduled"}
FAILED = {"recovery_failed"}
# our option -> the field of postgresDetail, the database as Render returns it
READ_NAMES = {"name": "name", "plan": "plan", "version": "version", "region": "region", "disk_size_gb": "diskSizeGB",
              "high_availability": "highAvailabilityEnabled", "ip_allow_list": "ipAllowList",
              "database_name": "databaseName", "database_user": "databaseUser"}
CREATE_ONLY = ("region", "database_name", "database_user")
ID_PREFIX = "dpg-"


def set_suspended(client: RenderClient, postgres_id: str, suspended: bool) -> None:
    if suspended:
        client.suspend_postgres(postgres_id)
    else:
        client.resume_postgres(postgres_id)


def is_suspended(resource: dict) -> bool:
    return resource.get("suspended") == "suspended" or resource.get("status") == "suspended"


class Postgres(Resource):
    kind = KIND
    immutable = frozenset({"version", *CREATE_ONLY})
    created_field = "createdAt"

    def __init__(self, client: RenderClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.owner_id = client.owner_id(params["owner"])
        self.prefetched: list[dict | None] = []
        self.creating = False

    def find(self) -> dict | None:
        if self.prefetched:  # looked up once already by run_postgres, to validate before the engine runs
            return self.prefetched.pop()
        if self.params.get("id"):
            found = self.client.postgres(self.params["id"])
            # id with another name renames the database, but never deletes one by a mistyped id.
            if found is not None and found["name"] != self.params["name"] and self.params["state"] == "absent":
                raise ResourceError(
                    f"the {KIND} with id '{self.params['id']}' is named '{found['name']}', not "
                    f"'{self.params['name']}': nothing was deleted; check id and name")
            return found
        return unique(self.client.postgres_list(self.owner_id, self.params["name"]), self.kind, self.params["name"])

    def namesakes(self) -> list[dict]:
        return self.client.postgres_list(self.owner_id, self.params["name"])

    def desired(self) -> dict:
        p = self.params
        version = p["version"] or (DEFAULT_VERSION if self.creating else None)
        return {"name": p["name"], "plan": p["plan"], "version": version, "region": p["region"],
                "disk_size_gb": p["disk_size_gb"], "high_availability": p["high_availability"],
                "ip_allow_list": ip_allow_list(p["ip_allow_list"]),
                "database_name": p["database_name"], "database_user": p["database_user"]}

    def current(self, resource: dict) -> dict:
        values = {name: resource.get(api) for name, api in READ_NAMES.items()}
        values["ip_allow_list"] = values["ip_allow_list"] or []
        return values

    def create(self) -> dict:
        return self.client.create_postgres(self.owner_id, {**self.desired(),
                                                           "environment_id": self.params["environment_id"]})

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.update_postgres(resource["id"], changes)

    def delete(self, resource: dict) -> None:
        self.client.delete_postgres(resource["id"])


def find_postgres(client: RenderClient, owner: str | None, ref: str) -> dict:
    """An existing database by id (dpg-...) or by its unique name in the workspace."""
    if ref.startswith(ID_PREFIX):
        found = client.postgres(ref)
    else:
        found = unique(client.postgres_list(client.owner_id(owner), ref), KIND, ref)
    if found is None:
        raise ResourceError(f"no {KIND} '{ref}' is visible to this API key: create it first (render_postgres)")
    return found


# -- checks made before any write
def refuse_unconfirmed_delete(params: dict) -> None:
    if params["state"] == "absent" and not params["confirm_delete"]:
        raise ValueError(
            f"state=absent deletes the Render Postgres '{params['name']}' and all of its data for good; "
            "Render cannot undo it. Take a backup (or an export) first, then set confirm_delete=true to delete it")


def require_create_options(params: dict) -> None:
    if params.get("id"):
        raise ResourceError(f"no {KIND} has id '{params['id']}'; leave id out to create one named '{params['name']}'")
    if not params["plan"]:
        raise ValueError(f"plan is required to create the {KIND} '{params['name']}' (Render needs one)")


def refuse_impossible_changes(resource: Postgres, existing: dict) -> None:
    want, have, name = resource.desired(), resource.current(existing), existing["name"]
    if want["version"] and want["version"] != have["version"]:
        raise ResourceError(
            f"cannot change version of the existing {KIND} '{name}' from {have['version']} to {want['version']}: "
            f"Render needs a new database for another major version. Create a new database with version "
            f"{want['version']}, restore a backup of this one into it and switch the app over; or set "
            f"version: '{have['version']}'")
    for option in CREATE_ONLY:
        if want[option] is not None and want[option] != have[option]:
            raise ResourceError(
                f"cannot change {option} of the existing {KIND} '{name}' (current: {have[option]!r}): Render sets "
                f"it at create only. Create a new database and restore a backup into it, or set the current value")
    if want["disk_size_gb"] is not None and have["disk_size_gb"] is not None \
            and want["disk_size_gb"] < have["disk_size_gb"]:
        raise ResourceError(
            f"cannot shrink the disk of the {KIND} '{name}' from {have['disk_size_gb']} GB to "
            f"{want['disk_size_gb']} GB: Render disks only grow. Set disk_size_gb to {have['disk_size_gb']} or more")


# -- what the modules return
def postgres_view(client: RenderClient, resource: dict, secrets: Secrets, reveal: bool,
                  read_connection: bool = True) -> dict:
    """Settings of one database, and its connection info (password masked unless revealed) while it runs."""
    view = {"id": resource.get("id"), "name": resource["name"], "plan": resource.get("plan"),
            "version": resource.get("version"), "region": resource.get("region"), "status": resource.get("status"),
            "disk_size_gb": resource.get("diskSizeGB"), "high_availability": resource.get("highAvailabilityEnabled"),
            "ip_allow_list": resource.get("ipAllowList") or [], "database_name": resource.get("databaseName"),
            "database_user": resource.get("databaseUser"), "owner_id": (resource.get("owner") or {}).get("id"),
            "dashboard_url": resource.get("dashboardUrl"), "created_at": resource.get("createdAt")}
    if not read_connection or resource.get("id") is None or is_suspended(resource):
        return view
    view["connection"] = client.postgres_connection(resource["id"], secrets, reveal)
    return view


def predicted(resource: Postgres, existing: dict | None, changes: dict, suspended: bool) -> dict:
    """The database as it would be after the run (check mode); ids and statuses only Render knows stay null."""
    base = existing or {"id": None, "status": None, "owner": {"id": resource.owner_id},
                        "highAvailabilityEnabled": False}
    after = dict(base, **{READ_NAMES[name]: value for name, value in changes.items() if value is not None})
    if existing is not None and suspended != is_suspended(existing):
        after.update(suspended="suspended" if suspended else "not_suspended",
                     status="suspended" if suspended else "available")
    return after


def revealed(value: Any) -> tuple[str, ...]:
    """The secrets a user asked for (return_secrets): Ansible must not mask them in the result."""
    views = value if isinstance(value, list) else [value]
    plain = [(v.get("connection") or {}).get("password") for v in views if v]
    return tuple(url_passwords(value)) + tuple(p for p in plain if p)


# -- the modules
def run_postgres(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None,
                 clock: Clock | None = None) -> dict:
    refuse_unconfirmed_delete(params)
    client = client or RenderClient.from_params(params, secrets)
    resource = Postgres(client, params)
    if params["state"] == "absent":
        outcome = ensure_absent(resource, check_mode)
        return {"changed": outcome.changed, "diff": outcome.diff(), "warnings": outcome.warnings,
                "action": outcome.action, "postgres": None}
    want_suspended = params["state"] == "suspended"
    existing = resource.find()
    if existing is None:
        require_create_options(params)
    else:
        refuse_impossible_changes(resource, existing)
    resource.creating = existing is None
    resuming = existing is not None and is_suspended(existing) and not want_suspended
    if resuming and not check_mode:  # changes are made to a running database
        set_suspended(client, existing["id"], False)
        existing = _settle(client, params, existing["id"], False, clock)
    resource.prefetched.append(existing)
    outcome = ensure_present(resource, check_mode)
    suspending = want_suspended and not (existing is not None and is_suspended(existing))
    result = _result(outcome, resuming, suspending)
    if check_mode:
        if existing is None and want_suspended:
            result["warnings"].append(f"the {KIND} would be created and then suspended")
        item = predicted(resource, existing, outcome.after if outcome.changed else {}, want_suspended)
        running = existing is not None and not is_suspended(existing)  # connection info is read only then
    else:
        item, running = _apply_suspension(client, params, outcome, suspending, clock), True
    result["postgres"] = postgres_view(client, item, secrets, params["return_secrets"], read_connection=running)
    if params["return_secrets"]:
        result["_unmasked"] = revealed(result["postgres"])
    return result


def _result(outcome: Outcome, resuming: bool, suspending: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "warnings": outcome.warnings,
                              "action": outcome.action}
    if resuming or suspending:
        result["changed"] = True
        result["action"] = outcome.action if outcome.changed else ("suspend" if suspending else "resume")
        if outcome.action != "create":
            result["diff"]["before"]["suspended"] = resuming
            result["diff"]["after"]["suspended"] = suspending
    return result


def _apply_suspension(client: RenderClient, params: dict, outcome: Outcome, suspending: bool,
                      clock: Clock | None) -> dict:
    """Suspend when asked, then the database as it settles in the state asked for (no wait when
    nothing changed: an unchanged run reads and returns)."""
    item = outcome.resource
    if not outcome.changed and not suspending:
        return item
    if suspending:
        if params["wait"]:  # a database still being created or updated is suspended once it is available
            _settle(client, params, item["id"], False, clock)
        set_suspended(client, item["id"], True)
    return _settle(client, params, item["id"], params["state"] == "suspended", clock)


def _settle(client: RenderClient, params: dict, postgres_id: str, suspended: bool, clock: Clock | None) -> dict:
    """The database once available (or suspended), when the user waits; as it is now otherwise."""
    def fetch() -> dict:
        found = client.postgres(postgres_id)
        if found is None:
            raise ResourceError(f"the {KIND} {postgres_id} is gone: it was deleted while this run waited for it")
        return found

    if not params["wait"]:
        return fetch()
    if suspended:
        return wait_for(fetch, lambda db: "suspended" if is_suspended(db) else db.get("status"), {"suspended"},
                        {"recovery_failed"}, params["wait_timeout"], f"Postgres {postgres_id} (suspending)",
                        clock=clock, link=dashboard_url)
    return wait_for(fetch, lambda db: db.get("status"), READY, FAILED, params["wait_timeout"],
                    f"Postgres {postgres_id}", clock=clock, link=dashboard_url)


def run_postgres_info(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params, secrets)
    if params.get("id"):
        found = client.postgres(params["id"])
        items = [found] if found and params.get("name") in (None, found["name"]) else []
    else:
        items = client.postgres_list(client.owner_id(params["owner"]), params.get("name"))
    views = [postgres_view(client, db, secrets, params["return_secrets"]) for db in items]
    result: dict[str, Any] = {"changed": False, "postgres": views}
    if params["return_secrets"]:
        result["_unmasked"] = revealed(views)
    return result
