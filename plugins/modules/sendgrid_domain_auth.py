#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_domain_auth
short_description: Authenticate a sending domain in SendGrid and return the DNS records to publish
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, update or delete a SendGrid domain authentication (SPF and DKIM for a sending domain).
  - The domain authentication is found by O(domain), and by O(subdomain) when set. Several for the same
    domain make the module fail and list them; set O(subdomain) to say which one is meant.
  - SendGrid authenticates one domain twice when two runs create it at once. A run that finds, right after
    its create, an older one for the same domain deletes its own and adopts the older (RV(action) V(adopt),
    with a warning), so both runs end with the same one.
  - Returns the DNS records to create at the domain's DNS host in RV(records). Domain authentication
    completes only once they are published and validated; this module never waits for DNS.
  - With O(validate=true) SendGrid checks the DNS now; RV(valid) and RV(missing_records) (with
    SendGrid's reason for each) tell what is still missing. Missing records fail the task only with
    O(fail_on_invalid=true).
  - O(default) and O(custom_spf) can change later; O(subdomain) and O(automatic_security) cannot
    (delete and recreate the domain authentication to change them).
extends_documentation_fragment:
  - launchkit.paas.sendgrid
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  domain:
    description: The sending domain, for example V(example.com).
    type: str
    required: true
  subdomain:
    description:
      - The subdomain SendGrid uses for the return path, for example V(em). SendGrid picks one when not set.
      - Used to find the domain authentication when several exist for O(domain).
    type: str
  state:
    description: Whether the domain authentication should exist.
    type: str
    choices: [present, absent]
    default: present
  automatic_security:
    description:
      - Let SendGrid manage SPF, the DKIM keys and their rotation (three CNAME records).
        V(false) means manual security (MX, TXT records). Cannot change after create.
    type: bool
    default: true
  custom_spf:
    description: Use a custom SPF record. Only with O(automatic_security=false).
    type: bool
  default:
    description: Use this domain authentication when no other matches the sender's domain.
    type: bool
  region:
    description: Region of the domain, V(global) or V(eu). Used at create only (SendGrid does not report it back).
    type: str
    choices: [global, eu]
  validate:
    description:
      - Ask SendGrid to validate the DNS records now and return RV(valid) and RV(missing_records).
      - Skipped in check mode, where the last validation result SendGrid stored is returned.
    type: bool
    default: false
  fail_on_invalid:
    description: Fail when the domain is not valid (after validation when O(validate=true)). The records are in the failure result.
    type: bool
    default: false
seealso:
  - name: SendGrid domain authentication
    description: SendGrid's domain authentication reference.
    link: https://www.twilio.com/docs/sendgrid/api-reference/domain-authentication
"""

EXAMPLES = r"""
- name: Authenticate the sending domain
  launchkit.paas.sendgrid_domain_auth:
    domain: example.com
    subdomain: em
  register: domain_auth

- name: Show the DNS records to create
  ansible.builtin.debug:
    msg: "{{ item.type | upper }} {{ item.host }} -> {{ item.data }}"
  loop: "{{ domain_auth.records }}"

- name: After publishing the records, validate (and fail when some are still missing)
  launchkit.paas.sendgrid_domain_auth:
    domain: example.com
    subdomain: em
    validate: true
    fail_on_invalid: true
"""

RETURN = r"""
domain_auth:
  description: The domain authentication; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Domain authentication id.", type: int}
    domain: {description: "The domain.", type: str}
    subdomain: {description: "The return-path subdomain.", type: str}
    automatic_security: {description: "Whether SendGrid manages SPF and DKIM.", type: bool}
    custom_spf: {description: "Whether a custom SPF record is used.", type: bool}
    default: {description: "Whether this is the default domain authentication.", type: bool}
    valid: {description: "Whether SendGrid considers the domain authenticated.", type: bool}
    records: {description: "The DNS records, as in RV(records).", type: list, elements: dict}
records:
  description: The DNS records to create at the domain's DNS host.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: "SendGrid's name for the record, for example V(mail_cname) or V(dkim1).", type: str}
    type: {description: "Record type, for example V(cname).", type: str}
    host: {description: "Host name of the record.", type: str}
    data: {description: "Value of the record.", type: str}
    valid: {description: "Whether SendGrid found the record as expected.", type: bool}
valid:
  description: Whether the domain is authenticated.
  returned: always
  type: bool
validated:
  description: Whether SendGrid validated the DNS during this run.
  returned: always
  type: bool
missing_records:
  description: The records not valid yet, each as in RV(records) with SendGrid's C(reason) (null when not validated this run).
  returned: always
  type: list
  elements: dict
action:
  description: >-
    What the module did, V(create), V(adopt) (another run created it at the same time), V(update), V(delete)
    or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid import domain_auth
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.options import module_options


MODULE = Module(module_options(domain_auth.OPTIONS), domain_auth.run_domain_auth)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
