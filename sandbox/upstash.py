"""Upstash Developer API (``/upstash/v2``): Redis databases backed by real redis-servers (TLS when possible).

Every database also answers the Upstash REST API (sandbox/upstash_rest.py) at ``rest_url``, a field the
sandbox adds to the Developer API's answers (Upstash's own answers have none: clients there build
``https://<endpoint>``). Databases made "through the Vercel integration" (control
``POST /_sandbox/upstash/integration-databases``, seed ``integration_databases``) have a Redis URL and a
REST URL and tokens, but the Developer API neither lists nor finds them: such accounts cannot use it
(NOTES.md Upstash quirk 1).
"""
from __future__ import annotations

import base64
import os
import sys
from typing import Any

import re

from .common import new_uuid, random_alnum, random_secret, unix_now
from .errors import ApiError, BadRequest, NotFound
from .redis_servers import RespError
from .routing import Handler, Request, Response
from .upstash_rest import rest_url
from .vendor import VendorAPI, register_vendor

UPSTASH_EMAIL = os.environ.get("SANDBOX_UPSTASH_EMAIL", "sandbox@launchkit.test")
UPSTASH_API_KEY = os.environ.get("SANDBOX_UPSTASH_API_KEY", "upstash_sandbox_api_key")
CREDENTIAL_FIELDS = ("password", "rest_token", "read_only_rest_token")
# Upstash's eviction is one boolean ("optimistic-volatile"); allkeys-random is the closest Redis policy.
EVICTION_POLICY = {False: "noeviction", True: "allkeys-random"}
PLAN_TYPE = {"free": "free", "payg": "payg"}  # fixed_* plans report type "paid"
ENDPOINT = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
INTEGRATION_FIELDS = ("database_name", "primary_region", "eviction", "endpoint", "password", "rest_token",
                      "read_only_rest_token", "via")


def plan_type(plan: str | None) -> str:
    return PLAN_TYPE.get(plan or "payg", "paid")


