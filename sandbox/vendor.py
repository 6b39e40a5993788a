"""The base every vendor module builds on, and the registry the server loads vendors from."""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

from .errors import ApiError
from .pg_databases import PgServer
from .redis_servers import RedisInstance, RedisManager
from .routing import Handler, Request, Response, Router, parse_json

VENDOR_REGISTRY: list[type[VendorAPI]] = []


def register_vendor(cls: type[VendorAPI]) -> type[VendorAPI]:
    VENDOR_REGISTRY.append(cls)
    return cls


def provision_delay() -> float:
    return float(os.environ.get("SANDBOX_PROVISION_DELAY", "0.3"))


@dataclass
class SandboxContext:
    """What vendors share: the state dir, the redis manager, the PostgreSQL server (None when the
    sandbox runs without one) and one lock around all state."""

    state_dir: Path
    redis: RedisManager
    postgres: PgServer | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    # every loaded vendor by name, for a vendor that reads another's state (the stand-in apps)
    vendors: dict[str, VendorAPI] = field(default_factory=dict)

    def later(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` under the state lock after ``delay`` seconds, in a daemon thread."""

        def run() -> None:
            time.sleep(delay)
            with self.lock:
                action()

        threading.Thread(target=run, daemon=True).start()

    def when_ready(self, instance: RedisInstance, delay: float, action: Callable[[bool], None]) -> None:
        """After ``delay`` s, wait (without the lock) until ``instance`` answers PING, then call
        ``action(ready)`` under the state lock. Used to move a database from creating to available."""

        def run() -> None:
            time.sleep(delay)
            ready = self.redis.wait_ready(instance)
            with self.lock:
                action(ready)

        threading.Thread(target=run, daemon=True).start()


class VendorAPI:
    """One vendor: a URL prefix, its routes, auth, error format and state.

    Subclasses set ``name``, ``prefix`` and ``spec_file`` (relative to the specs directory; a tuple
    of files is merged, the first file that has a path wins) and register routes in
    ``register_routes`` with path templates written exactly as in the spec.
    ``also_serves`` lists further path prefixes the vendor answers (e.g. an ingest endpoint);
    requests there are routed with their full path.
    """

    name: str = ""
    prefix: str = ""
    spec_file: str | tuple[str, ...] | None = None
    also_serves: tuple[str, ...] = ()
    # False when no request changes vendor state: the log then counts none of them as a write
    counts_writes: bool = True

    def __init__(self, context: SandboxContext) -> None:
        self.context = context
        self.router = Router()
        self.register_routes()
        self.reset()

    # --- to override -------------------------------------------------------------------------
    def register_routes(self) -> None:
        raise NotImplementedError

    def authenticate(self, request: Request) -> bool:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        raise NotImplementedError

    def finalize(self, response: Response) -> None:
        """Add the vendor's standard headers to every answer (rate limits, request ids)."""

    @staticmethod
    def adapt_spec(document: dict[str, Any]) -> None:
        """Fix up the raw spec before use (e.g. oneOfs the spec cannot discriminate). Static: the
        same adaptations serve ``sandbox.conformance``, which runs no vendor."""

    def decode_body(self, request: Request) -> Any:
        """The parsed request body (default: JSON, None when empty; BadRequest when not JSON)."""
        return parse_json(request.raw_body)

    def api_error(self, exc: ApiError, request: Request) -> Response:
        """The answer to an ``ApiError`` raised while handling ``request``."""
        return self.error(exc.status, exc.message)

    def validation_payload(self, request: Request) -> Any:
        """The value validated against the request schema (default: the JSON body)."""
        return request.body

    def before(self, request: Request) -> None:
        """Called under the state lock before a routed request is handled: bring state that is
        computed lazily from timestamps (e.g. deploy progress) up to date."""

    def control_routes(self) -> list[tuple[str, str, Handler]]:
        """Vendor-specific control endpoints, mounted at ``/_sandbox/<name><template>``, run under
        the state lock. Handlers may raise ValueError (answered 400)."""
        return []

    def reset(self) -> None:
        """Forget all state (and stop what it started); re-seed fixed objects."""

    def dump(self) -> dict[str, Any]:
        return {}

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        raise ApiError(400, f"seeding is not supported for {self.name}")

    # --- shared helpers ------------------------------------------------------------------------
    def route(self, method: str, template: str, handler: Handler) -> None:
        self.router.add(method, template, handler)

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return Response(status, self.error_body(status, message), dict(headers or {}))

    def owns(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in (self.prefix, *self.also_serves))

    def log_path(self, path: str) -> str:
        """The path as the request log shows it (a vendor whose URLs hold a secret hides it)."""
        return path

    def reads_by_post(self, method: str, path: str) -> bool:
        """True for a POST that only reads (a query endpoint): the request log counts it as a read."""
        del method, path
        return False

    def logged(self, headers: Any) -> bool:
        """False for requests the request log leaves out (Prometheus's scrapes of the stand-in apps)."""
        return True

    def relative(self, path: str) -> str:
        if any(path == prefix or path.startswith(prefix + "/") for prefix in self.also_serves):
            return path
        return path[len(self.prefix):] or "/"
