"""The request pipeline: vendor lookup, faults, auth, routing, spec validation, logging."""
from __future__ import annotations

import importlib
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from . import VENDOR_MODULES
from .control import ControlAPI
from .errors import ApiError, BadRequest
from .faults import APP_TRAFFIC_HEADER, FaultInjector, Latency
from .pg_databases import PgServer, PgUnavailable
from .redis_servers import RedisManager, ensure_tls
from .reqlog import LogEntry, RequestLog
from .routing import Request, Response
from .spec_check import check_instance, check_request
from .specs import Spec, SpecRegistry
from .vendor import VENDOR_REGISTRY, SandboxContext, VendorAPI

CONTROL_PREFIX = "/_sandbox"


@dataclass
class RawRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Outcome:
    """What the HTTP layer does: send ``response``, or close the connection unanswered (``drop``)."""

    response: Response | None
    drop: bool = False


def load_vendors(context: SandboxContext) -> list[VendorAPI]:
    for module in VENDOR_MODULES:
        importlib.import_module(module)
    vendors = [vendor_class(context) for vendor_class in VENDOR_REGISTRY]
    context.vendors.update((vendor.name, vendor) for vendor in vendors)
    return vendors


class Sandbox:
    def __init__(self, state_dir: Path, specs: SpecRegistry | None = None, pg_url: str | None = None) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        redis = RedisManager(state_dir / "redis", ensure_tls(state_dir))
        redis.clean_stale()
        # the state dir marks the databases this sandbox creates (leftovers are dropped by the first reset)
        postgres = PgServer(pg_url, str(state_dir.resolve())) if pg_url else None
        self.context = SandboxContext(state_dir, redis, postgres=postgres)
        self.vendors = load_vendors(self.context)
        self.specs = specs or SpecRegistry()
        self.log = RequestLog()
        self.faults = FaultInjector()
        self.latency = Latency()
        self.control = ControlAPI(self)
        self.validation = self.spec_validation()  # loads every spec now: the server reports it at start
        # where the SendGrid SMTP relay listens ({host, port}), set by the server that runs it
        self.smtp: dict[str, Any] | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def vendor(self, name: str) -> VendorAPI | None:
        return next((vendor for vendor in self.vendors if vendor.name == name), None)

    def reset(self) -> None:
        with self.context.lock:
            self.context.redis.remove_all()
            for vendor in self.vendors:
                vendor.reset()
        self.log.clear()
        self.faults.clear()
        self.latency.clear()

    def shutdown(self) -> None:
        """Stop every redis-server this sandbox started (state lives in memory, so wipe their dirs) and
        drop the databases it created."""
        with self.context.lock:
            self.context.redis.remove_all()
            if self.context.postgres is not None:
                try:
                    self.context.postgres.drop_all()
                except PgUnavailable as exc:
                    print(f"sandbox: WARNING: PostgreSQL databases not dropped: {exc}", file=sys.stderr)

    # --- custom domains over HTTPS (sandbox/apps_tls.py) -----------------------------------------
    def verified_custom_domain(self, name: str) -> bool:
        """True when ``name`` is a verified custom domain of a service (it gets a certificate)."""
        return self._custom_domain(name) is not None

    def dispatch_custom_domain(self, raw: RawRequest, host: str) -> Outcome:
        """A request to a custom domain: its service's stand-in app, a redirect twin's 301, or 404.
        A Fly app's ``<app>.fly.dev`` and its hostnames with an issued certificate are served by the app."""
        found = self._custom_domain(host)
        if found is None:
            return Outcome(Response(404, {"message": f"no verified custom domain {host} in this sandbox"}))
        service_name, redirect_for = found
        if redirect_for:
            location = f"https://{redirect_for}{raw.path}" + (f"?{raw.query}" if raw.query else "")
            return Outcome(Response(301, None, headers={"Location": location}))
        return self.dispatch(RawRequest(raw.method, f"/apps/{service_name}{raw.path}", raw.query, raw.headers,
                                        raw.body))

    def _custom_domain(self, name: str) -> tuple[str, str] | None:
        """(the stand-in app's name under /apps, redirect target or "") of a name served over HTTPS."""
        render, fly = self.vendor("render"), self.vendor("fly")
        with self.context.lock:
            found = render.domains.verified_route(name) if render is not None else None
            app = fly.served_app(name) if fly is not None and found is None else None
        return (f"{app}.fly.dev", "") if app else found

    # --- dispatch ------------------------------------------------------------------------------
    def dispatch(self, raw: RawRequest) -> Outcome:
        if raw.path == CONTROL_PREFIX or raw.path.startswith(CONTROL_PREFIX + "/"):
            return Outcome(self.control.handle(raw))
        vendor = next((vendor for vendor in self.vendors if vendor.owns(raw.path)), None)
        if vendor is None:
            return Outcome(Response(404, {"message": f"no sandbox vendor serves {raw.path}"}))
        return self._vendor_dispatch(vendor, raw)

    def _vendor_dispatch(self, vendor: VendorAPI, raw: RawRequest) -> Outcome:
        # A stand-in app's own calls (its rate limiter over the Upstash REST API) are the app's traffic, not a
        # call of the collection's: injected faults are for what the collection must survive, so they pass by.
        app_traffic = any(name.lower() == APP_TRAFFIC_HEADER.lower() for name in raw.headers)
        fault = None if app_traffic else self.faults.pick(vendor.name, raw.method, raw.path)
        entry = self.log.start(vendor.name, raw.method, vendor.log_path(raw.path), raw.query, fault,
                               keep=vendor.logged(raw.headers))
        entry.write = entry.write and vendor.counts_writes and not vendor.reads_by_post(raw.method, raw.path)
        if fault == "drop":
            return Outcome(None, drop=True)
        config = self.faults.config
        if fault == "slow" and config is not None:
            time.sleep(float(config.delay))
        self.latency.wait(vendor.name, raw.method, raw.path)
        request = self._request(vendor, raw)
        response = self._fault_response(vendor, fault) or self._process(vendor, request, raw.query)
        vendor.finalize(response)
        self._check_response(vendor, request, response, entry)
        entry.status = response.status
        return Outcome(None, drop=True) if fault == "drop_after" else Outcome(response)

    @staticmethod
    def _request(vendor: VendorAPI, raw: RawRequest) -> Request:
        request = Request(raw.method.upper(), vendor.relative(raw.path),
                          parse_qs(raw.query, keep_blank_values=True), raw.headers, raw_body=raw.body)
        found = vendor.router.match(request.method, request.path)
        if found is not None:
            request.template = found[0].template
            request.params = found[1]
        return request

    def _fault_response(self, vendor: VendorAPI, fault: str | None) -> Response | None:
        config = self.faults.config
        if fault == "429" and config is not None:
            return vendor.error(429, "rate limit exceeded", {"Retry-After": str(config.retry_after)})
        if fault == "503":
            return vendor.error(503, "service unavailable")
        return None

    def _process(self, vendor: VendorAPI, request: Request, raw_query: str) -> Response:
        if not vendor.authenticate(request):
            return vendor.error(401, "unauthorized")
        found = vendor.router.match(request.method, request.path)
        if found is None:
            return vendor.error(404, "not found")
        try:
            request.body = vendor.decode_body(request)
            self._validate_request(vendor, request, raw_query)
            with self.context.lock:
                vendor.before(request)
                return found[0].handler(request)
        except ApiError as exc:
            return vendor.api_error(exc, request)
        except Exception:  # a sandbox bug: answer like the vendor would, keep serving
            traceback.print_exc(file=sys.stderr)
            return vendor.error(500, "internal server error")

    # --- spec validation -----------------------------------------------------------------------
    def _spec(self, vendor: VendorAPI) -> Spec | None:
        return self.specs.get(vendor.name, vendor.spec_file, vendor.adapt_spec)

    def spec_validation(self) -> dict[str, Any]:
        """Whether each vendor's exchanges are checked against its spec ("on"), else why not."""
        vendors = {vendor.name: "on" if self._spec(vendor) else self.specs.reason(vendor.name)
                   for vendor in self.vendors if vendor.spec_file}
        off = [f"{name}: {why}" for name, why in vendors.items() if why != "on"]
        return {"enabled": not off, "directory": str(self.specs.directory), "vendors": vendors,
                "reason": "; ".join(off)}

    def _validate_request(self, vendor: VendorAPI, request: Request, raw_query: str) -> None:
        """Refuse (400, the vendor's error) what the spec does not accept; read the query per the spec.

        Routes the spec does not describe (the sandbox's own, e.g. Sentry ingest) are not checked."""
        spec = self._spec(vendor)
        if spec is None or spec.operation(request.method, request.template) is None:
            return
        checked = check_request(spec, request.method, request.template, raw_query, request.body,
                                payload=vendor.validation_payload(request))
        request.read = checked.query
        if checked.problems:
            raise BadRequest("; ".join(problem.describe() for problem in checked.problems),
                             field=checked.problems[0].field or None)

    def _check_response(self, vendor: VendorAPI, request: Request, response: Response, entry: LogEntry) -> None:
        spec = self._spec(vendor)
        if spec is None or not request.template:
            return
        problem = response_problem(spec, request, response)
        if problem:
            entry.response_invalid = problem
            print(f"sandbox: INVALID RESPONSE {request.method} {vendor.prefix}{request.path} "
                  f"-> {response.status}: {problem}", file=sys.stderr)


def response_problem(spec: Spec, request: Request, response: Response) -> str | None:
    """Why ``response`` does not match the spec for its status (None when it does or is undeclared)."""
    expectation = spec.response_expectation(request.method, request.template, response.status)
    if not expectation.declared:
        return None
    if expectation.schema is None:
        return None if response.body is None else f"status {response.status} declares no body"
    if response.body is None:
        return f"status {response.status} requires a JSON body"
    return check_instance(expectation.schema, response.body, writing=False)
