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
        whose values Fly.io never shows); C(vercel) is Vercel (a project's env entries of O(vercel_targets)).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_platform) is used when
        it is defined (read by the module's action plugin).
    type: str
    choices: [fly, render, vercel]
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
  vercel_token:
    description:
      - Vercel access token, needed on O(platform=vercel). Sent as a Bearer token.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_token) is used when
        it is defined (read by the module's action plugin), else the environment variable E(VERCEL_TOKEN) is used.
    type: str
  vercel_api_url:
    description:
      - Base URL of the Vercel REST API, without a version.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_api_url) is used when
        it is defined (read by the module's action plugin), else the environment variable E(VERCEL_API_URL) is used.
    type: str
    default: https://api.vercel.com
  vercel_team_id:
    description:
      - Vercel team id (C(team_...)), sent as C(teamId) on every call; needed when the projects belong to a team.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_team_id) is used when
        it is defined (read by the module's action plugin), else the environment variable E(VERCEL_TEAM_ID) is used.
    type: str
  vercel_targets:
    description:
      - On O(platform=vercel), the targets of the env entries written and read, as a set. An entry of a key for exactly
        these targets (and no git branch) is the one managed; entries for other targets are never touched, and one
        whose targets overlap these without being the same fails the task before any write.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_targets) is used when
        it is defined (read by the module's action plugin).
    type: list
    elements: str
    choices: [production, preview, development]
    default: [production]
  vercel_env_type:
    description:
      - On O(platform=vercel), the type of the env entries written. C(encrypted) values are read back decrypted to
        compare them and to keep the previous value for a rollback; C(sensitive) values are never shown again (they
        are compared by the digest the collection keeps, and a rollback cannot restore a value it never saw); C(plain)
        values are shown in Vercel's dashboard to anyone on the project.
      - An entry of another type is written again with this type.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_env_type) is used when
        it is defined (read by the module's action plugin).
    type: str
    choices: [plain, encrypted, sensitive]
    default: encrypted
notes:
  - On Render, calls are retried on HTTP 429 (honouring C(Retry-After) and Render's C(Ratelimit-Reset)), 502, 503,
    504 and connection errors; on Fly.io on 429 (with backoff), 502, 503, 504 and connection errors.
  - "On O(platform=fly) a service is a Fly.io app (by name) and its env is the app's secrets: every change of an app is
    one call (one new secrets version); values are compared by the digests kept in the state backend
    (C(fly/<app>.secrets.json): a file under the state directory, or a sealed row with the postgresql backend, as
    M(launchkit.paas.fly_secrets) keeps them), never read."
  - "On O(platform=vercel) a service is a Vercel project (by name or id) and its env is the project's entries of
    O(vercel_targets), written key by key as M(launchkit.paas.vercel_env) writes them; values are compared by the
    digests kept in the state backend as C(vercel/<project id>.env.json) (shared with M(launchkit.paas.vercel_env)) or, where
    none is kept, by the value read back (a C(sensitive) one cannot be). Env reaches only new deployments: redeploy
    production (M(launchkit.paas.vercel_deployment)) after a change."
  - On Vercel, calls are retried on HTTP 429 (honouring C(X-RateLimit-Reset) and C(Retry-After)), 502, 503, 504 and
    connection errors.
"""
