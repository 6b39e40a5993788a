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
  - Checks the C(launchkit.paas.web) role's domain entries (a name, or a dict with C(name) and C(www)),
    its health-check path, the path and the C(connect_to) rules of its HTTPS check, and returns one
    sentence per problem (empty when all is well).
  - A domain must be a host name (no scheme, no path, no IP address), each listed once; a path must
    start with C(/); a rule is curl's C(HOST:PORT:CONNECT_HOST:CONNECT_PORT).
positional: health_check_path, https_path, connect_to
options:
  _input:
    description: The domain entries (C(web_domains)).
    type: raw
    required: true
  health_check_path:
    description: The health-check path (C(web_health_check_path)); null when the phase does not set one.
    type: str
  https_path:
    description: The path of the HTTPS check (C(web_https_path)).
    type: str
  connect_to:
    description: The HTTPS check's C(connect_to) rules (C(web_https_connect_to)).
    type: list
    elements: str
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

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ConnectTo
from ansible_collections.launchkit.paas.plugins.module_utils.render.domain import domain_problem, normalized_domain

ENTRY_KEYS = {"name", "www"}


def web_settings_problems(entries: Any, health_check_path: Any = None, https_path: Any = None,
                          connect_to: Any = None) -> list[str]:
    """What to fix in the phase's settings, each problem once (empty when all is well)."""
    problems = [f"{name} {value!r} must be a path starting with / (for example /health), without spaces, "
                "a scheme or a host"
                for name, value in (("web_health_check_path", health_check_path), ("web_https_path", https_path))
                if value is not None and not _is_path(value)]
    problems += _connect_to_problems(connect_to)
    if not isinstance(entries, list):
        return problems + ["web_domains must be a list of domain names or of {name, www} entries"]
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        problems += _entry_problems(f"web_domains[{index}]", entry, seen)
    return problems


def _entry_problems(where: str, entry: Any, seen: set[str]) -> list[str]:
    """What is wrong with one domain entry; its name joins SEEN."""
    problems = []
    name = entry.get("name") if isinstance(entry, dict) else entry
    if isinstance(entry, dict):
        unknown = sorted(set(entry) - ENTRY_KEYS)
        if unknown:
            problems.append(f"{where} has unknown keys {unknown}; allowed: name, www")
        if not isinstance(entry.get("www", False), bool):
            problems.append(f"{where}.www must be true or false")
    problem = domain_problem(name)
    if problem:
        return problems + [f"{where}: {problem}"]
    domain = normalized_domain(name)
    if domain in seen:
        problems.append(f"{where}: {domain} is listed twice (its www twin is asked with www: true)")
    seen.add(domain)
    return problems


def _connect_to_problems(rules: Any) -> list[str]:
    if rules is None:
        return []
    if not isinstance(rules, list):
        return ["web_https_connect_to must be a list of HOST:PORT:CONNECT_HOST:CONNECT_PORT rules"]
    problems = []
    for index, rule in enumerate(rules):
        try:
            ConnectTo.parse(rule)
        except ValueError as exc:
            problems.append(f"web_https_connect_to[{index}]: {exc}")
    return problems


def _is_path(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/") and not any(c.isspace() for c in value) \
        and "://" not in value and not value.startswith("//")


class FilterModule:
    """launchkit.paas.web_settings_problems"""

    def filters(self) -> dict:
        return {"web_settings_problems": web_settings_problems}
