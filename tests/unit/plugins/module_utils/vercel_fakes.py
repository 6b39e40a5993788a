# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small stateful Vercel API at the transport level, for the Vercel module tests, and the request shapes
derived from Vercel's official TypeScript SDK (@vercel/sdk 1.28.35: src/funcs/*.ts for method, path and
query; src/models/*.ts for bodies) that every request the fake receives is checked against.

Projects, env entries (plain values listed as they are, encrypted ones listed as ciphertext and read
decrypted one by one, sensitive ones never shown) and deployments that move QUEUED -> BUILDING -> READY
as they are read. Every request also goes through the real HTTP core (retries, errors, redaction).
"""
from __future__ import annotations

import copy
import itertools
import re
from typing import Any, Callable

from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import VercelClient
from launchkit_fakes import BASE_URL, Call, FakeSession, no_sleep_policy, reply

TOKEN = "vercel-unit-test-token"
TEAM = "team_unit"
PROJECT = {"id": "prj_web", "name": "scoop-web", "framework": "nextjs",
           "targets": {"production": {"id": "dpl_1", "url": "scoop-web-abc.vercel.app", "readyState": "READY",
                                      "alias": ["scoop-web.vercel.app", "www.scoop.test"], "createdAt": 1_000}},
           "alias": [{"domain": "www.scoop.test", "environment": "production", "target": "PRODUCTION",
                      "deployment": None},
                     {"domain": "scoop.test", "environment": "production", "target": "PRODUCTION",
                      "redirect": "www.scoop.test", "deployment": None}]}

# -- the request shapes, from the SDK (method, path pattern) -> allowed query, allowed and required body fields
TARGET_ENUM = {"production", "preview", "development"}
TYPE_ENUM = {"system", "encrypted", "plain", "sensitive"}
SDK_OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    # projectsGetProject.ts
    ("GET", r"/v9/projects/[^/]+"): {"query": {"slug", "teamId"}},
    # projectsFilterProjectEnvs.ts
    ("GET", r"/v10/projects/[^/]+/env"): {"query": {"customEnvironmentId", "customEnvironmentSlug", "decrypt",
                                                    "gitBranch", "slug", "source", "teamId"}},
    # projectsGetProjectEnv.ts
    ("GET", r"/v1/projects/[^/]+/env/[^/]+"): {"query": {"slug", "teamId"}},
    # projectsCreateProjectEnv.ts; body CreateProjectEnv11 (createprojectenvop.ts): key, value, type, target required
    ("POST", r"/v10/projects/[^/]+/env"): {
        "query": {"slug", "teamId", "upsert"},
        "body": {"key", "value", "type", "target", "gitBranch", "comment", "customEnvironmentIds"},
        "required": {"key", "value", "type", "target"}},
    # projectsEditProjectEnv.ts; EditProjectEnvRequestBody (editprojectenvop.ts): every field optional
    ("PATCH", r"/v9/projects/[^/]+/env/[^/]+"): {
        "query": {"slug", "teamId"},
        "body": {"key", "target", "gitBranch", "type", "value", "customEnvironmentIds", "comment"}, "required": set()},
    # projectsRemoveProjectEnv.ts
    ("DELETE", r"/v9/projects/[^/]+/env/[^/]+"): {"query": {"customEnvironmentId", "slug", "teamId"}},
    # deploymentsGetDeployments.ts
    ("GET", r"/v7/deployments"): {"query": {"app", "branch", "from", "limit", "projectId", "projectIds",
                                            "rollbackCandidate", "sha", "since", "slug", "state", "target", "teamId",
                                            "to", "until", "users"}},
    # deploymentsGetDeployment.ts
    ("GET", r"/v13/deployments/[^/]+"): {"query": {"slug", "teamId", "withGitRepoInfo"}},
    # deploymentsCreateDeployment.ts; CreateDeploymentRequestBody (responsebodyimages.ts): name required
    ("POST", r"/v13/deployments"): {
        "query": {"forceNew", "skipAutoDetectionConfirmation", "slug", "teamId"},
        "body": {"buildMachine", "customEnvironmentSlugOrId", "deploymentId", "files", "gitAccessToken", "gitMetadata",
                 "gitSource", "meta", "monorepoManager", "name", "project", "projectSettings", "target",
                 "withLatestCommit"},
        "required": {"name"}},
}


def sdk_problems(call: Call, team: str | None = TEAM) -> list[str]:
    """What is wrong with a request by the SDK's shapes: an unknown operation, query parameter or body field, a
    missing required field, a value outside its enum, or a missing teamId when the client has a team."""
    shape = next((spec for (method, pattern), spec in SDK_OPERATIONS.items()
                  if method == call.method and re.fullmatch(pattern, call.path)), None)
    if shape is None:
        return [f"no SDK operation {call.method} {call.path}"]
    query = call.params or {}
    problems = [f"query {name} unknown" for name in query if name not in shape["query"]]
    if team and query.get("teamId") != team:
        problems.append("teamId missing")
    if "forceNew" in query and query["forceNew"] not in ("0", "1"):
        problems.append("forceNew not 0|1 (ForceNew enum)")
    body = call.json
    if "body" not in shape:
        return problems + (["a body where the SDK sends none"] if body is not None else [])
    if not isinstance(body, dict):
        return problems + ["no JSON object body"]
    problems += [f"body {name} unknown" for name in body if name not in shape["body"]]
    problems += [f"body {name} missing" for name in shape["required"] if name not in body]
    if "target" in body and call.path.endswith("/env") and not set(body["target"]) <= TARGET_ENUM:
        problems.append(f"target {body['target']} outside the enum")
    if "type" in body and body["type"] not in TYPE_ENUM:
        problems.append(f"type {body['type']} outside the enum")
    return problems


class FakeVercel(FakeSession):
    """Routes by pattern (ids are made as the test goes) and keeps projects, env entries and deployments."""

    def __init__(self, envs: list[dict] | None = None, deployments: list[dict] | None = None,
                 project: dict | None = None, team: str | None = TEAM) -> None:
        super().__init__(BASE_URL)
        self.team = team
        self.project = copy.deepcopy(project or PROJECT)
        self.envs: list[dict] = []
        self.ids = (f"env_{n}" for n in itertools.count(100))
        self.deploy_ids = (f"dpl_{n}" for n in itertools.count(100))
        self.clock = itertools.count(10_000, 10)
        for entry in envs or []:
            self.add_env(**entry)
        self.deployments = copy.deepcopy(deployments if deployments is not None else [
            {"id": "dpl_1", "url": "scoop-web-abc.vercel.app", "readyState": "READY", "target": "production",
             "aliasAssigned": True, "createdAt": 1_000, "projectId": "prj_web", "name": "scoop-web"}])
        #: readyStates a new deployment goes through as it is read
        self.progression = ["QUEUED", "BUILDING", "READY"]
        self.faults: dict[tuple[str, str], list[Any]] = {}

    def add_env(self, key: str, value: str, type: str = "encrypted", target: Any = ("production",),
                gitBranch: str | None = None, updatedAt: int | None = None) -> dict:
        entry = {"id": next(self.ids), "key": key, "value": value, "type": type, "target": list(target),
                 "updatedAt": updatedAt if updatedAt is not None else next(self.clock), "createdAt": 0}
        if gitBranch:
            entry["gitBranch"] = gitBranch
        self.envs.append(entry)
        return entry

    def value_of(self, key: str, target: tuple = ("production",)) -> str | None:
        found = [e for e in self.envs if e["key"] == key and set(e["target"]) == set(target)]
        return found[0]["value"] if found else None

    def fail_next(self, method: str, pattern: str, *answers: Any) -> None:
        """Answer the next requests matching (method, pattern) with these answers (after doing the write when
        an answer is ``("after", exception)``: the write happened, the answer was lost)."""
        self.faults.setdefault((method, pattern), []).extend(answers)

    # -- what the API shows
    def listed(self, entry: dict) -> dict:
        shown = copy.deepcopy(entry)
        if entry["type"] == "encrypted":
            shown["value"] = "ciphertext:" + str(len(entry["value"]))
            shown["decrypted"] = False
        elif entry["type"] == "sensitive":
            shown["value"] = ""
        return shown

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        assert len(self.calls) < 500, "runaway loop: 500 HTTP calls in one test"
        path = url.split(BASE_URL, 1)[1].split("?", 1)[0]
        call = Call(method, path, kwargs.get("params"), kwargs.get("json"), kwargs.get("headers") or {}, kwargs)
        self.calls.append(call)
        problems = sdk_problems(call, self.team)
        if problems:
            return reply(400, {"error": {"code": "bad_request", "message": "; ".join(problems)}})
        after = None
        for (fault_method, pattern), answers in self.faults.items():
            if fault_method == method and re.fullmatch(pattern, path) and answers:
                answer = answers.pop(0)
                if isinstance(answer, tuple) and answer[0] == "after":
                    after = answer[1]
                    break
                if isinstance(answer, BaseException):
                    raise answer
                return answer
        answer = self.route(call)
        if after is not None:
            raise after
        return answer

    def route(self, call: Call) -> Any:
        handlers: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/v9/projects/([^/]+)", self._project),
            ("GET", r"/v10/projects/([^/]+)/env", self._list_env),
            ("GET", r"/v1/projects/([^/]+)/env/([^/]+)", self._get_env),
            ("POST", r"/v10/projects/([^/]+)/env", self._create_env),
            ("PATCH", r"/v9/projects/([^/]+)/env/([^/]+)", self._edit_env),
            ("DELETE", r"/v9/projects/([^/]+)/env/([^/]+)", self._delete_env),
            ("GET", r"/v7/deployments", self._list_deployments),
            ("GET", r"/v13/deployments/([^/]+)", self._get_deployment),
            ("POST", r"/v13/deployments", self._create_deployment),
        ]
        for method, pattern, handler in handlers:
            found = re.fullmatch(pattern, call.path)
            if method == call.method and found:
                return handler(call, *found.groups())
        return reply(404, {"error": {"code": "not_found", "message": f"no route {call.method} {call.path}"}})

    def _known(self, ref: str) -> bool:
        return ref in (self.project["id"], self.project["name"])

    def _project(self, call: Call, ref: str) -> Any:
        if not self._known(ref):
            return reply(404, {"error": {"code": "not_found", "message": "Project not found"}})
        return reply(200, self.project)

    def _list_env(self, call: Call, ref: str) -> Any:
        pagination = {"count": len(self.envs), "next": None, "prev": None}
        return reply(200, {"envs": [self.listed(e) for e in self.envs], "pagination": pagination})

    def _entry(self, env_id: str) -> dict | None:
        return next((e for e in self.envs if e["id"] == env_id), None)

    def _get_env(self, call: Call, ref: str, env_id: str) -> Any:
        entry = self._entry(env_id)
        if entry is None:
            return reply(404, {"error": {"code": "not_found", "message": "env not found"}})
        if entry["type"] == "sensitive":
            return reply(200, {**self.listed(entry), "decrypted": False})
        return reply(200, {**copy.deepcopy(entry), "decrypted": True})

    def _create_env(self, call: Call, ref: str) -> Any:
        body = call.json
        for entry in self.envs:
            if (entry["key"] == body["key"] and entry.get("gitBranch") == body.get("gitBranch")
                    and set(entry["target"]) & set(body["target"])):
                return reply(201, {"created": [], "failed": [{"error": {
                    "code": "ENV_CONFLICT", "message": f"A variable with the name `{body['key']}` already exists "
                    "for the target production on branch undefined", "envVarKey": body["key"],
                    "target": body["target"]}}]})
        entry = self.add_env(body["key"], body["value"], body["type"], body["target"], body.get("gitBranch"))
        return reply(201, {"created": self.listed(entry), "failed": []})

    def _edit_env(self, call: Call, ref: str, env_id: str) -> Any:
        entry = self._entry(env_id)
        entry.update(call.json)
        entry["updatedAt"] = next(self.clock)
        return reply(200, self.listed(entry))

    def _delete_env(self, call: Call, ref: str, env_id: str) -> Any:
        entry = self._entry(env_id)
        if entry is None:
            return reply(404, {"error": {"code": "not_found", "message": "env not found"}})
        self.envs.remove(entry)
        return reply(200, self.listed(entry))

    def _list_deployments(self, call: Call) -> Any:
        found = [{**{k: v for k, v in d.items() if k != "id"}, "uid": d["id"]} for d in reversed(self.deployments)
                 if d.get("target") == (call.params or {}).get("target", d.get("target"))]
        limit = int((call.params or {}).get("limit") or 20)
        return reply(200, {"deployments": found[:limit], "pagination": {"count": len(found), "next": None,
                                                                        "prev": None}})

    def _get_deployment(self, call: Call, ident: str) -> Any:
        found = next((d for d in self.deployments if d["id"] == ident), None)
        if found is None:
            return reply(404, {"error": {"code": "not_found", "message": "Deployment not found"}})
        states = found.get("_states")
        if states:
            found["readyState"] = states.pop(0)
            if found["readyState"] == "READY_UNALIASED":  # built, the production aliases not moved yet
                found["readyState"] = "READY"
            elif found["readyState"] == "READY":
                found["aliasAssigned"] = True
                self.project["targets"]["production"] = {"id": found["id"], "url": found["url"],
                                                         "readyState": "READY", "alias": ["scoop-web.vercel.app"]}
        return reply(200, {k: v for k, v in found.items() if not k.startswith("_")})

    def _create_deployment(self, call: Call) -> Any:
        source = next(d for d in self.deployments if d["id"] == call.json["deploymentId"])
        ident = next(self.deploy_ids)
        made = {"id": ident, "url": f"scoop-web-{ident}.vercel.app", "readyState": "QUEUED", "target": "production",
                "aliasAssigned": False, "createdAt": next(self.clock), "projectId": source["projectId"],
                "name": call.json["name"], "_states": list(self.progression)}
        self.deployments.append(made)
        return reply(200, {k: v for k, v in made.items() if not k.startswith("_")})


def base_params(**values: Any) -> dict:
    params = {"api_url": BASE_URL, "api_token": TOKEN, "team_id": TEAM, "timeout": 5.0, "validate_certs": True,
              "project": "scoop-web"}
    params.update(values)
    return params


def vercel_client(fake: FakeSession, **values: Any) -> VercelClient:
    return VercelClient.from_params(base_params(**values), session=fake, retry=no_sleep_policy())
