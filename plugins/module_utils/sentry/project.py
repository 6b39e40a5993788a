# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the sentry_project logic (a project, found by its slug or its unique name).

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Resource, ResourceError, ensure, unique)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import SentryClient, check_slug


class Project(Resource):
    kind = "Sentry project"

    def __init__(self, client: SentryClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.found: dict | None = None

    def find(self) -> dict | None:
        p = self.params
        if p.get("slug"):
            self.found = self.client.project(p["slug"])
        else:
            matches = [project for project in self.client.projects() if project.get("name") == p["name"]]
            self.found = unique(matches, "Sentry project", p["name"])
        return self.found

    def desired(self) -> dict:
        p = self.params
        if self.found is None and p["state"] == "present" and not p.get("team"):
            raise ResourceError(f"the Sentry project '{p.get('slug') or p.get('name')}' does not exist; "
                                f"set team (the slug of the team that will own it) to create it")
        return {"name": p.get("name") if p.get("slug") else None, "platform": p.get("platform"),
                "team": p.get("team")}

    def current(self, resource: dict) -> dict:
        team_slugs = [team.get("slug") for team in resource.get("teams") or []]
        if not team_slugs and resource.get("team"):
            team_slugs = [resource["team"].get("slug")]
        wanted = self.params.get("team")
        return {"name": resource.get("name"), "platform": resource.get("platform"),
                "team": wanted if wanted in team_slugs else ", ".join(slug for slug in team_slugs if slug) or None}

    def create(self) -> dict:
        p = self.params
        # default_rules false unless asked: else Sentry adds an "alert on every new issue" rule nobody asked for
        return self.client.create_project(p["team"], p.get("name") or p["slug"], p.get("slug"), p.get("platform"),
                                          bool(p.get("default_rules")))

    def update(self, resource: dict, changes: dict) -> dict:
        slug = resource["slug"]
        updated = resource
        if "name" in changes or "platform" in changes:
            updated = self.client.update_project(slug, changes.get("name"), changes.get("platform"))
        if "team" in changes:
            # Adds the team; other teams keep their access (removing one is not this module's call).
            self.client.add_project_team(slug, changes["team"])
            updated = self.client.project(slug)
            if updated is None:
                raise ResourceError(f"Sentry project '{slug}' does not exist in organization "
                                    f"'{self.client.organization}'")
        return updated

    def delete(self, resource: dict) -> None:
        self.client.delete_project(resource["slug"])


def project_view(project: dict | None) -> dict | None:
    if project is None:
        return None
    return {"id": project.get("id"), "slug": project.get("slug"), "name": project.get("name"),
            "platform": project.get("platform"),
            "teams": [team.get("slug") for team in project.get("teams") or []],
            "status": project.get("status"), "date_created": project.get("dateCreated")}


def run_project(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    if not params.get("name") and not params.get("slug"):
        raise ValueError("set name or slug to say which project is meant")
    check_slug(params.get("slug"), "project slug", 100)
    check_slug(params.get("team"), "team slug", 50)
    client = client or SentryClient.from_params(params, secrets)
    outcome = ensure(Project(client, params), params["state"], check_mode)
    return {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
            "warnings": outcome.warnings, "project": project_view(outcome.resource)}
