# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small stateful Grafana HTTP API at the transport level, for the Grafana module tests, and a check of
each request against Grafana's Swagger 2 document (the sandbox has no Grafana vendor yet).

Every request also goes through the real HTTP core (retries, errors, redaction).
"""
from __future__ import annotations

import copy
import functools
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import jsonschema

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import REDACTED, GrafanaClient
from launchkit_fakes import Call, FakeSession, no_sleep_policy, reply, sent_query

BASE = "https://grafana.test"
TOKEN = "glsa_unit-test-token"
SPEC_FILE = Path(os.environ.get("LAUNCHKIT_API_SPECS") or Path(__file__).resolve().parents[5] / "shared" / "api-specs") \
    / "grafana" / "api-merged.swagger2.json"
#: operations the client sends that the saved spec does not hold, with the definition of their body
#: (route confirmed in grafana/grafana, docs/grafana.md)
NOT_IN_SPEC = {("POST", "/alertmanager/grafana/config/api/v1/receivers/test"): "TestReceiversConfigBodyParams"}


def params(**extra: Any) -> dict:
    return {"api_url": BASE, "api_key": TOKEN, "username": None, "password": None, "timeout": 5.0,
            "validate_certs": True, **extra}


def client_of(api: FakeSession, secrets: Secrets | None = None, **extra: Any) -> GrafanaClient:
    return GrafanaClient.from_params(params(**extra), secrets, session=api, retry=no_sleep_policy())


# -- the spec check
@functools.lru_cache(maxsize=1)
def spec() -> dict:
    document = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    # Grafana's own deviation from its generated spec (docs/grafana.md): a rule's "for" is a Prometheus
    # duration string ("5m"; definitions/provisioning_alert_rules.go For model.Duration), not int64 nanoseconds.
    document["definitions"]["ProvisionedAlertRule"]["properties"]["for"] = {"type": "string"}
    # The generated enum of contact point types keeps the space after each comma (" slack"); Grafana's types
    # have none.
    kind = document["definitions"]["EmbeddedContactPoint"]["properties"]["type"]
    kind["enum"] = [value.strip() for value in kind["enum"]]
    # A route's legacy "matchers" are Alertmanager's config.Matchers, which Grafana reads and writes as strings
    # ('severity="critical"'), not as the Matcher objects the generator derived from the Go struct.
    document["definitions"]["Route"]["properties"]["matchers"] = {"type": "array", "items": {"type": "string"}}
    return document


def closed(schema: Any) -> Any:
    """Objects that declare properties refuse others (the sandbox is never more lenient than the vendor)."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        if schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


