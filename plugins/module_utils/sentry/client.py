# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Sentry web API client, its resources and the sentry_* module logic.

Not a public API; it may change between any two releases. Paths and payloads follow Sentry's
OpenAPI document (``shared/api-specs/sentry/openapi-derefed.json``); the legacy issue alert rules
follow the last spec that still had them (2026-05-08). Base URL ``https://sentry.io/api/0`` (or
``https://{us,de}.sentry.io/api/0``, or a self-hosted Sentry); every path ends with a slash; Bearer
auth token; lists are paginated through the ``Link`` header.

Sending a test event has no web-API endpoint: it goes to the DSN's ingest endpoint as an envelope,
built here without the sentry-sdk.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    HttpClient, Response, RetryPolicy, Vendor, json_message)
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Resource, ResourceError, ensure, unique)

DEFAULT_URL = "https://sentry.io/api/0"
SLUG_PATTERN = re.compile(r"^(?![0-9]+$)[a-z0-9_\-]+$")
SDK_NAME = "launchkit.paas"
SDK_VERSION = "0.1"
#: the name Sentry gives the key it makes with a project
DEFAULT_KEY_NAME = "Default"
INTERVALS = ("1m", "5m", "15m", "1h", "1d", "1w", "30d")
WORKFLOW_FREQUENCIES = (0, 5, 10, 30, 60, 180, 720, 1440)
FALLTHROUGH = ("ActiveMembers", "AllMembers", "NoOne")


# ------------------------------------------------------------------------------------------ HTTP
def _parse_error(body: Any) -> tuple[str | None, str]:
    """Sentry answers {"detail": "..."} or, for validation errors, a field -> messages map."""
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, dict):  # {"detail": {"code": ..., "message": ...}}
            return detail.get("code"), str(detail.get("message") or json.dumps(detail))
        if detail:
            return None, str(detail)
        parts = []
        for field_name, messages in body.items():
            if isinstance(messages, list):
                messages = "; ".join(str(m) for m in messages)
            elif isinstance(messages, dict):
                messages = json.dumps(messages)
            parts.append(f"{field_name}: {messages}")
        return None, ", ".join(parts)[:500] or "(no message)"
    if isinstance(body, list):
        return None, "; ".join(str(item) for item in body)[:500]
    return None, json_message(body)


VENDOR = Vendor("Sentry", parse_error=_parse_error, reset_header="X-Sentry-Rate-Limit-Reset", reset_is_epoch=True,
                auth_hint="Check auth_token (or SENTRY_AUTH_TOKEN): a Sentry auth token of this organization with "
                          "the scopes the module needs (project:write, alerts:write, event:read), and api_url "
                          "(the organization's region, e.g. https://de.sentry.io/api/0).")

_LINK_PART = re.compile(r'<(?P<url>[^>]*)>(?P<params>[^,]*(?:,(?!\s*<)[^,]*)*)')
_LINK_PARAM = re.compile(r';\s*(?P<key>[a-zA-Z_]+)="?(?P<value>[^";]*)"?')


def parse_link_header(value: str | None) -> list[dict[str, str]]:
    """The links of a Link header: [{"url": ..., "rel": ..., "results": ..., "cursor": ...}, ...]."""
    links = []
    for match in _LINK_PART.finditer(value or ""):
        link = {"url": match.group("url")}
        for param in _LINK_PARAM.finditer(match.group("params")):
            link[param.group("key").lower()] = param.group("value")
        links.append(link)
    return links


def next_cursor(response: Response) -> str | None:
    """The cursor of the next page: only a rel="next" link with results="true" has one."""
    for link in parse_link_header(response.header("Link")):
        if link.get("rel") == "next":
            return link.get("cursor") if link.get("results") == "true" else None
    return None


def link_pages(fetch: Callable[[str | None], Response]) -> Iterator[Any]:
    """Iterate the items of a Link-paginated list: fetch(cursor) returns one page's Response."""
    cursor = None
    seen: set[str] = set()
    while True:
        response = fetch(cursor)
        yield from response.body or []
        cursor = next_cursor(response)
        if not cursor or cursor in seen:
            return
        seen.add(cursor)


def segment(value: Any) -> str:
    return quote(str(value), safe="")


