# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the sentry_team logic (a team of the organization, found by its slug).

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ensure
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import SentryClient, check_slug


class Team(Resource):
    kind = "Sentry team"

    def __init__(self, client: SentryClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        return self.client.team(self.params["slug"])

    def desired(self) -> dict:
        return {"name": self.params.get("name")}

    def current(self, resource: dict) -> dict:
        return {"name": resource.get("name")}

    def create(self) -> dict:
        return self.client.create_team(self.params["slug"], self.params.get("name"))

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.update_team(resource["slug"], changes.get("name"))

    def delete(self, resource: dict) -> None:
        self.client.delete_team(resource["slug"])


def team_view(team: dict | None) -> dict | None:
    if team is None:
        return None
    return {"id": team.get("id"), "slug": team.get("slug"), "name": team.get("name"),
            "date_created": team.get("dateCreated")}


def run_team(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    check_slug(params["slug"], "team slug", 50)
    client = client or SentryClient.from_params(params, secrets)
    outcome = ensure(Team(client, params), params["state"], check_mode)
    return {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
            "warnings": outcome.warnings, "team": team_view(outcome.resource)}
