# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Render service resource (every type) and its module logic.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import validate_cron
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.logic import env_string, service_view
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ResourceError, ensure, unique

NATIVE_RUNTIMES = ("elixir", "go", "node", "python", "ruby", "rust")
RUNTIMES = ("docker", "image") + NATIVE_RUNTIMES
SERVICE_PLANS = ("free", "starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra", "custom")
UTC_NOTE = "Render runs cron schedules in UTC: '0 10 * * *' is 10:00 UTC, not 10:00 local time."

# Which options each service type takes (anything else is refused before any call).
TYPE_OPTIONS = {
    "web_service": {"num_instances", "autoscaling", "health_check_path", "pre_deploy_command"},
    "private_service": {"num_instances", "autoscaling", "pre_deploy_command"},
    "background_worker": {"num_instances", "autoscaling", "pre_deploy_command"},
    "cron_job": {"schedule"},
    "static_site": {"publish_path"},
}
TYPED_OPTIONS = set().union(*TYPE_OPTIONS.values())
# Options changed through their own endpoint rather than PATCH /services/{id}.
SCALE_OPTIONS = {"num_instances", "autoscaling"}


def validate(params: dict) -> None:
    """Everything that can be told wrong without asking Render."""
    if params["schedule"]:
        params["schedule"] = validate_cron(params["schedule"])
    if params["type"]:
        check_type_options(params, params["type"])
    if params["image"] and params["repo"]:
        raise ValueError("set either repo (build from Git) or image (deploy a prebuilt image), not both")
    auto = params["autoscaling"]
    if auto and auto["enabled"] and auto["min"] > auto["max"]:
        raise ValueError(f"autoscaling min ({auto['min']}) is above max ({auto['max']})")


def check_type_options(params: dict, kind: str) -> None:
    """Options that do not exist for this type of service are refused, never sent and ignored."""
    misplaced = sorted(o for o in TYPED_OPTIONS - TYPE_OPTIONS[kind] if params.get(o) is not None)
    if misplaced:
        raise ValueError(f"{', '.join(misplaced)} cannot be set on a {kind}")


def validate_create(params: dict) -> None:
    """What a create needs on top of validate(); checked once we know the service does not exist."""
    missing = [o for o in ("type",) if not params[o]]
    kind = params["type"]
    if kind and kind != "static_site" and not params["runtime"]:
        missing.append("runtime")
    if kind == "cron_job" and not params["schedule"]:
        missing.append("schedule")
    if params["runtime"] in NATIVE_RUNTIMES:
        missing += [o for o in ("build_command", "start_command") if not params[o]]
    if not (params["repo"] or params["image"]):
        missing.append("repo or image")
    if missing:
        raise ResourceError(f"service '{params['name']}' does not exist; to create it, also set {', '.join(missing)}")


