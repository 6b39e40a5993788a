# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument specs of the Vercel modules.

Not a public API; it may change between any two releases. The connection options are documented
in the launchkit.paas.vercel and launchkit.paas.http_client doc fragments.
"""
from __future__ import annotations

import copy

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import DEFAULT_URL


def module_options(**options: dict) -> dict[str, dict]:
    """A Vercel module's argument spec: the connection options (API URL, token, team), then `options`."""
    from ansible.module_utils.basic import env_fallback

    spec = base_options("VERCEL_API_URL", DEFAULT_URL, None)
    spec["api_token"] = {"type": "str", "required": True, "no_log": True,
                         "fallback": (env_fallback, ["VERCEL_TOKEN"])}
    spec["team_id"] = {"type": "str", "fallback": (env_fallback, ["VERCEL_TEAM_ID"])}
    spec["project"] = {"type": "str", "required": True}
    spec.update(options)
    return copy.deepcopy(spec)  # shared pieces stay unshared between modules run in one process
