#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_secrets_info
short_description: Read the secret names and digests of a Fly.io app
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The app's secrets as Fly.io lists them, names, digests and times, never a value, and the last secrets
    version M(launchkit.paas.fly_secrets) wrote for the app (kept in the state backend, O(state_backend)).
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes.info
options:
  state_dir:
    description: Where M(launchkit.paas.fly_secrets) keeps its digests with O(state_backend=file). Defaults to E(LAUNCHKIT_STATE_DIR).
    type: path
"""

EXAMPLES = r"""
- name: Which secrets the app has
  launchkit.paas.fly_secrets_info:
    app: synckairos-production
  register: fly_secret_names
"""

RETURN = r"""
secrets:
  description: The app's secrets, without values.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: "Secret name.", type: str}
    digest: {description: "Fly's digest of the value.", type: str}
    created_at: {description: "When the secret was created.", type: str}
    updated_at: {description: "When it was last set.", type: str}
version:
  description: The last secrets version M(launchkit.paas.fly_secrets) wrote for the app, null when unknown.
  returned: always
  type: int
app:
  description: The app.
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**secrets.info_options()), secrets.run_secrets_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
