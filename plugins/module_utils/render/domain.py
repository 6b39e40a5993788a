# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: Render custom domains and the DNS records they need.

Not a public API; it may change between any two releases. Adding an apex domain makes Render add
its www twin (and the other way round); both are reported, with the DNS record each one needs.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, WaitTimeout
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient

# Render's documented load balancer address for apex domains whose DNS host cannot ALIAS/ANAME.
RENDER_APEX_IP = "216.24.57.1"


def related(all_domains: list[dict], name: str) -> list[dict]:
    """The named domain and its redirect twin (www <-> apex)."""
    return [d for d in all_domains if name in (d["name"], d.get("redirectForName"))
            or d["name"] == next((x.get("redirectForName") for x in all_domains if x["name"] == name), None)]


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
    client = client or RenderClient.from_params(params, secrets)
    service = client.service(client.owner_id(params["owner"]), params["service"])
    if service.get("type") not in ("web_service", "static_site"):
        raise ResourceError(f"{service['name']} is a {service.get('type')}: only web services and static sites "
                            "take custom domains")
    name = params["name"].strip().lower().rstrip(".")
    target = service_host(service)
    mine = related(client.custom_domains(service["id"]), name)
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
            result["domains"] = [domain_view({"name": name, "domainType": None, "verificationStatus": "unverified"},
                                             target)]
            return result
        mine = client.add_custom_domain(service["id"], name)
    if params["verify"] and not check_mode:
        mine = verify(client, service["id"], mine, params, clock or Clock(), target)
    result["domains"] = [domain_view(d, target) for d in mine]
    result["verified"] = all(d.get("verificationStatus") == "verified" for d in mine)
    return result


def verify(client: RenderClient, service_id: str, mine: list[dict], params: dict, clock: Clock,
           target: str) -> list[dict]:
    for domain in mine:
        if domain.get("verificationStatus") != "verified":
            client.verify_custom_domain(service_id, domain["id"])

    def fetch() -> list[dict]:
        return [client.get_custom_domain(service_id, d["id"]) for d in mine]

    if not params["wait"]:
        return fetch()
    step = min(10.0, params["wait_timeout"] / 10 or 1.0)
    polled = poll(fetch, lambda found: all(d.get("verificationStatus") == "verified" for d in found),
                  params["wait_timeout"], clock, interval=step, first_delay=step)
    if not polled.done:
        missing = [d["name"] for d in polled.value if d.get("verificationStatus") != "verified"]
        raise WaitTimeout(f"DNS for {', '.join(missing)} is not verified after {params['wait_timeout']:g} s; "
                          "create the records listed in domains[].dns_records and run again",
                          domains=[domain_view(d, target) for d in polled.value])
    return polled.value
