# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_targets
short_description: What the validate phase checks of each app, settled from the apps and the services found
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Turns each entry of C(validate_apps) into the target the validate phase checks, with the service as
    M(launchkit.paas.app_info) found it on the app's platform - whether it exists and is suspended, its live
    and latest deploys, the base URL to reach it, the paths of its health, readiness and metrics pages, the
    components and metrics to expect, and its smoke requests.
  - The base URL is the entry's C(base_url), else the C(base_url_template) of O(defaults) with C({service}) replaced
    by the service name, else the URL the platform gives the service; a trailing C(/) is dropped.
  - An entry's C(ready_path) or C(metrics_path) set to null or an empty string turns that page off.
  - The health components are the entry's C(components) (each C(name), C(query) - JMESPath over the health
    answer's JSON - and C(equals), the value expected), else the C(components) of O(defaults), else one per name of
    C(expect_components) in the stand-in app's shape (C(checks.<name>.status) equals C(ok), its
    C(checks.<name>.error) quoted when it fails).
  - A smoke request may C(capture) values from its answer (each C(name), C(query), C(secret)); a later request of
    the same app uses one as C(${name}) in its C(path), C(body) or C(headers).
  - Bad entries (a component without a query or an expected value, a query that is not JMESPath, a C(${name})
    that no earlier request of the app captures) fail here, before any request is sent.
positional: services, defaults
options:
  _input:
    description: The apps to validate, each a dict with at least C(service).
    type: list
    elements: dict
    required: true
  services:
    description:
      - The services found, as M(launchkit.paas.app_info) returns them (C(name), C(suspended), C(url), C(deploys)).
    type: list
    elements: dict
    default: []
  defaults:
    description:
      - The role's defaults - C(platform) (the one app_info read), C(base_url_template), C(health_path), C(ready_path), C(metrics_path),
        C(components), C(expect_components), C(expect_metrics).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The targets
  ansible.builtin.set_fact:
    targets: >-
      {{ validate_apps | launchkit.paas.validate_targets(found.services,
           {'health_path': '/health', 'ready_path': '/ready', 'metrics_path': '/metrics'}) }}
"""

RETURN = r"""
_value:
  description:
    - One target per app, in the order given - C(service), C(platform), C(found), C(suspended), C(deploys) (live and latest,
      null when not read), C(base_url), C(health_path), C(ready_path), C(metrics_path), C(components) (each
      C(name), C(query), C(equals), C(detail)), C(expect_metrics), C(smoke), C(burst) (checked by
      M(launchkit.paas.validate_burst#filter), or null) and C(reachable) (found, not
      suspended or suspended, and with a base URL to send requests to).
  type: list
  elements: dict
"""

import json
import re
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.validate_burst import burst_spec

from ansible_collections.launchkit.paas.plugins.module_utils.http_check.check import parse_captures, compile_query

# ${name} in a smoke request: a value an earlier request of the same app captured
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def default_components(names: list[str]) -> list[dict[str, Any]]:
    """The stand-in app's shape: checks.<name>.status is "ok", checks.<name>.error says why not."""
    return [{"name": name, "query": f'checks."{name}".status', "equals": "ok", "detail": f'checks."{name}".error'}
            for name in names]


def _components(app: dict, defaults: dict) -> list[dict[str, Any]]:
    name = app.get("service")
    if "components" in app:
        given, where = app["components"], f"validate_apps ({name}) components"
    elif defaults.get("components") is not None:
        given, where = defaults["components"], "validate_components"
    else:
        return default_components(app.get("expect_components", defaults.get("expect_components") or []))
    if not isinstance(given, list):
        raise AnsibleFilterError(f"validate_targets: {where} must be a list of {{name, query, equals}}")
    components = []
    for index, item in enumerate(given):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item.get("name") \
                or "equals" not in item or not isinstance(item.get("query"), str):
            raise AnsibleFilterError(f"validate_targets: {where}[{index}] needs name, query (JMESPath over the "
                                     f"health answer) and equals (the value expected)")
        unknown = sorted(set(item) - {"name", "query", "equals", "detail"})
        if unknown:
            raise AnsibleFilterError(f"validate_targets: {where}[{index}] has unknown keys {unknown}; "
                                     "allowed: name, query, equals, detail")
        for key in ("query", "detail"):
            if item.get(key) is not None:
                _compile(f"{where}[{index}].{key}", item[key])
        components.append({"name": item["name"], "query": item["query"], "equals": item["equals"],
                           "detail": item.get("detail")})
    return components


def _compile(where: str, query: str) -> None:
    try:
        compile_query(where, query)
    except ValueError as exc:
        raise AnsibleFilterError(f"validate_targets: {exc}") from None


def placeholders(value: Any) -> list[str]:
    """The ${name} placeholders in a (nested) value, in order."""
    return PLACEHOLDER.findall(json.dumps(value)) if value is not None else []


def _smoke(app: dict) -> list[dict]:
    """The smoke requests, each capture checked and each ${name} captured by an earlier request of the app."""
    requests = app.get("smoke") or []
    captured: set[str] = set()
    for index, request in enumerate(requests):
        where = f"validate_apps ({app.get('service')}) smoke[{index}]"
        if not isinstance(request, dict):
            raise AnsibleFilterError(f"validate_targets: {where} must be a mapping (name, method, path, ...)")
        used = [name for key in ("path", "body", "headers") for name in placeholders(request.get(key))]
        unknown = [name for name in used if name not in captured]
        if unknown:
            raise AnsibleFilterError(f"validate_targets: {where} uses ${{{unknown[0]}}}, which no earlier request of "
                                     "the app captures (capture: [{name, query}])")
        try:
            captures = parse_captures(request.get("capture"))
        except ValueError as exc:
            raise AnsibleFilterError(f"validate_targets: {where}: {exc}") from None
        captured.update(capture.name for capture in captures)
    return requests


def _target(app: dict, services: dict[str, dict], defaults: dict) -> dict[str, Any]:
    name = app.get("service")
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError("validate_targets: each app needs service, the name of its Render web service")
    service = services.get(name)
    template = defaults.get("base_url_template")
    base_url = app.get("base_url") or (template.replace("{service}", name) if template else
                                       (service or {}).get("url") or "")
    target = {
        "service": name,
        "platform": defaults.get("platform") or "render",
        "found": service is not None,
        "suspended": bool((service or {}).get("suspended", False)),
        "deploys": (service or {}).get("deploys"),
        "base_url": str(base_url or "").rstrip("/"),
        "health_path": app.get("health_path", defaults.get("health_path", "/health")),
        "ready_path": app["ready_path"] if "ready_path" in app else defaults.get("ready_path"),
        "metrics_path": app["metrics_path"] if "metrics_path" in app else defaults.get("metrics_path"),
        "components": _components(app, defaults),
        "expect_metrics": app.get("expect_metrics", defaults.get("expect_metrics") or []),
        "smoke": _smoke(app),
        "burst": burst_spec(f"validate_apps ({name}) burst", app.get("burst")),
    }
    target["reachable"] = bool(target["found"] and target["base_url"])
    return target


def validate_targets(apps: list[dict], services: list[dict] | None = None,
                     defaults: dict | None = None) -> list[dict[str, Any]]:
    """One target per app: what to check of it and how to reach it."""
    by_name = {service["name"]: service for service in services or [] if isinstance(service, dict)}
    return [_target(app if isinstance(app, dict) else {}, by_name, defaults or {}) for app in apps or []]


class FilterModule:
    """launchkit.paas.validate_targets"""

    def filters(self) -> dict:
        return {"validate_targets": validate_targets}
