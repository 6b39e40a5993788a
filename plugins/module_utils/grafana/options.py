# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument specs of the Grafana modules, and what they share.

Not a public API; it may change between any two releases. The connection options are documented
in the launchkit.paas.grafana and launchkit.paas.http_client doc fragments.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import check_connection
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import state_options

#: what a Grafana uid may hold (the spec's pattern for rule and contact point uids; 40 characters at most)
UID = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")


def module_options(**options: dict) -> dict[str, dict]:
    """A Grafana module's argument spec: the connection options (URL, token or user and password), then `options`."""
    from ansible.module_utils.basic import env_fallback

    spec = base_options("GRAFANA_URL", None, None)  # type: ignore[arg-type]
    spec["api_url"].pop("default")
    spec["api_key"] = {"type": "str", "no_log": True, "fallback": (env_fallback, ["GRAFANA_TOKEN"])}
    spec["username"] = {"type": "str", "fallback": (env_fallback, ["GRAFANA_USER"])}
    spec["password"] = {"type": "str", "no_log": True, "fallback": (env_fallback, ["GRAFANA_PASSWORD"])}
    spec.update(options)
    return copy.deepcopy(spec)  # shared pieces stay unshared between modules run in one process


def kept_options() -> dict[str, Any]:
    """Where the digests of secure values are kept (doc fragments grafana.state_dir and rollback_record.STATE)."""
    from ansible.module_utils.basic import env_fallback

    return {"state_dir": {"type": "path", "fallback": (env_fallback, ["LAUNCHKIT_STATE_DIR"])}, **state_options()}


def precheck(params: dict) -> None:
    """What every Grafana module checks before its first call: a URL and exactly one way to authenticate."""
    check_connection(params)


def checked_uid(value: str | None, option: str) -> str | None:
    if value is not None and not UID.match(value):
        raise ValueError(f"{option} '{value}' is not a Grafana uid: 1 to 40 letters, digits, '-' or '_'")
    return value


def kept_name(params: dict, kind: str, uid: str) -> str:
    """The name of the record of one object's secure settings' digests (core/kept.py): per Grafana instance and
    object, so stacks that share an instance and run in parallel never write one record."""
    instance = re.sub(r"[^A-Za-z0-9._-]+", "_", re.sub(r"^https?://", "", params["api_url"].rstrip("/")))
    return f"grafana/{instance}/{kind}.{checked_uid(uid, 'uid')}.json"
