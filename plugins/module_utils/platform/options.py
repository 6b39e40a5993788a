# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument spec of the seam's modules (app_env, app_info, preflight).

Not a public API; it may change between any two releases. Documented in the launchkit.paas.platform
doc fragment: the platform, and the connection of each platform (Render's, Fly.io's, Vercel's); only the chosen
platform's token is needed, and its platform class says so when it is missing.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import DEFAULT_URL as FLY_URL
from ansible_collections.launchkit.paas.plugins.module_utils.render.options import module_options
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import DEFAULT_URL as VERCEL_URL
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import ENV_TYPES, TARGETS

PLATFORM_CHOICES = ["fly", "render", "vercel"]


def platform_options(**options: dict) -> dict:
    """Render's connection (its api_key needed only on platform render), Fly.io's, Vercel's (with the targets and
    type of the entries written there), the platform, then `options`."""
    from ansible.module_utils.basic import env_fallback

    spec = module_options(**options)
    spec["api_key"]["required"] = False
    spec["platform"] = {"type": "str", "choices": PLATFORM_CHOICES, "default": "render"}
    spec["fly_api_token"] = {"type": "str", "no_log": True, "fallback": (env_fallback, ["FLY_API_TOKEN"])}
    spec["fly_api_url"] = {"type": "str", "default": FLY_URL, "fallback": (env_fallback, ["FLY_API_URL"])}
    spec["fly_org"] = {"type": "str", "fallback": (env_fallback, ["FLY_ORG"])}
    spec["vercel_token"] = {"type": "str", "no_log": True, "fallback": (env_fallback, ["VERCEL_TOKEN"])}
    spec["vercel_api_url"] = {"type": "str", "default": VERCEL_URL, "fallback": (env_fallback, ["VERCEL_API_URL"])}
    spec["vercel_team_id"] = {"type": "str", "fallback": (env_fallback, ["VERCEL_TEAM_ID"])}
    spec["vercel_targets"] = {"type": "list", "elements": "str", "choices": list(TARGETS), "default": ["production"]}
    spec["vercel_env_type"] = {"type": "str", "choices": list(ENV_TYPES), "default": "encrypted"}
    return spec
