# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of app_info, what an app's services are and run, on its platform.

Not a public API; it may change between any two releases.

Reads only, through the platform seam (``platform.env.PLATFORMS``): each service as the platform
describes it, its env key names (never values, unless some are asked for by name: then those are
secrets, registered before they are returned), and its live and latest deploys. A service that does
not exist is listed under ``missing``, not a failure: the caller judges it.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import PLATFORMS


def run_app_info(params: dict, check_mode: bool, secrets: Secrets, platform: Any = None) -> dict:
    platform = platform or PLATFORMS[params["platform"]](params, secrets, check_mode)
    refs = list(dict.fromkeys(params["services"]))
    found, missing = platform.find(refs)
    views, revealed = [], []
    for ref in refs:
        if ref in found:
            view, values = _service(platform, found[ref], params, secrets)
            views.append(view)
            revealed.extend(values)
    result: dict[str, Any] = {"changed": False, "platform": params["platform"], "services": views, "missing": missing}
    if revealed:
        result["_unmasked"] = tuple(revealed)
    return result


def _service(platform: Any, service: dict, params: dict, secrets: Secrets) -> tuple[dict, list[str]]:
    """The view of one service, and the env values it reveals (asked for by name)."""
    view = platform.describe(service)
    revealed: list[str] = []
    wanted = params.get("env_values") or []
    if wanted:
        env = platform.env(service)
        view["env_keys"] = sorted(env)
        view["env"] = {key: env[key] for key in wanted if key in env}
        # A platform that never shows values (Fly.io) gives a marker for each, no secret.
        revealed = [value for value in view["env"].values() if value and isinstance(value, str)]
        secrets.add(*revealed)
    elif params["env_keys"]:
        keys = getattr(platform, "keys", None)  # names without reading values, where the platform can
        view["env_keys"] = keys(service) if keys else sorted(platform.digests(service)[0])  # the run's digests name them
    if params["deploys"]:
        view["deploys"] = platform.deploys(service)
    return view, revealed
