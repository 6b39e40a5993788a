"""Vercel REST API (``/vercel``): projects, their env vars and deployments, for one team.

``VERCEL_API_URL`` is ``http://<sandbox>/vercel``; clients call the SDK's versioned paths below it
(``/v9/projects/{idOrName}``, ``/v10/projects/{idOrName}/env``, ``/v13/deployments``...). Request shapes
come from the official TypeScript SDK (sandbox/vercel_shapes.py). A deployment moves QUEUED -> BUILDING ->
READY on timers computed from timestamps, and captures the env of its target when it is created: the
stand-in app at the project's production URL (sandbox/apps.py) runs with the env of the current
production deployment, never with env written since.
"""
from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .apps import AppView
from .common import RateWindow, random_alnum
from .errors import ApiError
from .routing import Handler, Request, Response
from .vendor import VendorAPI, provision_delay, register_vendor
from .vercel_shapes import (VercelError, bad_request, check_deployment_create, check_env_create, check_env_edit,
                            check_query)

VERCEL_TOKEN = os.environ.get("SANDBOX_VERCEL_TOKEN", "vercel_sandbox_token")
TEAM_ID = os.environ.get("SANDBOX_VERCEL_TEAM_ID", "team_launchkit_sandbox")
TEAM_SLUG = "launchkit-sandbox"
USER_ID = "sandboxuser000000000000000"
REGION = "iad1"
RATE_LIMIT = int(os.environ.get("SANDBOX_VERCEL_RATELIMIT", "100"))
FAILURES = ("ERROR", "CANCELED")
CODES = {400: "bad_request", 401: "forbidden", 403: "forbidden", 404: "not_found", 409: "conflict",
         429: "rate_limited", 500: "internal_server_error", 503: "service_unavailable"}


def now_ms() -> int:
    return int(time.time() * 1000)


def opaque(value: str, salt: str) -> str:
    """What an encrypted value reads as in lists: not the value, and not reversible."""
    return base64.b64encode(hashlib.sha256(f"{salt}:{value}".encode()).digest()).decode()


@dataclass
class EnvVar:
    id: str
    key: str
    value: str
    type: str
    target: list[str]
    git_branch: str | None
    comment: str | None
    created: int = field(default_factory=now_ms)
    updated: int = field(default_factory=now_ms)

    def overlaps(self, key: str, target: list[str], git_branch: str | None) -> bool:
        return self.key == key and bool(set(self.target) & set(target)) and (self.git_branch or None) == (git_branch or None)

    def document(self, *, decrypt: bool = False) -> dict[str, Any]:
        """As lists answer it: ``encrypted`` values encrypted unless ``decrypt``, ``sensitive`` never readable."""
        doc: dict[str, Any] = {"id": self.id, "key": self.key, "type": self.type, "target": list(self.target),
                               "configurationId": None, "createdAt": self.created, "updatedAt": self.updated,
                               "createdBy": USER_ID, "updatedBy": USER_ID, "decrypted": False}
        if self.type == "sensitive":
            doc["value"] = ""
        elif self.type == "encrypted" and not decrypt:
            doc["value"] = opaque(self.value, self.id)
        else:
            doc["value"] = self.value
            doc["decrypted"] = self.type == "encrypted"
        if self.git_branch:
            doc["gitBranch"] = self.git_branch
        if self.comment is not None:
            doc["comment"] = self.comment
        return doc


