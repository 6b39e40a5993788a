"""The stand-in apps over HTTPS under their custom domains, as Render serves a verified domain.

A second listener (TLS, on its own port; its address is written to ``<state>/apps-tls-address`` and
sandbox-up.sh exports it as ``LAUNCHKIT_SANDBOX_APPS_TLS``) answers for every custom domain of a
Render web service once the domain is verified:

- TLS: a verified domain gets a certificate for its name, signed by the sandbox CA
  (``<state>/tls/ca.crt``), issued at the first handshake that names it (SNI). Any other name,
  including a domain that is added but not verified, gets the sandbox's 127.0.0.1 certificate, which
  a client checking the name refuses: Render issues a certificate only for a verified domain.
- HTTP: the ``Host`` header picks the domain. A verified domain is served by its service's stand-in
  app (``/apps/<service>/<path>``, logged under ``apps``); a verified redirect twin answers 301 to its
  target; an unknown or unverified name answers 404.

A real domain does not resolve to the sandbox: clients connect to this listener's address and name
the domain in SNI and Host (``http_check``'s ``connect_to``, curl's ``--connect-to``).
"""
from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .redis_servers import TLSFiles

ADDRESS_FILE = "apps-tls-address"
_DOMAIN_EXT = """basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:{name}
authorityKeyIdentifier = keyid
"""


class DomainCertificates:
    """One server context per domain name, its certificate signed by the sandbox CA (made once)."""

    def __init__(self, tls: TLSFiles) -> None:
        self.tls = tls
        self.directory = tls.cert.parent / "domains"
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.default = self._context(tls.cert)

    def _context(self, cert: Path) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(self.tls.key))
        return context

    def context_for(self, name: str) -> ssl.SSLContext:
        with self._lock:
            if name not in self._contexts:
                self._contexts[name] = self._context(self._issue(name))
            return self._contexts[name]

    def _issue(self, name: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        cert, csr, ext = (self.directory / f"{name}.{suffix}" for suffix in ("crt", "csr", "ext"))
        if not cert.is_file():
            ext.write_text(_DOMAIN_EXT.format(name=name))
            ca = self.tls.ca_cert
            subprocess.run(["openssl", "req", "-new", "-key", str(self.tls.key), "-subj", f"/CN={name}",
                            "-out", str(csr)], check=True, capture_output=True)
            subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca),
                            "-CAkey", str(ca.with_name("ca.key")), "-CAcreateserial", "-days", "825",
                            "-out", str(cert), "-extfile", str(ext)], check=True, capture_output=True)
        return cert


def host_name(header: str | None) -> str:
    """The name in a Host header, lower case, without its port or a trailing dot."""
    host = (header or "").strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0].rstrip(".") if ":" in host else host.rstrip(".")


class AppsTlsServer(ThreadingHTTPServer):
    """The HTTPS listener; ``sandbox`` answers (see Sandbox.custom_domain_route)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Any, handler: type, tls: TLSFiles) -> None:
        super().__init__(address, handler)
        self.sandbox = sandbox
        self.certificates = DomainCertificates(tls)
        self.context = self.certificates.default
        self.context.sni_callback = self._pick_certificate

    def _pick_certificate(self, connection: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        if name and self.sandbox.verified_custom_domain(name.lower()):
            connection.context = self.certificates.context_for(name.lower())

    def get_request(self) -> tuple[socket.socket, Any]:
        raw, address = super().get_request()
        # The handshake happens in the request's own thread (at its first read), not in the accept loop.
        return self.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            return  # a client that refused our certificate, or hung up: nothing to report
        super().handle_error(request, client_address)


def start_apps_tls(sandbox: Any, handler: type, host: str, port: int, state_dir: Path) -> AppsTlsServer | None:
    """Start the listener in a daemon thread and write its address; None without a sandbox CA."""
    tls = sandbox.context.redis.tls
    if tls is None:
        print("sandbox: WARNING no CA (openssl missing): custom domains are not served over HTTPS", file=sys.stderr)
        return None
    server = AppsTlsServer((host, port), sandbox, handler, tls)
    bound_host, bound_port = server.server_address[:2]
    (state_dir / ADDRESS_FILE).write_text(f"{bound_host}:{bound_port}\n")
    threading.Thread(target=server.serve_forever, name="apps-tls", daemon=True).start()
    return server


def stop_apps_tls(server: AppsTlsServer | None, state_dir: Path) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
    with contextlib.suppress(FileNotFoundError):
        (state_dir / ADDRESS_FILE).unlink()
