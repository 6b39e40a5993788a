"""Render public API (``/render/v1``): owners, services, env vars, deploys, cron job runs, events,
custom domains, and Key Value backed by real Redis."""
from __future__ import annotations

import itertools
import os
import time
from operator import itemgetter
from typing import Any

from .common import RateWindow, iso_now, new_uuid, prefixed_id, random_secret, slugify
from .errors import ApiError, BadRequest, Conflict, NotFound
from .redis_servers import RespError, redis_version
from .render_cron import CronBook, CronSettings
from .render_deploys import DeployBook, DeployOrder, DeploySettings, image_repository
from .render_domains import DomainBook
from .render_events import EventLog, event_type_for
from .render_models import (
    KeyValue, apply_source, build_service, details_type_for, encode_cursor, matches_filter, merge_details,
    paginate, pick_env_details_by_runtime, redis_policy,
)
from .render_postgres import RenderPostgres
from .routing import Handler, Request, Response
from .spec_adapt import inline_refs, split_one_of_by_sibling
from .vendor import VendorAPI, provision_delay, register_vendor

RENDER_API_KEY = os.environ.get("SANDBOX_RENDER_API_KEY", "rnd_sandbox_render_key")
OWNER: dict[str, str] = {
    "id": "tea-sandbox000000000000", "name": "Sandbox Team", "email": "team@launchkit.test", "type": "team",
}
SCALABLE_TYPES = ("web_service", "private_service", "background_worker")
RATE_LIMIT = int(os.environ.get("SANDBOX_RENDER_RATELIMIT", "400"))
RATE_WINDOW = 60
DEFAULT_POLICY = "allkeys_lru"
RESTARTING_FIELDS = ("plan", "maxmemoryPolicy", "persistenceMode")
EVENT_SCHEMA = "#/components/schemas/serviceEventWithCursor/properties/event"
SEED_DEPLOY = ("live", "in_progress", "none")  # ``deploy`` of a seeded service
SANDBOX_USER = OWNER["email"]  # who triggers and cancels cron job runs


