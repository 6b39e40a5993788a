# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.fly) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.fly
options:
  api_token:
    description:
      - Fly.io API token (C(fly tokens create org), C(fly tokens create deploy), or C(fly auth token)), with or
        without its C(FlyV1) prefix. Macaroon tokens (C(fm1r_...), C(fm1a_...), C(fm2_...)) are sent in the
        C(Authorization) header as C(FlyV1 <token>), other tokens as C(Bearer <token>), as Fly's own Go client does.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_fly_api_token) is used when it is
        defined (read by the module's action plugin), else the environment variable E(FLY_API_TOKEN) is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Fly.io Machines API, including C(/v1).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_fly_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(FLY_API_URL) is used, which lets the same
        tasks run against the launchkit sandbox.
    type: str
    default: https://api.machines.dev/v1
  org:
    description:
      - Organization slug (C(personal) for a personal organization). Needed to create an app and to list apps;
        other calls address an app by its name alone.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_fly_org) is used when it is
        defined (read by the module's action plugin), else the environment variable E(FLY_ORG) is used.
    type: str
notes:
  - Calls are retried on HTTP 429 (honouring C(Retry-After) when Fly sends it, else with jittered exponential
    backoff; Fly limits most actions to about 1 request per second per Machine, bursts to 3), 502, 503, 504 and
    connection errors. A create whose answer was lost is not repeated before the module has looked for what
    it may have created.
  - Fly's error message and its C(fly-request-id) are part of every failure; the token never is.
"""

    # The app a module works on (every Fly.io module but fly_app and fly_app_info).
    APP = r"""
options:
  app:
    description: App name.
    type: str
    required: true
"""
