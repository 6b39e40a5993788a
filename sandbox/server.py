"""HTTP entry point: ``python -m sandbox.server --host 127.0.0.1 --port 8765 --state-dir .sandbox``."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from .app import RawRequest, Sandbox
from .apps_tls import host_name, start_apps_tls, stop_apps_tls
from .routing import Response
from .sendgrid_smtp import SmtpRelay
from .slack import redact_path


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, SandboxHandler)
        self.sandbox = sandbox


class SandboxHandler(BaseHTTPRequestHandler):
    server: SandboxServer
    server_version = "launchkit-sandbox/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        raw = RawRequest(self.command, parts.path, parts.query, dict(self.headers.items()), body)
        outcome = self._dispatch(raw)
        if outcome.drop or outcome.response is None:
            self._drop()
        else:
            self._send(outcome.response)

    def _dispatch(self, raw: RawRequest) -> Any:
        return self.server.sandbox.dispatch(raw)

    def _drop(self) -> None:
        """Close the connection without a single byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: Response) -> None:
        payload = response.encode()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if payload and not any(name.lower() == "content-type" for name in response.headers):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        if os.environ.get("SANDBOX_VERBOSE"):
            super().log_message(format, *(redact_path(arg) if isinstance(arg, str) else arg for arg in args))


class CustomDomainHandler(SandboxHandler):
    """The HTTPS listener's requests: the Host header names the custom domain (sandbox/apps_tls.py)."""

    def _dispatch(self, raw: RawRequest) -> Any:
        return self.server.sandbox.dispatch_custom_domain(raw, host_name(self.headers.get("Host")))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8765")))
    parser.add_argument("--state-dir", default=".sandbox")
    parser.add_argument("--pg-url", default=os.environ.get("SANDBOX_PG_URL") or None,
                        help="admin URL of the PostgreSQL that backs Render Postgres "
                             "(default: $SANDBOX_PG_URL; without one, creating a Postgres is refused)")
    parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("SANDBOX_SMTP_PORT") or 0),
                        help="port of the SendGrid SMTP relay (default: $SANDBOX_SMTP_PORT, else one the kernel "
                             "gives; GET /_sandbox/health names it)")
    parser.add_argument("--apps-tls-port", type=int, default=int(os.environ.get("SANDBOX_APPS_TLS_PORT", "0")),
                        help="port of the HTTPS listener that serves verified custom domains "
                             "(default: $SANDBOX_APPS_TLS_PORT, else a free port; written to <state>/apps-tls-address)")
    parser.add_argument("--prometheus-url", default=os.environ.get("SANDBOX_PROMETHEUS_URL") or "",
                        help="URL of the Prometheus that scrapes the stand-in apps, the url of Grafana's seeded "
                             "data source grafanacloud-prom (default: $SANDBOX_PROMETHEUS_URL)")
    return parser.parse_args(argv)


def validation_line(validation: dict[str, Any]) -> str:
    """One line saying whether spec validation is on (and why not)."""
    if validation["enabled"]:
        return f"spec validation ON (specs from {validation['directory']})"
    return f"WARNING: spec validation OFF: {validation['reason']}"


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sandbox = Sandbox(Path(args.state_dir).resolve(), pg_url=args.pg_url)
    grafana: Any = sandbox.vendor("grafana")
    if grafana is not None and args.prometheus_url:
        grafana.set_prometheus_url(args.prometheus_url)
    server = SandboxServer((args.host, args.port), sandbox)
    relay = SmtpRelay(sandbox.vendor("sendgrid"), sandbox.context.lock, sandbox.context.redis.tls, args.host,
                      args.smtp_port)
    relay.start()
    sandbox.smtp = relay.describe()
    state_dir = Path(args.state_dir).resolve()
    apps_tls = start_apps_tls(sandbox, CustomDomainHandler, args.host, args.apps_tls_port, state_dir)
    signal.signal(signal.SIGTERM, _terminate)
    print(f"sandbox: listening on http://{args.host}:{server.server_address[1]}"
          f" ({'with' if args.pg_url else 'without'} PostgreSQL)", file=sys.stderr, flush=True)
    print(f"sandbox: {validation_line(sandbox.validation)}", file=sys.stderr, flush=True)
    if sandbox.smtp:
        print(f"sandbox: SendGrid SMTP relay on {sandbox.smtp['host']}:{sandbox.smtp['port']} (STARTTLS)",
              file=sys.stderr, flush=True)
    if apps_tls is not None:
        print(f"sandbox: custom domains over HTTPS at {args.host}:{apps_tls.server_address[1]}",
              file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        relay.stop()
        stop_apps_tls(apps_tls, state_dir)
        sandbox.shutdown()
        print("sandbox: stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
