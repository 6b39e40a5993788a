# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument spec of the SendGrid modules.

Not a public API; it may change between any two releases. The connection options are documented
in the launchkit.paas.sendgrid and launchkit.paas.http_client doc fragments.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import DEFAULT_URL


def module_options(options: dict[str, dict]) -> dict[str, dict]:
    """A SendGrid module's argument spec: the connection options, then the module's own `options`."""
    return {**base_options("SENDGRID_API_URL", DEFAULT_URL, "SENDGRID_API_KEY"), **options}
