# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/launchkit.paas.sendgrid) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - launchkit.paas.sendgrid
options:
  api_key:
    description:
      - SendGrid API key that manages the account (it needs the scopes of the calls the module makes,
        for example C(api_keys.create)). Sent as a Bearer token.
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_sendgrid_api_key) is used when it is
        defined (read by the module's action plugin), else the environment variable E(SENDGRID_API_KEY) is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the SendGrid v3 API, including C(/v3). EU subusers use C(https://api.eu.sendgrid.com/v3).
      - If not set in the task (or its C(module_defaults)), the inventory variable C(launchkit_sendgrid_api_url) is used when it is
        defined (read by the module's action plugin), else the environment variable E(SENDGRID_API_URL) is used.
    type: str
    default: https://api.sendgrid.com/v3
"""
