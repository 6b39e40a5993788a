# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: companion_specs
short_description: Workers or cron jobs with their defaults applied, their secret env kept apart
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Applies the phase's defaults to each entry (an entry's own keys win) and takes the C(env) out of
    every entry, so that the entries can be loop items (Ansible prints loop items) while the env
    values, which are secrets, are kept in a separate mapping by service name.
  - A service's env is the defaults' C(env) combined with the entry's own C(env), key by key.
  - Cron jobs name their start command C(command); O(command) renames it to C(start_command).
positional: defaults
options:
  _input:
    description: The entries, each with at least C(name).
    type: list
    elements: dict
    required: true
  defaults:
    description: Keys applied to every entry, C(env) among them.
    type: dict
    default: {}
  command:
    description: The key that holds an entry's start command.
    type: str
    default: start_command
"""

EXAMPLES = r"""
- name: Keep the jobs' env values apart (they are secrets)
  ansible.builtin.set_fact:
    jobs: "{{ cron_jobs | launchkit.paas.companion_specs(cron_defaults, command='command') }}"
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(services), the entries with the defaults applied and no C(env), with C(start_command); and
      C(env), each service's env by name.
  type: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError


def spec_of(entry: dict[str, Any], defaults: dict[str, Any], command: str) -> dict[str, Any]:
    spec = {**defaults, **{key: value for key, value in entry.items() if key != "env"}}
    if command != "start_command" and command in spec:
        spec["start_command"] = spec.pop(command)
    return spec


def companion_specs(entries: list[dict[str, Any]], defaults: dict[str, Any] | None = None,
                    command: str = "start_command") -> dict[str, Any]:
    """{services: entries with DEFAULTS applied and no env, env: {name: env}}."""
    public_defaults = {key: value for key, value in (defaults or {}).items() if key != "env"}
    shared_env = (defaults or {}).get("env") or {}
    services, env = [], {}
    for entry in entries or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise AnsibleFilterError(f"companion_specs: every entry needs a name, got {type(entry).__name__}")
        spec = spec_of(entry, public_defaults, command)
        services.append(spec)
        env[spec["name"]] = {**shared_env, **(entry.get("env") or {})}
    return {"services": services, "env": env}


class FilterModule:
    """launchkit.paas.companion_specs"""

    def filters(self) -> dict:
        return {"companion_specs": companion_specs}
