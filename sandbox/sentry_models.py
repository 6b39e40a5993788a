"""Sentry documents (organization, team, project, client key, alert) and Link-header pagination."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from .common import iso_now, random_hex
from .errors import ApiError, BadRequest
from .routing import Request, Response

ORG_ID = "1"
ORG_SLUG = "launchkit-sandbox"
ORG_NAME = "Launchkit Sandbox"
USER = {"id": 1, "name": "Sandbox Admin", "email": "admin@launchkit.test"}
PAGE_SIZE = 100
SLUG = re.compile(r"^(?![0-9]+$)[a-z0-9_\-]+$")
AVATAR = {"avatarType": "letter_avatar", "avatarUuid": None, "avatarUrl": None}
TEAM_ACCESS = ["team:read", "team:write", "team:admin"]
PROJECT_ACCESS = ["project:read", "project:write", "project:admin", "project:releases", "alerts:read", "alerts:write"]
PROJECT_FLAGS = tuple(f"has{name}" for name in (
    "Feedbacks", "Flags", "MinifiedStackTrace", "Monitors", "NewFeedbacks", "Profiles", "Replays", "Sessions",
    "InsightsHttp", "InsightsDb", "InsightsAssets", "InsightsAppStart", "InsightsScreenLoad", "InsightsVitals",
    "InsightsCaches", "InsightsQueues", "InsightsAgentMonitoring", "InsightsMCP", "Logs", "TraceMetrics",
    "UserReports"))
# The settings a project detail carries beyond the summary, at Sentry's defaults where known.
PROJECT_DETAIL_DEFAULTS: dict[str, Any] = {
    "allowedDomains": ["*"], "autofixAutomationTuning": "off", "builtinSymbolSources": [], "dataScrubber": True,
    "dataScrubberDefaults": True, "debugFilesRole": None, "defaultEnvironment": None,
    "derivedGroupingEnhancements": "", "digestsMaxDelay": 1800, "digestsMinDelay": 300,
    "dynamicSamplingBiases": None, "enableAutoReleaseCreation": True, "fingerprintingRules": "",
    "groupingConfig": "newstyle:2023-01-11", "groupingEnhancements": "", "highlightContext": {},
    "highlightPreset": {"context": {}, "tags": []}, "highlightTags": [], "isDynamicallySampled": False,
    "processingIssues": 0, "relayPiiConfig": None, "resolveAge": 0, "safeFields": [],
    "scmSourceContextEnabled": False, "scrapeJavaScript": True, "scrubIPAddresses": False,
    "secondaryGroupingConfig": None, "secondaryGroupingExpiry": 0, "securityTokenHeader": None,
    "seerNightshiftTweaks": None, "seerScannerAutomation": False, "sensitiveFields": [], "storeCrashReports": None,
    "subjectPrefix": "", "subjectTemplate": "$shortID - $title", "symbolSources": "[]",
    "tempestFetchScreenshots": False, "verifySSL": False,
}
PROJECT_SETTINGS = ("name", "slug", "platform", "isBookmarked", "subjectPrefix", "subjectTemplate", "resolveAge",
                    "highlightContext", "highlightTags", "enableAutoReleaseCreation", "scmSourceContextEnabled")
DSN_PATHS = {
    "csp": "api/{pid}/security/?sentry_key={key}", "security": "api/{pid}/security/?sentry_key={key}",
    "minidump": "api/{pid}/minidump/?sentry_key={key}", "nel": "api/{pid}/nel/?sentry_key={key}",
    "unreal": "api/{pid}/unreal/{key}/", "crons": "api/{pid}/cron/___MONITOR_SLUG___/{key}/",
    "cdn": "js-sdk-loader/{key}.min.js", "playstation": "api/{pid}/playstation/?sentry_key={key}",
    "integration": "", "otlp_traces": "api/{pid}/integration/otlp/v1/traces",
    "otlp_logs": "api/{pid}/integration/otlp/v1/logs",
}
SDK_LOADER_OPTIONS = ("hasReplay", "hasPerformance", "hasDebug", "hasFeedback", "hasLogsAndMetrics")


class Ids:
    """Sentry ids: decimal numbers sent as strings, one sequence for the whole organization."""

    def __init__(self) -> None:
        self._next = itertools.count(2)

    def new(self) -> str:
        return str(next(self._next))


def check_slug(slug: str, what: str) -> str:
    if not SLUG.match(slug):
        raise BadRequest(f"{what} slug must match {SLUG.pattern}")
    return slug


def slug_from(name: str) -> str:
    return re.sub(r"[^a-z0-9_\-]+", "-", name.lower()).strip("-") or "project"


def organization() -> dict[str, Any]:
    return {
        "id": ORG_ID, "slug": ORG_SLUG, "name": ORG_NAME, "dateCreated": "2024-01-01T00:00:00.000000Z",
        "status": {"id": "active", "name": "active"}, "isEarlyAdopter": False, "require2FA": False,
        "avatar": dict(AVATAR), "hasAuthProvider": False, "allowMemberInvite": True,
        "allowMemberProjectCreation": True, "allowSuperuserAccess": False,
        "links": {"organizationUrl": "http://127.0.0.1/", "regionUrl": "http://127.0.0.1/"},
        "features": [], "access": [],
    }


def new_team(team_id: str, slug: str, name: str) -> dict[str, Any]:
    return {"id": team_id, "slug": slug, "name": name, "dateCreated": iso_now(), "isMember": True,
            "teamRole": "admin", "flags": {"idp:provisioned": False}, "access": list(TEAM_ACCESS), "hasAccess": True,
            "isPending": False, "memberCount": 1, "avatar": dict(AVATAR), "externalTeams": []}


def team_ref(team: dict[str, Any]) -> dict[str, Any]:
    return {"id": team["id"], "name": team["name"], "slug": team["slug"]}


def new_project(project_id: str, body: dict[str, Any], team: dict[str, Any]) -> dict[str, Any]:
    """The stored project; ``project_summary`` and ``project_detail`` render it."""
    return {
        "id": project_id, "slug": body["slug"], "name": body["name"], "platform": body.get("platform"),
        "dateCreated": iso_now(), "isBookmarked": False, "firstEvent": None, "teams": [team_ref(team)],
        "securityToken": random_hex(32), "status": "active", "color": f"#{random_hex(6)}",
        **PROJECT_DETAIL_DEFAULTS,
    }


def project_summary(project: dict[str, Any]) -> dict[str, Any]:
    """The project as lists and create show it (superset of the team-projects and org-projects items)."""
    teams = [dict(team) for team in project["teams"]]
    platform = project["platform"]
    return {
        "id": project["id"], "slug": project["slug"], "name": project["name"], "platform": platform,
        "dateCreated": project["dateCreated"], "isBookmarked": project["isBookmarked"], "isMember": True,
        "features": [], "firstEvent": project["firstEvent"], "firstTransactionEvent": False,
        "access": list(PROJECT_ACCESS), "hasAccess": True, **{flag: False for flag in PROJECT_FLAGS},
        "team": teams[0] if teams else None, "teams": teams,
        "platforms": [platform] if platform else [], "environments": [], "latestRelease": None,
        "latestDeploys": None, "options": {}, "avatar": dict(AVATAR), "color": project["color"],
        "isInternal": False, "isPublic": False, "status": project["status"],
    }


def project_detail(project: dict[str, Any]) -> dict[str, Any]:
    detail = {**project_summary(project), **{key: project[key] for key in PROJECT_DETAIL_DEFAULTS}}
    detail.update(securityToken=project["securityToken"], organization=organization())
    return detail


def new_key(key_id: str, project_id: str, name: str | None, rate_limit: dict[str, Any] | None) -> dict[str, Any]:
    """A client key as stored (its DSN is rendered per request, for the host the caller used)."""
    return {"id": key_id, "name": name or "Default", "public": random_hex(32), "secret": random_hex(32),
            "projectId": int(project_id), "isActive": True, "rateLimit": rate_limit_of(rate_limit),
            "dateCreated": iso_now(), "browserSdkVersion": "latest", "useCase": "user",
            "dynamicSdkLoaderOptions": {option: False for option in SDK_LOADER_OPTIONS}}


def rate_limit_of(given: dict[str, Any] | None) -> dict[str, int] | None:
    if not given or given.get("count") is None or given.get("window") is None:
        return None
    return {"count": given["count"], "window": given["window"]}


def key_document(key: dict[str, Any], ingest_base: str) -> dict[str, Any]:
    """``ingest_base`` is ``http://<host>/sentry-ingest``: the DSN the SDK posts envelopes from."""
    scheme, rest = ingest_base.split("://", 1)
    pid, public = key["projectId"], key["public"]
    dsn = {name: f"{ingest_base}/{path.format(pid=pid, key=public)}" for name, path in DSN_PATHS.items()}
    dsn.update(public=f"{scheme}://{public}@{rest}/{pid}", secret=f"{scheme}://{public}:{key['secret']}@{rest}/{pid}")
    return {**key, "label": key["name"], "dsn": dsn,
            "browserSdk": {"choices": [["latest", "latest"], ["7.x", "7.x"]]}}


