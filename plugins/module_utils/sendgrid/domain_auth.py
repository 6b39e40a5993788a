# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: SendGrid domain authentication as a resource, and the sendgrid_domain_auth logic.

Not a public API; it may change between any two releases.

Domain authentication finishes outside the API (DNS records published at the domain's host), so
the module reports what is missing and never waits for it.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    DuplicateResource, Resource, ResourceError, ensure, unique)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import DOMAIN_REGIONS, SendGridClient

OPTIONS: dict[str, dict] = {
    "domain": {"type": "str", "required": True},
    "subdomain": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "automatic_security": {"type": "bool", "default": True},
    "custom_spf": {"type": "bool"},
    "default": {"type": "bool"},
    "region": {"type": "str", "choices": list(DOMAIN_REGIONS)},
    "validate": {"type": "bool", "default": False},
    "fail_on_invalid": {"type": "bool", "default": False},
}


class DomainAuth(Resource):
    kind = "SendGrid authenticated domain"
    immutable = frozenset({"subdomain", "automatic_security"})

    def __init__(self, client: SendGridClient, params: dict) -> None:
        self.client = client
        self.params = params

    def namesakes(self) -> list[dict]:
        """Every authentication of the domain (and subdomain, when set). SendGrid lets one domain be
        authenticated twice: two runs that create it at once converge on the first in SendGrid's list (the
        older), the other deleted."""
        domain, subdomain = self.params["domain"], self.params.get("subdomain")
        return [d for d in self.client.domains(domain) if str(d.get("domain", "")).lower() == domain
                and (subdomain is None or str(d.get("subdomain", "")).lower() == subdomain)]

    def find(self) -> dict | None:
        domain = self.params["domain"]
        matches = self.namesakes()
        try:
            return unique(matches, "authenticated domain", domain)
        except DuplicateResource:
            ids = ", ".join(f"{d.get('id')} (subdomain {d.get('subdomain')})" for d in matches)
            raise DuplicateResource(f"{len(matches)} authenticated domains exist for '{domain}' ({ids}); "
                                    "set subdomain to say which one is meant") from None

    def desired(self) -> dict:
        p = self.params
        return {"subdomain": p.get("subdomain"), "automatic_security": p["automatic_security"],
                "custom_spf": p.get("custom_spf"), "default": p.get("default")}

    def current(self, resource: dict) -> dict:
        return {"subdomain": resource.get("subdomain"), "automatic_security": bool(resource.get("automatic_security")),
                "custom_spf": bool(resource.get("custom_spf")), "default": bool(resource.get("default"))}

    def create(self) -> dict:
        p = self.params
        return self.client.create_domain(p["domain"], subdomain=p.get("subdomain"),
                                         automatic_security=p["automatic_security"], custom_spf=p.get("custom_spf"),
                                         default=p.get("default"), region=p.get("region"))

    def update(self, resource: dict, changes: dict) -> dict:
        # subdomain and automatic_security are immutable: the engine refuses them before any update.
        return self.client.update_domain(resource["id"], default=changes.get("default"),
                                         custom_spf=changes.get("custom_spf"))

    def delete(self, resource: dict) -> None:
        self.client.delete_domain(resource["id"])


def dns_records(domain: dict) -> list[dict]:
    """The records to publish: mail_cname, dkim1, dkim2 (automatic security) or the manual set."""
    return [{"name": name, "type": record.get("type"), "host": record.get("host"), "data": record.get("data"),
             "valid": bool(record.get("valid"))}
            for name, record in (domain.get("dns") or {}).items() if isinstance(record, dict)]


def missing_records(records: list[dict], results: dict | None) -> list[dict]:
    """The records SendGrid found invalid, each with its reason (from validate) when known."""
    by_name = {record["name"]: record for record in records}
    if results is None:
        return [dict(record, reason=None) for record in records if not record["valid"]]
    missing = []
    for name, result in results.items():
        if isinstance(result, dict) and not result.get("valid"):
            record = by_name.get(name, {"name": name, "type": None, "host": None, "data": None, "valid": False})
            missing.append(dict(record, valid=False, reason=result.get("reason")))
    return missing


def domain_view(domain: dict) -> dict:
    return {"id": domain.get("id"), "domain": domain.get("domain"), "subdomain": domain.get("subdomain"),
            "automatic_security": bool(domain.get("automatic_security")),
            "custom_spf": bool(domain.get("custom_spf")), "default": bool(domain.get("default")),
            "valid": bool(domain.get("valid")), "records": dns_records(domain)}


def validate_domain_auth(params: dict) -> None:
    if params.get("custom_spf") and params["automatic_security"]:
        raise ValueError("custom_spf is only available with automatic_security=false (manual security)")


def normalised(params: dict) -> dict:
    return dict(params, domain=params["domain"].strip().lower().rstrip("."),
                subdomain=(params.get("subdomain") or "").strip().lower() or None)


def validate_now(client: SendGridClient, view: dict) -> dict:
    """SendGrid's validation of the DNS, applied to the view's records; its per-record results."""
    answer = client.validate_domain(view["id"])
    view["valid"] = bool(answer.get("valid"))
    results = answer.get("validation_results") or {}
    for record in view["records"]:  # the records as this validation found them
        if isinstance(results.get(record["name"]), dict):
            record["valid"] = bool(results[record["name"]].get("valid"))
    return results


def invalid_domain_error(view: dict, result: dict) -> ResourceError:
    hosts = ", ".join(f"{r['type'] or '?'} {r['host'] or r['name']}"
                      + (f" ({r['reason']})" if r.get("reason") else "") for r in result["missing_records"])
    details = {k: v for k, v in result.items() if k not in ("diff", "warnings")}
    return ResourceError(f"the domain {view['domain']} is not authenticated yet: {hosts or 'SendGrid says invalid'}"
                         "; publish the records and run again", **details)


def run_domain_auth(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    params = normalised(params)
    validate_domain_auth(params)
    client = client or SendGridClient.from_params(params, secrets)
    outcome = ensure(DomainAuth(client, params), params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "domain_auth": None, "records": [], "valid": False,
                              "validated": False, "missing_records": []}
    if outcome.resource is None:
        return result
    view = domain_view(outcome.resource)
    results = None
    # Not needed any more once SendGrid found the domain valid; never in check mode.
    if params["validate"] and not check_mode and not view["valid"]:
        results = validate_now(client, view)
        result["validated"] = True
    result.update(domain_auth=view, records=view["records"], valid=view["valid"],
                  missing_records=[] if view["valid"] else missing_records(view["records"], results))
    if params["fail_on_invalid"] and not view["valid"]:
        raise invalid_domain_error(view, result)
    return result
