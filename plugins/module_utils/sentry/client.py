# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Sentry web API client and the ingest client.

Not a public API; it may change between any two releases.

The only place Sentry's paths, query parameters and request body fields are written: one method per
operation. Paths and payloads follow Sentry's OpenAPI document (``shared/api-specs/sentry/openapi-derefed.json``);
the legacy issue alert rules follow the last spec that still had them (2026-05-08). Base URL
``https://sentry.io/api/0`` (or ``https://{us,de}.sentry.io/api/0``, or a self-hosted Sentry); every path ends
with a slash; Bearer auth token; lists are paginated through the ``Link`` header; errors are
``{"detail": ...}`` or a field -> messages map.

Sending an event has no web-API endpoint: ``IngestClient`` posts an envelope to the DSN's ingest endpoint.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    RETRY_STATUSES, HttpClient, Response, RetryPolicy, Vendor, json_message)
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock

DEFAULT_URL = "https://sentry.io/api/0"
SLUG_PATTERN = re.compile(r"^(?![0-9]+$)[a-z0-9_\-]+$")
SDK_NAME = "launchkit.paas"
SDK_VERSION = "0.1"
INTERVALS = ("1m", "5m", "15m", "1h", "1d", "1w", "30d")
FALLTHROUGH = ("ActiveMembers", "AllMembers", "NoOne")
ENVELOPE_TYPE = "application/x-sentry-envelope"


# ------------------------------------------------------------------------------------------ errors
def _parse_error(body: Any) -> tuple[str | None, str]:
    """Sentry answers {"detail": "..."} or, for validation errors, a field -> messages map."""
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, dict):  # {"detail": {"code": ..., "message": ...}}
            return detail.get("code"), str(detail.get("message") or json.dumps(detail))
        if detail:
            return None, str(detail)
        return None, ", ".join(_field_error(name, messages) for name, messages in body.items())[:500] or "(no message)"
    if isinstance(body, list):
        return None, "; ".join(str(item) for item in body)[:500]
    return None, json_message(body)


def _field_error(name: str, messages: Any) -> str:
    if isinstance(messages, list):
        messages = "; ".join(str(m) for m in messages)
    elif isinstance(messages, dict):
        messages = json.dumps(messages)
    return f"{name}: {messages}"


VENDOR = Vendor("Sentry", parse_error=_parse_error, reset_header="X-Sentry-Rate-Limit-Reset", reset_is_epoch=True,
                auth_hint="Check auth_token (or SENTRY_AUTH_TOKEN): a Sentry auth token of this organization with "
                          "the scopes the module needs (project:write, alerts:write, event:read), and api_url "
                          "(the organization's region, e.g. https://de.sentry.io/api/0).")
INGEST_VENDOR = Vendor("Sentry ingest", parse_error=_parse_error,
                       auth_hint="Check the DSN: its public key must be an active client key of the project.",
                       # a 500 from the ingest endpoint is transient, and an envelope may be sent again
                       retry_statuses=RETRY_STATUSES | {500})


# ------------------------------------------------------------------------------------------ Link pagination
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


def check_slug(value: str | None, what: str, max_length: int) -> None:
    """Sentry's slug rule (teams at most 50 characters, projects 100), checked before any call."""
    if value is not None and (len(value) > max_length or not SLUG_PATTERN.match(value)):
        raise ValueError(f"{what} '{value}' is not a valid Sentry slug: lowercase letters, digits, '-' and '_' "
                         f"(not only digits), at most {max_length} characters")


# ------------------------------------------------------------------------------------------ alert bodies
@dataclass
class Target:
    """One notification target, resolved to the ids the API wants."""

    type: str  # team | member | issue_owners | slack
    identifier: str | None = None  # team id / user id / channel name
    integration_id: str | None = None
    fallthrough: str | None = None


