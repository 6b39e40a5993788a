# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""launchkit.paas.preflight_calls: the module calls a list of entries will make, for the preflight."""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.filter.companion_specs import spec_of

DOCUMENTATION = r"""
name: preflight_calls
short_description: The module calls a phase will make for each entry of a list, for launchkit.paas.preflight
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Turns the entries of a phase variable (C(worker_services), C(cron_jobs), C(error_monitoring_alerts)) into the
    O(launchkit.paas.preflight#module:modules) items of the preflight module, so that each entry is checked with the
    module's own argument spec and input checks before the first write of a run (a typo in a key is an
    unsupported parameter, a schedule that never fires or a bad threshold a problem).
  - Entries that are not mappings are left out; the phase's own check names them.
positional: module, where
options:
  _input:
    description: The entries.
    type: list
    elements: dict
    required: true
  module:
    description: The module each entry is given to.
    type: str
    required: true
  where:
    description: The variable the entries come from, for the messages (each entry is C(<where>[<index>] (<name>))).
    type: str
    required: true
  fixed:
    description: Arguments every call gets (the service type, the project), over the entry's.
    type: dict
    default: {}
  defaults:
    description: Arguments an entry gets unless it sets them (C(worker_defaults)); their C(env) is left out.
    type: dict
    default: {}
  command:
    description: The key of an entry that is the module's C(start_command) (C(command) for cron jobs).
    type: str
    default: start_command
  drop:
    description: Keys of an entry that are not module arguments (C(env) always is).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
modules: "{{ worker_services | launchkit.paas.preflight_calls('render_service', 'worker_services', fixed={'type': 'background_worker'}) }}"
"""

RETURN = r"""
_value:
  description: One C({module, args, where}) per entry.
  type: list
  elements: dict
"""


def preflight_calls(entries: Any, module: str, where: str, fixed: dict | None = None, defaults: dict | None = None,
                    command: str = "start_command", drop: list[str] | None = None) -> list[dict[str, Any]]:
    calls = []
    dropped = set(drop or [])
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        spec = spec_of(entry, {key: value for key, value in (defaults or {}).items() if key != "env"}, command)
        args = {key: value for key, value in spec.items() if key not in dropped}
        args.update(fixed or {})
        label = f"{where}[{index}]" + (f" ({entry['name']})" if isinstance(entry.get("name"), str) else "")
        calls.append({"module": module, "args": args, "where": label})
    return calls


class FilterModule:
    """launchkit.paas.preflight_calls"""

    def filters(self) -> dict:
        return {"preflight_calls": preflight_calls}
