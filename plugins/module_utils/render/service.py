# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Render service resource (every type) and its module logic.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Outcome, Resource, ResourceError, ensure, unique)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import (
    DOCKER_COMMANDS, DOCKER_RUNTIMES, NATIVE_RUNTIMES, RenderClient, autoscaling_body, env_string,
    service_settings, service_view)
from ansible_collections.launchkit.paas.plugins.module_utils.rollout import record as records
from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import (
    SCHEDULE_LIBRARIES, UTC_NOTE, check_timezone, schedule_facts, validate_cron)

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
# The options compared with the service (render_service's options in the order they are reported).
SETTINGS = ("type", "repo", "branch", "image", "auto_deploy", "root_dir", "runtime", "plan", "region",
            "build_command", "start_command", "docker_context", "dockerfile_path", "health_check_path",
            "pre_deploy_command", "schedule", "publish_path", "num_instances", "autoscaling")
DOCKER_ONLY = sorted(set(DOCKER_COMMANDS) - {"start_command"})


def validate(params: dict) -> None:
    """Everything that can be told wrong without asking Render."""
    if params["schedule"]:
        params["schedule"] = validate_cron(params["schedule"])
    if params.get("display_timezone"):
        check_timezone(params["display_timezone"])
    if params["type"]:
        check_type_options(params, params["type"])
    if params["runtime"]:
        check_runtime_options(params, params["runtime"])
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


def check_runtime_options(params: dict, runtime: str | None) -> None:
    """Docker and image services have a command but no build command; only docker has a Dockerfile."""
    if runtime in DOCKER_RUNTIMES and params["build_command"]:
        raise ValueError(
            f"build_command cannot be set on a service with runtime {runtime}: Render builds a docker service from "
            "its Dockerfile (choose it with dockerfile_path and docker_context) and deploys an image as it is; "
            "set start_command for the command to run (Render's dockerCommand) and leave build_command out")
    misplaced = [o for o in DOCKER_ONLY if params.get(o) is not None]
    if runtime != "docker" and misplaced:
        raise ValueError(f"{', '.join(misplaced)} is only for runtime docker (this service's runtime is {runtime}); "
                         "leave it out")


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
    elif kind == "cron_job" and any(params.get(o) for o in DOCKER_ONLY) and not params["start_command"]:
        missing.append("start_command")  # Render takes a cron job's docker details only with its command
    if not (params["repo"] or params["image"]):
        missing.append("repo or image")
    if missing:
        raise ResourceError(f"service '{params['name']}' does not exist; to create it, also set {', '.join(missing)}")