@dataclass
class Alert:
    """An alert rule in the module's own terms, written for either API by ``workflow_body`` or ``rule_body``.

    ``conditions`` are ``{"type": "first_seen_event"}`` or ``{"type": "event_frequency_count", "value", "interval"}``.
    """

    name: str
    conditions: list[dict]
    targets: list[Target]
    frequency: int
    environment: str | None
    enabled: bool = True
    detector_ids: list[int] = field(default_factory=list)


WORKFLOW_TARGET_TYPES = {"team": "team", "member": "user", "issue_owners": "issue_owners"}
LEGACY_CONDITIONS = {
    "first_seen_event": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition",
    "event_frequency_count": "sentry.rules.conditions.event_frequency.EventFrequencyCondition",
}
LEGACY_EMAIL = "sentry.mail.actions.NotifyEmailAction"
LEGACY_SLACK = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
LEGACY_TARGET_TYPES = {"team": "Team", "member": "Member", "issue_owners": "IssueOwners"}


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


def workflow_body(alert: Alert) -> dict:
    """The request body of POST/PUT .../workflows/: top-level keys and ``logic_type`` as the request schema spells
    them (snake case), conditions and actions as the spec's examples do. A new-issue alert triggers on
    ``first_seen_event``; a frequency alert has no trigger and filters on ``event_frequency_count`` (the spec's own
    example of such an alert)."""
    conditions = [workflow_condition(c) for c in alert.conditions]
    triggers = [c for c in conditions if c["type"] == "first_seen_event"]
    filters = [c for c in conditions if c["type"] != "first_seen_event"]
    return {"name": alert.name, "enabled": alert.enabled, "environment": alert.environment,
            "config": {"frequency": alert.frequency}, "detector_ids": alert.detector_ids,
            "triggers": {"logic_type": "any-short", "conditions": triggers},
            "action_filters": [{"logic_type": "all", "conditions": filters,
                                "actions": [workflow_action(t) for t in alert.targets]}]}


def rule_action(target: Target) -> dict:
    if target.type == "slack":
        return {"id": LEGACY_SLACK, "workspace": int(str(target.integration_id)), "channel": target.identifier}
    action: dict[str, Any] = {"id": LEGACY_EMAIL, "targetType": LEGACY_TARGET_TYPES[target.type],
                              "fallthroughType": target.fallthrough or "ActiveMembers"}
    if target.identifier is not None:
        action["targetIdentifier"] = int(target.identifier)
    return action


def rule_body(alert: Alert) -> dict:
    """The request body of POST/PUT .../rules/ (a PUT overwrites the whole rule, so it is always complete)."""
    conditions = [{"id": LEGACY_CONDITIONS[c["type"]], **{k: v for k, v in c.items() if k != "type"}}
                  for c in alert.conditions]
    return {"name": alert.name, "frequency": alert.frequency, "actionMatch": "all", "conditions": conditions,
            "actions": [rule_action(t) for t in alert.targets], "environment": alert.environment}


