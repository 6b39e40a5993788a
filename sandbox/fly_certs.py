"""Fly.io certificates (``/apps/{app_name}/certificates...``): an ACME certificate per hostname, pending
until the sandbox's DNS (``POST /_sandbox/fly/dns``) has the hostname's records, then issued.

Fly issues once it sees the DNS, without being asked; the sandbox does the same whenever a
certificate is read. An issued hostname is served over HTTPS by the app (sandbox/apps_tls.py).
The detail ``status`` words (``pending``, ``issued``) are UNCONFIRMED: the spec types it as a string.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .common import iso_at
from .errors import ApiError, NotFound
from .published_dns import PublishedDns, normalized_domain
from .routing import Request, Response

if TYPE_CHECKING:
    from .fly import FlyAPI, FlyApp

SANDBOX_IPV4 = "127.0.0.1"
SANDBOX_IPV6 = "::1"
VALIDITY = 90 * 86400
BASE = "/apps/{app_name}/certificates"


@dataclass
class Certificate:
    app: FlyApp
    hostname: str
    created: float
    issued: float | None = None

    def settle(self, dns: PublishedDns) -> None:
        if self.issued is None and self.hostname in dns:
            self.issued = time.time()

    @property
    def status(self) -> str:
        return "issued" if self.issued else "pending"

    def summary(self) -> dict[str, Any]:
        configured = self.issued is not None
        return {"hostname": self.hostname, "status": self.status, "configured": configured,
                "acme_requested": True, "acme_dns_configured": configured, "acme_alpn_configured": configured,
                "acme_http_configured": False, "ownership_txt_configured": configured,
                "has_custom_certificate": False, "has_fly_certificate": configured, "dns_provider": "unknown",
                "created_at": iso_at(self.created), "updated_at": iso_at(self.issued or self.created)}

    def detail(self) -> dict[str, Any]:
        configured = self.issued is not None
        entry: dict[str, Any] = {"source": "fly", "status": "active" if configured else "pending_validation",
                                 "created_at": iso_at(self.created)}
        if self.issued is not None:
            expires = iso_at(self.issued + VALIDITY)
            entry.update(issuer="Let's Encrypt", expires_at=expires,
                         issued=[{"type": kind, "certificate_authority": "lets_encrypt", "expires_at": expires}
                                 for kind in ("ecdsa", "rsa")])
        return {"hostname": self.hostname, "status": self.status, "configured": configured, "acme_requested": True,
                "dns_provider": "unknown", "dns_requirements": self.requirements(), "certificates": [entry],
                "validation": {"dns_configured": configured, "alpn_configured": configured, "http_configured": False,
                               "ownership_txt_configured": configured},
                "validation_errors": [] if configured else [{
                    "code": "dns_not_configured", "timestamp": iso_at(time.time()),
                    "message": f"no DNS records found for {self.hostname}",
                    "remediation": f"add a CNAME {self.hostname} -> {self.app.name}.fly.dev, or the A and AAAA records"}]}

    def requirements(self) -> dict[str, Any]:
        return {"a": [SANDBOX_IPV4], "aaaa": [SANDBOX_IPV6], "cname": f"{self.app.name}.fly.dev",
                "acme_challenge": {"name": f"_acme-challenge.{self.hostname}",
                                   "target": f"{self.hostname}.{self.app.id}.flydns.net"},
                "ownership": {"name": f"_fly-ownership.{self.hostname}", "app_value": f"app-{self.app.id}",
                              "org_value": f"org-{self.app.org}"}}

    def check(self) -> dict[str, Any]:
        found = self.issued is not None
        return {**self.detail(), "dns_records": {
            "a": [SANDBOX_IPV4] if found else [], "aaaa": [SANDBOX_IPV6] if found else [],
            "cname": [f"{self.app.name}.fly.dev"] if found else [], "resolved_addresses": [SANDBOX_IPV4] if found else [],
            "acme_challenge_cname": "", "ownership_txt": "", "soa": ""}}


class CertificateAPI:
    def __init__(self, fly: FlyAPI) -> None:
        self.fly = fly
        self.reset()

    def reset(self) -> None:
        self.certificates: dict[str, Certificate] = {}  # by hostname: a hostname belongs to one app
        self.dns = PublishedDns()

    def routes(self) -> list[tuple[str, str, Any]]:
        return [("GET", BASE, self.list_certificates), ("POST", BASE + "/acme", self.create_acme),
                ("GET", BASE + "/{hostname}", self.get_certificate),
                ("DELETE", BASE + "/{hostname}", self.delete_certificate),
                ("POST", BASE + "/{hostname}/check", self.check_certificate)]

    def _of_app(self, app: FlyApp) -> list[Certificate]:
        found = [cert for cert in self.certificates.values() if cert.app is app]
        for cert in found:
            cert.settle(self.dns)
        return found

    def _certificate(self, request: Request) -> Certificate:
        app = self.fly.app_of(request)
        cert = self.certificates.get(request.params["hostname"].lower())
        if cert is None or cert.app is not app:
            raise NotFound(f"certificate for {request.params['hostname']} not found")
        cert.settle(self.dns)
        return cert

    def list_certificates(self, request: Request) -> Response:
        certs = self._of_app(self.fly.app_of(request))
        return Response(200, {"certificates": [cert.summary() for cert in certs], "total_count": len(certs)})

    def create_acme(self, request: Request) -> Response:
        app = self.fly.app_of(request)
        hostname = normalized_domain(str((request.body or {}).get("hostname") or ""))
        if hostname in self.certificates:
            raise ApiError(422, f"hostname {hostname} already has a certificate")
        cert = Certificate(app, hostname, time.time())
        self.certificates[hostname] = cert
        return Response(201, cert.detail())

    def get_certificate(self, request: Request) -> Response:
        return Response(200, self._certificate(request).detail())

    def delete_certificate(self, request: Request) -> Response:
        del self.certificates[self._certificate(request).hostname]
        return Response(204)

    def check_certificate(self, request: Request) -> Response:
        return Response(200, self._certificate(request).check())

    def forget(self, app: FlyApp) -> None:
        self.certificates = {name: cert for name, cert in self.certificates.items() if cert.app is not app}

    def issued_app(self, hostname: str) -> str | None:
        """The app an issued certificate of ``hostname`` belongs to (it is served over HTTPS)."""
        cert = self.certificates.get(hostname)
        if cert is None:
            return None
        cert.settle(self.dns)
        return cert.app.name if cert.issued else None

    def dump(self) -> list[dict[str, Any]]:
        return [{"app": cert.app.name, **cert.summary()} for cert in self.certificates.values()]
