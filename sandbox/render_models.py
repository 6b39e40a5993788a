"""Render resource documents (service, serviceDetails, Key Value) and cursor pagination."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable

from .common import iso_now, prefixed_id
from .errors import BadRequest
from .routing import Request, Response
from .spec_adapt import split_one_of_by_sibling

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# serviceDetails schema name prefix -> service type (the spec's oneOf order is not a contract).
DETAILS_PREFIX_TO_TYPE = {
    "staticSite": "static_site",
    "webService": "web_service",
    "privateService": "private_service",
    "backgroundWorker": "background_worker",
    "cronJob": "cron_job",
}
DASHBOARD_KIND = {
    "static_site": "static", "web_service": "web", "private_service": "pserv",
    "background_worker": "worker", "cron_job": "cron",
}
DOCKER_RUNTIMES = frozenset({"docker", "image"})
DEFAULT_PORT = 10000

# keys copied as-is from a POST/PATCH serviceDetails into the stored details, per type
_COMMON_PASSTHROUGH = ("previews", "pullRequestPreviewsEnabled")
_SERVER_PASSTHROUGH = (*_COMMON_PASSTHROUGH, "autoscaling", "maxShutdownDelaySeconds")
PASSTHROUGH = {
    "static_site": (*_COMMON_PASSTHROUGH, "renderSubdomainPolicy", "ipAllowList"),
    "web_service": (*_SERVER_PASSTHROUGH, "maintenanceMode", "renderSubdomainPolicy", "ipAllowList", "cache"),
    "private_service": _SERVER_PASSTHROUGH,
    "background_worker": _SERVER_PASSTHROUGH,
    "cron_job": ("lastSuccessfulRunAt",),  # kept through PATCH; set by successful runs
}


def env_details_runtimes(alternative: dict[str, Any], runtimes: list[str]) -> list[str] | None:
    """The runtimes an ``envSpecificDetails`` oneOf alternative (a ``$ref``) belongs to: the docker
    details to ``docker`` and ``image``, the native ones to every other runtime."""
    name = alternative.get("$ref", "").rsplit("/", 1)[-1]
    if name.startswith("docker"):
        return sorted(DOCKER_RUNTIMES)
    if name.startswith("native"):
        return [runtime for runtime in runtimes if runtime not in DOCKER_RUNTIMES]
    return None


def pick_env_details_by_runtime(schema: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Check a details schema's ``envSpecificDetails`` against the alternative its ``runtime`` selects
    (the spec's oneOf overlaps: docker details have no required field)."""
    runtimes = schemas["serviceRuntime"]["enum"]
    reference = schema["properties"]["envSpecificDetails"].get("$ref", "")
    alternatives = schemas[reference.rsplit("/", 1)[-1]].get("oneOf", [])
    schema["properties"]["envSpecificDetails"] = {"oneOf": list(alternatives)}
    split_one_of_by_sibling(schema, "envSpecificDetails", "runtime",
                            lambda alternative: env_details_runtimes(alternative, runtimes))


def details_type_for(alternative: dict[str, Any]) -> str | None:
    """The service type a ``serviceDetails`` oneOf alternative (a ``$ref``) belongs to."""
    name = alternative.get("$ref", "").rsplit("/", 1)[-1]
    for prefix, service_type in DETAILS_PREFIX_TO_TYPE.items():
        if name.startswith(prefix):
            return service_type
    return None


# --- pagination -------------------------------------------------------------------------------
def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"lk{seq:010d}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("lk"):
            raise ValueError(cursor)
        return int(text[2:])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest(f"invalid cursor: {cursor}") from exc


