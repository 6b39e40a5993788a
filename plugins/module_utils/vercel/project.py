# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of vercel_project_info, and the project look-ups the other
Vercel modules share (the project, its production URLs, its production deployments).

Not a public API; it may change between any two releases.

Where the production URL comes from (SDK getprojectresponsebody.ts, getprojectfrompreset.ts,
getprojecthas2.ts): ``targets.production`` is a summary of the deployment production serves (``id``,
``url``, ``readyState``, ``alias``: the host names aliased to it, which are the production URLs);
the project's ``alias`` list holds its domains, each with ``environment`` and ``target``. Without
either, the production deployment's own ``url`` is the only address.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import (
    READY, VercelClient, deployment_id, entry_branch, entry_targets, https)

INFO_OPTIONS = {"env": {"type": "bool", "default": False}}


def find_project(client: VercelClient, ref: str) -> dict:
    """The project `ref` names (its id or its name); a failure that says where it was looked for."""
    project = client.project(ref)
    if project is None:
        team = f"team {client.team_id}" if client.team_id else "the token's personal account (no team_id given)"
        raise ResourceError(f"Vercel project '{ref}' not found in {team}: give its id (prj_...) or name, "
                            "and team_id when it belongs to a team", project=ref)
    return project


def production_summary(project: dict) -> dict:
    return (project.get("targets") or {}).get("production") or {}


def production_urls(project: dict, latest: dict | None = None) -> list[str]:
    """The production URLs: the aliases of the production deployment, then the project's production
    domains that do not redirect; else the production deployment's own URL."""
    hosts = list(production_summary(project).get("alias") or [])
    hosts += [alias.get("domain") for alias in project.get("alias") or []
              if (alias.get("environment") == "production" or alias.get("target") == "PRODUCTION")
              and not alias.get("redirect") and alias.get("domain")]
    if not hosts:
        hosts = [production_summary(project).get("url") or (latest or {}).get("url")]
    return [url for url in dict.fromkeys(https(host) for host in hosts) if url]


def latest_production(client: VercelClient, project: dict) -> dict | None:
    """The project's newest production deployment, whatever its state (the deployments list, newest first)."""
    found = client.deployments(project["id"], target="production", limit=1)
    return found[0] if found else None


def serving_production(client: VercelClient, project: dict) -> dict | None:
    """The production deployment production serves: ``targets.production``, else the newest READY one."""
    summary = production_summary(project)
    if deployment_id(summary):
        return summary
    return next((d for d in client.deployments(project["id"], target="production") if d.get("readyState") == READY),
                None)


def deployment_summary(deployment: dict | None) -> dict | None:
    if not deployment:
        return None
    return {"id": deployment_id(deployment), "url": https(deployment.get("url")),
            "ready_state": deployment.get("readyState"), "created_at": deployment.get("createdAt") or deployment.get("created"),
            "target": deployment.get("target")}


def env_summary(entry: dict) -> dict:
    """An env entry without its value."""
    return {"id": entry.get("id"), "key": entry.get("key"), "targets": sorted(entry_targets(entry)),
            "git_branch": entry_branch(entry), "type": entry.get("type"), "updated_at": entry.get("updatedAt")}


def project_summary(client: VercelClient, project: dict, with_env: bool) -> dict:
    latest = latest_production(client, project)
    summary = {"id": project.get("id"), "name": project.get("name"), "framework": project.get("framework"),
               "production_urls": production_urls(project, latest),
               "production_deployment": deployment_summary(production_summary(project) or None),
               "latest_production_deployment": deployment_summary(latest)}
    summary["production_url"] = (summary["production_urls"] or [None])[0]
    if with_env:
        summary["env"] = [env_summary(entry) for entry in client.env_vars(project["id"])]
    return summary


def run_project_info(params: dict, check_mode: bool, secrets: Secrets, client: VercelClient | None = None) -> dict:
    del check_mode  # reads only
    client = client or VercelClient.from_params(params, secrets)
    project = client.project(params["project"])
    found = [project_summary(client, project, params["env"])] if project else []
    return {"changed": False, "projects": found}