def member() -> dict[str, Any]:
    """The organization's one member: the sandbox admin (the owner of the auth token)."""
    joined = "2024-01-01T00:00:00.000000Z"
    user = {"id": str(USER["id"]), "name": USER["name"], "username": USER["email"], "email": USER["email"],
            "emails": [{"id": str(USER["id"]), "email": USER["email"], "is_verified": True}], "avatarUrl": "",
            "isActive": True, "hasPasswordAuth": True, "isManaged": False, "dateJoined": joined, "lastLogin": joined,
            "has2fa": False, "lastActive": joined, "isSuperuser": False, "isStaff": False, "experiments": {},
            "isSuspended": False}
    flags = ("idp:provisioned", "idp:role-restricted", "member-limit:restricted", "partnership:restricted",
             "sso:invalid", "sso:linked")
    return {"id": str(USER["id"]), "email": USER["email"], "name": USER["name"], "user": user, "orgRole": "owner",
            "pending": False, "expired": False, "flags": dict.fromkeys(flags, False), "dateCreated": joined,
            "inviteStatus": "approved", "inviterName": None}


def detector(detector_id: str, project: dict[str, Any], workflow_ids: list[str]) -> dict[str, Any]:
    """The issue-stream monitor every project has; alerts connect to projects through it."""
    return {"id": detector_id, "projectId": project["id"], "name": "Issue Stream", "type": "issue_stream",
            "workflowIds": workflow_ids, "dateCreated": project["dateCreated"], "dateUpdated": project["dateCreated"],
            "dataSources": None, "conditionGroup": None, "config": {}, "enabled": True, "owner": None,
            "createdBy": None, "latestGroup": None, "description": None}