@dataclass
class Deployment:
    id: str
    name: str
    project_id: str
    target: str | None  # "production", or None for a preview
    url: str
    env: dict[str, str]  # what it was built with
    queued: float
    building: float
    outcome: str = "READY"
    created: float = field(default_factory=time.time)
    canceled_at: float | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def ready_at(self) -> float:
        return self.created + self.queued + self.building

    def state(self, at: float) -> str:
        if self.canceled_at is not None and self.canceled_at <= at:
            return "CANCELED"
        if at < self.created + self.queued:
            return "QUEUED"
        if at < self.ready_at:
            return "BUILDING"
        return self.outcome

    def summary(self, at: float, aliases: list[str]) -> dict[str, Any]:
        state = self.state(at)
        doc: dict[str, Any] = {
            "id": self.id, "url": self.url, "name": self.name, "projectId": self.project_id, "ownerId": TEAM_ID,
            "readyState": state, "status": state, "target": self.target, "type": "LAMBDAS", "plan": "pro",
            "createdAt": int(self.created * 1000), "createdIn": REGION, "regions": [REGION], "version": 2,
            "public": False, "creator": {"uid": USER_ID, "username": TEAM_SLUG}, "meta": dict(self.meta),
            "alias": aliases, "aliasAssigned": bool(aliases), "aliasError": None,
            "inspectorUrl": f"https://vercel.com/{TEAM_SLUG}/{self.name}/{self.id[4:]}",
        }
        if state != "QUEUED":
            doc["buildingAt"] = int((self.created + self.queued) * 1000)
        if state == "READY":
            doc["ready"] = int(self.ready_at * 1000)
        if state == "ERROR":
            doc.update(errorCode="BUILD_FAILED", errorMessage="The build failed (a sandbox fault)")
        return doc


@dataclass
class Project:
    id: str
    name: str
    framework: str | None
    production_url: str
    envs: list[EnvVar] = field(default_factory=list)
    created: int = field(default_factory=now_ms)
    updated: int = field(default_factory=now_ms)


@dataclass
class Settings:
    queued_seconds: float = field(default_factory=provision_delay)
    build_seconds: float = field(default_factory=provision_delay)
    fail_next: str | None = None  # the next deployment ends ERROR or CANCELED

    def describe(self) -> dict[str, Any]:
        return {"queued_seconds": self.queued_seconds, "build_seconds": self.build_seconds, "fail_next": self.fail_next}

    def update(self, body: Any) -> None:
        if not isinstance(body, dict) or set(body) - {"queued_seconds", "build_seconds", "fail_next"}:
            raise ValueError('settings are {"queued_seconds", "build_seconds", "fail_next": "ERROR" | "CANCELED" | null}')
        for name in ("queued_seconds", "build_seconds"):
            if name in body:
                value = body[name]
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{name} must be a number >= 0")
        if "fail_next" in body and body["fail_next"] not in (*FAILURES, None):
            raise ValueError(f"fail_next must be one of {list(FAILURES)} or null")
        for name, value in body.items():
            setattr(self, name, float(value) if name.endswith("seconds") else value)


