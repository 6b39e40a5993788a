# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The modules of the platform seam (app_env, app_info, preflight): the platform and each platform's connection.
    DOCUMENTATION = r"""
attributes:
  action_group:
    description:
      - Use C(group/launchkit.paas.platform) (or C(group/launchkit.paas.render)) in C(module_defaults) to set
        defaults for this module.
    support: full
    membership:
      - launchkit.paas.platform
      - launchkit.paas.render
options:
  platform:
    description:
      - The platform the app runs on. C(render) is Render (a service's env vars); C(fly) is Fly.io (an app's secrets,
        whose values Fly.io never shows).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_platform) is used when
        it is defined (read by the module's action plugin).
    type: str
    choices: [fly, render]
    default: render
  api_key:
    description:
      - Render API key (Account Settings, API Keys), needed on O(platform=render). Sent as a Bearer token.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_render_api_key) is used when it is
        defined (read by the module's action plugin), else the environment variable E(RENDER_API_KEY) is used.
    type: str
  api_url:
    description:
      - Base URL of the Render API, including C(/v1).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_render_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(RENDER_API_URL) is used.
    type: str
    default: https://api.render.com/v1
  owner:
    description:
      - Render workspace id (C(tea-...), C(usr-...)), name or email. Optional when the API key sees one workspace.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_render_owner) is used when it is
        defined (read by the module's action plugin), else the environment variable E(RENDER_OWNER_ID) is used.
    type: str
  fly_api_token:
    description:
      - Fly.io API token, needed on O(platform=fly); sent as M(launchkit.paas.fly_app) sends its O(launchkit.paas.fly_app#module:api_token).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_fly_api_token) is used when it is
        defined (read by the module's action plugin), else the environment variable E(FLY_API_TOKEN) is used.
    type: str
  fly_api_url:
    description:
      - Base URL of the Fly.io Machines API, including C(/v1).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_fly_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(FLY_API_URL) is used.
    type: str
    default: https://api.machines.dev/v1
  fly_org:
    description:
      - Fly.io organization slug; used to suggest the closest app name when one is not found.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_fly_org) is used when it is
        defined (read by the module's action plugin), else the environment variable E(FLY_ORG) is used.
    type: str
notes:
  - On Render, calls are retried on HTTP 429 (honouring C(Retry-After) and Render's C(Ratelimit-Reset)), 502, 503,
    504 and connection errors; on Fly.io on 429 (with backoff), 502, 503, 504 and connection errors.
  - "On O(platform=fly) a service is a Fly.io app (by name) and its env is the app's secrets: every change of an app is
    one call (one new secrets version); values are compared by the digests kept in the state directory
    (C(<state_dir>/fly/<app>.secrets.json), as M(launchkit.paas.fly_secrets) keeps them), never read."
"""
