# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: a custom hostname's certificate on a Fly.io app, and fly_certificate(_info).

Not a public API; it may change between any two releases.

A certificate is requested through ACME; it is issued once the hostname's DNS points at the app, which
only the domain's owner can do. So the module returns the DNS records Fly asks for as pending actions,
and ``check`` asks Fly to look at the DNS again.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import FlyClient

OPTIONS: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "hostname": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "check": {"type": "bool", "default": False},
}
INFO_OPTIONS: dict[str, dict] = {
    "app": {"type": "str", "required": True},
    "hostname": {"type": "str"},
}
ISSUED = "ready"


def dns_records(certificate: dict) -> list[dict[str, str]]:
    """The DNS records Fly asks for (dns_requirements): A/AAAA or a CNAME to the app, the ACME
    challenge CNAME and the ownership TXT, each as {type, name, value, purpose}."""
    hostname = certificate.get("hostname") or ""
    needs = certificate.get("dns_requirements") or {}
    records = [{"type": "A", "name": hostname, "value": ip, "purpose": "route the hostname to the app"}
               for ip in needs.get("a") or []]
    records += [{"type": "AAAA", "name": hostname, "value": ip, "purpose": "route the hostname to the app"}
                for ip in needs.get("aaaa") or []]
    if needs.get("cname"):
        records.append({"type": "CNAME", "name": hostname, "value": needs["cname"],
                        "purpose": "route the hostname to the app (instead of A/AAAA)"})
    challenge = needs.get("acme_challenge") or {}
    if challenge.get("name") and challenge.get("target"):
        records.append({"type": "CNAME", "name": challenge["name"], "value": challenge["target"],
                        "purpose": "ACME DNS challenge (lets Fly.io issue the certificate before traffic moves)"})
    ownership = needs.get("ownership") or {}
    if ownership.get("name") and (ownership.get("app_value") or ownership.get("org_value")):
        records.append({"type": "TXT", "name": ownership["name"],
                        "value": ownership.get("app_value") or ownership.get("org_value"),
                        "purpose": "prove the domain's ownership"})
    return records


def configured(certificate: dict) -> bool:
    return bool(certificate.get("configured")) or certificate.get("status") == ISSUED


def certificate_view(certificate: dict) -> dict[str, Any]:
    validation = certificate.get("validation") or {}
    return {"hostname": certificate.get("hostname"), "status": certificate.get("status"),
            "configured": configured(certificate), "acme_requested": certificate.get("acme_requested"),
            "dns_provider": certificate.get("dns_provider"), "validation": validation,
            "validation_errors": [{"code": e.get("code"), "message": e.get("message"), "remediation": e.get("remediation")}
                                  for e in certificate.get("validation_errors") or []],
            "issued": [{"source": c.get("source"), "status": c.get("status"), "expires_at": c.get("expires_at")}
                       for c in certificate.get("certificates") or []]}


def pending_actions(certificate: dict, records: list[dict[str, str]]) -> list[str]:
    """What a person must still do, one sentence per DNS record; nothing once the certificate is issued."""
    if configured(certificate):
        return []
    return [f"Add a DNS {r['type']} record {r['name']} -> {r['value']} ({r['purpose']})" for r in records]


def create_once(client: FlyClient, app: str, hostname: str) -> dict:
    """Request the certificate; when the answer is lost, look for it before asking again (once)."""
    try:
        return client.create_acme_certificate(app, hostname)
    except WriteOutcomeUnknown:
        found = client.certificate(app, hostname)
        return found if found is not None else client.create_acme_certificate(app, hostname)


def run_certificate(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    client = client or FlyClient.from_params(params, secrets)
    app, hostname = params["app"], params["hostname"]
    found = client.certificate(app, hostname)
    result: dict[str, Any] = {"changed": False, "action": "none", "certificate": None, "dns_records": [],
                              "pending_actions": [], "checked": False}
    if params["state"] == "absent":
        if found is not None:
            result.update(changed=True, action="delete", diff={"before": {"hostname": hostname}, "after": {}})
            if not check_mode:
                client.delete_certificate(app, hostname)
        return result
    certificate = found
    if found is None:
        result.update(changed=True, action="create", diff={"before": {}, "after": {"hostname": hostname}})
        if check_mode:
            return result
        certificate = create_once(client, app, hostname)
    if params["check"] and not check_mode:
        certificate = {**certificate, **client.check_certificate(app, hostname)}
        result["checked"] = True
    records = dns_records(certificate)
    result.update(certificate=certificate_view(certificate), dns_records=records,
                  pending_actions=pending_actions(certificate, records))
    return result


def run_certificate_info(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    client = client or FlyClient.from_params(params, secrets)
    if params.get("hostname"):
        found = client.certificate(params["app"], params["hostname"])
        certificates = [certificate_view(found)] if found else []
    else:
        certificates = [{"hostname": c.get("hostname"), "status": c.get("status"), "configured": bool(c.get("configured")),
                         "acme_requested": c.get("acme_requested"), "created_at": c.get("created_at")}
                        for c in client.certificates(params["app"])]
    return {"changed": False, "certificates": certificates}