class SentryClient:
    def __init__(self, http: HttpClient, organization: str) -> None:
        self.http = http
        self.organization = organization
        self.org = segment(organization)

    @classmethod
    def from_params(cls, params: dict, **overrides: Any) -> "SentryClient":
        if not params.get("auth_token"):
            raise ValueError("auth_token (or SENTRY_AUTH_TOKEN) is required")
        if not params.get("organization"):
            raise ValueError("organization (or SENTRY_ORG) is required")
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['auth_token']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"], **overrides)
        return cls(http, params["organization"])

    def list(self, path: str, params: dict | None = None) -> list[dict]:
        return list(link_pages(lambda cursor: self.http.request("GET", path, params={**(params or {}),
                                                                                     "cursor": cursor})))

    def get_or_none(self, path: str, params: dict | None = None) -> dict | None:
        response = self.http.request("GET", path, params=params, ok=(200, 404))
        return response.body if response.status == 200 else None

    def post(self, path: str, body: dict) -> dict:
        return self.http.request("POST", path, json_body=body, ok=(200, 201)).body

    def put(self, path: str, body: dict) -> dict:
        return self.http.request("PUT", path, json_body=body, ok=(200, 201, 202)).body

    def delete(self, path: str) -> None:
        self.http.request("DELETE", path, ok=(200, 202, 204, 404))

    # paths
    def team_path(self, team: str) -> str:
        return f"/teams/{self.org}/{segment(team)}/"

    def project_path(self, project: str) -> str:
        return f"/projects/{self.org}/{segment(project)}/"

    def team(self, slug: str) -> dict | None:
        return self.get_or_none(self.team_path(slug))

    def project(self, slug: str) -> dict | None:
        return self.get_or_none(self.project_path(slug))

    def require_project(self, slug: str) -> dict:
        project = self.project(slug)
        if project is None:
            raise ResourceError(f"Sentry project '{slug}' does not exist in organization '{self.organization}'")
        return project

    def keys(self, project: str) -> list[dict]:
        return self.list(self.project_path(project) + "keys/")


def check_slug(value: str | None, what: str, max_length: int) -> None:
    if value is not None and (len(value) > max_length or not SLUG_PATTERN.match(value)):
        raise ValueError(f"{what} '{value}' is not a valid Sentry slug: lowercase letters, digits, '-' and '_' "
                         f"(not only digits), at most {max_length} characters")


def sentry_options(required: bool = True) -> dict:
    """The connection options of every sentry_* module (documented in the launchkit.paas.sentry fragment)."""
    from ansible.module_utils.basic import env_fallback

    options = base_options("SENTRY_API_URL", DEFAULT_URL, None)
    options["auth_token"] = {"type": "str", "required": required, "no_log": True,
                             "fallback": (env_fallback, ["SENTRY_AUTH_TOKEN"])}
    options["organization"] = {"type": "str", "required": required, "fallback": (env_fallback, ["SENTRY_ORG"])}
    return options


# ------------------------------------------------------------------------------------------ team
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
        body = {"slug": self.params["slug"], "name": self.params.get("name")}
        return self.client.post(f"/organizations/{self.client.org}/teams/", {k: v for k, v in body.items() if v})

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.put(self.client.team_path(resource["slug"]), {"slug": resource["slug"], **changes})

    def delete(self, resource: dict) -> None:
        self.client.delete(self.client.team_path(resource["slug"]))


def team_view(team: dict | None) -> dict | None:
    if team is None:
        return None
    return {"id": team.get("id"), "slug": team.get("slug"), "name": team.get("name"),
            "date_created": team.get("dateCreated")}


