# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Vercel platform of the seam (app_env, app_info, preflight).

Not a public API; it may change between any two releases.

A "service" on Vercel is a project, by name or id; its env is the project's env entries of exactly the
chosen targets (``vercel_targets``, default production) and no git branch, written as vercel_env writes
them (``vercel/env.py``: ``plan_write`` and ``apply``, one record of kept digests for both). What differs
from Render:

- Values are compared by the digest kept in the record ``vercel/<project id>.env.json`` of the state
  backend (core/kept.py; an HMAC of the value under that record's key): an entry this collection wrote is known by its id and ``updatedAt``; any
  other readable entry (``plain``, or ``encrypted`` read decrypted one by one) is read and its HMAC taken.
  A ``sensitive`` value is never shown: without a kept digest it reads as unknown and is written (with a
  warning), and the rollback record keeps ``NOT_SHOWN`` for its old value.
- An entry of the key whose targets overlap the chosen ones without being the same is a clash Vercel
  refuses (ENV_CONFLICT): ``refuse`` fails the task before any write, naming it. Entries of other
  targets or branches are never touched.
- Env reaches only new deployments: the apply step redeploys production (vercel_deployment), and
  ``deploys`` reports a production deployment made before the project's last production env change as
  not running it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core import kept
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import NOT_SHOWN
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import (
    KNOWN_AFTER_APPLY, add_planned_env, over_plan, planned_env)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.vercel import env as entries_of
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import (
    READY, VercelClient, deployment_id, entry_branch, entry_targets)
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.deployment import (
    changed_at, created_at, production_entries)
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.project import (
    latest_production, production_urls, serving_production)

#: the host name every Vercel project answers on
VERCEL_DOMAIN = "vercel.app"
#: where a deployment records the commit it was built from (Vercel's git integrations)
COMMIT_META = ("githubCommitSha", "gitlabCommitSha", "bitbucketCommitSha")


def vercel_params(params: dict) -> dict:
    """The Vercel client's connection options from the seam's vercel_* options."""
    if not params.get("vercel_token"):
        raise ValueError("platform vercel needs vercel_token (VERCEL_TOKEN, or the inventory variable "
                         "launchkit_vercel_token)")
    return {"api_token": params["vercel_token"], "api_url": params["vercel_api_url"],
            "team_id": params.get("vercel_team_id"), "timeout": params["timeout"],
            "validate_certs": params["validate_certs"]}


def iso(milliseconds: float | None) -> str | None:
    if not milliseconds:
        return None
    return datetime.fromtimestamp(milliseconds / 1000, timezone.utc).isoformat().replace("+00:00", "Z")


class VercelEnv:
    """Vercel: projects by name or id; env entries of exactly the chosen targets, key by key."""

    planned_in: Any = None
    #: plain and encrypted values are read back; a sensitive one reads as NOT_SHOWN
    readable = True

    def __init__(self, params: dict, secrets: Secrets, check_mode: bool = False,
                 client: VercelClient | None = None) -> None:
        self.client = client or VercelClient.from_params(vercel_params(params), secrets)
        self.secrets = secrets
        self.kept = kept.KeptStore(params, params.get("record_dir") or params.get("state_dir"), secrets)
        self.targets = frozenset(params.get("vercel_targets") or ["production"])
        self.env_type = params.get("vercel_env_type") or "encrypted"
        self.planned_in = self.client.http.cache if check_mode else None
        self._records: dict[str, dict] = {}
        self._entries: dict[str, list[dict]] = {}
        self._values: dict[str, dict[str, Any]] = {}
        self._latest: dict[str, dict | None] = {}

    # -- what the project holds
    def _record(self, service: dict) -> dict:
        if service["id"] not in self._records:
            self._records[service["id"]] = entries_of.load_record(self.kept, service["id"])
        return self._records[service["id"]]

    def _listed(self, service: dict) -> list[dict]:
        """The project's entries, read once per task (again after a write)."""
        if service["id"] not in self._entries:
            self._entries[service["id"]] = self.client.env_vars(service["id"])
        return self._entries[service["id"]]

    def _mine(self, service: dict) -> dict[str, dict]:
        """{key: its entry of exactly the chosen targets, without a git branch}."""
        mine: dict[str, dict] = {}
        for entry in self._listed(service):
            if entry_branch(entry) is None and entry_targets(entry) == self.targets:
                mine.setdefault(entry.get("key"), entry)
        return mine

    def _value(self, service: dict, entry: dict) -> Any:
        """The entry's value (read decrypted when encrypted), or NOT_SHOWN.

        Read to be compared, it is not registered for masking here: whatever leaves the module is registered
        where it leaves (a written value, a previous value kept for the rollback, a value revealed by name).
        Registering every value read would mask a setting such as SENTRY_PROJECT=cloudgreet wherever the
        project's own name appears, and the results would no longer name the project."""
        seen = self._values.setdefault(service["id"], {})
        if entry.get("id") not in seen:
            value = entries_of.readable_value(self.client, service["id"], entry)
            seen[entry.get("id")] = value if value is not None else NOT_SHOWN
        return seen[entry.get("id")]

    def find(self, refs: list[str]) -> tuple[dict[str, dict], list[str]]:
        found: dict[str, dict] = {}
        for ref in refs:
            project = self.client.project(ref)
            if project is not None and project.get("id"):
                found[ref] = {"id": project["id"], "name": project.get("name") or ref, "type": "vercel_project",
                              "project": project}
        return found, [ref for ref in refs if ref not in found]

    def digests(self, service: dict) -> tuple[dict[str, str], None]:
        """{key: the kept HMAC of its value}: the one kept after our write while Vercel shows the same entry
        and updatedAt, else the HMAC of the value read now; a value of another type, or one never shown
        (sensitive) and not kept, gets a digest no value has, so it is written."""
        record = self._record(service)
        digests = {}
        for key, entry in self._mine(service).items():
            held = record["env"].get(entries_of.entry_identity(entry)) or {}
            if entry.get("type") != self.env_type:
                digests[key] = f"vercel-type:{entry.get('type')}"
            elif (held.get("id") == entry.get("id") and entry.get("updatedAt") is not None
                  and held.get("updated_at") == entry.get("updatedAt")):
                digests[key] = held["value_digest"]
            else:
                value = self._value(service, entry)
                digests[key] = (kept.value_digest(record, value) if isinstance(value, str)
                                else f"vercel-not-shown:{entry.get('id')}")
        return over_plan(digests, planned_env(self.planned_in, service["id"])), None

    def digest(self, value: str, service: dict | None = None) -> str:
        if service is None:
            raise ValueError("a Vercel digest belongs to a project: the service is needed")
        return kept.value_digest(self._record(service), value)

    def env(self, service: dict) -> dict[str, Any]:
        """Every key with its value (NOT_SHOWN for a sensitive one)."""
        values = {key: self._value(service, entry) for key, entry in self._mine(service).items()}
        return over_plan(values, planned_env(self.planned_in, service["id"]), KNOWN_AFTER_APPLY)

    def keys(self, service: dict) -> list[str]:
        """The key names of the chosen targets' entries (no value read)."""
        return sorted(self._mine(service))

    def plan(self, service: dict, digests: dict[str, str], deleted: list[str]) -> None:
        add_planned_env(self.planned_in, service["id"], digests, deleted)

    def refuse(self, service: dict, values: dict[str, Any]) -> None:
        """Before any write: an entry of a key to set whose targets overlap the chosen ones without being the
        same is one Vercel would refuse a second entry beside (ENV_CONFLICT), and is someone else's."""
        clashes = [clash for key in values
                   for clash in entries_of.place(self._listed(service), key, self.targets, None)[1]]
        if clashes:
            raise ResourceError(entries_of.clash_message(service, clashes, self.targets, None)
                                + " (the seam's targets are vercel_targets: launchkit_vercel_targets); nothing was written")

    def write(self, service: dict, values: dict[str, str], deleted: list[str]) -> dict[str, Any]:
        """Each key created or updated, each removed one deleted, as vercel_env does; the digests kept."""
        plan = entries_of.plan_write(self._listed(service), values, deleted, self.targets, None)
        try:
            entries_of.apply(self.client, service, plan, self.env_type, self.kept, self._record(service),
                             self.targets, None)
        finally:
            self._entries.pop(service["id"], None)
            self._values.pop(service["id"], None)
        return {}

    # -- the read side
    def _newest(self, service: dict) -> dict | None:
        if service["id"] not in self._latest:
            self._latest[service["id"]] = latest_production(self.client, service["project"])
        return self._latest[service["id"]]

    def env_changed(self, service: dict) -> float:
        """When the project's production env last changed (milliseconds; 0 when it has none)."""
        return max([changed_at(entry) for entry in production_entries(self._listed(service))] + [0.0])

    def commit(self, service: dict) -> str | None:
        """The commit the production deployment was built from, where Vercel's git integration recorded it."""
        serving = serving_production(self.client, service["project"])
        full = self.client.deployment(deployment_id(serving)) if serving and deployment_id(serving) else None
        meta = (full or {}).get("meta") or {}
        return next((meta[name] for name in COMMIT_META if meta.get(name)), None)

    def describe(self, service: dict) -> dict[str, Any]:
        project = service["project"]
        urls = production_urls(project, self._newest(service))
        serving = (project.get("targets") or {}).get("production") or {}
        newest = self._newest(service) or {}
        made = created_at(serving) or (created_at(newest) if deployment_id(newest) == deployment_id(serving) else 0.0)
        older = (made < self.env_changed(service)) if deployment_id(serving) else None
        return {"id": service["id"], "name": service["name"], "type": service["type"],
                "url": urls[0] if urls else f"https://{service['name']}.{VERCEL_DOMAIN}", "suspended": False,
                "env_changed_at": iso(self.env_changed(service)), "deploy_older_than_env": older}

    def deploys(self, service: dict) -> dict[str, dict | None]:
        """`live`: the READY deployment production serves; `latest`: the newest production deployment, or, when
        the production env changed after it was made, that change (no deployment runs it yet)."""
        project = service["project"]
        serving = serving_production(self.client, project)
        live = _deployment(serving, "live") if serving and serving.get("readyState") == READY else None
        newest = self._newest(service) or serving
        changed = self.env_changed(service)
        if newest is None:
            return {"live": live, "latest": None}
        if created_at(newest) < changed:
            latest = {"id": f"{service['name']}@env-{int(changed)}", "status": "not deployed",
                      "commit": None, "commit_message": None, "created_at": iso(changed), "finished_at": None,
                      "reason": (f"the production env changed at {iso(changed)}, after the newest production "
                                 f"deployment {deployment_id(newest)} was made: no deployment runs it yet "
                                 "(redeploy production: the apply step, or vercel_deployment)")}
            return {"live": live, "latest": latest}
        same = live is not None and deployment_id(newest) == live["id"]
        return {"live": live, "latest": live if same else _deployment(newest, str(newest.get("readyState")))}


def _deployment(deployment: dict, status: str) -> dict[str, Any]:
    """A Vercel deployment in the platform-neutral shape app_info returns."""
    meta = deployment.get("meta") or {}
    return {"id": deployment_id(deployment), "status": status,
            "commit": next((meta[name] for name in COMMIT_META if meta.get(name)), None),
            "commit_message": meta.get("githubCommitMessage") or None,
            "created_at": iso(created_at(deployment)), "finished_at": iso(deployment.get("ready"))}
