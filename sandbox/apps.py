"""Stand-in apps (``/apps/<service name>/<path>``): every Render web service and every Fly.io app of the
sandbox answers like a small deployed app, so that a rollout's validation talks to something real.

A name is a Render web service's when one has it, else a Fly app's; ``/apps/<app>.fly.dev/<path>``
always names the Fly app. A Fly app is served by one of its started Machines (sandbox/fly.py), with
that Machine's env; the answer names it in the ``X-Machine-Id`` header.

- ``GET /health`` really connects to what the service's env points at (``REDIS_URL``: AUTH + PING,
  ``DATABASE_URL``: ``SELECT 1``) and reports each component; 200 when all are ok, else 503. The
  answer's shape is the service's own (seed ``{"apps": {"health": {"<service>": "<shape>"}}}``):
  ``checks`` (the default: ``{"status": "ok"|"error", "checks": {"redis": {"status": "ok", ...}}}``)
  or ``components`` (RekindlePro's: ``{"status": "healthy"|"degraded", "components": {"database":
  "healthy"|"unhealthy", ...}}``).
- ``GET /ready``: 200 when the service is not suspended and its latest deploy is live, else 503.
- ``GET /metrics``: Prometheus text (``app_up``, ``app_redis_up``, ``app_database_up``,
  ``http_requests_total``, ``process_start_time_seconds``, and what sandbox/apps_metrics.py measures:
  request durations, the SyncKairos names with a metrics prefix, the job queue of ``REDIS_URL``).
  Prometheus's scrapes (they carry ``X-Prometheus-Scrape-Timeout-Seconds``) are served and measured
  like any request, but left out of the request log.
- ``GET /`` and ``POST /echo``; extra routes come from the seed or ``/_sandbox/apps/<name>/routes``.
- Resources configured per app (seed ``{"apps": {"resources": {"<app>": {"path": "/v1/sessions",
  "id_field": "session_id", "gauge": "synckairos_active_sessions"}}}}``): ``POST <path>`` with a JSON
  object stores it (201; its id is ``id_field`` from the body, or a new UUID set there), ``GET
  <path>/<id>`` reads it back (404 unknown), ``POST <path>/<id>/switch`` switches it (a real
  ``SET`` on the app's ``REDIS_URL``, timed as ``<prefix>_switch_cycle_duration_ms``; 503 when Redis
  refuses), and ``/metrics`` reports their number as ``gauge``.
- ``POST /items`` (a JSON object) creates an item: 201 with its ``id`` and a ``token``; ``GET
  /items/<id>`` reads it back with header ``X-Item-Token: <token>`` (403 without the right one, 404
  for an unknown id): a create/read pair for smoke requests that capture a value.

- A Vercel project is served at ``/apps/<production URL>/<path>`` (``cloudgreet.vercel.app``), or at
  ``/apps/<project name>/`` when no Render web service or Fly app has that name, with the env of its current
  production deployment (sandbox/vercel.py). Its ``/health`` checks Redis over the Upstash REST API it was
  given (``REDIS_REST_URL``/``REDIS_REST_TOKEN``, else ``UPSTASH_REDIS_REST_URL``/``..._TOKEN``).
- A rate-limited route (seed ``{"apps": {"rate_limits": {"<app>": {"method", "path", "limit",
  "window_seconds"}}}}``) counts each caller (``X-Forwarded-For``, else ``anonymous``) in a fixed window
  through real calls to the app's Upstash REST API (an EVAL of @upstash/ratelimit's fixed-window script):
  200 up to ``limit``, then 429, with ``X-RateLimit-Limit/Remaining/Reset`` (epoch seconds).

A suspended service answers 503 on every path. Requests are logged under the vendor name ``apps``
and never count as writes: they change no vendor state.
"""
from __future__ import annotations

import re
import secrets
import uuid
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .app_checks import (COMPONENTS, RestError, check_components, redis_connection, rest_command,
                         rest_credentials)
