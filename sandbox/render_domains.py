"""Render custom domains (``/services/{id}/custom-domains``) and the sandbox's pretend DNS.

Adding an apex (``example.com``) also adds ``www.example.com`` redirecting to it; adding
``www.<apex>`` also adds the apex redirecting to the www name; any other name is added alone.
A domain becomes ``verified`` on ``…/verify`` only when the control API marked its DNS present.
A verified domain is served over HTTPS by its service's stand-in app (sandbox/apps_tls.py).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from .common import iso_at, prefixed_id
from .errors import BadRequest, Conflict, NotFound
from .published_dns import PublishedDns, normalized_domain

DOMAIN_SERVICE_TYPES = frozenset({"web_service", "static_site"})  # UNCONFIRMED for the others


def names_to_add(domain: str) -> list[tuple[str, str]]:
    """``(name, redirectForName)`` pairs a POST of ``domain`` creates (the named one first)."""
    labels = domain.split(".")
    if len(labels) == 2:
        return [(domain, ""), (f"www.{domain}", domain)]
    if len(labels) == 3 and labels[0] == "www":
        return [(domain, ""), (domain[len("www."):], domain)]
    return [(domain, "")]


@dataclass
class CustomDomain:
    seq: int
    id: str
    name: str
    redirect_for: str
    service: dict[str, Any]  # the stored service (shared, so ``server.name`` follows renames)
    created: float
    verified: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "domainType": "apex" if self.name.count(".") == 1 else "subdomain",
            "publicSuffix": self.name.rsplit(".", 1)[-1], "redirectForName": self.redirect_for,
            "verificationStatus": "verified" if self.verified else "unverified", "createdAt": iso_at(self.created),
            "server": {"id": self.service["id"], "name": self.service["name"]},
        }


class DomainBook:
    """Every custom domain (names are unique across the sandbox) and the DNS names marked present."""

    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self.domains: dict[str, CustomDomain] = {}
        self.dns = PublishedDns()

    def add(self, service: dict[str, Any], name: str) -> list[CustomDomain]:
        if service["type"] not in DOMAIN_SERVICE_TYPES:
            raise BadRequest(f"custom domains are not supported for {service['type']} services")
        domain = normalized_domain(name)
        if self._named(domain):
            raise Conflict(f"custom domain {domain} already exists")
        now = time.time()
        added = [CustomDomain(next(self._seq), prefixed_id("cdm"), each, redirect, service, now)
                 for each, redirect in names_to_add(domain) if not self._named(each)]
        self.domains.update((item.id, item) for item in added)
        return added

    def find(self, service_id: str, id_or_name: str) -> CustomDomain:
        for item in self.domains.values():
            if item.service["id"] == service_id and id_or_name in (item.id, item.name):
                return item
        raise NotFound("custom domain not found")

    def delete(self, service_id: str, id_or_name: str) -> None:
        del self.domains[self.find(service_id, id_or_name).id]

    def verify(self, service_id: str, id_or_name: str) -> None:
        item = self.find(service_id, id_or_name)
        item.verified = item.name in self.dns

    def verified_route(self, name: str) -> tuple[str, str] | None:
        """(service name, redirect target or "") of a verified domain of that name, else None."""
        item = self._named(name)
        if item is None or not item.verified:
            return None
        return item.service["name"], item.redirect_for

    def rows(self, service_id: str, names: list[str], domain_type: str | None,
             status: str | None) -> list[tuple[int, Any]]:
        documents = [(item.seq, item.document()) for item in self.domains.values() if item.service["id"] == service_id]
        return [(seq, doc) for seq, doc in documents
                if (not names or doc["name"] in names) and domain_type in (None, doc["domainType"])
                and status in (None, doc["verificationStatus"])]

    def update(self, body: Any) -> None:
        """Control: ``{"records": {"<domain>": true|false}}`` marks DNS present or absent (merged)."""
        self.dns.update(body)

    def describe(self) -> dict[str, Any]:
        return self.dns.describe()

    def forget(self, service_id: str) -> None:
        self.domains = {key: item for key, item in self.domains.items() if item.service["id"] != service_id}

    def dump(self) -> dict[str, Any]:
        return {"custom_domains": [{**item.document(), "serviceId": item.service["id"]} for item in self.domains.values()],
                "dns_present": self.dns.describe()["present"]}

    def _named(self, name: str) -> CustomDomain | None:
        return next((item for item in self.domains.values() if item.name == name), None)
