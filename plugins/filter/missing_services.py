# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: missing_services
short_description: The listed Render services that a lookup did not find
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Given the services a phase lists (names or ids) and what M(launchkit.paas.render_service_info)
    found, returns those listed that were not found, in the order listed, each once.
  - A listed entry counts as found when a found service has it as its name or as its id.
positional: found
options:
  _input:
    description: The services the phase lists, by name or id.
    type: list
    elements: str
    required: true
  found:
    description: The C(services) that M(launchkit.paas.render_service_info) returned.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Fail when a listed service does not exist
  ansible.builtin.assert:
    that: missing | length == 0
    fail_msg: "These services do not exist: {{ missing | join(', ') }}"
  vars:
    missing: "{{ redis_services | launchkit.paas.missing_services(found.services) }}"
"""

RETURN = r"""
_value:
  description: The listed entries that match no found service's name or id.
  type: list
  elements: str
"""

from typing import Any, Iterable


def missing_services(wanted: Iterable[str], found: Iterable[dict[str, Any]] | None) -> list[str]:
    """The entries of WANTED that are neither the name nor the id of a service in FOUND."""
    known = set()
    for service in found or []:
        known.update(str(service[key]) for key in ("name", "id") if service.get(key))
    missing: list[str] = []
    for entry in wanted or []:
        if entry not in known and entry not in missing:
            missing.append(entry)
    return missing


class FilterModule:
    """launchkit.paas.missing_services"""

    def filters(self) -> dict:
        return {"missing_services": missing_services}
