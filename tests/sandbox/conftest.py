"""Fixtures: one sandbox server per test session (free port, temp state dir), reset before each test."""
from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
# The collection, for a test that drives its module_utils against the sandbox's servers.
if str(REPO / "playbooks" / "collections") not in sys.path:
    sys.path.append(str(REPO / "playbooks" / "collections"))

from sandbox.guard import validation_problem  # noqa: E402
from sandbox.redis_servers import resp_command  # noqa: E402
from sandbox.render import OWNER  # noqa: E402

try:
    import redis as redis_py
except ImportError:  # the sandbox itself never needs redis-py; the tests use it when present
    redis_py = None

RENDER_KEY = "rnd_sandbox_render_key"
UPSTASH_AUTH = ("sandbox@launchkit.test", "upstash_sandbox_api_key")
OWNER_ID = OWNER["id"]
SENDGRID_KEY = "SG.sandbox_admin_key"
SENTRY_TOKEN = "sntrys_sandbox_token"
SENTRY_ORG = "launchkit-sandbox"
FLY_TOKEN = "fm2_sandbox_fly_token"
FLY_ORG = "launchkit-sandbox"
GRAFANA_TOKEN = "glsa_sandbox_grafana_token"
OVERRIDES = ("SANDBOX_RENDER_API_KEY", "SANDBOX_UPSTASH_EMAIL", "SANDBOX_UPSTASH_API_KEY", "SANDBOX_PORT",
             "SANDBOX_SENDGRID_API_KEY", "SANDBOX_SENTRY_AUTH_TOKEN", "SANDBOX_APPS_TLS_PORT", "SANDBOX_FLY_API_TOKEN",
             "SANDBOX_FLY_ORG", "SANDBOX_FLY_RATELIMIT", "SANDBOX_FLY_REGION", "SANDBOX_GRAFANA_TOKEN",
             "SANDBOX_GRAFANA_PASSWORD", "SANDBOX_PROMETHEUS_URL", "SANDBOX_VERCEL_TOKEN", "SANDBOX_VERCEL_TEAM_ID",
             "SANDBOX_VERCEL_RATELIMIT")


def pg_admin_url() -> str:
    """The admin URL of the sandbox's PostgreSQL (SANDBOX_PG_URL from .sandbox/env), or a clear failure."""
    return _from_env_file("SANDBOX_PG_URL", "the sandbox's PostgreSQL")


def pg_pooler_url() -> str:
    """The address of the PgBouncer in front of it, as a URL without a login (SANDBOX_PG_POOLER_URL)."""
    return _from_env_file("SANDBOX_PG_POOLER_URL", "the sandbox's PgBouncer (pgbouncer installed)")


def _from_env_file(name: str, need: str) -> str:
    url = os.environ.get(name)
    if not url:
        pytest.fail(f"{name} is not set: these tests need {need}. Run `make sandbox-up` "
                    "and `set -a; . .sandbox/env; set +a` (make test and make test-sandbox do both)")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def redis_call(url: str, *args: Any, ca: str | None = None) -> Any:
    """Run one command against a redis:// or rediss:// URL (redis-py when importable, else raw RESP)."""
    if redis_py is not None:
        extra = {"ssl_ca_certs": ca} if url.startswith("rediss://") else {}
        client = redis_py.from_url(url, decode_responses=True, socket_timeout=2, **extra)
        try:
            return client.execute_command(*args)
        finally:
            client.close()
    parts = urlsplit(url)
    context = None
    if parts.scheme == "rediss":
        import ssl

        context = ssl.create_default_context(cafile=ca)
    return resp_command(parts.port, parts.password, *args, host=parts.hostname, ssl_context=context)


def config_get(url: str, key: str, ca: str | None = None) -> str:
    reply = redis_call(url, "CONFIG", "GET", key, ca=ca)
    return reply[key] if isinstance(reply, dict) else reply[1]


