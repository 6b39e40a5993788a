# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: rollback_summary
short_description: What the phases' rollback records say, without a secret
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Reads the rollback records of the phases, as a loop of M(ansible.builtin.slurp) over the phase
    names returned them, and keeps of each only what is no secret. A record holds the previous values
    of secret env keys; only the names of those keys are kept.
  - A phase without a record (its slurp found no file) is left out.
options:
  _input:
    description: The C(results) of a M(ansible.builtin.slurp) loop whose items are the phase names.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Keep what the records say that is no secret
  ansible.builtin.set_fact:
    records: "{{ records_raw.results | launchkit.paas.rollback_summary }}"
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - Per phase, C(services) (each service's changed env keys, sorted), C(provider), C(name),
      C(api_key_ids) and C(alert_rules).
  type: dict
"""

import base64
import json


def _summary(record: dict) -> dict:
    changed = record.get("services") or {}
    return {
        "services": {service: sorted(keys) for service, keys in changed.items()},
        "provider": record.get("provider"),
        "name": record.get("name"),
        "api_key_ids": record.get("api_key_ids", []),
        "alert_rules": record.get("alert_rules", []),
    }


def rollback_summary(results: list[dict]) -> dict[str, dict]:
    """{phase: what its record says that is no secret} for each slurp result that found a record."""
    records = {}
    for result in results or []:
        if "content" in result:
            records[result["item"]] = _summary(json.loads(base64.b64decode(result["content"])))
    return records


class FilterModule:
    """launchkit.paas.rollback_summary"""

    def filters(self) -> dict:
        return {"rollback_summary": rollback_summary}
