# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.sentry) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.sentry
options:
  auth_token:
    description:
      - Sentry auth token (an internal integration or user token with the scopes the module needs,
        for example C(project:write)). Sent as a Bearer token.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_sentry_auth_token) is used when it is
        defined (read by the module's action plugin), else the environment variable E(SENTRY_AUTH_TOKEN) is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Sentry web API, including C(/api/0), for example C(https://de.sentry.io/api/0);
        a self-hosted Sentry works with its own URL.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_sentry_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(SENTRY_API_URL) is used.
    type: str
    default: https://sentry.io/api/0
  organization:
    description:
      - Organization slug.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_sentry_org) is used when it is
        defined (read by the module's action plugin), else the environment variable E(SENTRY_ORG) is used.
    type: str
    required: true
"""