class Service(Resource):
    kind = "Render service"
    immutable = frozenset({"type", "region"})

    def __init__(self, client: RenderClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.owner_id = client.owner_id(params["owner"])
        self.prefetched: list[dict | None] = []

    def find(self) -> dict | None:
        if self.prefetched:  # looked up once already by run_service, to validate before the engine runs
            return self.prefetched.pop()
        if self.params.get("id"):
            return self.client.http.get(f"/services/{self.params['id']}")
        return unique(self.client.services(self.owner_id, [self.params["name"]]), "service", self.params["name"])

    def desired(self) -> dict:
        p = self.params
        auto_deploy = None if p["auto_deploy"] is None else ("yes" if p["auto_deploy"] else "no")
        return {"type": p["type"], "repo": p["repo"], "branch": p["branch"], "image": p["image"],
                "auto_deploy": auto_deploy, "root_dir": p["root_dir"], "runtime": p["runtime"], "plan": p["plan"],
                "region": p["region"], "build_command": p["build_command"], "start_command": p["start_command"],
                "docker_command": p["docker_command"], "health_check_path": p["health_check_path"],
                "pre_deploy_command": p["pre_deploy_command"], "schedule": p["schedule"],
                "publish_path": p["publish_path"], "num_instances": p["num_instances"],
                "autoscaling": _autoscaling_body(p["autoscaling"])}

    def current(self, resource: dict) -> dict:
        details = resource.get("serviceDetails") or {}
        env_details = details.get("envSpecificDetails") or {}
        auto = details.get("autoscaling")
        return {"type": resource.get("type"), "repo": resource.get("repo"), "branch": resource.get("branch"),
                "image": resource.get("imagePath"), "auto_deploy": resource.get("autoDeploy"),
                "root_dir": resource.get("rootDir"), "runtime": details.get("runtime") or details.get("env"),
                "plan": details.get("plan"), "region": details.get("region"),
                "build_command": env_details.get("buildCommand") or details.get("buildCommand"),
                "start_command": env_details.get("startCommand"), "docker_command": env_details.get("dockerCommand"),
                "health_check_path": details.get("healthCheckPath"),
                "pre_deploy_command": details.get("preDeployCommand") or env_details.get("preDeployCommand"),
                "schedule": details.get("schedule"), "publish_path": details.get("publishPath"),
                "num_instances": details.get("numInstances"),
                # Render omits autoscaling until it was once set: on a type that can autoscale, that means off.
                "autoscaling": auto if auto and auto.get("enabled") else (
                    {"enabled": False}
                    if auto is not None or "autoscaling" in TYPE_OPTIONS.get(resource.get("type"), ()) else None)}

    def create(self) -> dict:
        answer = self.client.http.request("POST", "/services", json_body=self.create_body(), ok=(201,)).body
        return {**answer["service"], "_deployId": answer.get("deployId")}

    def create_body(self) -> dict:
        p, want = self.params, self.desired()
        body: dict[str, Any] = {"type": p["type"], "name": p["name"], "ownerId": self.owner_id, "repo": p["repo"],
                                "branch": p["branch"], "autoDeploy": want["auto_deploy"], "rootDir": p["root_dir"],
                                "environmentId": p["environment_id"], "envVars": self.initial_env() or None,
                                "serviceDetails": _compact(self.details(want, creating=True))}
        if p["image"]:
            body["image"] = _compact({"ownerId": self.owner_id, "imagePath": p["image"],
                                      "registryCredentialId": p["registry_credential_id"]})
        return _compact(body)

    def initial_env(self) -> list[dict]:
        """Env vars for the create body only: copied from another service, then the explicit ones."""
        env: dict[str, str] = {}
        if self.params["create_env_from"]:
            source = self.client.service(self.owner_id, self.params["create_env_from"])
            env.update(self.client.env_vars(source["id"]))
        env.update({key: env_string(value) for key, value in (self.params["create_env"] or {}).items()})
        return [{"key": key, "value": value} for key, value in env.items()]

    def details(self, values: dict, creating: bool) -> dict:
        kind = self.params["type"] or values.get("type")
        runtime = values.get("runtime")
        env_specific = _compact({"buildCommand": values.get("build_command"),
                                 "startCommand": values.get("start_command"),
                                 "dockerCommand": values.get("docker_command")})
        details: dict[str, Any] = {"runtime": runtime, "plan": values.get("plan"),
                                   "preDeployCommand": values.get("pre_deploy_command"),
                                   "healthCheckPath": values.get("health_check_path"),
                                   "schedule": values.get("schedule"), "publishPath": values.get("publish_path")}
        if env_specific and kind != "static_site":
            details["envSpecificDetails"] = env_specific
        if kind == "static_site":
            details["buildCommand"] = values.get("build_command")
        if creating:
            details.update(region=values.get("region"), numInstances=values.get("num_instances"),
                           autoscaling=values.get("autoscaling") if (values.get("autoscaling") or {}).get("enabled") else None)
        return details

    def update(self, resource: dict, changes: dict) -> dict:
        service_id = resource["id"]
        patch_changes = {k: v for k, v in changes.items() if k not in SCALE_OPTIONS}
        if patch_changes:
            self.client.http.request("PATCH", f"/services/{service_id}",
                                     json_body=self.patch_body(patch_changes, resource.get("type")))
        if "autoscaling" in changes:
            if changes["autoscaling"].get("enabled"):
                self.client.http.request("PUT", f"/services/{service_id}/autoscaling", json_body=changes["autoscaling"])
            else:
                self.client.http.request("DELETE", f"/services/{service_id}/autoscaling", ok=(204, 404))
        if "num_instances" in changes:
            self.client.http.request("POST", f"/services/{service_id}/scale", repeatable=True,
                                     json_body={"numInstances": changes["num_instances"]})
        return self.client.http.get(f"/services/{service_id}")

    def patch_body(self, changes: dict, kind: str | None = None) -> dict:
        top = {"repo": "repo", "branch": "branch", "auto_deploy": "autoDeploy", "root_dir": "rootDir"}
        body: dict[str, Any] = {api: changes[name] for name, api in top.items() if name in changes}
        if "image" in changes:
            body["image"] = _compact({"ownerId": self.owner_id, "imagePath": changes["image"],
                                      "registryCredentialId": self.params["registry_credential_id"]})
        details = _compact(self.details({**changes, "type": kind}, creating=False))  # kind: where buildCommand goes
        if details:
            body["serviceDetails"] = details
        return body

    def delete(self, resource: dict) -> None:
        self.client.http.request("DELETE", f"/services/{resource['id']}", ok=(204, 404))


def _autoscaling_body(auto: dict | None) -> dict | None:
    if auto is None:
        return None
    if not auto["enabled"]:
        return {"enabled": False}
    return {"enabled": True, "min": auto["min"], "max": auto["max"],
            "criteria": {"cpu": {"enabled": auto["cpu_percent"] is not None, "percentage": auto["cpu_percent"] or 70},
                         "memory": {"enabled": auto["memory_percent"] is not None,
                                    "percentage": auto["memory_percent"] or 70}}}


def _compact(body: dict) -> dict:
    return {key: value for key, value in body.items() if value is not None}


def set_suspension(client: RenderClient, service: dict, want_suspended: bool, check_mode: bool) -> bool:
    """Suspend or resume; True when that changes anything."""
    suspended = service.get("suspended") == "suspended"
    if suspended == want_suspended:
        return False
    if not check_mode:
        action = "suspend" if want_suspended else "resume"
        client.http.request("POST", f"/services/{service['id']}/{action}", repeatable=True, ok=(200, 202, 204))
    return True


def run_service(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    validate(params)
    secrets.add(*(env_string(v) for v in (params["create_env"] or {}).values()))
    client = client or RenderClient.from_params(params)
    resource = Service(client, params)
    state = params["state"]
    if state != "absent":
        existing = resource.find()
        if existing is None:
            validate_create(params)
        else:
            check_type_options(params, existing["type"])
        resource.prefetched.append(existing)
    outcome = ensure(resource, "absent" if state == "absent" else "present", check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "service": None, "deploy_id": None}
    service = outcome.resource
    if service is not None:
        result["deploy_id"] = service.pop("_deployId", None)
        if state in ("present", "suspended") and set_suspension(client, service, state == "suspended", check_mode):
            result["changed"] = True
            result["action"] = result["action"] if outcome.changed else ("suspend" if state == "suspended" else "resume")
            result["diff"]["before"]["suspended"] = state != "suspended"
            result["diff"]["after"]["suspended"] = state == "suspended"
            if not check_mode:
                service = client.http.get(f"/services/{service['id']}")
        result["service"] = service_view(service)
    elif check_mode and state == "suspended":
        result["warnings"].append("the service would be created and then suspended")
    if (params["type"] or (service or {}).get("type")) == "cron_job" and state != "absent":
        result["schedule_timezone"] = "UTC"
        result["schedule_note"] = UTC_NOTE
    return result