from .apps_metrics import AppMetrics, metrics_seed, queue_lines
from .errors import ApiError, BadRequest, NotFound
from .routing import Handler, Request, Response, Route, Router, parse_json
from .vendor import SandboxContext, VendorAPI, register_vendor

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ROUTE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HEALTH_SHAPES = ("checks", "components")
ITEM_PATH = re.compile(r"^/items/(?P<id>[^/]+)$")
STARTED = time.time()


class TextResponse(Response):
    """A plain-text answer (``body`` is a str), for the Prometheus exposition format."""

    def encode(self) -> bytes:
        return str(self.body or "").encode()


@dataclass
class AppView:
    """What a stand-in app knows of its service, copied under the state lock."""

    name: str
    suspended: bool
    env: dict[str, str]
    deploy_id: str | None
    deploy_status: str | None
    live_since: float | None
    machine_id: str | None = None  # the Fly Machine that answers
    down: str | None = None  # why nothing answers (a Fly app without a started Machine)
    platform: str = ""  # "vercel": a serverless app, which reaches Redis over the Upstash REST API


# @upstash/ratelimit's fixed window (src/lua-scripts/single.ts fixedWindowScript): count, and start the
# window's expiry at its first hit.
FIXED_WINDOW = """
local key = KEYS[1]
local window = ARGV[1]
local incrementBy = ARGV[2]
local r = redis.call("INCRBY", key, incrementBy)
if r == tonumber(incrementBy) then
  redis.call("PEXPIRE", key, window)
end
return r
"""


@dataclass(frozen=True)
class RateLimit:
    """A route limited to ``limit`` requests per ``window_seconds`` per caller, counted in the app's Redis."""

    method: str
    path: str
    limit: int
    window_seconds: float

    @classmethod
    def from_json(cls, data: Any) -> RateLimit:
        if not isinstance(data, dict) or set(data) - {"method", "path", "limit", "window_seconds"} \
                or not isinstance(data.get("path"), str) or not data["path"].startswith("/") \
                or isinstance(data.get("limit"), bool) or not isinstance(data.get("limit"), int) or data["limit"] < 1 \
                or isinstance(data.get("window_seconds"), bool) \
                or not isinstance(data.get("window_seconds"), int | float) or data["window_seconds"] <= 0:
            raise BadRequest('a rate limit is {"method": "POST", "path": "/api/rate-limited", "limit": 10, '
                             '"window_seconds": 60}')
        method = str(data.get("method", "POST")).upper()
        if method not in ROUTE_METHODS:
            raise BadRequest(f"method must be one of {list(ROUTE_METHODS)}")
        return cls(method, normal_path(data["path"]), data["limit"], float(data["window_seconds"]))


@dataclass(frozen=True)
class Resource:
    """A collection the app stores (``POST path``, ``GET path/<id>``), counted by a gauge in /metrics."""

    path: str
    id_field: str
    gauge: str

    @classmethod
    def from_json(cls, data: Any) -> Resource:
        if not isinstance(data, dict) or set(data) - {"path", "id_field", "gauge"} or not all(
                isinstance(data.get(key), str) and data[key] for key in ("path", "id_field", "gauge")):
            raise BadRequest('a resource is {"path": "/v1/sessions", "id_field": "session_id", '
                             '"gauge": "<metric name>"}')
        if not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$", data["gauge"]):
            raise BadRequest(f"gauge {data['gauge']!r} is not a Prometheus metric name")
        return cls(normal_path(data["path"]), data["id_field"], data["gauge"])


@dataclass(frozen=True)
class CustomRoute:
    method: str
    path: str
    status: int
    body: Any

    @classmethod
    def from_json(cls, data: Any) -> CustomRoute:
        if not isinstance(data, dict):
            raise BadRequest("a route must be an object {method, path, status, json}")
        unknown = sorted(set(data) - {"service", "method", "path", "status", "json"})
        if unknown:
            raise BadRequest(f"unknown route fields: {unknown}")
        method = str(data.get("method", "GET")).upper()
        path = data.get("path")
        status = data.get("status", 200)
        if method not in ROUTE_METHODS:
            raise BadRequest(f"method must be one of {list(ROUTE_METHODS)}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise BadRequest("path must be a string starting with /")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise BadRequest("status must be an HTTP status code (100-599)")
        return cls(method, normal_path(path), status, data.get("json"))

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "status": self.status, "json": self.body}


