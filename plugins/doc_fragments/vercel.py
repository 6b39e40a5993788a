# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.vercel) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.vercel
options:
  api_token:
    description:
      - Vercel access token, sent in the C(Authorization) header as a C(Bearer) token.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_token) is used when it is
        defined (read by the module's action plugin), else the environment variable E(VERCEL_TOKEN) is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Vercel REST API, without a version (the paths carry theirs, such as C(/v10/projects)).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(VERCEL_API_URL) is used, which lets the
        same tasks run against a stand-in of the API.
    type: str
    default: https://api.vercel.com
  team_id:
    description:
      - The team that owns the project (C(team_...)). Sent as the C(teamId) query parameter on every call; without it,
        calls address the token's personal account.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_vercel_team_id) is used when it is
        defined (read by the module's action plugin), else the environment variable E(VERCEL_TEAM_ID) is used.
    type: str
  project:
    description: The project, by its id (C(prj_...)) or its name.
    type: str
    required: true
notes:
  - Calls are retried on HTTP 429 (waiting until C(X-RateLimit-Reset) or C(Retry-After) when Vercel sends them,
    else with jittered exponential backoff), 502, 503, 504 and connection errors. A create whose answer was lost is
    not sent again before the module has looked for what it may have made.
  - Vercel's error code and message are part of every failure; the token never is.
"""
