# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: rollback_merge
short_description: A phase's rollback record with what this run changed added, the first values kept
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Adds to a phase's rollback record the previous values of the env keys this run changed, taken
    from the results of a M(launchkit.paas.render_env_vars) loop run with O(launchkit.paas.render_env_vars#module:return_previous=true),
    and the other facts the phase keeps (ids of what it created, for example).
  - What the record already holds always wins, so an entry is never overwritten by a later run and a
    rollback restores the state from before the rollout, not from before the last run. Lists (ids,
    names) are joined, each entry once.
  - The results hold secrets (the previous values), so use it in a task with C(no_log).
positional: results, extra
options:
  _input:
    description: The record as it is now (C({}) when there is none).
    type: dict
    required: true
  results:
    description:
      - The C(results) of the M(launchkit.paas.render_env_vars) loop, one per service; the loop item is
        the service (its name or id, or a dict with its C(name)). Results that did not change are left out.
    type: list
    elements: dict
    default: []
  extra:
    description: Other facts to keep; the record's own entries win.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Write the rollback record
  ansible.builtin.copy:
    dest: "{{ launchkit_state_dir }}/{{ inventory_hostname }}/redis.json"
    mode: "0600"
    content: "{{ rollback_record | launchkit.paas.rollback_merge(wiring.results, {'provider': 'render'}) | to_nice_json }}"
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - The new record. C(services) maps each service to the value each changed key had before the
      first run that changed it (C(null) when the key did not exist).
  type: dict
"""

from typing import Any


def _merged(base: dict, override: dict) -> dict:
    """BASE with OVERRIDE on top: dicts merged key by key, lists joined (each entry once, OVERRIDE's last)."""
    result = dict(base)
    for key, value in override.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = _merged(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            result[key] = [entry for entry in current if entry not in value] + value
        else:
            result[key] = value
    return result


def _service_of(item: Any) -> str:
    return str(item["name"]) if isinstance(item, dict) else str(item)


def rollback_merge(record: dict | None, results: list[dict] | None = None, extra: dict | None = None) -> dict:
    """RECORD with the previous values of RESULTS that changed and EXTRA added; RECORD's entries win."""
    record = record or {}
    previous = {_service_of(result["item"]): result.get("previous") or {}
                for result in results or [] if result.get("changed")}
    merged = _merged(extra or {}, record)
    merged["services"] = _merged(previous, record.get("services") or {})
    return merged


class FilterModule:
    """launchkit.paas.rollback_merge"""

    def filters(self) -> dict:
        return {"rollback_merge": rollback_merge}