def run_team(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    check_slug(params["slug"], "team slug", 50)
    client = client or SentryClient.from_params(params)
    outcome = ensure(Team(client, params), params["state"], check_mode)
    return {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
            "warnings": outcome.warnings, "team": team_view(outcome.resource)}


# ------------------------------------------------------------------------------------------ project
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
            matches = [project for project in self.client.list(f"/organizations/{self.client.org}/projects/")
                       if project.get("name") == p["name"]]
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
        body = {"name": p.get("name") or p["slug"], "slug": p.get("slug"), "platform": p.get("platform"),
                # without this Sentry adds an "alert on every new issue" rule nobody asked for
                "default_rules": bool(p.get("default_rules"))}
        return self.client.post(f"/teams/{self.client.org}/{segment(p['team'])}/projects/",
                                {k: v for k, v in body.items() if v is not None})

    def update(self, resource: dict, changes: dict) -> dict:
        path = self.client.project_path(resource["slug"])
        settings = {key: changes[key] for key in ("name", "platform") if key in changes}
        updated = self.client.put(path, settings) if settings else resource
        if "team" in changes:
            # Adds the team; other teams keep their access (removing one is not this module's call).
            self.client.http.request("POST", f"{path}teams/{segment(changes['team'])}/", ok=(200, 201),
                                     repeatable=True)
            updated = self.client.require_project(resource["slug"])
        return updated

    def delete(self, resource: dict) -> None:
        self.client.delete(self.client.project_path(resource["slug"]))


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
    client = client or SentryClient.from_params(params)
    outcome = ensure(Project(client, params), params["state"], check_mode)
    return {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
            "warnings": outcome.warnings, "project": project_view(outcome.resource)}


# ------------------------------------------------------------------------------------------ client key
def is_default_key(key: dict) -> bool:
    return key.get("name") == DEFAULT_KEY_NAME


class ClientKey(Resource):
    kind = "Sentry client key"

    def __init__(self, client: SentryClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.adopted = False
        self.keys_path = client.project_path(params["project"]) + "keys/"
        self._found: tuple[dict | None] | None = None

    def find(self) -> dict | None:
        if self._found is None:
            self._found = (self._find(),)
        return self._found[0]

    def _find(self) -> dict | None:
        p = self.params
        keys = self.client.list(self.keys_path)
        if p.get("key_id"):
            return next((key for key in keys if key.get("id") == p["key_id"]), None)
        found = unique([key for key in keys if key.get("name") == p["name"]], "Sentry client key", p["name"])
        if found is None and p["state"] == "present" and p.get("adopt_default") and len(keys) == 1 \
                and is_default_key(keys[0]):
            # The key Sentry made with the project: a second key would give the app a second DSN.
            self.adopted = True
            return keys[0]
        return found

    def desired(self) -> dict:
        p = self.params
        rename = p.get("name") if p.get("key_id") else None
        return {"name": rename, "rate_limit": rate_limit_body(p.get("rate_limit"))}

    def current(self, resource: dict) -> dict:
        return {"name": resource.get("name"), "rate_limit": resource.get("rateLimit")}

    def create(self) -> dict:
        body: dict[str, Any] = {"name": self.params["name"]}
        if self.params.get("rate_limit"):
            body["rateLimit"] = rate_limit_body(self.params["rate_limit"])
        return self.client.post(self.keys_path, body)

    def update(self, resource: dict, changes: dict) -> dict:
        body = {"name": changes.get("name"), "rateLimit": changes.get("rate_limit")}
        return self.client.put(f"{self.keys_path}{segment(resource['id'])}/",
                               {k: v for k, v in body.items() if v is not None})

    def delete(self, resource: dict) -> None:
        self.client.delete(f"{self.keys_path}{segment(resource['id'])}/")


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


def key_view(key: dict | None, secrets: Secrets, reveal: bool, adopted: bool = False) -> dict | None:
    if key is None:
        return None
    dsn = key.get("dsn") or {}
    # The key id is the public key on sentry.io: it is registered (and so masked) with the DSN.
    secrets.add(dsn.get("public"), dsn.get("secret"), key.get("public"), key.get("secret"))
    public = dsn.get("public")
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


def run_client_key(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    validate_key(params)
    client = client or SentryClient.from_params(params)
    resource = ClientKey(client, params)
    if params["state"] == "absent":
        found = resource.find()
        if found is not None and is_default_key(found) and not params.get("force"):
            raise ResourceError(
                f"refusing to delete the key '{found.get('name')}' that Sentry made with the project: its DSN is "
                f"likely the one every deployed client sends to; set force: true to delete it anyway")
    outcome = ensure(resource, params["state"], check_mode)
    reveal = params.get("return_secrets", False)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings,
                              "client_key": key_view(outcome.resource, secrets, reveal, resource.adopted)}
    if resource.adopted and outcome.resource is not None:
        result["action"] = "adopt" if outcome.action == "none" else outcome.action
    if reveal and result["client_key"]:
        result["_unmasked"] = tuple(secrets.values)
    return result


# ------------------------------------------------------------------------------------------ alert rules
@dataclass
class Target:
    """One notification target, resolved to the ids the API wants."""

    type: str  # team | member | issue_owners | slack
    identifier: str | None = None  # team id / user id / channel name
    integration_id: str | None = None
    fallthrough: str | None = None


def resolve_targets(client: SentryClient, notify: list[dict]) -> list[Target]:
    targets = []
    members: list[dict] | None = None
    for item in notify:
        kind, target = item["type"], item.get("target")
        if kind in ("team", "member", "slack") and not target:
            raise ValueError(f"notify: type {kind} needs target (team slug, member email or user id, channel)")
        if kind == "team":
            team = client.team(str(target))
            if team is None:
                raise ResourceError(f"notify: team '{target}' does not exist in organization '{client.organization}'")
            targets.append(Target("team", str(team["id"]), fallthrough=item.get("fallthrough")))
        elif kind == "member":
            if str(target).isdigit():
                targets.append(Target("member", str(target), fallthrough=item.get("fallthrough")))
                continue
            if members is None:
                members = client.list(f"/organizations/{client.org}/members/")
            match = [m for m in members if (m.get("email") or "").lower() == str(target).lower() and m.get("user")]
            if not match:
                raise ResourceError(f"notify: no member with email '{target}' in organization '{client.organization}'")
            targets.append(Target("member", str(match[0]["user"]["id"]), fallthrough=item.get("fallthrough")))
        elif kind == "issue_owners":
            targets.append(Target("issue_owners", fallthrough=item.get("fallthrough") or "ActiveMembers"))
        else:
            if not item.get("integration_id"):
                raise ValueError("notify: type slack needs integration_id (the Slack integration's id in Sentry)")
            targets.append(Target("slack", str(target), integration_id=str(item["integration_id"])))
    return targets


def wanted_conditions(params: dict) -> list[dict]:
    """The rule's conditions in the module's own neutral shape (shared by both APIs)."""
    if params["kind"] == "new_issue":
        return [{"type": "first_seen_event"}]
    return [{"type": "event_frequency_count", "value": params["threshold"], "interval": params["interval"]}]


def wanted_actions(targets: list[Target]) -> list[dict]:
    actions = []
    for target in targets:
        if target.type == "slack":
            actions.append({"type": "slack", "integration_id": target.integration_id, "channel": target.identifier})
        else:
            actions.append({"type": "email", "target_type": target.type, "target_identifier": target.identifier})
    return actions


# -- workflows (current Sentry: "Alerts" connected to "Monitors")
WORKFLOW_TARGET_TYPES = {"team": "team", "member": "user", "issue_owners": "issue_owners"}


def workflow_action(target: Target) -> dict:
    if target.type == "slack":
        return {"type": "slack", "integrationId": target.integration_id, "data": {},
                "config": {"targetType": "specific", "targetIdentifier": "", "targetDisplay": target.identifier},
                "status": "active"}
    data = {"fallthroughType": target.fallthrough} if target.type == "issue_owners" else {}
    return {"type": "email", "integrationId": None, "data": data,
            "config": {"targetType": WORKFLOW_TARGET_TYPES[target.type], "targetDisplay": None,
                       "targetIdentifier": target.identifier if target.identifier is not None else ""},
            "status": "active"}


def workflow_condition(condition: dict) -> dict:
    if condition["type"] == "first_seen_event":
        return {"type": "first_seen_event", "comparison": True, "conditionResult": True}
    return {"type": condition["type"], "comparison": {"value": condition["value"], "interval": condition["interval"]},
            "conditionResult": True}


def workflow_body(params: dict, targets: list[Target], detector_ids: list[int], frequency: int,
                  environment: str | None, enabled: bool = True) -> dict:
    """The request body of POST/PUT .../workflows/.

    Top-level keys and the trigger's ``logic_type`` are spelled as the request schema names them
    (snake case; Sentry accepts both cases there), conditions and actions as the spec's examples do.
    A new-issue alert triggers on ``first_seen_event``; a frequency alert has no trigger condition
    and filters on ``event_frequency_count`` (the spec's own example of such an alert).
    """
    conditions = [workflow_condition(c) for c in wanted_conditions(params)]
    triggers = [c for c in conditions if c["type"] == "first_seen_event"]
    filters = [c for c in conditions if c["type"] != "first_seen_event"]
    return {"name": params["name"], "enabled": enabled, "environment": environment,
            "config": {"frequency": frequency}, "detector_ids": detector_ids,
            "triggers": {"logic_type": "any-short", "conditions": triggers},
            "action_filters": [{"logic_type": "all", "conditions": filters,
                                "actions": [workflow_action(t) for t in targets]}]}


def _key(item: dict, camel: str, snake: str, default: Any = None) -> Any:
    """Read a key the API may spell in either case (we send snake, Sentry answers camel)."""
    if camel in item:
        return item[camel]
    return item.get(snake, default)


def workflow_state(workflow: dict) -> dict:
    """A workflow (as sent or as answered) in the neutral shape used for comparison."""
    triggers = workflow.get("triggers") or {}
    filters = _key(workflow, "actionFilters", "action_filters", []) or []
    conditions = []
    for condition in list(triggers.get("conditions") or []) + [c for f in filters for c in f.get("conditions") or []]:
        comparison = condition.get("comparison")
        item = {"type": condition.get("type")}
        if isinstance(comparison, dict):
            item.update({k: comparison.get(k) for k in ("value", "interval")})
        conditions.append(item)
    actions = []
    for action in [a for f in filters for a in f.get("actions") or []]:
        config = action.get("config") or {}
        if action.get("type") == "slack":
            actions.append({"type": "slack", "integration_id": str(_key(action, "integrationId", "integration_id")),
                            "channel": _key(config, "targetDisplay", "target_display")})
        else:
            target_type = _key(config, "targetType", "target_type")
            identifier = _key(config, "targetIdentifier", "target_identifier")
            target_type = {"user": "member"}.get(target_type, target_type)
            actions.append({"type": action.get("type"), "target_type": target_type,
                            "target_identifier": str(identifier) if identifier not in (None, "") else None})
    config = workflow.get("config") or {}
    return {"conditions": conditions, "actions": actions, "frequency": config.get("frequency"),
            "environment": workflow.get("environment"), "enabled": workflow.get("enabled"),
            "detectors": sorted(str(d) for d in _key(workflow, "detectorIds", "detector_ids", []) or [])}


# -- legacy issue alert rules (project .../rules/, removed from the public spec on 2026-05-08)
LEGACY_CONDITIONS = {
    "first_seen_event": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition",
    "event_frequency_count": "sentry.rules.conditions.event_frequency.EventFrequencyCondition",
}
LEGACY_EMAIL = "sentry.mail.actions.NotifyEmailAction"
LEGACY_SLACK = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
LEGACY_TARGET_TYPES = {"team": "Team", "member": "Member", "issue_owners": "IssueOwners"}


def legacy_action(target: Target) -> dict:
    if target.type == "slack":
        return {"id": LEGACY_SLACK, "workspace": int(target.integration_id), "channel": target.identifier}
    action: dict[str, Any] = {"id": LEGACY_EMAIL, "targetType": LEGACY_TARGET_TYPES[target.type],
                              "fallthroughType": target.fallthrough or "ActiveMembers"}
    if target.identifier is not None:
        action["targetIdentifier"] = int(target.identifier)
    return action


def legacy_rule_body(params: dict, targets: list[Target], frequency: int, environment: str | None) -> dict:
    """The request body of POST/PUT .../rules/ (a PUT overwrites the whole rule, so it is always complete)."""
    conditions = []
    for condition in wanted_conditions(params):
        item = {"id": LEGACY_CONDITIONS[condition["type"]]}
        item.update({k: v for k, v in condition.items() if k != "type"})
        conditions.append(item)
    body = {"name": params["name"], "frequency": frequency, "actionMatch": "all", "conditions": conditions,
            "actions": [legacy_action(t) for t in targets], "environment": environment}
    return body


def legacy_rule_state(rule: dict) -> dict:
    by_id = {v: k for k, v in LEGACY_CONDITIONS.items()}
    conditions = []
    for condition in rule.get("conditions") or []:
        item = {"type": by_id.get(condition.get("id"), condition.get("id"))}
        if item["type"] == "event_frequency_count":
            item.update({"value": condition.get("value"), "interval": condition.get("interval")})
        conditions.append(item)
    actions = []
    by_type = {v: k for k, v in LEGACY_TARGET_TYPES.items()}
    for action in rule.get("actions") or []:
        if action.get("id") == LEGACY_SLACK:
            actions.append({"type": "slack", "integration_id": str(action.get("workspace")),
                            "channel": action.get("channel")})
        else:
            identifier = action.get("targetIdentifier")
            actions.append({"type": "email", "target_type": by_type.get(action.get("targetType"), action.get("targetType")),
                            "target_identifier": str(identifier) if identifier not in (None, "") else None})
    return {"conditions": conditions, "actions": actions, "frequency": rule.get("frequency"),
            "environment": rule.get("environment"), "enabled": None, "detectors": None}


class AlertRule(Resource):
    """An alert rule found by name: a workflow connected to the project's monitors, or a legacy rule."""

    kind = "Sentry alert rule"

    def __init__(self, client: SentryClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.api = params.get("api") or "workflows"
        self.project_path = client.project_path(params["project"])
        self._targets: list[Target] | None = None
        self._detectors: list[int] | None = None
        self._project: tuple[dict | None] | None = None

    # where the rules live
    def collection_path(self) -> str:
        if self.api == "workflows":
            return f"/organizations/{self.client.org}/workflows/"
        return self.project_path + "rules/"

    def item_path(self, rule: dict) -> str:
        return f"{self.collection_path()}{segment(rule['id'])}/"

    def project(self) -> dict | None:
        if self._project is None:
            self._project = (self.client.project(self.params["project"]),)
        return self._project[0]

    def find(self) -> dict | None:
        project = self.project()
        if project is None:
            if self.params["state"] == "absent":
                return None
            raise ResourceError(f"Sentry project '{self.params['project']}' does not exist in organization "
                                f"'{self.client.organization}'")
        # Filtered by the project's id: the alerts connected to its monitors.
        query = {"project": project.get("id")} if self.api == "workflows" else None
        rules = self.client.list(self.collection_path(), query)
        return unique([rule for rule in rules if rule.get("name") == self.params["name"]],
                      "Sentry alert rule", self.params["name"])

    # what to send
    def targets(self) -> list[Target]:
        if self._targets is None:
            self._targets = resolve_targets(self.client, self.params.get("notify") or [])
        return self._targets

    def detector_ids(self) -> list[int]:
        """The project's monitors of the configured types (by default its issue-stream monitor, the one Sentry
        connects its own default alerts to)."""
        if self._detectors is None:
            project = self.project() or {}
            types = self.params.get("detector_types") or ["issue_stream"]
            detectors = self.client.list(f"/organizations/{self.client.org}/detectors/", {"project": project.get("id")})
            ids = sorted(int(d["id"]) for d in detectors
                         if d.get("type") in types and str(d.get("projectId")) == str(project.get("id")))
            if not ids:
                raise ResourceError(
                    f"project '{self.params['project']}' has no monitor of type {', '.join(types)} to connect the "
                    f"alert to; check the project in Sentry, set detector_types, or use api: legacy_rules on a "
                    f"Sentry without monitors")
            self._detectors = ids
        return self._detectors

    def body(self, current: dict | None = None) -> dict:
        p = self.params
        frequency = p.get("frequency")
        if frequency is None:
            frequency = (current or {}).get("frequency") or 30
        environment = p.get("environment") if p.get("environment") is not None else (current or {}).get("environment")
        if self.api == "workflows":
            enabled = p.get("enabled")
            if enabled is None:
                enabled = (current or {}).get("enabled") is not False
            return workflow_body(p, self.targets(), self.detector_ids(), frequency, environment, enabled)
        return legacy_rule_body(p, self.targets(), frequency, environment)

    def state_of(self, rule: dict) -> dict:
        return workflow_state(rule) if self.api == "workflows" else legacy_rule_state(rule)

    # the engine's view
    def desired(self) -> dict:
        p = self.params
        if p["state"] == "absent":
            return {}
        wanted = {"conditions": wanted_conditions(p), "frequency": p.get("frequency"),
                  "environment": p.get("environment"),
                  "actions": wanted_actions(self.targets())}
        if self.api == "workflows":
            wanted["enabled"] = p.get("enabled")
            wanted["detectors"] = [str(d) for d in self.detector_ids()]
        return wanted

    def current(self, resource: dict) -> dict:
        return self.state_of(resource)

    def create(self) -> dict:
        return self.client.post(self.collection_path(), self.body())

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.put(self.item_path(resource), self.body(self.state_of(resource)))

    def delete(self, resource: dict) -> None:
        self.client.delete(self.item_path(resource))


def validate_alert_rule(params: dict) -> None:
    if params["state"] == "absent":
        return
    if not params.get("kind"):
        raise ValueError("kind (new_issue or event_frequency) is required unless state: absent")
    if not params.get("notify"):
        raise ValueError("notify is required unless state: absent (a team, a member, issue owners or Slack)")
    if params["kind"] == "event_frequency" and not params.get("threshold"):
        raise ValueError("kind: event_frequency needs threshold (events of one issue within interval)")
    frequency = params.get("frequency")
    if frequency is not None:
        if params.get("api", "workflows") == "workflows" and frequency not in WORKFLOW_FREQUENCIES:
            raise ValueError(f"frequency must be one of {', '.join(map(str, WORKFLOW_FREQUENCIES))} minutes "
                             f"for api: workflows")
        if params.get("api") == "legacy_rules" and not 5 <= frequency <= 43200:
            raise ValueError("frequency must be between 5 and 43200 minutes for api: legacy_rules")


def alert_rule_view(rule: dict | None, api: str) -> dict | None:
    if rule is None:
        return None
    state = workflow_state(rule) if api == "workflows" else legacy_rule_state(rule)
    return {"id": rule.get("id"), "name": rule.get("name"), "api": api, **state}


def run_alert_rule(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    validate_alert_rule(params)
    client = client or SentryClient.from_params(params)
    resource = AlertRule(client, params)
    outcome = ensure(resource, params["state"], check_mode)
    return {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
            "warnings": outcome.warnings, "alert_rule": alert_rule_view(outcome.resource, resource.api)}


# ------------------------------------------------------------------------------------------ test event
@dataclass
class Dsn:
    scheme: str
    public_key: str
    host: str  # with :port when there is one
    path_prefix: str
    project_id: str
    raw: str

    @property
    def envelope_url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path_prefix}/api/{self.project_id}/envelope/"

    @property
    def masked(self) -> str:
        return f"{self.scheme}://{MASK}@{self.host}{self.path_prefix}/{self.project_id}"


def parse_dsn(dsn: str) -> Dsn:
    """<scheme>://<public_key>[:<secret>]@<host>[:<port>][/<path-prefix>]/<project_id>."""
    parts = urlsplit(dsn.strip())
    if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname:
        raise ValueError("dsn is not a Sentry DSN (expected https://<public key>@<host>/<project id>)")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    path = parts.path.rstrip("/")
    prefix, _slash, project_id = path.rpartition("/")
    if not project_id.isdigit():
        raise ValueError("dsn has no numeric project id at the end of its path")
    return Dsn(parts.scheme, parts.username, host, prefix, project_id, dsn.strip())


def auth_header(dsn: Dsn) -> str:
    return f"Sentry sentry_version=7, sentry_key={dsn.public_key}, sentry_client={SDK_NAME}/{SDK_VERSION}"


def iso_now(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_test_event(event_id: str, check_id: str, params: dict, now: float | None = None) -> dict:
    """The ZeroDivisionError event the Scoop plan asks for, tagged so it can be found again."""
    return {
        "event_id": event_id, "timestamp": iso_now(now), "platform": "python", "level": "error",
        "logger": SDK_NAME, "environment": params.get("environment") or "production",
        "release": params.get("release"),
        "message": {"formatted": f"launchkit.paas test event (launchkit_check={check_id})"},
        "exception": {"values": [{"type": "ZeroDivisionError", "value": "division by zero",
                                  "mechanism": {"type": "generic", "handled": True}}]},
        "tags": {"launchkit_check": check_id},
        "sdk": {"name": SDK_NAME, "version": SDK_VERSION},
    }


def build_envelope(dsn: Dsn, event: dict, now: float | None = None) -> bytes:
    """Envelope header line, item header line, event JSON (newline separated)."""
    payload = json.dumps({k: v for k, v in event.items() if v is not None}, separators=(",", ":")).encode()
    header = {"event_id": event["event_id"], "dsn": dsn.raw, "sent_at": iso_now(now)}
    item = {"type": "event", "content_type": "application/json", "length": len(payload)}
    return b"\n".join([json.dumps(header, separators=(",", ":")).encode(),
                       json.dumps(item, separators=(",", ":")).encode(), payload]) + b"\n"


def parse_envelope(data: bytes) -> tuple[dict, list[tuple[dict, Any]]]:
    """The inverse of build_envelope (used by tests): (header, [(item header, item payload)])."""
    lines = data.split(b"\n")
    header = json.loads(lines[0])
    items = []
    index = 1
    while index < len(lines) and lines[index].strip():
        item_header = json.loads(lines[index])
        items.append((item_header, json.loads(lines[index + 1])))
        index += 2
    return header, items


def send_envelope(session: Any, dsn: Dsn, body: bytes, timeout: float, validate_certs: bool,
                  retry: RetryPolicy) -> dict:
    """POST the envelope; repeating is safe because Sentry drops a second event with the same event_id."""
    headers = {"X-Sentry-Auth": auth_header(dsn), "Content-Type": "application/x-sentry-envelope",
               "User-Agent": f"{SDK_NAME}/{SDK_VERSION}"}
    last = "no answer"
    for attempt in range(retry.attempts):
        try:
            raw = session.request("POST", dsn.envelope_url, data=body, headers=headers, timeout=timeout,
                                  verify=validate_certs)
        except Exception as exc:  # requests' connection errors: say which, never the DSN
            last = type(exc).__name__
        else:
            if raw.status_code in (200, 201, 202):
                try:
                    return raw.json() if raw.text.strip() else {}
                except ValueError:
                    return {}
            if raw.status_code not in (429, 500, 502, 503, 504):
                raise ResourceError(f"Sentry ingest at {dsn.masked} refused the test event (HTTP {raw.status_code}): "
                                    f"{(raw.text or '').strip()[:300]}; check the DSN (is the key active?)",
                                    status=raw.status_code)
            last = f"HTTP {raw.status_code}"
        if attempt + 1 < retry.attempts:
            retry.sleep(retry.backoff(attempt))
    raise ResourceError(f"could not send the test event to {dsn.masked}: {last}")


def wait_for_event(client: SentryClient, project: str, event_id: str, timeout: float,
                   sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                   interval: float = 2.0) -> dict | None:
    """Poll GET /projects/{org}/{project}/events/{event_id}/ until it answers 200; None after `timeout`."""
    path = f"{client.project_path(project)}events/{segment(event_id)}/"
    deadline = clock() + timeout
    delay = min(interval, 0.5)
    while True:
        event = client.get_or_none(path)
        if event is not None:
            return event
        if clock() >= deadline:
            return None
        sleep(delay)
        delay = min(interval, delay * 2)


def run_test_event(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None,
                   session: Any = None, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> dict:
    dsn = parse_dsn(params["dsn"])
    secrets.add(dsn.raw, dsn.public_key)
    confirm = params.get("confirm", True)
    if confirm and not (params.get("auth_token") and params.get("organization")):
        raise ValueError("confirm: true needs organization and auth_token (or SENTRY_ORG and SENTRY_AUTH_TOKEN) "
                         "to look the event up; set them, or confirm: false to only send it")
    check_id = str(uuid.uuid4())
    result: dict[str, Any] = {"changed": True, "event_id": None, "check_id": check_id, "sent": False,
                              "confirmed": False, "project_id": dsn.project_id, "issue_id": None,
                              "dsn": dsn.masked, "warnings": []}
    if check_mode:
        return result
    event_id = uuid.uuid4().hex
    body = build_envelope(dsn, build_test_event(event_id, check_id, params))
    if session is None:
        import requests
        session = requests.Session()
    send_envelope(session, dsn, body, params["timeout"], params["validate_certs"], RetryPolicy(sleep=sleep))
    result.update(event_id=event_id, sent=True)
    if confirm:
        client = client or SentryClient.from_params(params)
        project = params.get("project") or dsn.project_id
        event = wait_for_event(client, project, event_id, params["wait_timeout"], sleep=sleep, clock=clock)
        if event is None:
            result["warnings"].append(
                f"the test event {event_id} was sent but not visible in Sentry after {params['wait_timeout']:g} s; "
                f"look for tag launchkit_check:{check_id}, or raise wait_timeout")
        else:
            result.update(confirmed=True, issue_id=event.get("groupID"))
    return result