# --- alerts -----------------------------------------------------------------------------------
def condition(ids: Ids, given: Any) -> dict[str, Any]:
    given = given if isinstance(given, dict) else {}
    return {"id": ids.new(), "type": given.get("type", ""), "comparison": given.get("comparison", True),
            "conditionResult": given.get("conditionResult", given.get("condition_result", True))}


def action(ids: Ids, given: Any) -> dict[str, Any]:
    given = given if isinstance(given, dict) else {}
    return {"id": ids.new(), "type": given.get("type", ""), "integrationId": given.get("integrationId"),
            "data": given.get("data") or {}, "config": given.get("config") or {}, "status": "active"}


def condition_group(ids: Ids, given: dict[str, Any]) -> dict[str, Any]:
    """A trigger or action-filter group, taken snake_case or camelCase, answered camelCase."""
    return {"id": ids.new(), "organizationId": ORG_ID,
            "logicType": given.get("logic_type") or given.get("logicType") or "any-short",
            "conditions": [condition(ids, item) for item in given.get("conditions") or []],
            "actions": [action(ids, item) for item in given.get("actions") or []]}


def workflow(ids: Ids, workflow_id: str, body: dict[str, Any], created: str | None = None) -> dict[str, Any]:
    now = iso_now()
    triggers = body.get("triggers")
    return {
        "id": workflow_id, "name": body["name"], "organizationId": ORG_ID, "createdBy": str(USER["id"]),
        "dateCreated": created or now, "dateUpdated": now,
        "triggers": condition_group(ids, triggers) if isinstance(triggers, dict) else None,
        "actionFilters": [condition_group(ids, item) for item in body.get("action_filters") or []],
        "environment": body.get("environment"), "config": body.get("config") or {},
        "detectorIds": [str(item) for item in body.get("detector_ids") or []],
        "enabled": body.get("enabled", True), "lastTriggered": None, "owner": body.get("owner"),
    }


