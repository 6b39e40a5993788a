"""The control API for tests and users (``/_sandbox``, no auth, not logged)."""
from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .errors import ApiError, BadRequest
from .faults import FaultConfig
from .pg_databases import PgLogin
from .routing import Handler, Request, Response, Router, parse_json

if TYPE_CHECKING:
    from .app import RawRequest, Sandbox

PREFIX = "/_sandbox"
# Seed key for databases that stand in for an external Postgres (Supabase, Neon): a database and a
# password-protected owner on the sandbox's PostgreSQL, reached by URL. Reset drops them.
EXTERNAL_POSTGRES = "postgres"


class ControlAPI:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.router = Router()
        for method, template, handler in (
            ("GET", "/health", self.health),
            ("POST", "/reset", self.reset),
            ("GET", "/log", self.get_log),
            ("GET", "/log/summary", self.log_summary),
            ("DELETE", "/log", self.clear_log),
            ("GET", "/faults", self.get_faults),
            ("POST", "/faults", self.set_faults),
            ("DELETE", "/faults", self.clear_faults),
            ("GET", "/latency", self.get_latency),
            ("POST", "/latency", self.set_latency),
            ("DELETE", "/latency", self.clear_latency),
            ("POST", "/seed", self.seed),
            ("GET", "/state", self.state),
            ("GET", "/prometheus/targets", self.prometheus_targets),
        ):
            self.router.add(method, template, handler)
        for vendor in sandbox.vendors:
            for method, template, handler in vendor.control_routes():
                self.router.add(method, f"/{vendor.name}{template}", self._locked(handler))

    def _locked(self, handler: Handler) -> Handler:
        def run(request: Request) -> Response:
            with self.sandbox.context.lock:
                return handler(request)

        return run

    def handle(self, raw: RawRequest) -> Response:
        request = Request(raw.method.upper(), raw.path[len(PREFIX):] or "/",
                          parse_qs(raw.query, keep_blank_values=True), raw.headers, raw_body=raw.body)
        found = self.router.match(request.method, request.path)
        if found is None:
            return Response(404, {"error": f"unknown control endpoint {raw.method} {raw.path}"})
        try:
            request.body = parse_json(request.raw_body)
            request.params = found[1]
            return found[0].handler(request)
        except (ApiError, ValueError, TypeError) as exc:
            return Response(getattr(exc, "status", 400), {"error": getattr(exc, "message", str(exc))})

    @staticmethod
    def _since(request: Request) -> int:
        return int(request.arg("since") or 0)

    def health(self, request: Request) -> Response:
        return Response(200, {"ok": True, "spec_validation": self.sandbox.validation, "smtp": self.sandbox.smtp})

    def reset(self, request: Request) -> Response:
        self.sandbox.reset()
        return Response(200, {"ok": True})

    def get_log(self, request: Request) -> Response:
        return Response(200, {"entries": self.sandbox.log.entries(request.arg("vendor"), self._since(request))})

    def log_summary(self, request: Request) -> Response:
        return Response(200, self.sandbox.log.summary(request.arg("vendor"), self._since(request)))

    def clear_log(self, request: Request) -> Response:
        self.sandbox.log.clear()
        return Response(200, {"ok": True})

    def get_faults(self, request: Request) -> Response:
        return Response(200, self.sandbox.faults.describe())

    def set_faults(self, request: Request) -> Response:
        config = FaultConfig.from_json(request.body)
        self.sandbox.faults.configure(config)
        return Response(200, {"ok": True, "config": asdict(config)})

    def clear_faults(self, request: Request) -> Response:
        self.sandbox.faults.clear()
        return Response(200, {"ok": True})

    def get_latency(self, request: Request) -> Response:
        return Response(200, self.sandbox.latency.describe())

    def set_latency(self, request: Request) -> Response:
        self.sandbox.latency.configure(request.body)
        return Response(200, {"ok": True, **self.sandbox.latency.describe()})

    def clear_latency(self, request: Request) -> Response:
        self.sandbox.latency.clear()
        return Response(200, {"ok": True})

    def seed(self, request: Request) -> Response:
        if not isinstance(request.body, dict):
            raise BadRequest("seed body must be an object keyed by vendor name")
        result: dict[str, Any] = {}
        with self.sandbox.context.lock:
            for name, data in request.body.items():
                if name == EXTERNAL_POSTGRES:
                    result[name] = self._seed_postgres(data or {})
                    continue
                vendor = self.sandbox.vendor(name)
                if vendor is None:
                    raise BadRequest(f"unknown vendor {name!r}")
                result[name] = vendor.seed(data or {})
        return Response(200, result)

    def _seed_postgres(self, data: dict[str, Any]) -> dict[str, Any]:
        server = self.sandbox.context.postgres
        if server is None:
            raise BadRequest("the sandbox has no PostgreSQL (start it with --pg-url or SANDBOX_PG_URL)")
        databases = data.get("databases", [])
        if not isinstance(databases, list) or not all(
                isinstance(d, dict) and all(isinstance(d.get(k), str) and d[k] for k in ("name", "user", "password"))
                for d in databases):
            raise BadRequest("postgres.databases must be a list of {name, user, password}")
        seeded = []
        for database in databases:
            login = PgLogin(database=database["name"], user=database["user"], password=database["password"])
            taken = server.taken(database=login.database, user=login.user)
            if not taken:
                server.create(login)
            elif len(taken) < 2:
                raise BadRequest(f"cannot seed {login.database}: {taken[0]} exists without its pair")
            seeded.append({"name": login.database, "user": login.user, "action": "exists" if taken else "created",
                           "url": login.url(server.host, server.port)})
        return {"databases": seeded}

    def prometheus_targets(self, request: Request) -> Response:
        """Every stand-in app as a Prometheus HTTP SD target group (``http_sd_configs``): scraped at
        ``/apps/<name>/metrics`` on this sandbox's own address, labelled ``app`` and ``job``."""
        apps: Any = self.sandbox.vendor("apps")
        with self.sandbox.context.lock:
            names = apps.app_names() if apps is not None else []
        address = request.header("Host") or "127.0.0.1"
        return Response(200, [{"targets": [address], "labels": {"app": name, "job": name,
                                                                "__metrics_path__": f"/apps/{name}/metrics"}}
                              for name in names])

    def state(self, request: Request) -> Response:
        with self.sandbox.context.lock:
            vendors = {vendor.name: vendor.dump() for vendor in self.sandbox.vendors}
        return Response(200, {"vendors": vendors, "faults": self.sandbox.faults.describe(),
                              "tls_ca": self._ca_path(), "spec_validation": self.sandbox.validation})

    def _ca_path(self) -> str | None:
        tls = self.sandbox.context.redis.tls
        return str(tls.ca_cert) if tls else None
