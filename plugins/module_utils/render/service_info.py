# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of render_service_info (services, their env keys and values).

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient, service_view


def run_service_info(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None) -> dict:
    client = client or RenderClient.from_params(params, secrets)
    owner_id = client.owner_id(params["owner"])
    if params.get("id"):
        services = [client.get_service(params["id"])]
    else:
        services = client.services(owner_id, params.get("name"), params.get("type"))
    views, revealed = [], []
    for service in services:
        view = service_view(service)
        revealed.extend(add_env(client, service["id"], view, params, secrets))
        views.append(view)
    result: dict[str, Any] = {"changed": False, "services": views}
    if revealed:
        result["_unmasked"] = tuple(revealed)
    return result


def add_env(client: RenderClient, service_id: str, view: dict, params: dict, secrets: Secrets) -> list[str]:
    """Add the env key names and the values asked for to the view; the values revealed."""
    wanted = params.get("env_values") or []
    if not (params["env_keys"] or wanted):
        return []
    if not wanted:  # the key names only: the digests the run keeps name them
        view["env_keys"] = sorted(client.env_digests(service_id)[0])
        return []
    env = client.env_vars(service_id)
    if params["env_keys"]:
        view["env_keys"] = sorted(env)
    # Values asked for are secrets: returned as they are under env (the task sets no_log), masked in any error.
    view["env"] = {key: env[key] for key in wanted if key in env}
    revealed = [value for value in view["env"].values() if value]
    secrets.add(*revealed)
    return revealed
