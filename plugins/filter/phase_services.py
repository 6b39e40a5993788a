# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: phase_services
short_description: Each phase of the report with its services as they are now and its rollback record
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - For each phase, turns the names in its C(service_names) into rows - whether the service exists,
    its id and type, C(active) or C(suspended), whether the phase's C(env_key) is set in it (when the
    phase has one), and for a cron job its schedule and last successful run.
  - Adds the phase's rollback record (as the C(summary) of M(launchkit.paas.rollback_record_info) gives it), or C(null).
positional: services, records
options:
  _input:
    description: Per phase, what the report says of it, with C(service_names) and optionally C(env_key).
    type: dict
    required: true
  services:
    description: The services found, as M(launchkit.paas.render_service_info) returns them with C(env_keys=true).
    type: list
    elements: dict
    required: true
  records:
    description: Per phase, its rollback record without secrets.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Each phase's services as they are now
  ansible.builtin.set_fact:
    phase_state: "{{ phase_state | launchkit.paas.phase_services(found.services, records) }}"
"""

RETURN = r"""
_value:
  description: The input with C(services) (the rows) and C(rollback_record) added to every phase.
  type: dict
"""

from typing import Any


def _row(name: str, found: dict | None, facts: dict[str, Any]) -> dict[str, Any]:
    service = found or {}
    details = service.get("service_details") or {}
    env_key_set = facts["env_key"] in (service.get("env_keys") or []) if "env_key" in facts else None
    return {
        "name": name,
        "exists": found is not None,
        "id": service.get("id"),
        "type": service.get("type"),
        "status": None if found is None else ("suspended" if service.get("suspended") else "active"),
        "env_key_set": env_key_set,
        "schedule": details.get("schedule"),
        "last_successful_run": details.get("lastSuccessfulRunAt"),
    }


def phase_services(phases: dict[str, dict], services: list[dict], records: dict | None = None) -> dict[str, dict]:
    """PHASES with each phase's service rows and rollback record."""
    by_name: dict[str, dict] = {}
    for service in services or []:
        by_name.setdefault(service["name"], service)
    return {phase: {**facts,
                    "services": [_row(name, by_name.get(name), facts) for name in facts.get("service_names") or []],
                    "rollback_record": (records or {}).get(phase)}
            for phase, facts in phases.items()}


class FilterModule:
    """launchkit.paas.phase_services"""

    def filters(self) -> dict:
        return {"phase_services": phase_services}
