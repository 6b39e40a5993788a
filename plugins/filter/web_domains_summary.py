# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: web_domains_summary
short_description: The web phase's custom domains after a run - created, verified, pending
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Merges the answers of M(launchkit.paas.render_custom_domain) (every task's results, in order; a later
    answer about a name wins) into one entry per domain name.
  - Returns C(domains), C(created) (names not in O(existing)), C(verified), and C(pending_actions), the
    DNS records a person must still create, one sentence each.
positional: existing
options:
  _input:
    description: The results of the domain tasks (each with C(domains)).
    type: list
    elements: dict
    required: true
  existing:
    description: The names the service had before the run.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Sum up the domains
  ansible.builtin.set_fact:
    summary: "{{ (added.results + twins.results) | launchkit.paas.web_domains_summary(plan.existing) }}"
"""

RETURN = r"""
_value:
  description: C(domains), C(created), C(verified) and C(pending_actions).
  type: dict
"""

from typing import Any, Iterable


def web_domains_summary(results: Iterable[dict[str, Any]], existing: Iterable[str] = ()) -> dict[str, Any]:
    """One entry per domain name (a later answer wins), what this run created, what a person must do,
    and the verified names."""
    by_name: dict[str, dict[str, Any]] = {}
    for result in results or []:
        for domain in result.get("domains") or []:
            by_name[domain["name"]] = domain
    domains = [by_name[name] for name in sorted(by_name)]
    before = set(existing or [])
    return {
        "domains": domains,
        "created": [d["name"] for d in domains if d["name"] not in before],
        "verified": [d["name"] for d in domains if d.get("verification_status") == "verified"],
        "pending_actions": [action for d in domains if d.get("verification_status") != "verified"
                            for action in dns_actions(d)],
    }


def dns_actions(domain: dict[str, Any]) -> list[str]:
    """The DNS records an unverified domain still needs, as sentences a person can follow."""
    actions = []
    for record in domain.get("dns_records") or []:
        note = f" ({record['note']})" if record.get("note") else ""
        actions.append(f"DNS: create {record['type']} {record['name']} -> {record['value']}{note} at the "
                       f"DNS host of {domain['name']}, then run the web phase again: Render verifies the "
                       "domain and issues its HTTPS certificate")
    return actions


class FilterModule:
    """launchkit.paas.web_domains_summary"""

    def filters(self) -> dict:
        return {"web_domains_summary": web_domains_summary}
