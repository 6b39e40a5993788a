# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.upstash) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.upstash
options:
  email:
    description:
      - Email of the Upstash account (HTTP Basic user name).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_upstash_email) is used when it is
        defined (read by the module's action plugin), else the environment variable E(UPSTASH_EMAIL) is used.
      - The Developer API works only for native Upstash accounts, not for accounts created through
        Vercel or Fly.io.
    type: str
    required: true
  api_key:
    description:
      - Upstash Developer API key (HTTP Basic password).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_upstash_api_key) is used when it is
        defined (read by the module's action plugin), else the environment variable E(UPSTASH_API_KEY) is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Upstash Developer API, including C(/v2).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_upstash_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(UPSTASH_API_URL) is used.
    type: str
    default: https://api.upstash.com/v2
"""
