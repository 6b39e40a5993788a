# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of vercel_deployment, the apply step of a Vercel project.

Not a public API; it may change between any two releases.

Env changes reach only new deployments, so applying them is a redeploy of production:
``POST /v13/deployments`` with ``{name, deploymentId, target: "production"}`` (a new build of that
deployment with the project's current env), then waiting for ``readyState`` READY (QUEUED,
INITIALIZING, BUILDING on the way; ERROR, CANCELED or DELETED fail). As Vercel's Terraform provider
does, a production deployment counts as done only once its aliases are assigned (``aliasAssigned``),
and an ``aliasError`` fails it.

A redeploy is needed when an env entry of production changed after the newest production deployment
that did not fail was made (entries' ``updatedAt`` against the deployment's ``createdAt``), so a second
run changes nothing and a run after a failed build redeploys again; ``force`` redeploys anyway (a
removed entry leaves no time behind, so the apply step passes ``force`` when its env task changed).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, wait_for, write_once
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import (
    FAILED_STATES, READY, VercelClient, deployment_id, entry_targets, https)
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.project import (
    deployment_summary, find_project, latest_production, production_urls, serving_production)

OPTIONS: dict[str, dict] = {
    "deployment_id": {"type": "str"},
    "state": {"type": "str", "choices": ["redeployed", "ready"], "default": "redeployed"},
    "force": {"type": "bool", "default": False},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 900},
}
#: the state a deployment is in until Vercel answers about the one a check run would make
PLANNED = "(known after apply)"


def check_params(params: dict) -> None:
    if params["wait_timeout"] < 1:
        raise ValueError(f"wait_timeout must be 1 second or more, not {params['wait_timeout']}")


def created_at(item: dict) -> float:
    value = item.get("createdAt") or item.get("created") or 0
    return float(value) if isinstance(value, (int, float)) else 0.0


def changed_at(entry: dict) -> float:
    """When an env entry last changed (milliseconds): its updatedAt, else its createdAt."""
    return max(created_at(entry), float(entry.get("updatedAt") or 0))


def production_entries(entries: list[dict]) -> list[dict]:
    """The entries a new production deployment captures."""
    return [entry for entry in entries if "production" in entry_targets(entry)]


def env_changed_since(client: VercelClient, project: dict, since: float) -> list[str]:
    """Keys of production entries created or updated after `since` (milliseconds, as Vercel counts)."""
    return sorted({entry.get("key") for entry in production_entries(client.env_vars(project["id"]))
                   if changed_at(entry) > since})


def newest_not_failed(client: VercelClient, project: dict) -> dict | None:
    """The newest production deployment that did not fail (is READY or on its way). A failed build
    (ERROR, CANCELED, DELETED) never applied the env it was made with: it is no reference for what changed
    since, so a run after a failed redeploy redeploys again instead of waiting for the failed one."""
    return next((d for d in client.deployments(project["id"], target="production")
                 if d.get("readyState") not in FAILED_STATES), None)


def status(deployment: dict) -> str:
    """READY counts once the production aliases point at the deployment; an alias error is a failure."""
    state = str(deployment.get("readyState"))
    if deployment.get("aliasError"):
        return "ALIAS_ERROR"
    if state == READY and deployment.get("target") == "production" and not deployment.get("aliasAssigned"):
        return "ALIASING"
    return state


def wait_ready(client: VercelClient, made: dict, timeout: float, clock: Clock | None) -> dict:
    ident = deployment_id(made)
    url = https(made.get("url"))

    def fetch() -> dict:
        return client.deployment(ident) or {**made, "readyState": "DELETED"}

    try:
        return wait_for(fetch, status, {READY}, {*FAILED_STATES, "ALIAS_ERROR"}, timeout,
                        f"Vercel deployment {ident} ({url})", interval=5.0, clock=clock, link=lambda _d: url)
    except ResourceError as exc:
        last = client.deployment(ident) or {}
        reason = (last.get("aliasError") or {}).get("message") or last.get("errorMessage") or last.get("errorCode")
        raise ResourceError(f"{exc}{': ' + reason if reason else ''}", deployment_id=ident, url=url) from None


def start_redeploy(client: VercelClient, project: dict, source: dict, clock: Clock | None) -> dict:
    """Redeploy `source` to production; a lost answer is looked up among the production deployments
    (one made since the call began) before the redeploy is sent again."""
    known = {deployment_id(d) for d in client.deployments(project["id"])}

    def look_up() -> dict | None:
        fresh = [d for d in client.deployments(project["id"]) if deployment_id(d) not in known]
        return fresh[0] if fresh else None

    return write_once(lambda: client.redeploy(project["name"], deployment_id(source)), look_up, clock=clock)


def run_deployment(params: dict, check_mode: bool, secrets: Secrets, client: VercelClient | None = None,
                   clock: Clock | None = None) -> dict:
    check_params(params)
    client = client or VercelClient.from_params(params, secrets)
    project = find_project(client, params["project"])
    if params.get("deployment_id"):
        source = client.deployment(params["deployment_id"])
        if source is None:
            raise ResourceError(f"Vercel deployment {params['deployment_id']} not found (give its id, dpl_..., or URL)")
    else:
        source = serving_production(client, project)
        if source is None:
            raise ResourceError(f"Vercel project {project.get('name')} has no production deployment to redeploy: "
                                "deploy it once (git push or `vercel --prod`), then run again")
    if params["state"] == "ready":
        latest = latest_production(client, project) or source
    else:
        latest = newest_not_failed(client, project) or source
    changed_keys: list[str] = []
    if params["state"] == "redeployed":
        changed_keys = env_changed_since(client, project, created_at(latest))
    redeploy = params["state"] == "redeployed" and (params["force"] or bool(changed_keys))
    result: dict[str, Any] = {"changed": redeploy, "project": {"id": project["id"], "name": project.get("name")},
                              "source_deployment": deployment_summary(source), "env_changed": changed_keys}
    if redeploy and check_mode:
        result["deployment"] = {"id": PLANNED, "url": None, "ready_state": PLANNED, "created_at": None,
                                "target": "production"}
    else:
        made = start_redeploy(client, project, source, clock) if redeploy else (
            source if params.get("deployment_id") else latest)
        if params["wait"] and status(made) != READY:
            made = wait_ready(client, made, params["wait_timeout"], clock)
        result["deployment"] = deployment_summary(made)
        if redeploy:
            project = client.project(project["id"]) or project  # the aliases moved to the new deployment
    result["production_urls"] = production_urls(project)
    result["production_url"] = (result["production_urls"] or [None])[0]
    return result