def normal_path(path: str) -> str:
    return "/" + path.strip("/") if path.strip("/") else "/"


class AnyPathRouter(Router):
    """Routes every method and every ``/<service>/<path...>`` (several segments) to one handler."""

    PATTERN = re.compile(r"^/(?P<service>[^/]+)(?P<path>/.*)?$")

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self._route = Route("*", "/{service}/{path}", handler, self.PATTERN)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        found = self.PATTERN.match(path)
        if found is None:
            return None
        return self._route, {"service": unquote(found["service"]), "path": normal_path(found["path"] or "/")}


@contextmanager
def released(lock: Any) -> Iterator[None]:
    """Let go of the state lock (held once by the pipeline) while talking to Redis and Postgres."""
    lock.release()
    try:
        yield
    finally:
        lock.acquire()


@register_vendor
class StandInApps(VendorAPI):
    name = "apps"
    prefix = "/apps"
    counts_writes = False

    def __init__(self, context: SandboxContext) -> None:
        self._counts_lock = threading.Lock()
        super().__init__(context)

    def register_routes(self) -> None:
        self.router = AnyPathRouter(self.serve)

    def reset(self) -> None:
        self.routes: dict[str, dict[tuple[str, str], CustomRoute]] = {}
        self.health_shapes: dict[str, str] = {}
        self.items: dict[str, dict[str, dict[str, Any]]] = {}
        self.resources: dict[str, Resource] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.prefixes: dict[str, str] = {}
        self.rate_limits: dict[str, RateLimit] = {}
        with self._counts_lock:
            self.measured: dict[str, AppMetrics] = {}
            # The components each app found the last time a person (not Prometheus) read its /metrics.
            self.last_checks: dict[str, dict[str, dict[str, Any]]] = {}
            self.requests: dict[str, Counter[tuple[str, str, int]]] = {}

    def authenticate(self, request: Request) -> bool:
        return True

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message}

    def decode_body(self, request: Request) -> Any:
        """An app takes any body: JSON is parsed, anything else is left raw (``body`` None)."""
        try:
            return parse_json(request.raw_body)
        except BadRequest:
            return None

    def dump(self) -> dict[str, Any]:
        with self._counts_lock:
            counts = {name: [{"method": m, "path": p, "status": s, "count": n} for (m, p, s), n in counter.items()]
                      for name, counter in self.requests.items()}
        return {"routes": {name: [route.describe() for route in table.values()] for name, table in self.routes.items()},
                "requests": counts, "health": dict(self.health_shapes),
                "items": {name: list(items.values()) for name, items in self.items.items()},
                "resources": {name: {"path": res.path, "id_field": res.id_field, "gauge": res.gauge,
                                     "count": len(self.records.get(name, {}))} for name, res in self.resources.items()}}

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """``{"routes": [{"service", "method", "path", "status", "json"}], "health": {"<service>": "<shape>"},
        "resources": {"<service>": {"path", "id_field", "gauge"}}}``."""
        if not isinstance(data, dict) or set(data) - {"routes", "health", "resources", "metrics", "rate_limits"}:
            raise BadRequest('apps takes {"routes": [{"service", "method", "path", "status", "json"}], '
                             '"health": {"<service>": "checks" | "components"}, '
                             '"resources": {"<service>": {"path", "id_field", "gauge"}}, '
                             '"metrics": {"<service>": {"prefix": "<metric name prefix>"}}, '
                             '"rate_limits": {"<app>": {"method", "path", "limit", "window_seconds"}}}')
        limits = data.get("rate_limits") or {}
        if not isinstance(limits, dict):
            raise BadRequest("rate_limits maps an app name to its rate-limited route")
        self.rate_limits.update({name: RateLimit.from_json(item) for name, item in limits.items()})
        prefixes = metrics_seed(data.get("metrics") or {})
        self.prefixes.update(prefixes)
        with self._counts_lock:
            for name, prefix in prefixes.items():
                if name in self.measured and self.measured[name].prefix != prefix:
                    del self.measured[name]
        resources = data.get("resources") or {}
        if not isinstance(resources, dict):
            raise BadRequest("resources maps a service or app name to its resource")
        self.resources.update({name: Resource.from_json(item) for name, item in resources.items()})
        shapes = data.get("health") or {}
        if not isinstance(shapes, dict) or any(shape not in HEALTH_SHAPES for shape in shapes.values()):
            raise BadRequest(f"health maps a service name to its /health shape, one of {list(HEALTH_SHAPES)}")
        self.health_shapes.update(shapes)
        added = []
        for item in data.get("routes") or []:
            service = item.get("service") if isinstance(item, dict) else None
            if not isinstance(service, str) or not service:
                raise BadRequest("every seeded route needs a service (name)")
            route = self._add_route(service, item)
            added.append({"service": service, "method": route.method, "path": route.path})
        return {"routes": added, "health": dict(shapes), "resources": sorted(resources), "metrics": prefixes,
                "rate_limits": sorted(limits)}

    # --- control: /_sandbox/apps/{service}/routes -------------------------------------------------
    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/{service}/routes", self.control_routes_list),
                ("POST", "/{service}/routes", self.control_routes_add),
                ("DELETE", "/{service}/routes", self.control_routes_clear)]

    def control_routes_list(self, request: Request) -> Response:
        return self._routes_answer(request.params["service"])

    def control_routes_add(self, request: Request) -> Response:
        service = request.params["service"]
        items = request.body if isinstance(request.body, list) else [request.body]
        for item in items:
            self._add_route(service, item)
        return self._routes_answer(service)

    def control_routes_clear(self, request: Request) -> Response:
        self.routes.pop(request.params["service"], None)
        return self._routes_answer(request.params["service"])

    def _add_route(self, service: str, item: Any) -> CustomRoute:
        route = CustomRoute.from_json(item)
        self.routes.setdefault(service, {})[(route.method, route.path)] = route
        return route

    def _routes_answer(self, service: str) -> Response:
        table = self.routes.get(service, {})
        return Response(200, {"service": service, "routes": [route.describe() for route in table.values()]})

    # --- the apps ---------------------------------------------------------------------------------
    def logged(self, headers: Any) -> bool:
        return not any(name.lower() == "x-prometheus-scrape-timeout-seconds" for name in headers)

    def serve(self, request: Request) -> Response:
        started = time.perf_counter()
        app = self._app(request.params["service"])
        try:
            response = self._answer(app, request)
        except ApiError as exc:
            response = self.error(exc.status, exc.message)
        if app.machine_id:
            response.headers["X-Machine-Id"] = app.machine_id
        self._count(app.name, request, response)
        with self._counts_lock:
            measured = self.measured.setdefault(app.name, AppMetrics(self.prefixes.get(app.name, "")))
        measured.request(self._route(app.name, request.params["path"]), request.method, response.status,
                         time.perf_counter() - started)
        return response

    def _route(self, name: str, path: str) -> str:
        """The route a path belongs to (ids replaced), the ``route`` label of the duration metrics."""
        if ITEM_PATH.match(path):
            return "/items/:id"
        resource = self.resources.get(name)
        if resource is not None and path.startswith(resource.path + "/"):
            rest = path[len(resource.path) + 1:]
            return resource.path + ("/:id/switch" if rest.endswith("/switch") else "/:id")
        return path

    def probe(self, app: AppView, path: str) -> int:
        """The status a GET of ``path`` gets from ``app`` (a Fly Machine's health check; not counted)."""
        request = Request("GET", f"/{app.name}{path}", {}, {}, params={"service": app.name, "path": normal_path(path)})
        try:
            return self._answer(app, request).status
        except ApiError as exc:
            return exc.status

    def _answer(self, app: AppView, request: Request) -> Response:
        path = request.params["path"]
        method = "GET" if request.method == "HEAD" else request.method  # the server sends no body for HEAD
        if app.down:
            return self.error(503, app.down)
        if app.suspended:
            return self.error(503, f"service {app.name} is suspended: resume it to serve requests")
        custom = self.routes.get(app.name, {}).get((method, path))
        if custom is not None:
            return Response(custom.status, custom.body)
        limited = self.rate_limits.get(app.name)
        if limited is not None and (limited.method, limited.path) == (method, path):
            return self._rate_limited(app, request, limited)
        builtin = {("GET", "/"): self._root, ("GET", "/health"): self._health, ("GET", "/ready"): self._ready,
                   ("GET", "/metrics"): self._metrics, ("POST", "/echo"): self._echo,
                   ("POST", "/items"): self._create_item}.get((method, path))
        if builtin is None and method == "GET" and ITEM_PATH.match(path):
            builtin = self._read_item
        resource = self.resources.get(app.name)
        if builtin is None and resource is not None:
            if method == "POST" and path == resource.path:
                builtin = self._create_record
            elif method == "GET" and path.startswith(resource.path + "/") and "/" not in path[len(resource.path) + 1:]:
                builtin = self._read_record
            elif method == "POST" and path.startswith(resource.path + "/") and path.endswith("/switch") \
                    and path[len(resource.path) + 1:-len("/switch")].count("/") == 0:
                builtin = self._switch_record
        if builtin is None:
            return self.error(404, f"no route {method} {path} in the stand-in app {app.name}")
        return builtin(app, request)

    @staticmethod
    def _root(app: AppView, request: Request) -> Response:
        return Response(200, {"service": app.name, "status": "ok"})

    @staticmethod
    def _echo(app: AppView, request: Request) -> Response:
        if request.raw_body.strip() and request.body is None:
            raise BadRequest("the body is not JSON")
        return Response(200, {"method": request.method, "json": request.body})

    def _health(self, app: AppView, request: Request) -> Response:
        checks = self._checks(app)
        healthy = all(check["status"] == "ok" for check in checks.values())
        if self.health_shapes.get(app.name) == "components":
            # The plan's shape: a word per component, no error text (the app keeps that in its logs).
            return Response(200 if healthy else 503, {
                "status": "healthy" if healthy else "degraded",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": app.deploy_id or "none",
                "components": {name: "healthy" if check["status"] == "ok" else "unhealthy"
                               for name, check in checks.items()}})
        return Response(200 if healthy else 503,
                        {"status": "ok" if healthy else "error", "service": app.name, "checks": checks})

    def _create_item(self, app: AppView, request: Request) -> Response:
        if not isinstance(request.body, dict):
            raise BadRequest("an item is a JSON object")
        items = self.items.setdefault(app.name, {})
        item = {**request.body, "id": f"itm-{len(items) + 1}", "token": f"itk-{secrets.token_hex(12)}",
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        items[item["id"]] = item
        return Response(201, item)

    def _read_item(self, app: AppView, request: Request) -> Response:
        item_id = ITEM_PATH.match(request.params["path"])["id"]
        item = self.items.get(app.name, {}).get(item_id)
        if item is None:
            raise NotFound(f"no item {item_id}")
        if not secrets.compare_digest(request.header("X-Item-Token") or "", item["token"]):
            return self.error(403, "X-Item-Token does not match the item's token")
        return Response(200, {key: value for key, value in item.items() if key != "token"})

    def _create_record(self, app: AppView, request: Request) -> Response:
        resource = self.resources[app.name]
        if not isinstance(request.body, dict):
            raise BadRequest("the body must be a JSON object")
        record_id = request.body.get(resource.id_field) or str(uuid.uuid4())
        if not isinstance(record_id, str):
            raise BadRequest(f"{resource.id_field} must be a string")
        records = self.records.setdefault(app.name, {})
        if record_id in records:
            return self.error(409, f"{resource.id_field} {record_id} already exists")
        records[record_id] = {**request.body, resource.id_field: record_id}
        return Response(201, records[record_id])

    def _read_record(self, app: AppView, request: Request) -> Response:
        resource = self.resources[app.name]
        record_id = unquote(request.params["path"][len(resource.path) + 1:])
        record = self.records.get(app.name, {}).get(record_id)
        if record is None:
            raise NotFound(f"no {resource.id_field} {record_id}")
        return Response(200, record)

    def _switch_record(self, app: AppView, request: Request) -> Response:
        """Switch a stored record: one real ``SET`` on the app's Redis, its round-trip timed."""
        resource = self.resources[app.name]
        record_id = unquote(request.params["path"][len(resource.path) + 1:-len("/switch")])
        record = self.records.get(app.name, {}).get(record_id)
        if record is None:
            raise NotFound(f"no {resource.id_field} {record_id}")
        redis_url = app.env.get("REDIS_URL")
        if not redis_url:
            return self.error(503, "the app has no REDIS_URL to switch sessions through")
        tls = self.context.redis.tls
        with self._counts_lock:
            measured = self.measured.setdefault(app.name, AppMetrics(self.prefixes.get(app.name, "")))
        try:
            # The app keeps its connection to Redis open (a pool): the switch cycle is the SET's round trip,
            # not the connect, TLS handshake and AUTH of a new connection.
            with released(self.context.lock), redis_connection(redis_url, tls.ca_cert if tls else None) as run:
                started = time.perf_counter()
                run("SET", f"session:{record_id}:switched", str(time.time()))
                elapsed = (time.perf_counter() - started) * 1000
        except Exception:  # noqa: BLE001 - any Redis failure is a failed write
            measured.switched(None)
            return self.error(503, "the session store (Redis) refused the switch")
        measured.switched(elapsed)
        record["switched_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return Response(200, {**record, "switch_ms": round(elapsed, 3)})

    def _rate_limited(self, app: AppView, request: Request, limited: RateLimit) -> Response:
        """Count the caller in the current fixed window through the app's Upstash REST API (one EVAL)."""
        credentials = rest_credentials(app.env)
        if credentials is None:
            return self.error(500, "the app has no Upstash REST URL and token (REDIS_REST_URL/REDIS_REST_TOKEN or "
                                   "UPSTASH_REDIS_REST_URL/UPSTASH_REDIS_REST_TOKEN) to rate-limit with")
        caller = (request.header("X-Forwarded-For").split(",")[0].strip() or "anonymous")
        window_ms = int(limited.window_seconds * 1000)
        bucket = int(time.time() * 1000) // window_ms
        key = f"@upstash/ratelimit:{app.name}{limited.path}:{caller}:{bucket}"
        try:
            with released(self.context.lock):
                count = int(rest_command(*credentials, "EVAL", FIXED_WINDOW, 1, key, window_ms, 1))
        except (OSError, ValueError, RestError) as exc:
            return self.error(500, f"the rate limiter failed: {exc}".replace(credentials[1], "<redacted>"))
        headers = {"X-RateLimit-Limit": str(limited.limit), "X-RateLimit-Remaining": str(max(0, limited.limit - count)),
                   "X-RateLimit-Reset": str(((bucket + 1) * window_ms) // 1000)}
        if count > limited.limit:
            return Response(429, {"error": "Too many requests", "limit": limited.limit}, headers)
        return Response(200, {"ok": True, "limit": limited.limit, "remaining": limited.limit - count}, headers)

    @staticmethod
    def _ready(app: AppView, request: Request) -> Response:
        if app.deploy_status == "live":
            return Response(200, {"ready": True})
        reason = (f"latest deploy {app.deploy_id} is {app.deploy_status}" if app.deploy_id
                  else "the service has no deploy")
        return Response(503, {"ready": False, "reason": reason})

    def _metrics(self, app: AppView, request: Request) -> Response:
        # Prometheus's scrapes (every second) report what the last other read of the page found rather than
        # opening a database connection each time: a broken DATABASE_URL behind a pooler would otherwise
        # fail a login every second and lock the pooler's logins for every other client.
        if self.logged(request.headers):
            checks = self._checks(app)
            with self._counts_lock:
                self.last_checks[app.name] = checks
        else:
            with self._counts_lock:
                checks = self.last_checks.get(app.name, {})
        lines = ["# HELP app_up Whether the app is up.", "# TYPE app_up gauge", "app_up 1"]
        for component in COMPONENTS.values():
            if component in checks:
                up = int(checks[component]["status"] == "ok")
                lines += [f"# HELP app_{component}_up Whether the app reaches its {component}.",
                          f"# TYPE app_{component}_up gauge", f"app_{component}_up {up}"]
        lines += ["# HELP http_requests_total Requests served, by path, method and status.",
                  "# TYPE http_requests_total counter"]
        with self._counts_lock:
            counts = sorted(self.requests.get(app.name, Counter()).items())
        lines += [f'http_requests_total{{path="{_label(path)}",method="{method}",status="{status}"}} {count}'
                  for (method, path, status), count in counts]
        resource = self.resources.get(app.name)
        if resource is not None:
            lines += [f"# HELP {resource.gauge} Records stored under {resource.path}.", f"# TYPE {resource.gauge} gauge",
                      f"{resource.gauge} {len(self.records.get(app.name, {}))}"]
        with self._counts_lock:
            measured = self.measured.get(app.name) or AppMetrics(self.prefixes.get(app.name, ""))
        lines += measured.lines()
        tls = self.context.redis.tls
        with released(self.context.lock):
            lines += queue_lines(app.env.get("REDIS_URL"), tls.ca_cert if tls else None)
        lines += ["# HELP process_start_time_seconds When the app started (its live deploy), in Unix time.",
                  "# TYPE process_start_time_seconds gauge",
                  f"process_start_time_seconds {app.live_since or STARTED:.3f}"]
        return TextResponse(200, "\n".join(lines) + "\n", {"Content-Type": PROMETHEUS_TYPE})

    def _checks(self, app: AppView) -> dict[str, dict[str, Any]]:
        tls = self.context.redis.tls
        with released(self.context.lock):
            return check_components(app.env, tls.ca_cert if tls else None, rest=app.platform == "vercel")

    # --- state ------------------------------------------------------------------------------------
    def app_names(self) -> list[str]:
        """Every stand-in app: each Render web service and each Fly app."""
        names: set[str] = set()
        render: Any = self.context.vendors.get("render")
        if render is not None:
            names |= {service["name"] for _seq, service in render.services.values() if service["type"] == "web_service"}
        fly: Any = self.context.vendors.get("fly")
        if fly is not None:
            names |= set(fly.apps)
        vercel: Any = self.context.vendors.get("vercel")
        if vercel is not None:
            names |= {project.name for project in vercel.projects.values()}
        return sorted(names)

    def _app(self, name: str) -> AppView:
        """The web service named (or slugged) ``name``, read from the Render vendor's state; else the Fly
        app of that name (``<app>.fly.dev`` names a Fly app only)."""
        fly: Any = self.context.vendors.get("fly")
        vercel: Any = self.context.vendors.get("vercel")
        if name.endswith(".vercel.app") and vercel is not None and vercel.served_project(name) is not None:
            return vercel.app_view(name)
        if name.endswith(".fly.dev"):
            view = fly.app_view(name[:-len(".fly.dev")]) if fly is not None else None
            if view is None:
                raise NotFound(f"no Fly app at {name}")
            return view
        render: Any = self.context.vendors.get("render")
        service = None
        if render is not None:
            render.settle()
            service = next((service for _seq, service in render.services.values()
                            if service["type"] == "web_service" and name in (service["name"], service["slug"])), None)
        if service is None:
            view = fly.app_view(name) if fly is not None else None
            if view is None and vercel is not None:
                view = vercel.app_view(name)
            if view is None:
                raise NotFound(f"no Render web service, Fly app or Vercel project named {name}")
            return view
        # The app runs with the env of its live deploy, not with env changed since (Render applies env
        # on the next deploy).
        env = render.deploys.running_env(service["id"])
        deploys = render.deploys.of_service(service["id"])
        latest = max(deploys, key=lambda row: row[0])[1] if deploys else None
        live = render.deploys.latest(service["id"], "live")
        return AppView(service["name"], service["suspended"] == "suspended", env,
                       latest.id if latest else None, latest.status_at(time.time()) if latest else None,
                       live.finished if live else None)

    def _count(self, name: str, request: Request, response: Response) -> None:
        with self._counts_lock:
            counter = self.requests.setdefault(name, Counter())
            counter[(request.method, request.params["path"], response.status)] += 1


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
