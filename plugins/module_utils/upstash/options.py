# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument spec of the Upstash modules.

Not a public API; it may change between any two releases. The connection options are documented
in the launchkit.paas.upstash and launchkit.paas.http_client doc fragments.
"""
from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.client import DEFAULT_URL


def module_options(options: dict[str, dict]) -> dict[str, dict]:
    """An Upstash module's argument spec: the connection options (HTTP Basic email and API key), then `options`."""
    connection = base_options("UPSTASH_API_URL", DEFAULT_URL, "UPSTASH_API_KEY")
    connection["email"] = {"type": "str", "required": True, "fallback": (env_fallback, ["UPSTASH_EMAIL"])}
    return {**connection, **options}
