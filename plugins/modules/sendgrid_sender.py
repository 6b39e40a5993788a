#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_sender
short_description: Request single-sender verification in SendGrid
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, update or delete a SendGrid single sender (a verified C(From) address).
  - The sender is found by O(from_email) (case does not matter).
  - Creating a sender makes SendGrid mail a verification link to O(from_email). Verification completes
    only when a person opens it; the module never waits and returns RV(verified) V(false) until then.
    O(resend=true) mails the link again while the sender is not verified.
  - Only the options set are compared; a difference is one C(PATCH).
  - When another run created the sender between this module's look-up and its create, SendGrid refuses the
    create (the address already exists); the module then adopts the other run's sender and says so in a
    warning (RV(action) V(adopt)).
extends_documentation_fragment:
  - launchkit.paas.sendgrid
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  from_email:
    description: The sender address to verify.
    type: str
    required: true
  state:
    description: Whether the sender should exist.
    type: str
    choices: [present, absent]
    default: present
  nickname:
    description: Label of the sender in SendGrid. At create, defaults to O(from_name), else O(from_email).
    type: str
  from_name:
    description: Display name of the sender.
    type: str
  reply_to:
    description: Reply-to address. SendGrid requires one; at create, defaults to O(from_email).
    type: str
  reply_to_name:
    description: Display name of the reply-to address.
    type: str
  address:
    description: Postal address (SendGrid requires one for anti-spam rules).
    type: str
  address2:
    description: Second address line.
    type: str
  city:
    description: City.
    type: str
  address_state:
    description: State or province, at most two letters (SendGrid's C(state) field).
    type: str
  zip:
    description: Postal code.
    type: str
  country:
    description: Country.
    type: str
  resend:
    description:
      - Mail the verification link again when the sender exists and is not verified yet (reported as a change).
      - Does nothing for a verified sender or one created by this run (creating already mails the link).
    type: bool
    default: false
seealso:
  - name: SendGrid sender verification
    description: SendGrid's sender verification reference.
    link: https://www.twilio.com/docs/sendgrid/api-reference/sender-verification
"""

EXAMPLES = r"""
- name: Ask SendGrid to verify the app's sender address
  launchkit.paas.sendgrid_sender:
    from_email: hello@example.com
    from_name: Scoop
    address: 1 Main Street
    city: Springfield
    country: USA
  register: sender

- name: Tell the operator what to do
  ansible.builtin.debug:
    msg: "{{ sender.msg }}"
  when: not sender.verified

- name: Mail the verification link again
  launchkit.paas.sendgrid_sender:
    from_email: hello@example.com
    resend: true
"""

RETURN = r"""
sender:
  description: The sender; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Sender id.", type: int}
    from_email: {description: "Sender address.", type: str}
    nickname: {description: "Label.", type: str}
    from_name: {description: "Display name.", type: str}
    reply_to: {description: "Reply-to address.", type: str}
    reply_to_name: {description: "Reply-to display name.", type: str}
    address: {description: "Postal address.", type: str}
    address2: {description: "Second address line.", type: str}
    city: {description: "City.", type: str}
    address_state: {description: "State or province.", type: str}
    zip: {description: "Postal code.", type: str}
    country: {description: "Country.", type: str}
    verified: {description: "Whether the sender is verified.", type: bool}
    locked: {description: "Whether SendGrid has locked the sender.", type: bool}
verified:
  description: Whether the sender is verified (a person opened the link).
  returned: always
  type: bool
locked:
  description: Whether SendGrid has locked the sender.
  returned: always
  type: bool
resent:
  description: Whether the verification mail was (or in check mode would be) sent again.
  returned: always
  type: bool
msg:
  description: What a person must do while the sender is not verified.
  returned: when the sender is not verified
  type: str
action:
  description: >-
    What the module did, V(create), V(adopt) (another run created it at the same time), V(update), V(delete)
    or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid import sender
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.options import module_options


MODULE = Module(module_options(sender.OPTIONS), sender.run_sender)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
