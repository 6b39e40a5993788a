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
    M(launchkit.paas.render_service_info) found it - whether it exists and is suspended, the base URL to
    reach it, the paths of its health, readiness and metrics pages, the components and metrics to expect,
    and its smoke requests.
  - The base URL is the entry's C(base_url), else O(defaults.base_url_template) with C({service}) replaced
    by the service name, else the URL Render gives the service; a trailing C(/) is dropped.
  - An entry's C(ready_path) or C(metrics_path) set to null or an empty string turns that page off.
positional: services, defaults
options:
  _input:
    description: The apps to validate, each a dict with at least C(service).
    type: list
    elements: dict
    required: true
  services:
    description: The services found, as M(launchkit.paas.render_service_info) returns them (C(name), C(suspended), C(url)).
    type: list
    elements: dict
    default: []
  defaults:
    description:
      - The role's defaults - C(base_url_template), C(health_path), C(ready_path), C(metrics_path),
        C(expect_components), C(expect_metrics).
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
    - One target per app, in the order given - C(service), C(found), C(suspended), C(base_url),
      C(health_path), C(ready_path), C(metrics_path), C(expect_components), C(expect_metrics), C(smoke)
      and C(reachable) (found, not suspended or suspended, and with a base URL to send requests to).
  type: list
  elements: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError


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
        "found": service is not None,
        "suspended": bool((service or {}).get("suspended", False)),
        "base_url": str(base_url or "").rstrip("/"),
        "health_path": app.get("health_path", defaults.get("health_path", "/health")),
        "ready_path": app["ready_path"] if "ready_path" in app else defaults.get("ready_path"),
        "metrics_path": app["metrics_path"] if "metrics_path" in app else defaults.get("metrics_path"),
        "expect_components": app.get("expect_components", defaults.get("expect_components") or []),
        "expect_metrics": app.get("expect_metrics", defaults.get("expect_metrics") or []),
        "smoke": app.get("smoke") or [],
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