@dataclass
class Sandbox:
    url: str
    state_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def ca(self) -> str:
        return str(self.state_dir / "tls" / "ca.crt")

    @property
    def apps_tls(self) -> tuple[str, int]:
        """Address of the HTTPS listener that serves verified custom domains."""
        host, _colon, port = (self.state_dir / "apps-tls-address").read_text().strip().rpartition(":")
        return host, int(port)

    def render(self, method: str, path: str, *, key: str | None = RENDER_KEY, **kwargs: Any) -> requests.Response:
        return self._bearer(method, f"/render/v1{path}", key, **kwargs)

    def upstash(self, method: str, path: str, *, auth: Any = UPSTASH_AUTH, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.url}/upstash/v2{path}", auth=auth, timeout=30, **kwargs)

    def sendgrid(self, method: str, path: str, *, key: str | None = SENDGRID_KEY, **kwargs: Any) -> requests.Response:
        return self._bearer(method, f"/sendgrid/v3{path}", key, **kwargs)

    def sentry(self, method: str, path: str, *, token: str | None = SENTRY_TOKEN, **kwargs: Any) -> requests.Response:
        return self._bearer(method, f"/sentry/api/0{path}", token, **kwargs)

    def fly(self, method: str, path: str, *, token: str | None = FLY_TOKEN, scheme: str = "Bearer",
            **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}"
        return requests.request(method, f"{self.url}/fly/v1{path}", headers=headers, timeout=70, **kwargs)

    def grafana(self, method: str, path: str, *, token: str | None = GRAFANA_TOKEN, **kwargs: Any) -> requests.Response:
        return self._bearer(method, f"/grafana/api{path}", token, **kwargs)

    def https(self, host: str, path: str = "/health", *, method: str = "GET", body: Any = None,
              verify: bool = True) -> tuple[int, dict[str, str], Any]:
        """A request to https://<host><path> through the sandbox's TLS listener (curl --connect-to): the name
        goes in SNI and Host, the certificate is checked against the sandbox CA. JSON answers are decoded."""
        context = ssl.create_default_context(cafile=self.ca)
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(self.apps_tls, timeout=10)
        connection = http.client.HTTPConnection(host, timeout=10)
        connection.sock = context.wrap_socket(raw, server_hostname=host)
        headers = {"Host": host}
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body), "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            kind = answer.getheader("Content-Type") or ""
            decoded = json.loads(data) if data and kind.startswith("application/json") else data.decode()
            return answer.status, dict(answer.getheaders()), decoded if data else None
        finally:
            connection.close()

    def _bearer(self, method: str, path: str, token: str | None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox{path}", timeout=30, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def summary(self, **params: Any) -> dict[str, int]:
        return self.control("GET", "/log/summary", params=params)

    def log(self, **params: Any) -> list[dict[str, Any]]:
        return self.control("GET", "/log", params=params)["entries"]

    def create_service(self, name: str, service_type: str = "web_service", **extra: Any) -> dict[str, Any]:
        body = {"type": service_type, "name": name, "ownerId": OWNER_ID, **extra}
        response = self.render("POST", "/services", json=body)
        assert response.status_code == 201, response.text
        return response.json()["service"]

    def create_key_value(self, name: str = "cache", **extra: Any) -> dict[str, Any]:
        body = {"name": name, "ownerId": OWNER_ID, "plan": "starter", **extra}
        response = self.render("POST", "/key-value", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def wait_key_value_status(self, kv_id: str, status: str) -> dict[str, Any]:
        def current() -> dict[str, Any] | None:
            doc = self.render("GET", f"/key-value/{kv_id}").json()
            return doc if doc["status"] == status else None

        return wait_for(current)

    def create_database(self, name: str = "cache", **extra: Any) -> dict[str, Any]:
        body = {"database_name": name, "platform": "aws", "primary_region": "us-east-1", **extra}
        response = self.upstash("POST", "/redis/database", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    state_dir = tmp_path_factory.mktemp("sandbox-state")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in OVERRIDES}
    env.update(SANDBOX_PROVISION_DELAY="0.2", SANDBOX_BUILD_SECONDS="0.5", SANDBOX_CRON_RUN_SECONDS="0.3",
               SANDBOX_FLY_START_SECONDS="0.2")
    log = open(state_dir / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.server", "--host", "127.0.0.1", "--port", str(port),
         "--state-dir", str(state_dir)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Sandbox(f"http://127.0.0.1:{port}", state_dir, process)

    def healthy() -> bool:
        try:
            return requests.get(f"{server.url}/_sandbox/health", timeout=1).json()["ok"] is True
        except requests.RequestException:
            return False

    wait_for(healthy, timeout=20)
    if problem := validation_problem(server.url):
        process.terminate()
        pytest.exit(problem, returncode=1)
    yield server
    process.terminate()
    process.wait(timeout=15)
    log.close()


@pytest.fixture
def sbx(sandbox_server: Sandbox) -> Any:
    """A clean sandbox; after the test, no sandbox response may have failed spec validation."""
    sandbox_server.control("POST", "/reset")
    yield sandbox_server
    invalid = [entry for entry in sandbox_server.log() if entry["response_invalid"]]
    assert not invalid, f"sandbox answered outside the spec: {invalid}"
