"""Sentry web API (``/sentry/api/0``): teams, projects, client keys (DSNs), alerts (workflows and
legacy issue alert rules) and issues; plus an ingest endpoint (``/sentry-ingest``) the real SDK
sends events to."""
from __future__ import annotations

import os
import time
from typing import Any

from .common import RateWindow
from .errors import ApiError, BadRequest, Conflict, NotFound
from .routing import Handler, Request, Response
from .sentry_ingest import (
    Issue, culprit_of, decompress, event_detail, event_document, events_in, group_key, is_unhandled, issue_document,
    issue_query_matches, metadata_of, stored_event, title_of,
)
from .sentry_models import (
    ORG_ID, ORG_SLUG, Ids, default_rule_body, default_workflow_body, detector, key_document, member, new_key,
    new_project, new_team, paginate, project_detail, project_summary, rate_limit_of, rule, slug_from, team_ref,
    workflow,
)
from .spec_adapt import declare_error_bodies, declare_query_parameter, strip_path_prefix
from .vendor import VendorAPI, register_vendor

SENTRY_AUTH_TOKEN = os.environ.get("SANDBOX_SENTRY_AUTH_TOKEN", "sntrys_sandbox_token")
RATE_LIMIT = int(os.environ.get("SANDBOX_SENTRY_RATELIMIT", "40"))
RATE_WINDOW = 1
INGEST_PREFIX = "/sentry-ingest"
SPEC_FILES = ("sentry/openapi-derefed.json", "sentry/openapi-derefed.2026-05-08-last-with-issue-alert-rules.json")
ORG = "/organizations/{organization_id_or_slug}"
TEAM = "/teams/{organization_id_or_slug}/{team_id_or_slug}"
PROJECT = "/projects/{organization_id_or_slug}/{project_id_or_slug}"
KEY_SETTINGS = ("name", "isActive", "browserSdkVersion")
ERROR_SCHEMA = {"type": "object", "properties": {"detail": {"type": "string"}}}
# Every Sentry list pages with ``cursor`` (NOTES.md "Pagination"); the spec omits it on some (workflows)
CURSOR_PARAMETER = {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}}


def lists_items(method: str, operation: dict[str, Any]) -> bool:
    """A GET whose 200 answer is a JSON array: a list Sentry pages through the Link header."""
    answer = ((operation.get("responses") or {}).get("200") or {}).get("content") or {}
    return method == "get" and (answer.get("application/json") or {}).get("schema", {}).get("type") == "array"


