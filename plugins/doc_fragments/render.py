# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.render) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.render
options:
  api_key:
    description:
      - Render API key (Account Settings, API Keys). Sent as a Bearer token.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_render_api_key) is used when it is
        defined (read by the module's action plugin), else the environment variable E(RENDER_API_KEY) is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Render API, including C(/v1).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_render_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(RENDER_API_URL) is used, which lets the same tasks
        run against the launchkit sandbox.
    type: str
    default: https://api.render.com/v1
  owner:
    description:
      - Workspace id (C(tea-...), C(usr-...)), name or email. Optional when the API key sees one workspace.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_render_owner) is used when it is
        defined (read by the module's action plugin), else the environment variable E(RENDER_OWNER_ID) is used.
    type: str
notes:
  - Calls are retried on HTTP 429 (honouring C(Retry-After) and Render's C(Ratelimit-Reset)), 502, 503,
    504 and connection errors. A create whose answer was lost is not repeated before the module has
    looked for what it may have created.
"""

    # The options of the datastore _info modules (Key Value, Postgres).
    DATASTORE_INFO = r"""
options:
  name:
    description: Only the one with this name.
    type: str
  id:
    description: Only the one with this id.
    type: str
  return_secrets:
    description:
      - Return the connection strings (and a database's password) unmasked. Set C(no_log) on the task when you do.
    type: bool
    default: false
"""

    # The external access list of a Render datastore (Key Value, Postgres).
    IP_ALLOW_LIST = r"""
options:
  ip_allow_list:
    description:
      - Addresses allowed to connect from outside Render. An empty list blocks all external access.
      - Unset keeps what the instance has (Render's default at create).
    type: list
    elements: dict
    suboptions:
      cidr_block:
        description: CIDR block, for example V(203.0.113.0/24).
        type: str
        required: true
      description:
        description: What the block is for. Defaults to the block itself.
        type: str
"""