@register_vendor
class VercelAPI(VendorAPI):
    name = "vercel"
    prefix = "/vercel"

    def register_routes(self) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/v9/projects/{idOrName}", self.get_project), ("GET", "/v10/projects", self.list_projects),
            ("GET", "/v10/projects/{idOrName}/env", self.list_env),
            ("POST", "/v10/projects/{idOrName}/env", self.create_env),
            ("GET", "/v1/projects/{idOrName}/env/{id}", self.get_env),
            ("PATCH", "/v9/projects/{idOrName}/env/{id}", self.edit_env),
            ("DELETE", "/v9/projects/{idOrName}/env/{id}", self.remove_env),
            ("POST", "/v13/deployments", self.create_deployment),
            ("GET", "/v13/deployments/{idOrUrl}", self.get_deployment),
            ("GET", "/v7/deployments", self.list_deployments), ("GET", "/v6/deployments", self.list_deployments),
            ("PATCH", "/v12/deployments/{id}/cancel", self.cancel_deployment),
        ]
        for method, template, handler in routes:
            self.route(method, template, handler)

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self.projects: dict[str, Project] = {}
        self.deployments: dict[str, Deployment] = {}
        self.settings = Settings()
        self.window = RateWindow(RATE_LIMIT, 60)

    def authenticate(self, request: Request) -> bool:
        return True  # checked in before(): Vercel answers a missing or wrong token with 403, not 401

    def before(self, request: Request) -> None:
        scheme, _space, token = request.header("Authorization").partition(" ")
        if not token:
            raise VercelError(403, "forbidden", "The request is missing an authentication token", missingToken=True)
        if scheme != "Bearer" or token != VERCEL_TOKEN:
            raise VercelError(403, "forbidden", "Not authorized", invalidToken=True)
        check_query(request.method, request.template, request.query)

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": CODES.get(status, "error"), "message": message}}

    def api_error(self, exc: ApiError, request: Request) -> Response:
        if isinstance(exc, VercelError):
            return Response(exc.status, {"error": {"code": exc.code, "message": exc.message, **exc.extra}})
        return self.error(exc.status, exc.message)

    def finalize(self, response: Response) -> None:
        remaining, reset = self.window.hit()
        if response.status == 429:
            remaining = 0
        response.headers.update({"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": str(remaining),
                                 "X-RateLimit-Reset": str(int(time.time()) + reset)})

    # --- lookups -----------------------------------------------------------------------------
    @staticmethod
    def _in_team(request: Request) -> bool:
        """Every sandbox project belongs to the one team: a call must name it (``teamId`` or ``slug``)."""
        return request.arg("teamId") == TEAM_ID or request.arg("slug") == TEAM_SLUG

    def find_project(self, id_or_name: str) -> Project | None:
        return self.projects.get(id_or_name) or next(
            (project for project in self.projects.values() if project.name == id_or_name), None)

    def _project(self, request: Request) -> Project:
        project = self.find_project(request.params["idOrName"]) if self._in_team(request) else None
        if project is None:
            raise VercelError(404, "not_found", "Project not found")
        return project

    def _env(self, project: Project, env_id: str) -> EnvVar:
        found = next((env for env in project.envs if env.id == env_id), None)
        if found is None:
            raise VercelError(404, "not_found", "Environment Variable not found")
        return found

    def deployments_of(self, project: Project) -> list[Deployment]:
        return sorted((d for d in self.deployments.values() if d.project_id == project.id), key=lambda d: d.created)

    def current_production(self, project: Project, at: float | None = None) -> Deployment | None:
        """The production deployment the production URL serves: the one that became READY last."""
        at = time.time() if at is None else at
        ready = [d for d in self.deployments_of(project) if d.target == "production" and d.state(at) == "READY"]
        return max(ready, key=lambda d: d.ready_at) if ready else None

    def _aliases(self, deployment: Deployment, at: float) -> list[str]:
        project = self.projects[deployment.project_id]
        current = self.current_production(project, at)
        return [project.production_url] if current is not None and current.id == deployment.id else []

    # --- projects ------------------------------------------------------------------------------
    def project_document(self, project: Project) -> dict[str, Any]:
        at = time.time()
        current = self.current_production(project, at)
        latest = list(reversed(self.deployments_of(project)))[:5]

        def short(deployment: Deployment) -> dict[str, Any]:
            aliases = self._aliases(deployment, at)
            state = deployment.state(at)
            return {"id": deployment.id, "url": deployment.url, "name": deployment.name, "alias": aliases,
                    "aliasAssigned": bool(aliases), "readyState": state, "target": deployment.target,
                    "createdAt": int(deployment.created * 1000), "createdIn": REGION,
                    "creator": {"uid": USER_ID, "username": TEAM_SLUG}, "deploymentHostname": deployment.url,
                    "plan": "pro", "private": True, "type": "LAMBDAS", "meta": dict(deployment.meta)}

        production = short(current) if current else None
        return {
            "id": project.id, "name": project.name, "accountId": TEAM_ID, "framework": project.framework,
            "nodeVersion": "20.x", "createdAt": project.created, "updatedAt": project.updated,
            "directoryListing": False, "live": False, "defaultResourceConfig": {}, "resourceConfig": {},
            "deploymentExpiration": {}, "targets": {"production": production} if production else {},
            "latestDeployments": [short(deployment) for deployment in latest],
            "alias": [{"domain": project.production_url, "environment": "production", "target": "PRODUCTION",
                       "createdAt": project.created,
                       "deployment": {"id": current.id, "url": current.url} if current else None}],
            "env": [env.document() for env in project.envs],
        }

    def get_project(self, request: Request) -> Response:
        return Response(200, self.project_document(self._project(request)))

    def list_projects(self, request: Request) -> Response:
        projects = list(self.projects.values()) if self._in_team(request) else []
        search = request.arg("search")
        if search:
            projects = [project for project in projects if search in project.name]
        limit = int(request.arg("limit") or 20)
        page = sorted(projects, key=lambda project: project.updated, reverse=True)[:limit]
        return Response(200, {"projects": [self.project_document(project) for project in page],
                              "pagination": {"count": len(page), "next": None, "prev": None}})

    # --- env vars ------------------------------------------------------------------------------
    def list_env(self, request: Request) -> Response:
        project = self._project(request)
        decrypt = request.arg("decrypt") == "true"
        branch = request.arg("gitBranch")
        envs = [env for env in project.envs if branch is None or env.git_branch in (None, branch)]
        return Response(200, {"envs": [env.document(decrypt=decrypt) for env in envs],
                              "pagination": {"count": len(envs), "next": None, "prev": None}})

    def get_env(self, request: Request) -> Response:
        """The decrypted value (``GetProjectEnvResponseBody2``); a sensitive one comes without (``...Body1``)."""
        env = self._env(self._project(request), request.params["id"])
        doc = env.document(decrypt=True)
        if env.type == "sensitive":
            doc.pop("value")
            doc["decrypted"] = False
        return Response(200, doc)

    @staticmethod
    def _conflict(env_key: str, target: list[str], branch: str | None, clash: EnvVar) -> VercelError:
        shown = ", ".join(sorted(set(target) & set(clash.target)))
        return VercelError(400, "ENV_CONFLICT",
                           f"A variable with the name `{env_key}` already exists for the target {shown} on branch "
                           f"{branch or 'undefined'}", key=env_key, envVarKey=env_key, envVarId=clash.id,
                           target=list(clash.target), gitBranch=clash.git_branch or None)

    def create_env(self, request: Request) -> Response:
        project = self._project(request)
        items = check_env_create(request.body)
        upsert = request.arg("upsert") == "true"
        created: list[EnvVar] = []
        failed: list[dict[str, Any]] = []
        for item in items:
            target = list(dict.fromkeys(item.get("target") or []))
            branch = item.get("gitBranch") or None
            clashes = [env for env in project.envs if env.overlaps(item["key"], target, branch)]
            if clashes and upsert and len(clashes) == 1:
                env = clashes[0]
                env.value, env.type, env.target, env.updated = item["value"], item["type"], target, now_ms()
                env.comment = item.get("comment", env.comment)
                created.append(env)
                continue
            if clashes:
                error = self._conflict(item["key"], target, branch, clashes[0])
                failed.append({"error": {"code": error.code, "message": error.message, **error.extra}})
                continue
            env = EnvVar(random_alnum(16), item["key"], item["value"], item["type"], target, branch, item.get("comment"))
            project.envs.append(env)
            created.append(env)
        if not created:
            error = failed[0]["error"]
            raise VercelError(400, error["code"], error["message"],
                              **{key: value for key, value in error.items() if key not in ("code", "message")})
        project.updated = now_ms()
        documents = [env.document() for env in created]
        body = documents[0] if not isinstance(request.body, list) else documents
        return Response(201, {"created": body, "failed": failed})

    def edit_env(self, request: Request) -> Response:
        project = self._project(request)
        env = self._env(project, request.params["id"])
        body = check_env_edit(request.body, env.target)
        key = body.get("key", env.key)
        target = list(dict.fromkeys(body.get("target", env.target)))
        branch = body["gitBranch"] if "gitBranch" in body else env.git_branch
        clash = next((other for other in project.envs if other is not env and other.overlaps(key, target, branch)), None)
        if clash is not None:
            raise self._conflict(key, target, branch, clash)
        if env.type == "sensitive" and body.get("type", "sensitive") != "sensitive":
            raise bad_request("a sensitive Environment Variable cannot change its type")
        env.key, env.target, env.git_branch = key, target, branch or None
        env.value = body.get("value", env.value)
        env.type = body.get("type", env.type)
        env.comment = body.get("comment", env.comment)
        env.updated = project.updated = now_ms()
        return Response(200, env.document())

    def remove_env(self, request: Request) -> Response:
        project = self._project(request)
        env = self._env(project, request.params["id"])
        project.envs.remove(env)
        project.updated = now_ms()
        return Response(200, env.document())

    # --- deployments ---------------------------------------------------------------------------
    def captured_env(self, project: Project, target: str | None) -> dict[str, str]:
        """The env a new deployment is built with: every variable of its target (a preview takes the ones
        without a git branch; the sandbox builds no branches), values decrypted."""
        wanted = target or "preview"
        return {env.key: env.value for env in project.envs if wanted in env.target and not env.git_branch}

    def deploy(self, project: Project, target: str | None, meta: dict[str, str] | None = None, *,
               ready_now: bool = False) -> Deployment:
        outcome = "READY"
        if not ready_now and self.settings.fail_next:
            outcome, self.settings.fail_next = self.settings.fail_next, None
        deployment = Deployment(f"dpl_{random_alnum(24)}", project.name, project.id, target,
                                f"{project.name}-{random_alnum(9)}-{TEAM_SLUG}.vercel.app",
                                self.captured_env(project, target),
                                0.0 if ready_now else self.settings.queued_seconds,
                                0.0 if ready_now else self.settings.build_seconds, meta=dict(meta or {}))
        if ready_now:
            deployment.created -= 0.001
        if outcome == "CANCELED":
            deployment.canceled_at = deployment.created + deployment.queued  # canceled as its build starts
        else:
            deployment.outcome = outcome
        self.deployments[deployment.id] = deployment
        return deployment

    def create_deployment(self, request: Request) -> Response:
        body = check_deployment_create(request.body)
        if not self._in_team(request):
            raise VercelError(404, "not_found", "Project not found")
        source_id = body.get("deploymentId")
        if not source_id:
            raise VercelError(400, "missing_files", "Missing files: the sandbox builds nothing and only redeploys "
                                                    "(give `deploymentId`)")
        source = self.deployments.get(source_id)
        if source is None:
            raise VercelError(404, "not_found", "Deployment not found")
        project = self.projects[source.project_id]
        if body.get("project") and self.find_project(body["project"]) is not project:
            raise bad_request("`project` does not match the project of `deploymentId`")
        if not body.get("project") and body["name"] != project.name:
            raise bad_request("`name` does not match the project of `deploymentId`")
        target = "production" if body.get("target") == "production" else None
        deployment = self.deploy(project, target, {**source.meta, **(body.get("meta") or {})})
        return Response(200, deployment.summary(time.time(), []))

    def _deployment(self, request: Request, key: str) -> Deployment:
        wanted = request.params[key].removeprefix("https://")
        found = self.deployments.get(wanted) or next(
            (d for d in self.deployments.values() if d.url == wanted), None)
        if found is None or not self._in_team(request):
            raise VercelError(404, "not_found", "Deployment not found")
        return found

    def get_deployment(self, request: Request) -> Response:
        deployment = self._deployment(request, "idOrUrl")
        at = time.time()
        return Response(200, deployment.summary(at, self._aliases(deployment, at)))

    def cancel_deployment(self, request: Request) -> Response:
        deployment = self._deployment(request, "id")
        at = time.time()
        if deployment.state(at) not in ("QUEUED", "BUILDING"):
            raise bad_request("the deployment is not building", code="deployment_not_cancelable")
        deployment.canceled_at = at
        return Response(200, deployment.summary(at, []))

    def list_deployments(self, request: Request) -> Response:
        at = time.time()
        rows = list(self.deployments.values()) if self._in_team(request) else []
        project_id = request.arg("projectId") or request.arg("app")
        if project_id:
            project = self.find_project(project_id)
            rows = [d for d in rows if project is not None and d.project_id == project.id]
        target = request.arg("target")
        if target:
            rows = [d for d in rows if (d.target or "preview") == target]
        states = [s for s in (request.arg("state") or "").split(",") if s]
        if states:
            rows = [d for d in rows if d.state(at) in states]
        rows.sort(key=lambda d: d.created, reverse=True)
        rows = rows[:int(request.arg("limit") or 20)]
        items = []
        for deployment in rows:
            doc = deployment.summary(at, self._aliases(deployment, at))
            doc.update(uid=doc["id"], state=doc["readyState"], created=doc["createdAt"])
            items.append(doc)
        return Response(200, {"deployments": items, "pagination": {"count": len(items), "next": None, "prev": None}})

    # --- the stand-in app ------------------------------------------------------------------------
    def served_project(self, host: str) -> Project | None:
        """The project whose production URL (or name) is ``host``."""
        return next((p for p in self.projects.values() if host in (p.production_url, p.name)), None)

    def app_view(self, name: str) -> AppView | None:
        project = self.served_project(name)
        if project is None:
            return None
        current = self.current_production(project)
        if current is None:
            return AppView(project.name, False, {}, None, None, None,
                           down=f"project {project.name} has no READY production deployment", platform="vercel")
        return AppView(project.name, False, dict(current.env), current.id, "live", current.ready_at,
                       platform="vercel")

    # --- control and seed ----------------------------------------------------------------------
    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/settings", self.control_settings), ("POST", "/settings", self.control_settings),
                ("POST", "/projects", self.control_seed),
                ("GET", "/projects/{idOrName}/running-env", self.control_running_env)]

    def control_settings(self, request: Request) -> Response:
        if request.method == "POST":
            self.settings.update(request.body)
        return Response(200, self.settings.describe())

    def control_seed(self, request: Request) -> Response:
        return Response(200, self.seed(request.body if isinstance(request.body, dict) else {}))

    def control_running_env(self, request: Request) -> Response:
        """What the project's production stand-in runs with (values included: a test tool)."""
        project = self.find_project(request.params["idOrName"])
        if project is None:
            raise ValueError(f"no project {request.params['idOrName']}")
        current = self.current_production(project)
        return Response(200, {"project": project.name, "url": project.production_url,
                              "deployment": current.id if current else None,
                              "env": dict(current.env) if current else {}})

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """``{"projects": [{"name", "framework", "production_url", "env": [<env create item>], "deploy": "ready" |
        "none"}]}``: a project that exists is left as it is."""
        if not isinstance(data, dict) or set(data) - {"projects"}:
            raise ApiError(400, 'vercel takes {"projects": [{"name", "framework", "production_url", "env", "deploy"}]}')
        seeded = []
        for spec in data.get("projects") or []:
            if not isinstance(spec, dict) or set(spec) - {"name", "framework", "production_url", "env", "deploy"} \
                    or not isinstance(spec.get("name"), str) or spec.get("deploy", "ready") not in ("ready", "none"):
                raise ApiError(400, 'a project is {"name", "framework", "production_url", "env": [...], '
                                    '"deploy": "ready" | "none"}')
            existing = self.find_project(spec["name"])
            if existing is not None:
                seeded.append({"id": existing.id, "name": existing.name, "action": "exists"})
                continue
            project = Project(f"prj_{random_alnum(28)}", spec["name"], spec.get("framework"),
                              spec.get("production_url") or f"{spec['name']}.vercel.app")
            # The seeded deployment was built with these entries, so they are older than it (by a second): a client
            # comparing entries' updatedAt with the deployment's createdAt must see nothing changed since.
            written = now_ms() - 1000
            for item in check_env_create(spec.get("env") or []) if spec.get("env") else []:
                project.envs.append(EnvVar(random_alnum(16), item["key"], item["value"], item["type"],
                                           list(item.get("target") or []), item.get("gitBranch"), item.get("comment"),
                                           created=written, updated=written))
            self.projects[project.id] = project
            deployment = self.deploy(project, "production", ready_now=True) if spec.get("deploy", "ready") == "ready" else None
            if deployment is not None:  # a deployment ready now was made (backdated) after its env was written
                for env in project.envs:
                    env.created = env.updated = min(env.updated, int(deployment.created * 1000) - 1)
            seeded.append({"id": project.id, "name": project.name, "action": "created",
                           "url": project.production_url, "deployment": deployment.id if deployment else None})
        return {"projects": seeded}

    def dump(self) -> dict[str, Any]:
        """Projects with env key names and types, deployments with their state; no value."""
        at = time.time()
        return {"team": {"id": TEAM_ID, "slug": TEAM_SLUG}, "settings": self.settings.describe(),
                "projects": [{"id": p.id, "name": p.name, "production_url": p.production_url,
                              "env": [{"id": e.id, "key": e.key, "type": e.type, "target": e.target,
                                       "gitBranch": e.git_branch} for e in p.envs],
                              "production": getattr(self.current_production(p, at), "id", None) or None}
                             for p in self.projects.values()],
                "deployments": [{"id": d.id, "project": d.project_id, "target": d.target, "state": d.state(at),
                                 "env_keys": sorted(d.env)} for d in self.deployments.values()]}
