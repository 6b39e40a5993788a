#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_custom_domain
short_description: Add a custom domain to a Render service and verify its DNS
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Adds a domain to a web service or static site and returns the DNS records to create for it.
  - Adding an apex domain (C(example.com)) makes Render add C(www.example.com) as a redirect, and the
    other way round; both are returned, each with its records, and both are removed with O(state=absent).
  - With O(verify=true) the module asks Render to verify the DNS and, with O(wait=true), waits until
    every domain is verified, failing with the records still missing.
  - A name that is no domain (a URL, an IP address, a label with other characters than letters, digits
    and inner hyphens) fails before any call.
  - In check mode the answer is what Render would answer to the add, the domain and (for an apex or a www
    name) its twin unless the service has it; the entries that do not exist yet have no C(id).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  service:
    description: Service id or name (a web service or static site).
    type: str
    required: true
  name:
    description: Domain name, for example C(www.pocket-walks.com).
    type: str
    required: true
  state:
    description: Whether the domain should be attached.
    type: str
    choices: [present, absent]
    default: present
  verify:
    description: Ask Render to verify the DNS of the domains not verified yet.
    type: bool
    default: false
  wait:
    description: With O(verify), wait until every domain is verified.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for verification.
    type: int
    default: 300
notes:
  - The apex record value follows Render's custom domain guide; C(216.24.57.1) is Render's
    documented address for DNS hosts without ALIAS/ANAME support.
"""

EXAMPLES = r"""
- name: Attach the domain and print the records to create
  launchkit.paas.render_custom_domain:
    service: scoop-web
    name: pocket-walks.com
  register: domain

- name: Records for the DNS host
  ansible.builtin.debug:
    var: domain.domains | map(attribute='dns_records') | flatten

- name: Once DNS is published, verify it
  launchkit.paas.render_custom_domain:
    service: scoop-web
    name: pocket-walks.com
    verify: true
"""

RETURN = r"""
domains:
  description: The domain and its www/apex twin.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: "Domain id (null for a domain check mode predicts).", type: str}
    name: {description: "Domain name.", type: str}
    domain_type: {description: "V(apex) or V(subdomain).", type: str}
    verification_status: {description: "V(verified) or V(unverified).", type: str}
    redirect_for: {description: "The domain this one redirects to, if any.", type: str}
    dns_records: {description: "Records to create (name, type, value, note).", type: list, elements: dict}
verified:
  description: Whether every domain is verified.
  returned: when O(state=present) and not in check mode
  type: bool
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.domain import run_custom_domain


MODULE = Module(options.custom_domain(), run_custom_domain)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
