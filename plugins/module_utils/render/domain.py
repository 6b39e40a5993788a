# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: Render custom domains and the DNS records they need.

Not a public API; it may change between any two releases. Adding an apex domain makes Render add
its www twin (and the other way round); both are reported, with the DNS record each one needs.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core import progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, WaitTimeout
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient, dashboard_url

# Render's documented load balancer address for apex domains whose DNS host cannot ALIAS/ANAME.
RENDER_APEX_IP = "216.24.57.1"
# A DNS label (RFC 1123): letters, digits and inner hyphens, 1 to 63 characters.
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def normalized_domain(name: str) -> str:
    """The domain as Render stores it: lower case, no surrounding space, no trailing dot."""
    return str(name).strip().lower().rstrip(".")


def domain_problem(name: object) -> str | None:
    """Why ``name`` is not a domain Render can serve (None when it is one)."""
    if not isinstance(name, str) or not name.strip():
        return f"{name!r} is not a domain name"
    domain = normalized_domain(name)
    labels = domain.split(".")
    if "://" in domain or "/" in domain:
        return f"{name!r} is a URL: give the host name only (for example api.example.com)"
    if len(labels) < 2 or len(domain) > 253 or not all(_LABEL.match(label) for label in labels):
        return (f"{name!r} is not a valid domain name (labels of letters, digits and inner hyphens, "
                "separated by dots, for example api.example.com)")
    if labels[-1].isdigit():
        return f"{name!r} is an IP address, not a domain name"
    return None


def www_twin(name: str) -> str:
    """The www name of a domain, or the name without www: the pair Render serves as one site."""
    domain = normalized_domain(name)
    return domain[len("www."):] if domain.startswith("www.") else f"www.{domain}"


def render_adds_twin(name: str) -> bool:
    """Whether adding ``name`` makes Render add its www twin too (an apex and its www name; NOTES quirk 10)."""
    labels = normalized_domain(name).split(".")
    return len(labels) == 2 or (len(labels) == 3 and labels[0] == "www")


def related(all_domains: list[dict], name: str) -> list[dict]:
    """The named domain and its redirect twin (www <-> apex)."""
    return [d for d in all_domains if name in (d["name"], d.get("redirectForName"))
            or d["name"] == next((x.get("redirectForName") for x in all_domains if x["name"] == name), None)]


def predicted_additions(name: str, existing: list[dict]) -> list[dict]:
    """What adding ``name`` creates, as Render answers it: the domain, and its www twin redirecting to it
    for an apex or www name unless the twin exists already (check mode's prediction)."""
    taken = {d["name"] for d in existing}
    names = [(name, "")] + ([(www_twin(name), name)] if render_adds_twin(name) else [])
    return [{"name": each, "domainType": "apex" if each.count(".") == 1 else "subdomain",
             "redirectForName": redirect, "verificationStatus": "unverified"}
            for each, redirect in names if each == name or each not in taken]


def dns_records(domain: dict, target: str) -> list[dict]:
    if domain.get("domainType") == "apex":
        return [{"name": domain["name"], "type": "ALIAS", "value": target,
                 "note": f"ALIAS, ANAME or flattened CNAME; where none exists, an A record to {RENDER_APEX_IP}"}]
    return [{"name": domain["name"], "type": "CNAME", "value": target}]


def domain_view(domain: dict, target: str) -> dict:
    return {"id": domain.get("id"), "name": domain["name"], "domain_type": domain.get("domainType"),
            "verification_status": domain.get("verificationStatus"), "redirect_for": domain.get("redirectForName") or None,
            "dns_records": dns_records(domain, target)}


def service_host(service: dict) -> str:
    url = (service.get("serviceDetails") or {}).get("url")
    return urlsplit(url).hostname if url else f"{service.get('slug')}.onrender.com"


def run_custom_domain(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None,
                      clock: Clock | None = None) -> dict:
    problem = domain_problem(params["name"])
    if problem:
        raise ValueError(problem)
    client = client or RenderClient.from_params(params, secrets)
    service = client.service(client.owner_id(params["owner"]), params["service"])
    if service.get("type") not in ("web_service", "static_site"):
        raise ResourceError(f"{service['name']} is a {service.get('type')}: only web services and static sites "
                            "take custom domains")
    name = normalized_domain(params["name"])
    target = service_host(service)
    every = client.custom_domains(service["id"])
    mine = related(every, name)
    result: dict[str, Any] = {"changed": False, "diff": {"before": {}, "after": {}}, "domains": []}
    if params["state"] == "absent":
        doomed = [d for d in mine if d["name"] == name or d.get("redirectForName") == name]
        before = {"domains": sorted(d["name"] for d in doomed)}
        result.update(changed=bool(doomed), diff={"before": before, "after": {"domains": []}})
        if not check_mode:
            for domain in doomed:
                client.delete_custom_domain(service["id"], domain["id"])
        return result
    if not any(d["name"] == name for d in mine):
        result.update(changed=True, diff={"before": {"domains": []}, "after": {"domains": [name]}})
        if check_mode:
            result["domains"] = [domain_view(d, target) for d in predicted_additions(name, every)]
            return result
        mine = client.add_custom_domain(service["id"], name)
    if params["verify"] and not check_mode:
        mine = verify(client, service, mine, params, clock or Clock(), target)
    result["domains"] = [domain_view(d, target) for d in mine]
    result["verified"] = all(d.get("verificationStatus") == "verified" for d in mine)
    return result


def verify(client: RenderClient, service: dict, mine: list[dict], params: dict, clock: Clock,
           target: str) -> list[dict]:
    service_id = service["id"]
    for domain in mine:
        if domain.get("verificationStatus") != "verified":
            client.verify_custom_domain(service_id, domain["id"])

    def fetch() -> list[dict]:
        return [client.get_custom_domain(service_id, d["id"]) for d in mine]

    if not params["wait"]:
        return fetch()
    step = min(10.0, params["wait_timeout"] / 10 or 1.0)

    def said(before: list[dict] | None, now: list[dict]) -> None:
        was = {d.get("name"): d.get("verificationStatus") for d in before or []}
        for domain in now:
            if was.get(domain.get("name")) != domain.get("verificationStatus"):
                url = dashboard_url(service)
                line = f"{service.get('name')}: custom domain {domain.get('name')} {domain.get('verificationStatus')}"
                progress.say(line + (f" ({url})" if url else ""))

    polled = poll(fetch, lambda found: all(d.get("verificationStatus") == "verified" for d in found),
                  params["wait_timeout"], clock, interval=step, first_delay=step, on_change=said,
                  state=lambda found: tuple(d.get("verificationStatus") for d in found))
    if not polled.done:
        missing = [d["name"] for d in polled.value if d.get("verificationStatus") != "verified"]
        raise WaitTimeout(f"DNS for {', '.join(missing)} is not verified after {params['wait_timeout']:g} s; "
                          "create the records listed in domains[].dns_records and run again",
                          domains=[domain_view(d, target) for d in polled.value])
    return polled.value