class Service(Resource):
    kind = "Render service"
    immutable = frozenset({"type", "region"})
    created_field = "createdAt"

    def __init__(self, client: RenderClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.owner_id = client.owner_id(params["owner"])
        self.prefetched: list[dict | None] = []
        self.record = records.target_path(params)

    def find(self) -> dict | None:
        if self.prefetched:  # looked up once already by run_service, to validate before the engine runs
            return self.prefetched.pop()
        if self.params.get("id"):
            return self.client.get_service(self.params["id"])
        return unique(self.client.services(self.owner_id, [self.params["name"]]), "service", self.params["name"])

    def namesakes(self) -> list[dict]:
        return self.client.services(self.owner_id, [self.params["name"]])

    def desired(self) -> dict:
        p = self.params
        values = {name: p[name] for name in SETTINGS}
        values["auto_deploy"] = None if p["auto_deploy"] is None else ("yes" if p["auto_deploy"] else "no")
        values["autoscaling"] = autoscaling_body(p["autoscaling"])
        return values

    def current(self, resource: dict) -> dict:
        settings = service_settings(resource)
        auto = settings["autoscaling"]
        # Render omits autoscaling until it was once set: on a type that can autoscale, that means off.
        settings["autoscaling"] = auto if auto and auto.get("enabled") else (
            {"enabled": False}
            if auto is not None or "autoscaling" in TYPE_OPTIONS.get(resource.get("type"), ()) else None)
        return settings

    def create(self) -> dict:
        p = self.params
        if self.record is not None:  # what the rollout makes is written down before it is made
            records.add_facts(self.record, {"created": [p["name"]]})
        values = {**self.desired(), "environment_id": p["environment_id"],
                  "registry_credential_id": p["registry_credential_id"]}
        service, deploy_id = self.client.create_service(self.owner_id, p["name"], values, self.initial_env())
        return {**service, "_deployId": deploy_id}

    def initial_env(self) -> dict[str, str]:
        """Env vars for the create body only: copied from another service, then the explicit ones."""
        env: dict[str, str] = {}
        if self.params["create_env_from"]:
            source = self.client.service(self.owner_id, self.params["create_env_from"])
            env.update(self.client.env_vars(source["id"]))
        env.update({key: env_string(value) for key, value in (self.params["create_env"] or {}).items()})
        return env

    def update(self, resource: dict, changes: dict) -> dict:
        service_id = resource["id"]
        patch = {k: v for k, v in changes.items() if k not in SCALE_OPTIONS}
        if patch:
            runtime = self.params["runtime"] or service_settings(resource)["runtime"]
            patch["registry_credential_id"] = self.params["registry_credential_id"]
            self.client.update_service(service_id, self.owner_id, resource.get("type"), runtime, patch)
        if "autoscaling" in changes:
            if changes["autoscaling"].get("enabled"):
                self.client.set_autoscaling(service_id, changes["autoscaling"])
            else:
                self.client.delete_autoscaling(service_id)
        if "num_instances" in changes:
            self.client.scale_service(service_id, changes["num_instances"])
        return self.client.get_service(service_id)

    def delete(self, resource: dict) -> None:
        self.client.delete_service(resource["id"])


def set_suspension(client: RenderClient, service: dict, want_suspended: bool, check_mode: bool) -> bool:
    """Suspend or resume; True when that changes anything."""
    suspended = service.get("suspended") == "suspended"
    if suspended == want_suspended:
        return False
    if not check_mode:
        if want_suspended:
            client.suspend_service(service["id"])
        else:
            client.resume_service(service["id"])
    return True


def check_before_writing(resource: Service, params: dict) -> None:
    """Look the service up once and refuse what cannot work for it, before the engine writes anything."""
    existing = resource.find()
    if existing is None:
        validate_create(params)
    else:
        check_type_options(params, existing["type"])
        check_runtime_options(params, params["runtime"] or service_settings(existing)["runtime"])
    resource.prefetched.append(existing)


def run_service(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    validate(params)
    secrets.add(*(env_string(v) for v in (params["create_env"] or {}).values()))
    client = client or RenderClient.from_params(params, secrets)
    resource = Service(client, params)
    state = params["state"]
    if state != "absent":
        check_before_writing(resource, params)
    outcome = ensure(resource, "absent" if state == "absent" else "present", check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "service": None, "deploy_id": None}
    service = outcome.resource
    if service is not None:
        result["deploy_id"] = service.pop("_deployId", None)
        if state in ("present", "suspended"):
            service = _suspension(client, service, outcome, result, state == "suspended", check_mode)
        result["service"] = service_view(service)
    elif check_mode and state == "suspended":
        result["warnings"].append("the service would be created and then suspended")
    if (params["type"] or (service or {}).get("type")) == "cron_job" and state != "absent":
        result["schedule_timezone"] = "UTC"
        result["schedule_note"] = UTC_NOTE
        schedule = params["schedule"] or ((service or {}).get("serviceDetails") or {}).get("schedule")
        if schedule:
            result.update(schedule_facts(schedule, params.get("display_timezone")))
    return result


def libraries(params: dict) -> dict:
    """What a run needs besides requests: the cron libraries for a cron job's schedule."""
    return SCHEDULE_LIBRARIES if params.get("schedule") or params.get("type") == "cron_job" else {}


def _suspension(client: RenderClient, service: dict, outcome: Outcome, result: dict, suspend: bool,
                check_mode: bool) -> dict:
    """Suspend or resume as asked, recording it in the result; the service as it is afterwards."""
    if not set_suspension(client, service, suspend, check_mode):
        return service
    result["changed"] = True
    result["action"] = result["action"] if outcome.changed else ("suspend" if suspend else "resume")
    result["diff"]["before"]["suspended"] = not suspend
    result["diff"]["after"]["suspended"] = suspend
    return service if check_mode else client.get_service(service["id"])
