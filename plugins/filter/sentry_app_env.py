# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: sentry_app_env
short_description: What the error monitoring phase writes into which service, its settings checked
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - From the phase's settings, the options of M(launchkit.paas.app_env) - C(services); C(env), the settings that
    are set, for every service; C(service_env), the DSN under the backend's names and under each frontend
    group's names; C(commit_env_key) and C(commit_from), the release taken from the latest deploy of one
    service (the web service by default) for all of them.
  - Each setting is written only when set. Fails, saying what to fix, on a sample rate outside 0..1, an
    env name that is not one, a group without services or names, or a release both given and taken from
    the deploy.
  - Without a DSN (C(dsn=none)) it only checks, so that a role can validate its settings before any write.
options:
  _input:
    description: >-
      The settings - C(services), C(dsn_env), C(frontend_dsn_env), C(dsn_env_groups) (C([{services, names}])),
      C(environment), C(release), C(release_from_deploy), C(release_service), C(traces_sample_rate), C(source_maps), C(org),
      C(project), C(env_names) (C(environment), C(release), C(traces_sample_rate), C(org), C(project)).
    type: dict
    required: true
  dsn:
    description: The DSN (a secret).
    type: str
positional: dsn
"""

EXAMPLES = r"""
- name: Check the settings before any write
  ansible.builtin.assert:
    that: (settings | launchkit.paas.sentry_app_env).services is defined
    quiet: true
"""

RETURN = r"""
_value:
  description: C({services, env, service_env, commit_env_key, commit_from}).
  type: dict
"""

import re
from typing import Any

from ansible.errors import AnsibleFilterError

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SETTING_NAMES = {"environment": "SENTRY_ENVIRONMENT", "release": "SENTRY_RELEASE",
                 "traces_sample_rate": "SENTRY_TRACES_SAMPLE_RATE", "org": "SENTRY_ORG", "project": "SENTRY_PROJECT"}


def _flag(value: Any) -> bool:
    """A switch as a role passes it (a bool, or its text)."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "yes", "on", "1")


def _env_name(what: str, name: Any) -> str:
    if not isinstance(name, str) or not ENV_NAME.match(name):
        raise AnsibleFilterError(f"{what} must be an env var name (letters, digits, _), not {name!r}")
    return name


def sample_rate(value: Any) -> str | None:
    """The traces sample rate as the SDKs read it from the env, or None when unset; 0..1 or a failure."""
    if value is None or value == "":
        return None
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = -1.0
    if isinstance(value, bool) or not 0.0 <= rate <= 1.0:
        raise AnsibleFilterError(f"error_monitoring_traces_sample_rate must be a number from 0 to 1 "
                                 f"(0.5 samples half the transactions), not {value!r}")
    return repr(rate) if rate not in (0.0, 1.0) else str(int(rate))


def _groups(groups: Any) -> list[tuple[list[str], list[str]]]:
    checked = []
    for index, group in enumerate(groups or []):
        where = f"error_monitoring_dsn_env_groups[{index}]"
        if not isinstance(group, dict) or not group.get("services") or not group.get("names"):
            raise AnsibleFilterError(f"{where} needs services (the frontend services) and names (the env "
                                     "names that get the DSN, e.g. VITE_SENTRY_DSN)")
        names = [_env_name(f"{where}.names", name) for name in group["names"]]
        checked.append((list(group["services"]), names))
    return checked


def _settings(options: dict, names: dict) -> dict[str, str]:
    release_from_deploy = _flag(options.get("release_from_deploy"))
    if release_from_deploy and options.get("release"):
        raise AnsibleFilterError("error_monitoring_release and error_monitoring_release_from_deploy are both set; "
                                 "give the release or take it from the latest deploy, not both")
    values = {"environment": options.get("environment"), "release": options.get("release"),
              "traces_sample_rate": sample_rate(options.get("traces_sample_rate"))}
    if _flag(options.get("source_maps")):
        if not options.get("org") or not options.get("project"):
            raise AnsibleFilterError("error_monitoring_source_maps needs the Sentry organization "
                                     "(launchkit_sentry_org) and the project")
        values.update(org=options["org"], project=options["project"])
    return {names[setting]: str(value) for setting, value in values.items() if value not in (None, "")}


def sentry_app_env(options: dict, dsn: str | None = None) -> dict:
    """The app_env options of the error monitoring phase (only checks when DSN is None)."""
    names = {**SETTING_NAMES, **(options.get("env_names") or {})}
    unknown = sorted(set(names) - set(SETTING_NAMES))
    if unknown:
        raise AnsibleFilterError(f"error_monitoring_env_names knows {', '.join(SETTING_NAMES)}, not {', '.join(unknown)}")
    names = {setting: _env_name(f"error_monitoring_env_names.{setting}", name) for setting, name in names.items()}
    dsn_env = _env_name("error_monitoring_env_key", options.get("dsn_env") or "SENTRY_DSN")
    frontend = options.get("frontend_dsn_env")
    groups = _groups(options.get("dsn_env_groups"))
    settings = _settings(options, names)
    backend = list(options.get("services") or [])
    services = list(dict.fromkeys(backend + [service for group_services, _names in groups for service in group_services]))
    from_deploy = _flag(options.get("release_from_deploy"))
    release_service = options.get("release_service") or (backend[0] if backend else None)
    if from_deploy and release_service not in services:
        raise AnsibleFilterError(f"error_monitoring_release_service ({release_service}) must be one of the services "
                                 "that get the DSN: its latest deploy gives the release of them all")
    result: dict[str, Any] = {"services": services, "env": {}, "service_env": {},
                              "commit_env_key": names["release"] if from_deploy else None,
                              "commit_from": release_service if from_deploy else None}
    if dsn is None:
        return result
    result["env"] = dict(settings)
    dsn_names = [dsn_env] + ([_env_name("error_monitoring_frontend_env_key", frontend)] if frontend else [])
    for service in backend:
        result["service_env"][service] = {name: dsn for name in dsn_names}
    for group_services, group_names in groups:
        for service in group_services:
            result["service_env"].setdefault(service, {}).update({name: dsn for name in group_names})
    return result


class FilterModule:
    """launchkit.paas.sentry_app_env"""

    def filters(self) -> dict:
        return {"sentry_app_env": sentry_app_env}
