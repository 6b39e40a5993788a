# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: web_domain_plan
short_description: The web phase's custom domains - what exists and what a run adds
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Turns the C(launchkit.paas.web) role's domain entries (checked by
    P(launchkit.paas.web_settings_problems#filter)) into C(specs), each C({name, www, twin}) with names
    normalised as Render stores them, and C(probe_names), each domain once and its www twin where it
    matters (asked for with C(www), or one Render adds itself, for an apex or a www name).
  - Given O(probes), the check-mode answers of M(launchkit.paas.render_custom_domain) for the probe
    names (a loop, so each has its C(item); a domain that exists has its C(id), one the add would
    create has none), also returns C(existing), the names the service has now
    (adopted, so a rollback never removes them), and C(new), the names this run adds (what Render adds
    with a domain, its www twin included, and the twins asked for with C(www=true)).
positional: probes, www_default
options:
  _input:
    description: The domain entries (C(web_domains)).
    type: list
    elements: raw
    required: true
  probes:
    description: The C(results) of the check-mode loop over C(probe_names).
    type: list
    elements: dict
  www_default:
    description: C(www) of an entry that does not set it.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: What exists and what this run adds
  ansible.builtin.set_fact:
    plan: "{{ web_domains | launchkit.paas.web_domain_plan(probe.results) }}"
"""

RETURN = r"""
_value:
  description: C(specs), C(probe_names), C(existing) and C(new) (both empty without O(probes)).
  type: dict
"""

from typing import Any, Iterable

from ansible_collections.launchkit.paas.plugins.module_utils.render.domain import (
    normalized_domain, render_adds_twin, www_twin)


def web_domain_plan(entries: Iterable[Any], probes: Iterable[dict[str, Any]] | None = None,
                    www_default: bool = False) -> dict[str, list]:
    """The specs and probe names of the entries; with the probes' answers, what exists and what is new."""
    specs = [spec_of(entry, www_default) for entry in entries or []]
    probe_names: list[str] = []
    for spec in specs:
        paired = spec["www"] or render_adds_twin(spec["name"])
        probe_names += [name for name in (spec["name"], spec["twin"] if paired else None)
                        if name and name not in probe_names]
    if probes is None:
        return {"specs": specs, "probe_names": probe_names, "existing": [], "new": []}
    probes = list(probes)
    # A domain the service has comes with its id; one the add would create (predicted) has none.
    existing = sorted({d["name"] for probe in probes for d in probe.get("domains") or [] if d.get("id")})
    predicted = {probe["item"]: [d["name"] for d in probe.get("domains") or [] if not d.get("id")]
                 for probe in probes}
    new: list[str] = []
    for spec in specs:
        for name in predicted.get(spec["name"], []) + ([spec["twin"]] if spec["www"] else []):
            if name not in existing and name not in new:
                new.append(name)
    return {"specs": specs, "probe_names": probe_names, "existing": existing, "new": new}


def spec_of(entry: Any, www_default: bool) -> dict[str, Any]:
    """An entry (a name, or {name, www}) as {name, www, twin}."""
    name = normalized_domain(entry["name"] if isinstance(entry, dict) else entry)
    www = entry.get("www", www_default) if isinstance(entry, dict) else www_default
    return {"name": name, "www": bool(www), "twin": www_twin(name)}


class FilterModule:
    """launchkit.paas.web_domain_plan"""

    def filters(self) -> dict:
        return {"web_domain_plan": web_domain_plan}
