# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: app_secrets_env
short_description: The app_secrets entries as the options of launchkit.paas.app_env, checked
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Each entry is C({name, services, value}) (a value from the inventory or the vault) or
    C({name, services, generate}) with C(generate) holding C(length) and C(format) (made once and kept).
  - Returns C(services) (every service named, once), C(service_env) (the given values by service) and
    C(generate) (the keys to make), for M(launchkit.paas.app_env).
  - Fails, naming the entry and what to fix, on a missing name or services, on both or neither of
    C(value) and C(generate), on a name given twice for one service, and on a bad length or format.
options:
  _input:
    description: The entries.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the app's secrets
  launchkit.paas.app_env:
    services: "{{ (app_secrets | launchkit.paas.app_secrets_env).services }}"
    service_env: "{{ (app_secrets | launchkit.paas.app_secrets_env).service_env }}"
    generate: "{{ (app_secrets | launchkit.paas.app_secrets_env).generate }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: C({services, service_env, generate}).
  type: dict
"""

import re
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.module_utils.core.env import SECRET_FORMATS

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
GENERATE_KEYS = {"length", "format"}


def _check_entry(index: int, entry: Any) -> tuple[str, list[str]]:
    where = f"app_secrets[{index}]"
    if not isinstance(entry, dict):
        raise AnsibleFilterError(f"{where} must be a mapping with name, services and value or generate")
    name, services = entry.get("name"), entry.get("services")
    if not isinstance(name, str) or not ENV_NAME.match(name):
        raise AnsibleFilterError(f"{where} needs a name that is an env var name (letters, digits, _), not {name!r}")
    where = f"app_secrets[{index}] ({name})"
    if not isinstance(services, list) or not services or not all(isinstance(s, str) and s for s in services):
        raise AnsibleFilterError(f"{where} needs services: a non-empty list of service names")
    unknown = sorted(set(entry) - {"name", "services", "value", "generate"})
    if unknown:
        raise AnsibleFilterError(f"{where} has keys it does not know: {', '.join(unknown)}")
    if ("value" in entry) == ("generate" in entry):
        raise AnsibleFilterError(f"{where} needs exactly one of value (from the vault) and generate")
    if "value" in entry and (entry["value"] is None or entry["value"] == ""):
        raise AnsibleFilterError(f"{where} has an empty value; put the secret in the vault (or generate it)")
    return name, services


def _generate_spec(where: str, given: Any) -> dict:
    given = {} if given is None else given
    if not isinstance(given, dict) or set(given) - GENERATE_KEYS:
        raise AnsibleFilterError(f"{where}: generate takes length and format only")
    length, fmt = given.get("length", 64), given.get("format", "hex")
    if not isinstance(length, int) or isinstance(length, bool) or not 16 <= length <= 4096:
        raise AnsibleFilterError(f"{where}: generate.length must be a whole number from 16 to 4096, not {length!r}")
    if fmt not in SECRET_FORMATS:
        raise AnsibleFilterError(f"{where}: generate.format must be one of {', '.join(SECRET_FORMATS)}, not {fmt!r}")
    return {"length": length, "format": fmt}


def app_secrets_env(entries: list[dict] | None) -> dict:
    """The entries as app_env's services, service_env and generate."""
    services: list[str] = []
    service_env: dict[str, dict[str, Any]] = {}
    generate: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(entries or []):
        name, names = _check_entry(index, entry)
        for service in names:
            if (service, name) in seen:
                raise AnsibleFilterError(f"app_secrets gives {name} for {service} twice; keep one entry")
            seen.add((service, name))
            if service not in services:
                services.append(service)
        if "value" in entry:
            for service in names:
                service_env.setdefault(service, {})[name] = entry["value"]
        else:
            spec = _generate_spec(f"app_secrets[{index}] ({name})", entry["generate"])
            generate.append({"key": name, "services": list(dict.fromkeys(names)), **spec})
    return {"services": services, "service_env": service_env, "generate": generate}


class FilterModule:
    """launchkit.paas.app_secrets_env"""

    def filters(self) -> dict:
        return {"app_secrets_env": app_secrets_env}
