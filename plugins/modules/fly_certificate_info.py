#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_certificate_info
short_description: Read the certificates of a Fly.io app
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - One certificate by hostname (with its validation details), or a summary of every certificate of the app.
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  hostname:
    description: Only this hostname.
    type: str
"""

EXAMPLES = r"""
- name: The app's certificates
  launchkit.paas.fly_certificate_info:
    app: synckairos-production
  register: fly_certs
"""

RETURN = r"""
certificates:
  description:
    - The certificates found. With O(hostname), each as returned by M(launchkit.paas.fly_certificate); else
      C(hostname), C(status), C(configured), C(acme_requested) and C(created_at).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import certificate
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**certificate.INFO_OPTIONS), certificate.run_certificate_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
