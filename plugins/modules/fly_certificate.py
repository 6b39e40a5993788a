#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: fly_certificate
short_description: Ensure a TLS certificate for a custom hostname of a Fly.io app
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Requests a certificate for O(hostname) through ACME (Let's Encrypt), or deletes it.
  - The certificate is issued once the hostname's DNS points at the app, which only the domain's owner can do.
    The module returns the DNS records Fly.io asks for (RV(dns_records)) and, until the certificate is
    configured, one sentence per record in RV(pending_actions).
  - O(check=true) asks Fly.io to check the DNS again (C(POST .../check)); not in check mode.
extends_documentation_fragment:
  - launchkit.paas.fly
  - launchkit.paas.fly.app
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  hostname:
    description: The custom hostname, for example V(www.synckairos.com).
    type: str
    required: true
  state:
    description: Whether the certificate should exist.
    type: str
    choices: [present, absent]
    default: present
  check:
    description: Ask Fly.io to check the hostname's DNS again (it changes nothing but the certificate's status).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The app's custom domain
  launchkit.paas.fly_certificate:
    app: synckairos-production
    hostname: www.synckairos.com
    check: true
  register: fly_cert

- name: What to add at the DNS host
  ansible.builtin.debug:
    var: fly_cert.pending_actions
"""

RETURN = r"""
certificate:
  description: The certificate; null once deleted, or when it would be requested in check mode.
  returned: always
  type: dict
  contains:
    hostname: {description: "Hostname.", type: str}
    status: {description: "Fly's status of the certificate.", type: str}
    configured: {description: "Whether the hostname is configured (DNS and certificate in place).", type: bool}
    acme_requested: {description: "Whether an ACME certificate was requested.", type: bool}
    dns_provider: {description: "DNS provider Fly detected.", type: str}
    validation: {description: "Which validations Fly found configured.", type: dict}
    validation_errors: {description: "Fly's validation errors, each with code, message and remediation.", type: list, elements: dict}
    issued: {description: "Certificates issued, each with source, status and expires_at.", type: list, elements: dict}
dns_records:
  description: The DNS records Fly asks for, each with C(type), C(name), C(value) and C(purpose).
  returned: always
  type: list
  elements: dict
pending_actions:
  description: What a person must still do at the DNS host, one sentence per record; empty once configured.
  returned: always
  type: list
  elements: str
checked:
  description: Whether Fly was asked to check the DNS in this run.
  returned: always
  type: bool
action:
  description: What the module did, V(create), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.fly import certificate
from ansible_collections.launchkit.paas.plugins.module_utils.fly.options import module_options


MODULE = Module(module_options(**certificate.OPTIONS), certificate.run_certificate)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