def page_limit(request: Request) -> int:
    raw = request.arg("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise BadRequest("limit must be an integer") from exc
    if limit < 1:
        raise BadRequest("limit must be at least 1")
    return min(limit, MAX_LIMIT)


def paginate(request: Request, rows: Iterable[tuple[int, Any]], wrapper: str, *, newest_first: bool = False) -> Response:
    """Render lists: ``[{<wrapper>: obj, cursor}]``, items after ``?cursor=``, at most ``limit``.

    ``newest_first`` orders by descending sequence (deploys, events); the cursor works the same way.
    """
    cursor = request.arg("cursor")
    limit = page_limit(request)
    ordered = sorted(rows, key=lambda row: row[0], reverse=newest_first)
    if cursor:
        mark = decode_cursor(cursor)
        ordered = [(seq, obj) for seq, obj in ordered if (seq < mark if newest_first else seq > mark)]
    return Response(200, [{wrapper: obj, "cursor": encode_cursor(seq)} for seq, obj in ordered[:limit]])


def matches_filter(value: Any, wanted: list[str]) -> bool:
    return not wanted or value in wanted


# --- services ---------------------------------------------------------------------------------
def env_specific_details(runtime: str, given: dict[str, Any]) -> dict[str, Any]:
    if runtime in DOCKER_RUNTIMES:
        details = {
            "dockerCommand": given.get("dockerCommand", ""),
            "dockerContext": given.get("dockerContext", "."),
            "dockerfilePath": given.get("dockerfilePath", "./Dockerfile"),
        }
    else:
        details = {"buildCommand": given.get("buildCommand", ""), "startCommand": given.get("startCommand", "")}
    if given.get("preDeployCommand"):
        details["preDeployCommand"] = given["preDeployCommand"]
    return details


def _disk(given: dict[str, Any] | None) -> dict[str, Any] | None:
    if not given:
        return None
    return {"id": given.get("id") or prefixed_id("dsk"), "name": given["name"],
            "sizeGB": given.get("sizeGB", 1), "mountPath": given["mountPath"]}


def build_details(service_type: str, posted: dict[str, Any], slug: str, has_image: bool) -> dict[str, Any]:
    """serviceDetails for the stored service, valid against the type's response schema."""
    extras = {key: posted[key] for key in PASSTHROUGH[service_type] if key in posted}
    if service_type == "static_site":
        return {"buildCommand": posted.get("buildCommand", ""), "publishPath": posted.get("publishPath", "public"),
                "url": f"https://{slug}.onrender.com", "buildPlan": "starter", **extras}
    runtime = posted.get("runtime") or ("image" if has_image else "docker")
    given = dict(posted.get("envSpecificDetails") or {})
    if posted.get("preDeployCommand"):
        given["preDeployCommand"] = posted["preDeployCommand"]
    details: dict[str, Any] = {
        "env": runtime, "runtime": runtime, "envSpecificDetails": env_specific_details(runtime, given),
        "plan": posted.get("plan", "starter"), "region": posted.get("region", "oregon"), "buildPlan": "starter",
        **extras,
    }
    details.update(_type_specific_details(service_type, posted, slug))
    return details


def _type_specific_details(service_type: str, posted: dict[str, Any], slug: str) -> dict[str, Any]:
    if service_type == "cron_job":
        return {"schedule": posted.get("schedule", "0 * * * *")}
    details: dict[str, Any] = {"numInstances": posted.get("numInstances", 1)}
    disk = _disk(posted.get("disk"))
    if disk:
        details["disk"] = disk
    if service_type == "web_service":
        details.update(healthCheckPath=posted.get("healthCheckPath", ""), url=f"https://{slug}.onrender.com",
                       openPorts=[{"port": DEFAULT_PORT, "protocol": "TCP"}])
    elif service_type == "private_service":
        details.update(url=f"{slug}:{DEFAULT_PORT}", openPorts=[{"port": DEFAULT_PORT, "protocol": "TCP"}])
    return details


def merge_details(service: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a PATCH serviceDetails onto the stored one (rebuilt so it stays schema-valid)."""
    current = service["serviceDetails"]
    merged = {**current, **patch}
    merged["envSpecificDetails"] = {**current.get("envSpecificDetails", {}), **patch.get("envSpecificDetails", {})}
    if "preDeployCommand" in patch:
        merged["envSpecificDetails"]["preDeployCommand"] = patch["preDeployCommand"]
    return build_details(service["type"], merged, service["slug"], "imagePath" in service)


def build_service(body: dict[str, Any], slug: str) -> dict[str, Any]:
    service_id = prefixed_id("srv")
    now = iso_now()
    service: dict[str, Any] = {
        "id": service_id, "name": body["name"], "ownerId": body["ownerId"], "type": body["type"],
        "createdAt": now, "updatedAt": now, "slug": slug,
        "dashboardUrl": f"https://dashboard.render.com/{DASHBOARD_KIND[body['type']]}/{service_id}",
        "suspended": "not_suspended", "suspenders": [], "autoDeploy": body.get("autoDeploy", "yes"),
        "notifyOnFail": "default", "rootDir": body.get("rootDir", ""),
    }
    apply_source(service, body)
    service["serviceDetails"] = build_details(body["type"], body.get("serviceDetails") or {}, slug,
                                              "imagePath" in service)
    return service


def apply_source(service: dict[str, Any], body: dict[str, Any]) -> None:
    """Copy the top-level fields a POST/PATCH may carry onto the stored service."""
    for key in ("repo", "branch", "buildFilter", "environmentId", "rootDir", "autoDeploy", "name"):
        if key in body:
            service[key] = body[key]
    if "image" in body:
        service["imagePath"] = body["image"]["imagePath"]


# --- Key Value --------------------------------------------------------------------------------
def redis_policy(render_policy: str) -> str:
    """Render spells policies with underscores (``allkeys_lru``), Redis with hyphens."""
    return render_policy.replace("_", "-")


@dataclass
class KeyValue:
    id: str
    name: str
    owner: dict[str, Any]
    plan: str
    region: str
    policy: str
    persistence: str
    password: str
    port: int = 0
    status: str = "creating"
    ip_allow_list: list[dict[str, Any]] = field(default_factory=list)
    environment_id: str | None = None
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)

    def detail(self, version: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id, "createdAt": self.created_at, "updatedAt": self.updated_at, "status": self.status,
            "region": self.region, "plan": self.plan, "name": self.name, "owner": dict(self.owner),
            "options": {"maxmemoryPolicy": self.policy, "persistenceMode": self.persistence},
            "ipAllowList": list(self.ip_allow_list), "version": version,
            "dashboardUrl": f"https://dashboard.render.com/r/{self.id}",
        }
        if self.environment_id:
            doc["environmentId"] = self.environment_id
        return doc

    def connection_info(self) -> dict[str, str]:
        url = f"redis://default:{self.password}@127.0.0.1:{self.port}"
        return {"internalConnectionString": url, "externalConnectionString": url,
                "cliCommand": f"redis-cli -h 127.0.0.1 -p {self.port} -a {self.password}"}