# ------------------------------------------------------------------------------------------ web API
class SentryClient:
    """The web API of one organization: one method per operation."""

    def __init__(self, http: HttpClient, organization: str) -> None:
        self.http = http
        self.organization = organization
        self.org = segment(organization)

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> SentryClient:
        if not params.get("auth_token"):
            raise ValueError("auth_token (or SENTRY_AUTH_TOKEN) is required")
        if not params.get("organization"):
            raise ValueError("organization (or SENTRY_ORG) is required")
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['auth_token']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"],
                          secrets=secrets or Secrets(), **overrides)
        return cls(http, params["organization"])

    # -- the HTTP of every operation
    def _pages(self, path: str, query: dict | None = None, cache: bool = False) -> list[dict]:
        """A list's items; with `cache` (a list without a secret) shared by the tasks of a run."""
        return list(link_pages(lambda cursor: self.http.request("GET", path, params={**(query or {}), "cursor": cursor},
                                                                cache=cache)))

    def _get_or_none(self, path: str, cache: bool = False) -> dict | None:
        """One object, None on 404; with `cache` (no secret in it) shared by the tasks of a run."""
        response = self.http.request("GET", path, ok=(200, 404), cache=cache)
        return response.body if response.status == 200 else None

    def _post(self, path: str, body: dict) -> dict:
        return self.http.request("POST", path, json_body=body, ok=(200, 201)).body

    def _put(self, path: str, body: dict) -> dict:
        return self.http.request("PUT", path, json_body=body, ok=(200, 201, 202)).body

    def _delete(self, path: str) -> None:
        self.http.request("DELETE", path, ok=(200, 202, 204, 404))

    def _team_path(self, team: str) -> str:
        return f"/teams/{self.org}/{segment(team)}/"

    def _project_path(self, project: str) -> str:
        return f"/projects/{self.org}/{segment(project)}/"

    # -- teams
    def team(self, slug: str) -> dict | None:
        return self._get_or_none(self._team_path(slug), cache=True)

    def create_team(self, slug: str, name: str | None) -> dict:
        return self._post(f"/organizations/{self.org}/teams/", {"slug": slug, **({"name": name} if name else {})})

    def update_team(self, slug: str, name: str | None) -> dict:
        return self._put(self._team_path(slug), compact({"slug": slug, "name": name}))

    def delete_team(self, slug: str) -> None:
        self._delete(self._team_path(slug))

    # -- projects
    def projects(self) -> list[dict]:
        return self._pages(f"/organizations/{self.org}/projects/")

    def project(self, slug: str) -> dict | None:
        return self._get_or_none(self._project_path(slug), cache=True)

    def create_project(self, team: str, name: str, slug: str | None, platform: str | None,
                       default_rules: bool) -> dict:
        return self._post(f"/teams/{self.org}/{segment(team)}/projects/", compact(
            {"name": name, "slug": slug, "platform": platform, "default_rules": default_rules}))

    def update_project(self, slug: str, name: str | None = None, platform: str | None = None) -> dict:
        return self._put(self._project_path(slug), compact({"name": name, "platform": platform}))

    def add_project_team(self, slug: str, team: str) -> None:
        """Give a team access to the project; the teams it has keep theirs."""
        self.http.request("POST", f"{self._project_path(slug)}teams/{segment(team)}/", ok=(200, 201),
                          repeatable=True)

    def delete_project(self, slug: str) -> None:
        self._delete(self._project_path(slug))

    # -- client keys (DSNs)
    def keys(self, project: str) -> list[dict]:
        return self._pages(f"{self._project_path(project)}keys/")

    def create_key(self, project: str, name: str, rate_limit: dict | None) -> dict:
        return self._post(f"{self._project_path(project)}keys/", compact({"name": name, "rateLimit": rate_limit}))

    def update_key(self, project: str, key_id: str, name: str | None, rate_limit: dict | None) -> dict:
        return self._put(f"{self._project_path(project)}keys/{segment(key_id)}/",
                         compact({"name": name, "rateLimit": rate_limit}))

    def delete_key(self, project: str, key_id: str) -> None:
        self._delete(f"{self._project_path(project)}keys/{segment(key_id)}/")

    # -- members and monitors
    def members(self) -> list[dict]:
        return self._pages(f"/organizations/{self.org}/members/")

    def detectors(self, project_id: str) -> list[dict]:
        return self._pages(f"/organizations/{self.org}/detectors/", {"project": project_id}, cache=True)

    # -- alerts: workflows connected to monitors (current Sentry)
    def workflows(self, project_id: str) -> list[dict]:
        """The alerts connected to the project's monitors."""
        return self._pages(f"/organizations/{self.org}/workflows/", {"project": project_id}, cache=True)

    def create_workflow(self, alert: Alert) -> dict:
        return self._post(f"/organizations/{self.org}/workflows/", workflow_body(alert))

    def update_workflow(self, workflow_id: str, alert: Alert) -> dict:
        return self._put(f"/organizations/{self.org}/workflows/{segment(workflow_id)}/", workflow_body(alert))

    def delete_workflow(self, workflow_id: str) -> None:
        self._delete(f"/organizations/{self.org}/workflows/{segment(workflow_id)}/")

    # -- alerts: legacy issue alert rules (removed from the public spec on 2026-05-08)
    def rules(self, project: str) -> list[dict]:
        return self._pages(f"{self._project_path(project)}rules/")

    def create_rule(self, project: str, alert: Alert) -> dict:
        return self._post(f"{self._project_path(project)}rules/", rule_body(alert))

    def update_rule(self, project: str, rule_id: str, alert: Alert) -> dict:
        return self._put(f"{self._project_path(project)}rules/{segment(rule_id)}/", rule_body(alert))

    def delete_rule(self, project: str, rule_id: str) -> None:
        self._delete(f"{self._project_path(project)}rules/{segment(rule_id)}/")

    # -- events
    def event(self, project: str, event_id: str) -> dict | None:
        """One event by id; None until Sentry has processed it."""
        return self._get_or_none(f"{self._project_path(project)}events/{segment(event_id)}/")