@register_vendor
class RenderAPI(VendorAPI):
    name = "render"
    prefix = "/render/v1"
    spec_file = "render/render-public-api.openapi.json"

    def register_routes(self) -> None:
        routes = [
            ("GET", "/owners", self.list_owners),
            ("GET", "/owners/{ownerId}", self.get_owner),
            ("GET", "/services", self.list_services),
            ("POST", "/services", self.create_service),
            ("GET", "/services/{serviceId}", self.get_service),
            ("PATCH", "/services/{serviceId}", self.update_service),
            ("DELETE", "/services/{serviceId}", self.delete_service),
            ("GET", "/services/{serviceId}/env-vars", self.list_env_vars),
            ("PUT", "/services/{serviceId}/env-vars", self.replace_env_vars),
            ("GET", "/services/{serviceId}/env-vars/{envVarKey}", self.get_env_var),
            ("PUT", "/services/{serviceId}/env-vars/{envVarKey}", self.put_env_var),
            ("DELETE", "/services/{serviceId}/env-vars/{envVarKey}", self.delete_env_var),
            ("POST", "/services/{serviceId}/suspend", self.suspend_service),
            ("POST", "/services/{serviceId}/scale", self.scale_service),
            ("PUT", "/services/{serviceId}/autoscaling", self.put_autoscaling),
            ("DELETE", "/services/{serviceId}/autoscaling", self.delete_autoscaling),
            ("POST", "/services/{serviceId}/resume", self.resume_service),
            ("GET", "/services/{serviceId}/deploys", self.list_deploys),
            ("POST", "/services/{serviceId}/deploys", self.create_deploy),
            ("GET", "/services/{serviceId}/deploys/{deployId}", self.get_deploy),
            ("POST", "/services/{serviceId}/deploys/{deployId}/cancel", self.cancel_deploy),
            ("POST", "/services/{serviceId}/rollback", self.rollback),
            ("POST", "/cron-jobs/{cronJobId}/runs", self.trigger_cron_run),
            ("DELETE", "/cron-jobs/{cronJobId}/runs", self.cancel_cron_run),
            ("GET", "/services/{serviceId}/events", self.list_events),
            ("GET", "/services/{serviceId}/custom-domains", self.list_custom_domains),
            ("POST", "/services/{serviceId}/custom-domains", self.create_custom_domain),
            ("GET", "/services/{serviceId}/custom-domains/{customDomainIdOrName}", self.get_custom_domain),
            ("DELETE", "/services/{serviceId}/custom-domains/{customDomainIdOrName}", self.delete_custom_domain),
            ("POST", "/services/{serviceId}/custom-domains/{customDomainIdOrName}/verify", self.verify_custom_domain),
            ("GET", "/key-value", self.list_key_values),
            ("POST", "/key-value", self.create_key_value),
            ("GET", "/key-value/{keyValueId}", self.get_key_value),
            ("PATCH", "/key-value/{keyValueId}", self.update_key_value),
            ("DELETE", "/key-value/{keyValueId}", self.delete_key_value),
            ("GET", "/key-value/{keyValueId}/connection-info", self.key_value_connection_info),
            ("POST", "/key-value/{keyValueId}/suspend", self.suspend_key_value),
            ("POST", "/key-value/{keyValueId}/resume", self.resume_key_value),
        ]
        self.postgres = RenderPostgres(self.context, self._owner)
        for method, template, handler in [*routes, *self.postgres.routes()]:
            self.route(method, template, handler)

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self._seq = itertools.count(1)
        self.owners: dict[str, tuple[int, dict[str, Any]]] = {OWNER["id"]: (next(self._seq), dict(OWNER))}
        self.services: dict[str, tuple[int, dict[str, Any]]] = {}
        self.env_vars: dict[str, dict[str, tuple[int, str]]] = {}
        self.key_values: dict[str, tuple[int, KeyValue]] = {}
        self.rate = RateWindow(RATE_LIMIT, RATE_WINDOW)
        self.events = EventLog()
        self.deploys = DeployBook(self.events, self._current_env)
        self.cron = CronBook(self.events)
        self.domains = DomainBook()
        self.postgres.reset()

    def before(self, request: Request) -> None:
        self.settle()

    def settle(self) -> None:
        """Apply the deploy and cron-run transitions due by now, oldest first (events stay in time order)."""
        now = time.time()
        for _when, action in sorted([*self.deploys.due(now), *self.cron.due(now)], key=itemgetter(0)):
            action()

    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/deploys", self.control_deploys), ("POST", "/deploys", self.control_deploys),
                ("GET", "/cron", self.control_cron), ("POST", "/cron", self.control_cron),
                ("GET", "/dns", self.control_dns), ("POST", "/dns", self.control_dns)]

    def control_deploys(self, request: Request) -> Response:
        return self._steer(request, self.deploys.settings)

    def control_cron(self, request: Request) -> Response:
        return self._steer(request, self.cron.settings)

    def control_dns(self, request: Request) -> Response:
        return self._steer(request, self.domains)

    @staticmethod
    def _steer(request: Request, settings: DeploySettings | CronSettings | DomainBook) -> Response:
        """Control: POST changes the given settings; both GET and POST answer the current ones."""
        if request.method == "POST":
            settings.update(request.body)
        return Response(200, settings.describe())

    def authenticate(self, request: Request) -> bool:
        return request.header("Authorization") == f"Bearer {RENDER_API_KEY}"

    def error_body(self, status: int, message: str) -> Any:
        return {"id": new_uuid(), "message": message}

    def finalize(self, response: Response) -> None:
        remaining, reset = self.rate.hit()
        if response.status == 429:
            remaining = 0
        response.headers.update({
            "Ratelimit-Limit": str(self.rate.limit), "Ratelimit-Remaining": str(remaining),
            "Ratelimit-Reset": str(reset), "Render-Request-Id": new_uuid(),
        })

    @staticmethod
    def adapt_spec(document: dict[str, Any]) -> None:
        """NOTES.md quirk 6: pick serviceDetails by ``type`` and envSpecificDetails by ``runtime``."""
        schemas = document["components"]["schemas"]
        for schema in schemas.values():
            if "envSpecificDetails" in schema.get("properties", {}):
                pick_env_details_by_runtime(schema, schemas)
        for schema in schemas.values():
            if "serviceDetails" in schema.get("properties", {}):
                split_one_of_by_sibling(schema, "serviceDetails", "type", details_type_for)
        # event details: an untitled oneOf whose "Service Suspended" alternative ({type: object})
        # matches anything; other schemas point into it, so inline those references first.
        inline_refs(document, f"{EVENT_SCHEMA}/properties/details/")
        event = document["components"]["schemas"]["serviceEventWithCursor"]["properties"]["event"]
        split_one_of_by_sibling(event, "details", "type", event_type_for)

    def validation_payload(self, request: Request) -> Any:
        """A service PATCH carries neither ``type`` nor, often, ``runtime``: validate it as the stored
        service's (those added fields are never refused as undeclared)."""
        body = request.body
        if request.template != "/services/{serviceId}" or not isinstance(body, dict):
            return body
        found = self.services.get(request.params["serviceId"])
        if found is None:
            return body
        service = found[1]
        payload = {**body, "type": service["type"]}
        details = body.get("serviceDetails")
        runtime = service["serviceDetails"].get("runtime")
        if isinstance(details, dict) and runtime and "runtime" not in details:
            payload["serviceDetails"] = {**details, "runtime": runtime}
        return payload

    def dump(self) -> dict[str, Any]:
        self.settle()
        return {
            "owners": [owner for _seq, owner in self.owners.values()],
            "services": [service for _seq, service in self.services.values()],
            "env_vars": {sid: {key: value for key, (_seq, value) in env.items()} for sid, env in self.env_vars.items()},
            # What each service runs with: the env of its live deploy, taken when that deploy went live.
            "running_env_vars": {sid: self.deploys.running_env(sid) for sid in self.env_vars},
            "key_values": [{**kv.detail(redis_version()), "password": kv.password, "port": kv.port,
                            "connectionInfo": kv.connection_info()} for _seq, kv in self.key_values.values()],
            "deploys": self.deploys.dump(), "deploy_settings": self.deploys.settings.describe(),
            "cron_runs": self.cron.dump(), "cron_settings": self.cron.settings.describe(),
            "events": self.events.dump(), **self.domains.dump(), **self.postgres.dump(),
        }

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {"services": [], "key_values": [],
                                  "postgres": self.postgres.seed(data.get("postgres", []), OWNER["id"])}
        for spec in data.get("services", []):
            body = {"ownerId": OWNER["id"], "type": "web_service", **spec}
            env = body.pop("env_vars", {}) or {}
            deploy = body.pop("deploy", "live")
            if deploy not in SEED_DEPLOY:
                raise BadRequest(f"deploy must be one of {list(SEED_DEPLOY)}")
            body["envVars"] = [{"key": key, "value": str(value)} for key, value in env.items()]
            service = self._create_service(body)
            if deploy != "none":
                order = DeployOrder("api", first=True, outcome="live" if deploy == "live" else None)
                self.deploys.start(service, order, already_done=deploy == "live")
            result["services"].append({"id": service["id"], "name": service["name"]})
        for spec in data.get("key_values", []):
            kv = self._create_key_value({"ownerId": OWNER["id"], "plan": "starter", **spec})
            result["key_values"].append({"id": kv.id, "name": kv.name})
        if "dns" in data:  # the DNS records the stack's person created, as POST /_sandbox/render/dns takes them
            self.domains.update({"records": data["dns"]})
        return result

    # --- owners ------------------------------------------------------------------------------
    def list_owners(self, request: Request) -> Response:
        names, emails = request.args("name"), request.args("email")
        rows = [(seq, owner) for seq, owner in self.owners.values()
                if matches_filter(owner["name"], names) and matches_filter(owner["email"], emails)]
        return paginate(request, rows, "owner")

    def get_owner(self, request: Request) -> Response:
        return Response(200, self._owner(request.params["ownerId"]))

    def _owner(self, owner_id: str) -> dict[str, Any]:
        found = self.owners.get(owner_id)
        if found is None:
            raise NotFound("owner not found")
        return found[1]

    # --- services ----------------------------------------------------------------------------
    def list_services(self, request: Request) -> Response:
        filters = {key: request.args(key) for key in ("name", "type", "ownerId", "environmentId", "suspended")}
        regions = request.args("region")
        rows = [(seq, service) for seq, service in self.services.values()
                if all(matches_filter(service.get(key), wanted) for key, wanted in filters.items())
                and matches_filter(service["serviceDetails"].get("region"), regions)]
        return paginate(request, rows, "service")

    def get_service(self, request: Request) -> Response:
        return Response(200, self._service(request.params["serviceId"]))

    def create_service(self, request: Request) -> Response:
        service = self._create_service(request.body)
        deploy = self.deploys.start(service, DeployOrder("api", first=True))
        return Response(201, {"service": service, "deployId": deploy.id})

    def update_service(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        body = request.body
        if "name" in body and body["name"] != service["name"]:
            self._check_name_free(service["ownerId"], body["name"])
        apply_source(service, body)
        if "serviceDetails" in body:
            service["serviceDetails"] = merge_details(service, body["serviceDetails"])
        service["updatedAt"] = iso_now()
        return Response(200, service)

    def delete_service(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        del self.services[service["id"]]
        self.env_vars.pop(service["id"], None)
        for book in (self.deploys, self.cron, self.events, self.domains):
            book.forget(service["id"])
        return Response(204)

    def _service(self, service_id: str) -> dict[str, Any]:
        found = self.services.get(service_id)
        if found is None:
            raise NotFound("service not found")
        return found[1]

    def _check_name_free(self, owner_id: str, name: str) -> None:
        if any(s["ownerId"] == owner_id and s["name"] == name for _seq, s in self.services.values()):
            raise Conflict(f"a service named {name!r} already exists in this workspace")

    def _unique_slug(self, name: str) -> str:
        slug = slugify(name)
        taken = {service["slug"] for _seq, service in self.services.values()}
        return slug if slug not in taken else f"{slug}-{prefixed_id('x', 4)[2:]}"

    def _create_service(self, body: dict[str, Any]) -> dict[str, Any]:
        self._owner(body["ownerId"])
        self._check_name_free(body["ownerId"], body["name"])
        env = self._new_env(body.get("envVars") or [])
        service = build_service(body, self._unique_slug(body["name"]))
        self.services[service["id"]] = (next(self._seq), service)
        self.env_vars[service["id"]] = env
        return service

    # --- env vars ----------------------------------------------------------------------------
    def list_env_vars(self, request: Request) -> Response:
        env = self._env(request.params["serviceId"])
        rows = [(seq, {"key": key, "value": value}) for key, (seq, value) in env.items()]
        return paginate(request, rows, "envVar")

    def replace_env_vars(self, request: Request) -> Response:
        service_id = request.params["serviceId"]
        self._env(service_id)
        self._replace_env(service_id, request.body)
        env = self.env_vars[service_id]
        return paginate_all(env)

    def get_env_var(self, request: Request) -> Response:
        key = request.params["envVarKey"]
        return Response(200, {"key": key, "value": self._env_value(request.params["serviceId"], key)})

    def put_env_var(self, request: Request) -> Response:
        env = self._env(request.params["serviceId"])
        key = request.params["envVarKey"]
        value = self._value_from(request.body)
        seq = env[key][0] if key in env else next(self._seq)
        env[key] = (seq, value)
        return Response(200, {"key": key, "value": value})

    def delete_env_var(self, request: Request) -> Response:
        service_id, key = request.params["serviceId"], request.params["envVarKey"]
        self._env_value(service_id, key)
        del self.env_vars[service_id][key]
        return Response(204)

    def _current_env(self, service_id: str) -> dict[str, str]:
        return {key: value for key, (_seq, value) in self.env_vars.get(service_id, {}).items()}

    def _env(self, service_id: str) -> dict[str, tuple[int, str]]:
        self._service(service_id)
        return self.env_vars.setdefault(service_id, {})

    def _env_value(self, service_id: str, key: str) -> str:
        env = self._env(service_id)
        if key not in env:
            raise NotFound(f"environment variable {key} not found")
        return env[key][1]

    def _replace_env(self, service_id: str, items: list[dict[str, Any]]) -> None:
        self.env_vars[service_id] = self._new_env(items)

    def _new_env(self, items: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
        keys = [item["key"] for item in items]
        if len(keys) != len(set(keys)):
            raise BadRequest("duplicate environment variable keys")
        return {item["key"]: (next(self._seq), self._value_from(item)) for item in items}

    @staticmethod
    def _value_from(item: dict[str, Any]) -> str:
        if "value" in item:
            return str(item["value"])
        if item.get("generateValue"):
            return random_secret(32)
        raise BadRequest("either value or generateValue: true is required")

    # --- suspend / resume --------------------------------------------------------------------
    def suspend_service(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        if service["suspended"] != "suspended":
            service.update(suspended="suspended", suspenders=["user"], updatedAt=iso_now())
            self.events.emit(service["id"], "service_suspended", {})
        return Response(202)

    def _scalable(self, service_id: str) -> dict[str, Any]:
        service = self._service(service_id)
        if service["type"] not in SCALABLE_TYPES:
            raise BadRequest(f"a {service['type']} cannot be scaled")
        return service

    def scale_service(self, request: Request) -> Response:
        """Sets the instance count (Render ignores it while autoscaling is on; so does the sandbox's count)."""
        service = self._scalable(request.params["serviceId"])
        service["serviceDetails"]["numInstances"] = request.body["numInstances"]
        service["updatedAt"] = iso_now()
        return Response(202)

    def put_autoscaling(self, request: Request) -> Response:
        service = self._scalable(request.params["serviceId"])
        service["serviceDetails"]["autoscaling"] = request.body
        service["updatedAt"] = iso_now()
        return Response(200, request.body)

    def delete_autoscaling(self, request: Request) -> Response:
        service = self._scalable(request.params["serviceId"])
        service["serviceDetails"].pop("autoscaling", None)
        service["updatedAt"] = iso_now()
        return Response(204)

    def resume_service(self, request: Request) -> Response:
        """Only a suspended service changes ("if it's currently suspended"); resuming deploys it."""
        service = self._service(request.params["serviceId"])
        if service["suspended"] == "suspended":
            service.update(suspended="not_suspended", suspenders=[], updatedAt=iso_now())
            self.events.emit(service["id"], "service_resumed", {})
            self.deploys.start(service, DeployOrder("service_resumed"))
        return Response(202)

    # --- deploys -----------------------------------------------------------------------------
    def list_deploys(self, request: Request) -> Response:
        service, now, statuses = self._service(request.params["serviceId"]), time.time(), request.args("status")
        documents = [(seq, deploy.document(now)) for seq, deploy in self.deploys.of_service(service["id"])]
        rows = [(seq, doc) for seq, doc in documents if matches_filter(doc["status"], statuses)]
        return paginate(request, rows, "deploy", newest_first=True)

    def get_deploy(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        return Response(200, self.deploys.get(service["id"], request.params["deployId"]).document(time.time()))

    def create_deploy(self, request: Request) -> Response:
        """201 with the deploy, or 202 "Queued" without a body in queue mode (NOTES.md quirk 8)."""
        service = self._deployable(request.params["serviceId"])
        order = self._deploy_order(service, request.body)
        deploy = self.deploys.start(service, order)
        return Response(202) if order.queued else Response(201, deploy.document(time.time()))

    def cancel_deploy(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        if service["type"] == "cron_job":
            raise BadRequest("cancelling a deploy is not supported for cron jobs")
        deploy = self.deploys.get(service["id"], request.params["deployId"])
        self.deploys.cancel(deploy)
        return Response(200, deploy.document(time.time()))

    def rollback(self, request: Request) -> Response:
        """A new deploy (trigger ``rollback``) of the target's commit or image, without a build."""
        service = self._deployable(request.params["serviceId"])
        target = self.deploys.get(service["id"], request.body["deployId"])
        if target.status not in ("live", "deactivated"):
            raise BadRequest(f"deploy {target.id} never went live (status {target.status_at(time.time())})")
        deploy = self.deploys.start(service, DeployOrder("rollback", build=False, rollback_of=target))
        return Response(201, deploy.document(time.time()))

    def _deployable(self, service_id: str) -> dict[str, Any]:
        service = self._service(service_id)
        if service["suspended"] == "suspended":
            raise BadRequest("cannot deploy a suspended service: resume it first")
        return service

    def _deploy_order(self, service: dict[str, Any], body: dict[str, Any]) -> DeployOrder:
        """Checks the spec states in prose (deployMode, commitId, imageUrl), then the order."""
        build_fields = [key for key in ("commitId", "imageUrl", "clearCache") if key in body]
        deploy_only = body.get("deployMode") == "deploy_only"
        if deploy_only and build_fields:
            raise BadRequest(f"deployMode deploy_only cannot be combined with {', '.join(build_fields)}")
        if "commitId" in body and (service["type"] == "cron_job" or "imagePath" in service):
            raise BadRequest("commitId is only supported for Git-backed services other than cron jobs")
        if "imageUrl" in body:
            self._check_image_url(service, body["imageUrl"])
        return DeployOrder("api", build=not deploy_only, clear_cache=body.get("clearCache") == "clear",
                           commit_id=body.get("commitId"), image_url=body.get("imageUrl"),
                           queued=self.deploys.settings.queue_202)

    @staticmethod
    def _check_image_url(service: dict[str, Any], image_url: str) -> None:
        if "imagePath" not in service:
            raise BadRequest("imageUrl is only supported for image-backed services")
        if image_repository(image_url) != image_repository(service["imagePath"]):
            raise BadRequest("imageUrl must match the host, repository and image name of the service's image")

    # --- cron job runs -----------------------------------------------------------------------
    def trigger_cron_run(self, request: Request) -> Response:
        job = self._cron_job(request)
        return Response(200, self.cron.trigger(job, SANDBOX_USER, self.deploys.running_env(job["id"])).document())

    def cancel_cron_run(self, request: Request) -> Response:
        self.cron.cancel_active(self._cron_job(request)["id"], SANDBOX_USER)
        return Response(204)

    def _cron_job(self, request: Request) -> dict[str, Any]:
        service = self._service(request.params["cronJobId"])
        if service["type"] != "cron_job":
            raise BadRequest(f"service {service['id']} is not a cron job")
        return service

    # --- events ------------------------------------------------------------------------------
    def list_events(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        rows = self.events.rows(service["id"], request.args("type"), request.arg("startTime"), request.arg("endTime"))
        return paginate(request, rows, "event", newest_first=True)

    # --- custom domains ----------------------------------------------------------------------
    def list_custom_domains(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        rows = self.domains.rows(service["id"], request.args("name"), request.arg("domainType"),
                                 request.arg("verificationStatus"))
        return paginate(request, rows, "customDomain")

    def create_custom_domain(self, request: Request) -> Response:
        service = self._service(request.params["serviceId"])
        return Response(201, [item.document() for item in self.domains.add(service, request.body["name"])])

    def get_custom_domain(self, request: Request) -> Response:
        return Response(200, self.domains.find(*self._domain_ref(request)).document())

    def delete_custom_domain(self, request: Request) -> Response:
        self.domains.delete(*self._domain_ref(request))
        return Response(204)

    def verify_custom_domain(self, request: Request) -> Response:
        self.domains.verify(*self._domain_ref(request))
        return Response(202)

    def _domain_ref(self, request: Request) -> tuple[str, str]:
        return self._service(request.params["serviceId"])["id"], request.params["customDomainIdOrName"]

    # --- Key Value ---------------------------------------------------------------------------
    def list_key_values(self, request: Request) -> Response:
        names, owners = request.args("name"), request.args("ownerId")
        regions, environments = request.args("region"), request.args("environmentId")
        rows = [(seq, kv.detail(redis_version())) for seq, kv in self.key_values.values()
                if matches_filter(kv.name, names) and matches_filter(kv.owner["id"], owners)
                and matches_filter(kv.region, regions) and matches_filter(kv.environment_id, environments)]
        return paginate(request, rows, "keyValue")

    def create_key_value(self, request: Request) -> Response:
        return Response(201, self._create_key_value(request.body).detail(redis_version()))

    def get_key_value(self, request: Request) -> Response:
        return Response(200, self._key_value(request).detail(redis_version()))

    def update_key_value(self, request: Request) -> Response:
        kv, body = self._key_value(request), request.body
        kv.name = body.get("name", kv.name)
        kv.ip_allow_list = body.get("ipAllowList", kv.ip_allow_list)
        if any(key in body for key in RESTARTING_FIELDS):
            self._restart_config(kv, body)
        kv.updated_at = iso_now()
        return Response(200, kv.detail(redis_version()))

    def delete_key_value(self, request: Request) -> Response:
        kv = self._key_value(request)
        self.context.redis.remove(kv.id)
        del self.key_values[kv.id]
        return Response(204)

    def key_value_connection_info(self, request: Request) -> Response:
        return Response(200, self._key_value(request).connection_info())

    def suspend_key_value(self, request: Request) -> Response:
        kv = self._key_value(request)
        self.context.redis.stop(kv.id)
        kv.status, kv.updated_at = "suspended", iso_now()
        return Response(202)

    def resume_key_value(self, request: Request) -> Response:
        kv = self._key_value(request)
        if kv.status == "suspended":
            kv.status = "updating_instance"
            self._start_redis(kv, from_status="updating_instance")
        return Response(202)

    def _key_value(self, request: Request) -> KeyValue:
        found = self.key_values.get(request.params["keyValueId"])
        if found is None:
            raise NotFound("key value instance not found")
        return found[1]

    def _create_key_value(self, body: dict[str, Any]) -> KeyValue:
        owner = self._owner(body["ownerId"])
        plan = body["plan"]
        kv = KeyValue(
            id=prefixed_id("red"), name=body["name"], owner=dict(owner), plan=plan,
            region=body.get("region", "oregon"), policy=body.get("maxmemoryPolicy", DEFAULT_POLICY),
            persistence=body.get("persistenceMode", "off" if plan == "free" else "journal_snapshot"),
            password=random_secret(24), ip_allow_list=list(body.get("ipAllowList", [])),
            environment_id=body.get("environmentId"),
        )
        self.key_values[kv.id] = (next(self._seq), kv)
        self._start_redis(kv, from_status="creating")
        return kv

    def _start_redis(self, kv: KeyValue, from_status: str) -> None:
        instance = self.context.redis.start(kv.id, kv.password, redis_policy(kv.policy), port=kv.port or None)
        kv.port = instance.port

        def settle(ready: bool) -> None:
            if kv.id in self.key_values and kv.status == from_status:
                kv.status = "available" if ready else "unavailable"

        self.context.when_ready(instance, provision_delay(), settle)

    def _restart_config(self, kv: KeyValue, body: dict[str, Any]) -> None:
        kv.plan = body.get("plan", kv.plan)
        kv.persistence = body.get("persistenceMode", kv.persistence)
        if body.get("maxmemoryPolicy", kv.policy) != kv.policy:
            kv.policy = body["maxmemoryPolicy"]
            self._apply_policy(kv)
        if kv.status == "suspended":
            return
        kv.status = "config_restart"

        def settle() -> None:
            if kv.id in self.key_values and kv.status == "config_restart":
                kv.status = "available"

        self.context.later(provision_delay(), settle)

    def _apply_policy(self, kv: KeyValue) -> None:
        try:
            self.context.redis.set_policy(kv.id, redis_policy(kv.policy))
        except (OSError, ConnectionError, RespError) as exc:
            raise ApiError(503, f"key value instance is not reachable: {exc}") from exc


def paginate_all(env: dict[str, tuple[int, str]]) -> Response:
    """The whole env-var set as ``envVarWithCursor`` items (the answer to a whole-set PUT)."""
    items = sorted(env.items(), key=lambda item: item[1][0])
    return Response(200, [{"envVar": {"key": key, "value": value}, "cursor": encode_cursor(seq)}
                          for key, (seq, value) in items])