DEFAULT_ALERT_NAME = "Send a notification for new issues"


def default_workflow_body(detector_id: str) -> dict[str, Any]:
    """What ``default_rules: true`` adds: mail the issue owners (else active members) on every new issue."""
    return {
        "name": DEFAULT_ALERT_NAME, "config": {"frequency": 30}, "detector_ids": [detector_id],
        "triggers": {"logic_type": "any-short", "conditions": [{"type": "first_seen_event", "comparison": True}]},
        "action_filters": [{"logic_type": "all", "conditions": [], "actions": [{
            "type": "email", "data": {"fallthroughType": "ActiveMembers"},
            "config": {"targetType": "issue_owners", "targetDisplay": None, "targetIdentifier": None}}]}],
    }


def default_rule_body() -> dict[str, Any]:
    return {"name": DEFAULT_ALERT_NAME, "frequency": 30, "actionMatch": "all", "filterMatch": "all",
            "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
            "filters": [],
            "actions": [{"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners",
                         "fallthroughType": "ActiveMembers"}]}


def rule(rule_id: str, body: dict[str, Any], project_slug: str, created: str | None = None) -> dict[str, Any]:
    return {
        "id": rule_id, "name": body["name"], "conditions": body["conditions"], "filters": body.get("filters") or [],
        "actions": body["actions"], "actionMatch": body["actionMatch"], "filterMatch": body.get("filterMatch", "all"),
        "frequency": body["frequency"], "environment": body.get("environment"), "owner": body.get("owner"),
        "dateCreated": created or iso_now(), "createdBy": dict(USER), "projects": [project_slug],
        "status": "active", "snooze": False, "lastTriggered": None, "snoozeCreatedBy": None,
        "snoozeForEveryone": None,
    }


# --- pagination -------------------------------------------------------------------------------
def decode_cursor(raw: str | None) -> int:
    """Sentry cursors read ``<value>:<offset>:<is_prev>``; the sandbox keeps the start in ``offset``."""
    if not raw:
        return 0
    parts = raw.split(":")
    try:
        offset = int(parts[1])
    except (IndexError, ValueError) as exc:
        raise ApiError(400, f"Invalid cursor parameter: {raw}") from exc
    if offset < 0:
        raise ApiError(400, f"Invalid cursor parameter: {raw}")
    return offset


def page_size(request: Request, parameter: str = "per_page") -> int:
    raw = request.arg(parameter)
    try:
        size = int(raw) if raw else PAGE_SIZE
    except ValueError as exc:
        raise BadRequest(f"{parameter} must be an integer") from exc
    if not 1 <= size <= PAGE_SIZE:
        raise BadRequest(f"{parameter} must be between 1 and {PAGE_SIZE}")
    return size


def link(url: str, query: dict[str, list[str]], rel: str, results: bool, cursor: str) -> str:
    params = [(key, value) for key, values in query.items() if key != "cursor" for value in values]
    target = f"{url}?{urlencode([*params, ('cursor', cursor)], safe=':')}"
    return f'<{target}>; rel="{rel}"; results="{str(results).lower()}"; cursor="{cursor}"'


def paginate(request: Request, url: str, items: Iterable[Any], *, size_parameter: str = "per_page") -> Response:
    """One page of ``items`` with Sentry's ``Link`` header (``previous`` and ``next``, each with ``results``)."""
    rows, start, size = list(items), decode_cursor(request.arg("cursor")), page_size(request, size_parameter)
    previous = link(url, request.query, "previous", start > 0, f"0:{max(start - size, 0)}:1")
    following = link(url, request.query, "next", start + size < len(rows), f"0:{start + size}:0")
    return Response(200, rows[start:start + size], {"Link": f"{previous}, {following}"})