# ------------------------------------------------------------------------------------------ ingest
@dataclass
class Dsn:
    scheme: str
    public_key: str
    host: str  # with :port when there is one
    path_prefix: str
    project_id: str
    raw: str

    @property
    def ingest_url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path_prefix}"

    @property
    def envelope_url(self) -> str:
        return self.ingest_url + envelope_path(self.project_id)

    @property
    def masked(self) -> str:
        return f"{self.scheme}://{MASK}@{self.host}{self.path_prefix}/{self.project_id}"


def parse_dsn(dsn: str) -> Dsn:
    """<scheme>://<public_key>[:<secret>]@<host>[:<port>][/<path-prefix>]/<project_id>."""
    parts = urlsplit(dsn.strip())
    if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname:
        raise ValueError("dsn is not a Sentry DSN (expected https://<public key>@<host>/<project id>)")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    prefix, _slash, project_id = parts.path.rstrip("/").rpartition("/")
    if not project_id.isdigit():
        raise ValueError("dsn has no numeric project id at the end of its path")
    return Dsn(parts.scheme, parts.username, host, prefix, project_id, dsn.strip())


def envelope_path(project_id: str) -> str:
    return f"/api/{segment(project_id)}/envelope/"


def auth_header(dsn: Dsn) -> str:
    return f"Sentry sentry_version=7, sentry_key={dsn.public_key}, sentry_client={SDK_NAME}/{SDK_VERSION}"


class IngestClient:
    """The DSN's ingest endpoint (not part of the web API's spec): one operation, posting an envelope."""

    def __init__(self, http: HttpClient, project_id: str) -> None:
        self.http = http
        self.project_id = project_id

    @classmethod
    def from_dsn(cls, dsn: Dsn, params: dict, secrets: Secrets, clock: Clock | None = None,
                 session: Any = None) -> IngestClient:
        clock = clock or Clock()
        http = HttpClient(dsn.ingest_url, INGEST_VENDOR, headers={"X-Sentry-Auth": auth_header(dsn)},
                          timeout=params["timeout"], validate_certs=params["validate_certs"],
                          retry=RetryPolicy(sleep=clock.sleep), secrets=secrets, session=session)
        return cls(http, dsn.project_id)

    def send_envelope(self, envelope: bytes) -> dict:
        """POST the envelope; retried on 429, 500, 502, 503, 504 and connection errors.

        Repeating is safe: Sentry drops a second event with the same event_id.
        """
        response = self.http.request("POST", envelope_path(self.project_id), ok=(200, 201, 202), data=envelope,
                                     content_type=ENVELOPE_TYPE, repeatable=True)
        return response.body if isinstance(response.body, dict) else {}