@register_vendor
class SentryAPI(VendorAPI):
    name = "sentry"
    prefix = "/sentry/api/0"
    spec_file = SPEC_FILES
    also_serves = (INGEST_PREFIX,)

    def register_routes(self) -> None:
        routes = [
            ("GET", f"{ORG}/teams/", self.list_teams),
            ("POST", f"{ORG}/teams/", self.create_team),
            ("GET", f"{TEAM}/", self.get_team),
            ("PUT", f"{TEAM}/", self.update_team),
            ("DELETE", f"{TEAM}/", self.delete_team),
            ("GET", f"{ORG}/projects/", self.list_projects),
            ("GET", f"{TEAM}/projects/", self.list_team_projects),
            ("POST", f"{TEAM}/projects/", self.create_project),
            ("GET", f"{PROJECT}/", self.get_project),
            ("PUT", f"{PROJECT}/", self.update_project),
            ("DELETE", f"{PROJECT}/", self.delete_project),
            ("GET", f"{PROJECT}/keys/", self.list_keys),
            ("POST", f"{PROJECT}/keys/", self.create_key),
            ("GET", f"{PROJECT}/keys/{{key_id}}/", self.get_key),
            ("PUT", f"{PROJECT}/keys/{{key_id}}/", self.update_key),
            ("DELETE", f"{PROJECT}/keys/{{key_id}}/", self.delete_key),
            ("GET", f"{ORG}/members/", self.list_members),
            ("GET", f"{ORG}/detectors/", self.list_detectors),
            ("GET", f"{ORG}/workflows/", self.list_workflows),
            ("POST", f"{ORG}/workflows/", self.create_workflow),
            ("GET", f"{ORG}/workflows/{{workflow_id}}/", self.get_workflow),
            ("PUT", f"{ORG}/workflows/{{workflow_id}}/", self.update_workflow),
            ("DELETE", f"{ORG}/workflows/{{workflow_id}}/", self.delete_workflow),
            ("GET", f"{PROJECT}/rules/", self.list_rules),
            ("POST", f"{PROJECT}/rules/", self.create_rule),
            ("GET", f"{PROJECT}/rules/{{rule_id}}/", self.get_rule),
            ("PUT", f"{PROJECT}/rules/{{rule_id}}/", self.update_rule),
            ("DELETE", f"{PROJECT}/rules/{{rule_id}}/", self.delete_rule),
            ("GET", f"{ORG}/issues/", self.list_issues),
            ("GET", f"{PROJECT}/events/", self.list_events),
            ("GET", f"{PROJECT}/events/{{event_id}}/", self.get_event),
            ("POST", f"{INGEST_PREFIX}/api/{{project_id}}/envelope/", self.ingest),
            ("POST", f"{INGEST_PREFIX}/api/{{project_id}}/store/", self.ingest),
        ]
        for method, template, handler in routes:
            self.route(method, template, handler)

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self.ids = Ids()
        self.teams: dict[str, dict[str, Any]] = {}
        self.projects: dict[str, dict[str, Any]] = {}
        self.detectors: dict[str, str] = {}  # project id -> its issue-stream detector id
        self.keys: dict[str, dict[str, Any]] = {}
        self.workflows: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, dict[str, dict[str, Any]]] = {}  # project id -> rule id -> rule
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.issues: dict[tuple[str, str], Issue] = {}
        self.rate = RateWindow(RATE_LIMIT, RATE_WINDOW)

    @staticmethod
    def _ingesting(request: Request) -> bool:
        return request.path.startswith(INGEST_PREFIX + "/")

    def authenticate(self, request: Request) -> bool:
        """Web API: the bearer token. Ingest: the client key, checked by the handler."""
        return self._ingesting(request) or request.header("Authorization") == f"Bearer {SENTRY_AUTH_TOKEN}"

    def decode_body(self, request: Request) -> Any:
        return None if self._ingesting(request) else super().decode_body(request)

    def error_body(self, status: int, message: str) -> Any:
        return {"detail": message}

    def before(self, request: Request) -> None:
        org = request.params.get("organization_id_or_slug")
        if org is not None and org not in (ORG_SLUG, ORG_ID):
            raise NotFound("The requested resource does not exist")

    def finalize(self, response: Response) -> None:
        remaining, reset = self.rate.hit()
        response.headers.update({
            "X-Sentry-Rate-Limit-Limit": str(self.rate.limit),
            "X-Sentry-Rate-Limit-Remaining": str(0 if response.status == 429 else remaining),
            "X-Sentry-Rate-Limit-Reset": str(int(time.time()) + reset),
            "X-Sentry-Rate-Limit-ConcurrentLimit": "25", "X-Sentry-Rate-Limit-ConcurrentRemaining": "24",
        })

    @staticmethod
    def adapt_spec(document: dict[str, Any]) -> None:
        """Paths without ``/api/0``. Error statuses come without a schema in the spec; Sentry
        answers them with ``{"detail": "..."}``."""
        strip_path_prefix(document, "/api/0")
        declare_error_bodies(document, ERROR_SCHEMA)
        declare_query_parameter(document, CURSOR_PARAMETER, lists_items)

    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/events", self.control_events)]

    def control_events(self, request: Request) -> Response:
        wanted = request.arg("project")
        chosen = {pid: list(events) for pid, events in self.events.items()
                  if wanted in (None, pid, self.projects.get(pid, {}).get("slug"))}
        return Response(200, {"events": chosen})

    def dump(self) -> dict[str, Any]:
        return {"teams": list(self.teams.values()), "projects": list(self.projects.values()),
                "keys": list(self.keys.values()), "workflows": list(self.workflows.values()),
                "rules": {pid: list(rules.values()) for pid, rules in self.rules.items()},
                "events": {pid: list(events) for pid, events in self.events.items()}}

    # --- URLs ----------------------------------------------------------------------------------
    @staticmethod
    def _origin(request: Request) -> str:
        host = request.header("Host") or f"127.0.0.1:{os.environ.get('SANDBOX_PORT', '8765')}"
        return f"http://{host}"

    def _url(self, request: Request) -> str:
        return f"{self._origin(request)}{self.prefix}{request.path}"

    def _page(self, request: Request, items: list[Any], size_parameter: str = "per_page") -> Response:
        return paginate(request, self._url(request), items, size_parameter=size_parameter)

    # --- teams ---------------------------------------------------------------------------------
    def list_teams(self, request: Request) -> Response:
        return self._page(request, [dict(team) for team in self.teams.values()])

    def create_team(self, request: Request) -> Response:
        body = request.body or {}
        slug = body.get("slug") or (slug_from(body["name"]) if body.get("name") else None)
        if not slug:
            raise BadRequest("Either name or slug is required")
        self._check_team_slug(slug)
        team = new_team(self.ids.new(), slug, body.get("name") or slug)
        self.teams[team["id"]] = team
        return Response(201, dict(team))

    def get_team(self, request: Request) -> Response:
        return Response(200, dict(self._team(request)))

    def update_team(self, request: Request) -> Response:
        team = self._team(request)
        if request.body["slug"] != team["slug"]:
            self._check_team_slug(request.body["slug"])
        team.update(slug=request.body["slug"], name=request.body.get("name", team["name"]))
        for project in self.projects.values():
            project["teams"] = [team_ref(team) if ref["id"] == team["id"] else ref for ref in project["teams"]]
        return Response(200, dict(team))

    def delete_team(self, request: Request) -> Response:
        team = self.teams.pop(self._team(request)["id"])
        for project in self.projects.values():
            project["teams"] = [ref for ref in project["teams"] if ref["id"] != team["id"]]
        return Response(204)

    def _team(self, request: Request) -> dict[str, Any]:
        wanted = request.params["team_id_or_slug"]
        team = next((team for team in self.teams.values() if wanted in (team["id"], team["slug"])), None)
        if team is None:
            raise NotFound("The requested resource does not exist")
        return team

    def _check_team_slug(self, slug: str) -> None:
        if any(team["slug"] == slug for team in self.teams.values()):
            raise Conflict("A team with this slug already exists.")

    # --- projects ------------------------------------------------------------------------------
    def list_projects(self, request: Request) -> Response:
        return self._page(request, [project_summary(project) for project in self.projects.values()])

    def list_team_projects(self, request: Request) -> Response:
        team = self._team(request)
        return self._page(request, [project_summary(project) for project in self.projects.values()
                                    if any(ref["id"] == team["id"] for ref in project["teams"])])

    def create_project(self, request: Request) -> Response:
        team, body = self._team(request), dict(request.body)
        if body.get("slug"):
            self._check_project_slug(body["slug"])
        else:
            body["slug"] = self._free_project_slug(slug_from(body["name"]))
        project = new_project(self.ids.new(), body, team)
        self.projects[project["id"]] = project
        self.detectors[project["id"]] = self.ids.new()
        self.keys_for_new_project(project)
        if body.get("default_rules", True):
            self._add_default_alert(project)
        return Response(201, project_summary(project))

    def keys_for_new_project(self, project: dict[str, Any]) -> None:
        """NOTES.md quirk 2: a new project comes with one client key, named "Default"."""
        key = new_key(self.ids.new(), project["id"], "Default", None)
        self.keys[key["id"]] = key

    def _add_default_alert(self, project: dict[str, Any]) -> None:
        """``default_rules``: an "alert on every new issue", visible as a workflow and as a legacy rule."""
        workflow_id = self.ids.new()
        self.workflows[workflow_id] = workflow(self.ids, workflow_id, default_workflow_body(self.detectors[project["id"]]))
        rule_id = self.ids.new()
        self.rules.setdefault(project["id"], {})[rule_id] = rule(rule_id, default_rule_body(), project["slug"])

    def get_project(self, request: Request) -> Response:
        return Response(200, project_detail(self._project(request)))

    def update_project(self, request: Request) -> Response:
        project, body = self._project(request), request.body or {}
        if "slug" in body and body["slug"] != project["slug"]:
            if any(other["slug"] == body["slug"] for other in self.projects.values()):
                raise BadRequest(f"Another project ({body['slug']}) is already using that slug")
        project.update({key: value for key, value in body.items() if key in project})
        return Response(200, project_detail(project))

    def delete_project(self, request: Request) -> Response:
        project = self.projects.pop(self._project(request)["id"])
        pid, detector = project["id"], self.detectors.pop(project["id"], None)
        self.keys = {key_id: key for key_id, key in self.keys.items() if str(key["projectId"]) != pid}
        self.rules.pop(pid, None)
        self.events.pop(pid, None)
        self.issues = {group: issue for group, issue in self.issues.items() if group[0] != pid}
        for alert in self.workflows.values():
            alert["detectorIds"] = [item for item in alert["detectorIds"] if item != detector]
        return Response(204)

    def _project(self, request: Request) -> dict[str, Any]:
        wanted = request.params["project_id_or_slug"]
        project = next((item for item in self.projects.values() if wanted in (item["id"], item["slug"])), None)
        if project is None:
            raise NotFound("The requested resource does not exist")
        return project

    def _check_project_slug(self, slug: str) -> None:
        if any(project["slug"] == slug for project in self.projects.values()):
            raise Conflict("A project with this slug already exists.")

    def _free_project_slug(self, slug: str) -> str:
        taken = {project["slug"] for project in self.projects.values()}
        return slug if slug not in taken else f"{slug}-{self.ids.new()}"

    # --- client keys ---------------------------------------------------------------------------
    def list_keys(self, request: Request) -> Response:
        project, status = self._project(request), request.arg("status")
        keys = [key for key in self._project_keys(project)
                if status is None or key["isActive"] == (status == "active")]
        return self._page(request, [self._key_document(request, key) for key in keys])

    def create_key(self, request: Request) -> Response:
        project, body = self._project(request), request.body or {}
        key = new_key(self.ids.new(), project["id"], body.get("name"), body.get("rateLimit"))
        if body.get("useCase"):
            key["useCase"] = body["useCase"]
        self.keys[key["id"]] = key
        return Response(201, self._key_document(request, key))

    def get_key(self, request: Request) -> Response:
        return Response(200, self._key_document(request, self._key(request)))

    def update_key(self, request: Request) -> Response:
        key, body = self._key(request), request.body or {}
        key.update({name: body[name] for name in KEY_SETTINGS if name in body})
        if "rateLimit" in body:
            key["rateLimit"] = rate_limit_of(body["rateLimit"])
        key["dynamicSdkLoaderOptions"].update(body.get("dynamicSdkLoaderOptions") or {})
        return Response(200, self._key_document(request, key))

    def delete_key(self, request: Request) -> Response:
        del self.keys[self._key(request)["id"]]
        return Response(204)

    def _project_keys(self, project: dict[str, Any]) -> list[dict[str, Any]]:
        return [key for key in self.keys.values() if str(key["projectId"]) == project["id"]]

    def _key(self, request: Request) -> dict[str, Any]:
        project, wanted = self._project(request), request.params["key_id"]
        key = next((key for key in self._project_keys(project) if wanted in (key["id"], key["public"])), None)
        if key is None:
            raise NotFound("The requested resource does not exist")
        return key

    def _key_document(self, request: Request, key: dict[str, Any]) -> dict[str, Any]:
        return key_document(key, f"{self._origin(request)}{INGEST_PREFIX}")

    # --- members and monitors ------------------------------------------------------------------
    def list_members(self, request: Request) -> Response:
        return self._page(request, [member()])

    def list_detectors(self, request: Request) -> Response:
        projects, ids, query = set(request.args("project")), request.args("id"), (request.arg("query") or "").lower()
        chosen = [detector(detector_id, self.projects[pid], self._workflows_of(detector_id))
                  for pid, detector_id in self.detectors.items()
                  if (not projects or pid in projects) and (not ids or detector_id in ids)]
        return self._page(request, [item for item in chosen if query in item["name"].lower()])

    def _workflows_of(self, detector_id: str) -> list[str]:
        return [alert["id"] for alert in self.workflows.values() if detector_id in alert["detectorIds"]]

    # --- alerts: workflows ---------------------------------------------------------------------
    def list_workflows(self, request: Request) -> Response:
        ids, query = request.args("id"), (request.arg("query") or "").lower()
        detectors = {self.detectors.get(pid) for pid in request.args("project")}
        chosen = [alert for alert in self.workflows.values()
                  if (not ids or alert["id"] in ids) and query in alert["name"].lower()
                  and (not detectors or detectors & set(alert["detectorIds"]))]
        return self._page(request, [dict(alert) for alert in chosen])

    def create_workflow(self, request: Request) -> Response:
        workflow_id = self.ids.new()
        self.workflows[workflow_id] = workflow(self.ids, workflow_id, request.body)
        return Response(201, dict(self.workflows[workflow_id]))

    def get_workflow(self, request: Request) -> Response:
        return Response(200, dict(self._workflow(request)))

    def update_workflow(self, request: Request) -> Response:
        current = self._workflow(request)
        self.workflows[current["id"]] = workflow(self.ids, current["id"], request.body, current["dateCreated"])
        return Response(200, dict(self.workflows[current["id"]]))

    def delete_workflow(self, request: Request) -> Response:
        del self.workflows[self._workflow(request)["id"]]
        return Response(204)

    def _workflow(self, request: Request) -> dict[str, Any]:
        alert = self.workflows.get(request.params["workflow_id"])
        if alert is None:
            raise NotFound("The requested resource does not exist")
        return alert

    # --- alerts: legacy issue alert rules -------------------------------------------------------
    def list_rules(self, request: Request) -> Response:
        project = self._project(request)
        return self._page(request, [dict(item) for item in self.rules.get(project["id"], {}).values()])

    def create_rule(self, request: Request) -> Response:
        project, rule_id = self._project(request), self.ids.new()
        self.rules.setdefault(project["id"], {})[rule_id] = rule(rule_id, request.body, project["slug"])
        return Response(201, dict(self.rules[project["id"]][rule_id]))

    def get_rule(self, request: Request) -> Response:
        return Response(200, dict(self._rule(request)))

    def update_rule(self, request: Request) -> Response:
        """"fully overwrites the specified issue alert" (old spec)."""
        current, project = self._rule(request), self._project(request)
        replaced = rule(current["id"], request.body, project["slug"], current["dateCreated"])
        self.rules[project["id"]][current["id"]] = replaced
        return Response(200, dict(replaced))

    def delete_rule(self, request: Request) -> Response:
        project = self._project(request)
        del self.rules[project["id"]][self._rule(request)["id"]]
        return Response(202)

    def _rule(self, request: Request) -> dict[str, Any]:
        found = self.rules.get(self._project(request)["id"], {}).get(request.params["rule_id"])
        if found is None:
            raise NotFound("The requested resource does not exist")
        return found

    # --- issues and events ---------------------------------------------------------------------
    def list_issues(self, request: Request) -> Response:
        projects = {pid for pid in request.args("project") if pid != "-1"}
        query = request.arg("query")
        chosen = sorted((issue for issue in self.issues.values()
                         if (not projects or issue.project_id in projects) and issue_query_matches(issue, query)),
                        key=lambda issue: issue.last_seen, reverse=True)
        web = f"{self._origin(request)}/organizations/{ORG_SLUG}"
        documents = [issue_document(issue, self.projects[issue.project_id], web) for issue in chosen]
        return self._page(request, documents, size_parameter="limit")

    def list_events(self, request: Request) -> Response:
        project = self._project(request)
        issues = {event_id: issue for issue in self.issues.values() for event_id in issue.event_ids}
        events = reversed(self.events.get(project["id"], []))
        return self._page(request, [event_document(event, issues[event["event_id"]]) for event in events])

    def get_event(self, request: Request) -> Response:
        """One ingested event by id: how a sender confirms that Sentry received its event."""
        project = self._project(request)
        wanted = request.params["event_id"].replace("-", "")
        event = next((e for e in self.events.get(project["id"], []) if e["event_id"] == wanted), None)
        if event is None:
            raise NotFound("event not found")
        issue = next(issue for issue in self.issues.values() if wanted in issue.event_ids)
        return Response(200, event_detail(event, issue))

    def ingest(self, request: Request) -> Response:
        project = self.projects.get(request.params["project_id"])
        if project is None:
            raise ApiError(403, "project not found")
        key, events = events_in(request, decompress(request.raw_body, request.header("Content-Encoding")))
        if key is None:
            raise ApiError(401, "missing authorization information")
        if not any(item["public"] == key and item["isActive"] for item in self._project_keys(project)):
            raise ApiError(403, "invalid api key")
        recorded = [self._record(project, event) for event in events]
        return Response(200, {"id": recorded[0]["event_id"] if recorded else None})

    def _record(self, project: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        stored = stored_event(event)
        self.events.setdefault(project["id"], []).append(stored)
        group = (project["id"], group_key(stored))
        issue = self.issues.get(group)
        if issue is None:
            number = 1 + sum(1 for pid, _key in self.issues if pid == project["id"])
            issue = Issue(self.ids.new(), f"{project['slug'].upper()}-{number}", project["id"], title_of(stored),
                          culprit_of(stored), str(stored.get("level") or "error"), stored.get("platform"),
                          metadata_of(stored), is_unhandled(stored), stored["received"], stored["received"])
            self.issues[group] = issue
        issue.event_ids.append(stored["event_id"])
        issue.last_seen = stored["received"]
        project["firstEvent"] = project["firstEvent"] or stored["received"]
        return stored
