# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: web_settings_problems
short_description: What to fix in the web phase's settings, before any call
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Checks the C(launchkit.paas.web) role's domain entries (a name, or a dict with C(name) and C(www))
    and its health-check path, and returns one sentence per problem (empty when all is well).
  - A domain must be a host name (no scheme, no path, no IP address), each listed once; the path must
    start with C(/).
positional: health_check_path
options:
  _input:
    description: The domain entries (C(web_domains)).
    type: raw
    required: true
  health_check_path:
    description: The health-check path (C(web_health_check_path)); null when the phase does not set one.
    type: str
"""

EXAMPLES = r"""
- name: Refuse bad settings before any call, naming each
  ansible.builtin.fail:
    msg: "Web settings: {{ web_domains | launchkit.paas.web_settings_problems(web_health_check_path) | join('; ') }}"
  when: web_domains | launchkit.paas.web_settings_problems(web_health_check_path) | length > 0
"""

RETURN = r"""
_value:
  description: One sentence per problem, naming the setting and what to write instead.
  type: list
  elements: str
"""

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.render.domain import domain_problem, normalized_domain

ENTRY_KEYS = {"name", "www"}


def web_settings_problems(entries: Any, health_check_path: Any = None) -> list[str]:
    """What to fix in the phase's settings, each problem once (empty when all is well)."""
    problems: list[str] = []
    if health_check_path is not None and not _is_path(health_check_path):
        problems.append(f"web_health_check_path {health_check_path!r} must be a path starting with / "
                        "(for example /health), without spaces, a scheme or a host")
    if not isinstance(entries, list):
        return problems + ["web_domains must be a list of domain names or of {name, www} entries"]
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"web_domains[{index}]"
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - ENTRY_KEYS)
            if unknown:
                problems.append(f"{where} has unknown keys {unknown}; allowed: name, www")
            if not isinstance(entry.get("www", False), bool):
                problems.append(f"{where}.www must be true or false")
        problem = domain_problem(name)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        domain = normalized_domain(name)
        if domain in seen:
            problems.append(f"{where}: {domain} is listed twice (its www twin is asked with www: true)")
        seen.add(domain)
    return problems


def _is_path(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/") and not any(c.isspace() for c in value) \
        and "://" not in value and not value.startswith("//")


class FilterModule:
    """launchkit.paas.web_settings_problems"""

    def filters(self) -> dict:
        return {"web_settings_problems": web_settings_problems}