@register_vendor
class UpstashAPI(VendorAPI):
    name = "upstash"
    prefix = "/upstash/v2"
    spec_file = "upstash/developer-api.openapi.yml"

    def register_routes(self) -> None:
        routes = [
            ("GET", "/redis/databases", self.list_databases),
            ("POST", "/redis/database", self.create_database),
            ("GET", "/redis/database/{id}", self.get_database),
            ("DELETE", "/redis/database/{id}", self.delete_database),
            ("POST", "/redis/rename/{id}", self.rename_database),
            ("POST", "/redis/enable-tls/{id}", self.enable_tls),
            ("POST", "/redis/enable-eviction/{id}", self.enable_eviction),
            ("POST", "/redis/disable-eviction/{id}", self.disable_eviction),
            ("POST", "/redis/enable-autoupgrade/{id}", self.enable_autoupgrade),
            ("POST", "/redis/disable-autoupgrade/{id}", self.disable_autoupgrade),
            ("POST", "/redis/update-regions/{id}", self.update_regions),
            ("POST", "/redis/reset-password/{id}", self.reset_password),
        ]
        for method, template, handler in routes:
            self.route(method, template, handler)

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self.databases: dict[str, dict[str, Any]] = {}
        # made through the Vercel (or Fly.io) integration: served over Redis and REST, unknown to this API
        self.integration: dict[str, dict[str, Any]] = {}

    def authenticate(self, request: Request) -> bool:
        expected = base64.b64encode(f"{UPSTASH_EMAIL}:{UPSTASH_API_KEY}".encode()).decode()
        return request.header("Authorization") == f"Basic {expected}"

    def error_body(self, status: int, message: str) -> Any:
        return message  # the spec declares no error schema; the real API answers with text

    def dump(self) -> dict[str, Any]:
        return {"databases": [dict(database) for database in self.databases.values()],
                "integration_databases": [dict(database) for database in self.integration.values()]}

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(data, dict) or set(data) - {"databases", "integration_databases"}:
            raise BadRequest('upstash takes {"databases": [...], "integration_databases": [...]}')
        created = []
        for spec in data.get("databases", []):
            body = {"platform": "aws", "primary_region": "us-east-1", **spec}
            database = self._create(body)
            created.append({"database_id": database["database_id"], "database_name": database["database_name"]})
        integrated = [self._integration_answer(self._create_integration(spec), None)
                      for spec in data.get("integration_databases", [])]
        return {"databases": created, "integration_databases": integrated}

    def rest_database(self, endpoint: str) -> dict[str, Any] | None:
        """The database whose REST API is served at ``/upstash-rest/<endpoint>``."""
        return next((database for database in [*self.databases.values(), *self.integration.values()]
                     if database["rest_endpoint"] == endpoint), None)

    # --- control: databases made through an integration (Vercel) ----------------------------------
    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/integration-databases", self.control_integration_create),
                ("GET", "/integration-databases", self.control_integration_list),
                ("GET", "/integration-databases/{name}", self.control_integration_get)]

    def control_integration_create(self, request: Request) -> Response:
        return Response(200, self._integration_answer(self._create_integration(request.body), request))

    def control_integration_list(self, request: Request) -> Response:
        return Response(200, {"databases": [self._integration_answer(database, request)
                                            for database in self.integration.values()]})

    def control_integration_get(self, request: Request) -> Response:
        name = request.params["name"]
        database = next((d for d in self.integration.values() if name in (d["database_name"], d["rest_endpoint"])), None)
        if database is None:
            raise NotFound(f"no integration database {name}")
        return Response(200, self._integration_answer(database, request))

    def _create_integration(self, spec: Any) -> dict[str, Any]:
        """A database as the Vercel integration makes it: in Upstash's own account of that integration, so
        the Developer API (the sandbox's native account) never sees it. Fixed credentials may be given (a
        rehearsal's vault values); the rest is generated."""
        if not isinstance(spec, dict) or set(spec) - set(INTEGRATION_FIELDS) or not isinstance(
                spec.get("database_name"), str) or not spec["database_name"]:
            raise BadRequest(f"an integration database is {{{', '.join(INTEGRATION_FIELDS)}}} (database_name required)")
        existing = next((d for d in self.integration.values() if d["database_name"] == spec["database_name"]), None)
        if existing is not None:
            return existing
        endpoint = spec.get("endpoint") or f"{spec['database_name'].lower()}-{random_alnum(5)}"
        if not isinstance(endpoint, str) or not ENDPOINT.match(endpoint) or self.rest_database(endpoint) is not None:
            raise BadRequest(f"endpoint {endpoint!r} is taken or not a lowercase name (letters, digits, -)")
        if spec.get("via", "vercel") not in ("vercel", "fly"):
            raise BadRequest("via is vercel or fly")
        body = {"database_name": spec["database_name"], "primary_region": spec.get("primary_region", "us-east-1"),
                "eviction": bool(spec.get("eviction", False))}
        database = self._start(body, password=spec.get("password"))
        for key in ("rest_token", "read_only_rest_token"):
            if spec.get(key):
                database[key] = str(spec[key])
        database.update(rest_endpoint=endpoint, via=spec.get("via", "vercel"))
        self.integration[database["database_id"]] = database
        return database

    def _integration_answer(self, database: dict[str, Any], request: Request | None) -> dict[str, Any]:
        scheme = "rediss" if database["tls"] else "redis"
        answer = {key: database[key] for key in ("database_id", "database_name", "primary_region", "endpoint", "port",
                                                 "tls", "password", "rest_token", "read_only_rest_token", "via")}
        answer["redis_url"] = f"{scheme}://default:{database['password']}@{database['endpoint']}:{database['port']}"
        answer["rest_path"] = f"/upstash-rest/{database['rest_endpoint']}"
        if request is not None:
            answer["rest_url"] = rest_url(request, database["rest_endpoint"])
        return answer

    def _public(self, database: dict[str, Any], request: Request) -> dict[str, Any]:
        """A database as this API answers it, plus the sandbox's ``rest_url``."""
        answer = {key: value for key, value in database.items() if key != "rest_endpoint"}
        answer["rest_url"] = rest_url(request, database["rest_endpoint"])
        return answer

    # --- handlers ----------------------------------------------------------------------------
    def list_databases(self, request: Request) -> Response:
        return Response(200, [self._public(database, request) for database in self.databases.values()])

    def create_database(self, request: Request) -> Response:
        return Response(200, self._public(self._create(request.body), request))

    def get_database(self, request: Request) -> Response:
        database = self._public(self._database(request), request)
        if request.arg("credentials") == "hide":
            for key in CREDENTIAL_FIELDS:
                database.pop(key, None)
        return Response(200, database)

    def delete_database(self, request: Request) -> Response:
        database = self._database(request)
        self.context.redis.remove(database["database_id"])
        del self.databases[database["database_id"]]
        return Response(200, "OK")

    def rename_database(self, request: Request) -> Response:
        database = self._database(request)
        database["database_name"] = request.body["name"]
        return Response(200, self._public(database, request))

    def enable_tls(self, request: Request) -> Response:
        database = self._database(request)
        if not database["tls"] and self.context.redis.tls is not None:
            raise ApiError(400, "TLS can only be enabled on a database created with TLS support")
        return Response(200, self._public(database, request))

    def enable_eviction(self, request: Request) -> Response:
        return self._set_eviction(self._database(request), True)

    def disable_eviction(self, request: Request) -> Response:
        return self._set_eviction(self._database(request), False)

    def enable_autoupgrade(self, request: Request) -> Response:
        self._database(request)["auto_upgrade"] = True
        return Response(200, "OK")

    def disable_autoupgrade(self, request: Request) -> Response:
        self._database(request)["auto_upgrade"] = False
        return Response(200, "OK")

    def update_regions(self, request: Request) -> Response:
        database = self._database(request)
        regions = self._read_regions(database["primary_region"], request.body["read_regions"])
        database["read_regions"] = regions
        database["all_members"] = [database["primary_region"], *regions]
        return Response(200, "OK")

    def reset_password(self, request: Request) -> Response:
        """A new password (and REST tokens, which carry it) at once: the old one is refused from now on by
        the real redis-server behind the database."""
        database = self._database(request)
        password = random_secret(24)
        try:
            self.context.redis.set_password(database["database_id"], password)
        except (OSError, ConnectionError, RespError) as exc:
            raise ApiError(503, f"database is not reachable: {exc}") from exc
        database.update(password=password, rest_token=random_secret(32), read_only_rest_token=random_secret(32))
        return Response(200, self._public(database, request))

    # --- helpers -----------------------------------------------------------------------------
    def _database(self, request: Request) -> dict[str, Any]:
        database = self.databases.get(request.params["id"])
        if database is None:
            raise NotFound("database not found")
        return database

    @staticmethod
    def _read_regions(primary: str, regions: list[str]) -> list[str]:
        if primary in regions:
            raise BadRequest("read regions cannot contain the primary region")
        return list(dict.fromkeys(regions))

    def _set_eviction(self, database: dict[str, Any], enabled: bool) -> Response:
        try:
            self.context.redis.set_policy(database["database_id"], EVICTION_POLICY[enabled])
        except (OSError, ConnectionError, RespError) as exc:
            raise ApiError(503, f"database is not reachable: {exc}") from exc
        database["eviction"] = database["db_eviction"] = enabled
        return Response(200, "OK")

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        database = self._start(body)
        self.databases[database["database_id"]] = database
        return database

    def _start(self, body: dict[str, Any], password: str | None = None) -> dict[str, Any]:
        """A real redis-server and the database's document (REST served at its id)."""
        primary = body["primary_region"]
        regions = self._read_regions(primary, body.get("read_regions", []))
        eviction = bool(body.get("eviction", False))
        database_id, password = new_uuid(), password or random_secret(24)
        use_tls = self.context.redis.tls is not None  # new databases always get TLS (cannot be disabled)
        if not use_tls:
            print("sandbox: WARNING upstash database without TLS (no openssl)", file=sys.stderr)
        instance = self.context.redis.start(database_id, password, EVICTION_POLICY[eviction], use_tls=use_tls)
        if not self.context.redis.wait_ready(instance):
            self.context.redis.remove(database_id)
            raise ApiError(500, "database could not be started")
        database = self._document(body, database_id, password, instance.port, use_tls, regions)
        database["rest_endpoint"] = database_id
        return database

    @staticmethod
    def _document(body: dict[str, Any], database_id: str, password: str, port: int, tls: bool,
                  regions: list[str]) -> dict[str, Any]:
        primary, eviction = body["primary_region"], bool(body.get("eviction", False))
        database: dict[str, Any] = {
            "database_id": database_id, "database_name": body["database_name"], "region": "global",
            "port": port, "creation_time": unix_now(), "state": "active", "endpoint": "127.0.0.1",
            "tls": tls, "type": plan_type(body.get("plan")), "primary_region": primary,
            "primary_members": [primary], "all_members": [primary, *regions], "read_regions": regions,
            "eviction": eviction, "db_eviction": eviction, "auto_upgrade": False, "consistent": False,
            "modifying_state": "", "db_max_clients": 10000, "db_max_request_size": 10485760,
            "db_memory_threshold": 33554432, "db_max_entry_size": 104857600, "daily_backup_enabled": False,
            "db_acl_enabled": "false", "db_acl_default_user_status": "true", "prometheus_enabled": "false",
            "customer_id": UPSTASH_EMAIL, "prod_pack_enabled": False,
            "password": password, "rest_token": random_secret(32), "read_only_rest_token": random_secret(32),
        }
        if "budget" in body:
            database["budget"] = body["budget"]
        return database