def _template(method: str, path: str) -> tuple[str, dict] | None:
    for template, operations in spec()["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None


def request_problems(method: str, path: str, query: str, body: Any) -> list[str]:
    definitions = closed(spec()["definitions"])
    if (method, path) in NOT_IN_SPEC:
        schema: dict | None = {"$ref": f"#/definitions/{NOT_IN_SPEC[(method, path)]}"}
        declared: dict = {}
    else:
        found = _template(method, unquote(path))
        if found is None:
            return [f"{method} {path}: not an operation of the Grafana spec"]
        operation = found[1]
        parameters = operation.get("parameters") or []
        declared = {p["name"]: p for p in parameters if p.get("in") == "query"}
        body_param = next((p for p in parameters if p.get("in") == "body"), None)
        schema = closed(body_param["schema"]) if body_param else None
    problems = []
    for name, values in parse_qs(query, keep_blank_values=True).items():
        parameter = declared.get(name)
        if parameter is None:
            problems.append(f"query parameter {name} is not declared")
            continue
        for value in values:
            if parameter.get("type") == "boolean" and value not in ("true", "false"):
                problems.append(f"query parameter {name}={value} is not a boolean")
            if parameter.get("type") == "integer" and not value.isdigit():
                problems.append(f"query parameter {name}={value} is not an integer")
    if body is not None:
        if schema is None:
            problems.append("a body where the operation takes none")
        else:
            validator = jsonschema.Draft4Validator({**schema, "definitions": definitions})
            problems += [f"body {'/'.join(map(str, error.absolute_path))}: {error.message}"
                         for error in validator.iter_errors(body)]
    return problems


def refused_by_spec(calls: list[Call]) -> dict[str, list[str]]:
    found = {f"{c.method} {c.path}?{sent_query(c)} {c.json}": request_problems(c.method, c.path, sent_query(c), c.json)
             for c in calls}
    return {request: problems for request, problems in found.items() if problems}


# -- a stateful Grafana
class FakeGrafana:
    def __init__(self) -> None:
        self.api = FakeSession(BASE + "/api")
        self.folders: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}
        self.groups: dict[tuple[str, str], dict] = {}
        self.points: list[dict] = []
        self.secure: dict[str, dict[str, str]] = {}
        self.tree: dict = {"receiver": "default-email", "group_by": ["grafana_folder", "alertname"], "routes": []}
        self.datasources: dict[str, dict] = {}
        self.test_answer: tuple[int, dict] | None = None
        self.test_answers: list[tuple[int, dict]] = []
        self.api.on("GET", "/org", lambda call: reply(200, {"id": 1, "name": "Main Org."}))
        self.api.on("POST", "/folders", self._create_folder)
        self.api.on("POST", "/dashboards/db", self._save_dashboard)
        self.api.on("GET", "/v1/provisioning/contact-points", self._points)
        self.api.on("POST", "/v1/provisioning/contact-points", self._create_point)
        self.api.on("GET", "/v1/provisioning/policies", lambda call: reply(200, copy.deepcopy(self.tree)))
        self.api.on("PUT", "/v1/provisioning/policies", self._put_tree)
        self.api.on("POST", "/alertmanager/grafana/config/api/v1/receivers/test", self._test)

    # folders
    def folder_routes(self, uid: str) -> None:
        self.api.on("GET", f"/folders/{uid}", lambda call: reply(200, self.folders[uid]) if uid in self.folders
                    else reply(404, {"message": "folder not found"}))
        self.api.on("PUT", f"/folders/{uid}", lambda call: self._update_folder(call, uid))
        self.api.on("DELETE", f"/folders/{uid}", lambda call: (self.folders.pop(uid, None), reply(200, {}))[1])

    def _create_folder(self, call: Call) -> Any:
        body = call.json
        self.folders[body["uid"]] = {"uid": body["uid"], "title": body["title"], "version": 1,
                                     "url": f"/dashboards/f/{body['uid']}/", "parentUid": body.get("parentUid")}
        return reply(200, self.folders[body["uid"]])

    def _update_folder(self, call: Call, uid: str) -> Any:
        self.folders[uid].update(title=call.json["title"], version=self.folders[uid]["version"] + 1)
        return reply(200, self.folders[uid])

    # dashboards
    def dashboard_routes(self, uid: str) -> None:
        self.api.on("GET", f"/dashboards/uid/{uid}", lambda call: reply(200, copy.deepcopy(self.dashboards[uid]))
                    if uid in self.dashboards else reply(404, {"message": "Dashboard not found"}))
        self.api.on("DELETE", f"/dashboards/uid/{uid}", lambda call: (self.dashboards.pop(uid, None), reply(200, {}))[1])

    def _save_dashboard(self, call: Call) -> Any:
        model = copy.deepcopy(call.json["dashboard"])
        stored = self.dashboards.get(model["uid"])
        if stored and not call.json.get("overwrite") and model.get("version") != stored["dashboard"]["version"]:
            return reply(412, {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"})
        version = (stored["dashboard"]["version"] + 1) if stored else 1
        model.update(id=7, version=version)
        folder = call.json.get("folderUid")
        self.dashboards[model["uid"]] = {"dashboard": model, "meta": {"folderUid": folder, "url": f"/d/{model['uid']}/x"}}
        return reply(200, {"id": 7, "uid": model["uid"], "url": f"/d/{model['uid']}/x", "status": "success",
                           "version": version, "title": model["title"], "folderUid": folder})

    # rule groups
    def group_routes(self, folder: str, group: str) -> None:
        path = f"/v1/provisioning/folder/{folder}/rule-groups/{group}"
        self.api.on("GET", path, lambda call: reply(200, copy.deepcopy(self.groups[(folder, group)]))
                    if (folder, group) in self.groups else reply(404, {"message": "not found"}))
        self.api.on("PUT", path, lambda call: self._put_group(call, folder, group))
        self.api.on("DELETE", path, lambda call: (self.groups.pop((folder, group), None), reply(204))[1])

    def _put_group(self, call: Call, folder: str, group: str) -> Any:
        rules = []
        for rule in call.json["rules"]:
            stored = copy.deepcopy(rule)
            for query in stored["data"]:  # what models/alert_query.go fills in
                query["model"].setdefault("maxDataPoints", 43200)
                query["model"].setdefault("intervalMs", 1000)
            # api_provisioning.go determineProvenance: the header's presence means none
            provenance = "" if "X-Disable-Provenance" in (call.headers or {}) else "api"
            stored.update(id=len(rules) + 1, updated="2026-01-01T00:00:00Z", provenance=provenance)
            if not stored.get("labels"):
                stored.pop("labels", None)
            rules.append(stored)
        self.groups[(folder, group)] = {"title": group, "folderUid": folder, "interval": call.json["interval"], "rules": rules}
        return reply(200, call.json)

    # contact points
    def _points(self, call: Call) -> Any:
        name = (call.params or {}).get("name")
        return reply(200, [copy.deepcopy(p) for p in self.points if not name or p["name"] == name])

    def _store_point(self, body: dict, uid: str) -> dict:
        settings = dict(body["settings"])
        secrets = self.secure.setdefault(uid, {})
        for key in ("url", "token", "password", "authorization_credentials"):
            if key in settings:
                if settings[key] != REDACTED:
                    secrets[key] = settings[key]
                settings[key] = REDACTED
        point = {"uid": uid, "name": body["name"], "type": body["type"], "settings": settings,
                 "disableResolveMessage": bool(body.get("disableResolveMessage")), "provenance": ""}
        self.points = [p for p in self.points if p["uid"] != uid] + [point]
        self.api.on("PUT", f"/v1/provisioning/contact-points/{uid}", lambda call: (self._store_point(call.json, uid), reply(202, {}))[1])
        self.api.on("DELETE", f"/v1/provisioning/contact-points/{uid}",
                    lambda call: (setattr(self, "points", [p for p in self.points if p["uid"] != uid]), reply(202))[1])
        return point

    def _create_point(self, call: Call) -> Any:
        return reply(202, copy.deepcopy(self._store_point(call.json, call.json.get("uid") or f"cp{len(self.points) + 1}")))

    def _put_tree(self, call: Call) -> Any:
        self.tree = copy.deepcopy(call.json)
        return reply(202, {"message": "policies updated"})

    def _test(self, call: Call) -> Any:
        if self.test_answers:  # one answer per test, in order
            return reply(*self.test_answers.pop(0))
        if self.test_answer:
            return reply(*self.test_answer)
        receiver = call.json["receivers"][0]
        return reply(200, {"alert": call.json["alert"], "notified_at": "2026-01-01T00:00:00Z", "receivers": [
            {"name": receiver["name"], "grafana_managed_receiver_configs": [
                {"uid": c.get("uid"), "name": c["name"], "status": "ok"} for c in receiver["grafana_managed_receiver_configs"]]}]})
