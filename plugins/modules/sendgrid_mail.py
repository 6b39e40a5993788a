#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_mail
short_description: Send one mail through SendGrid, in sandbox mode by default
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Send one mail through SendGrid's C(/mail/send), to check that a key, a sender and a message work.
  - B(Sandbox mode is on by default.) SendGrid then validates the request completely (key, scopes,
    sender, body) and answers as for a real send, but delivers nothing. A rollout can run this task
    every time without mailing anyone; set O(sandbox_mode=false) to deliver for real.
  - Every run that sends reports a change. In check mode nothing is sent and a change is reported.
  - Any 2xx answer is success (SendGrid documents 202; sandbox mode may answer 200).
  - A send whose answer is lost is not repeated, so a mail is never sent twice by one task.
extends_documentation_fragment:
  - launchkit.paas.sendgrid
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
attributes:
  diff_mode:
    support: none
    details: A mail has no before and after.
options:
  to:
    description: Recipient addresses.
    type: list
    elements: str
    required: true
  from_email:
    description: Sender address; a verified sender or an address of an authenticated domain.
    type: str
    required: true
  from_name:
    description: Sender display name.
    type: str
  reply_to:
    description: Reply-to address.
    type: str
  subject:
    description: Subject line.
    type: str
    required: true
  text:
    description: Plain-text body. At least one of O(text) and O(html) is required.
    type: str
  html:
    description: HTML body.
    type: str
  categories:
    description: SendGrid categories to tag the mail with.
    type: list
    elements: str
  sandbox_mode:
    description:
      - Send with SendGrid's sandbox mode (C(mail_settings.sandbox_mode.enable)) so nothing is delivered.
      - On by default so that a test task never mails real people by accident.
    type: bool
    default: true
seealso:
  - name: SendGrid mail send
    description: SendGrid's mail send reference.
    link: https://www.twilio.com/docs/sendgrid/api-reference/mail-send
"""

EXAMPLES = r"""
- name: Check that the app's key and sender can send (nothing is delivered)
  launchkit.paas.sendgrid_mail:
    api_key: "{{ app_sendgrid_key }}"
    to: [ops@example.com]
    from_email: hello@example.com
    subject: launchkit email check
    text: Sent in sandbox mode by the email phase.

- name: Deliver a real test mail
  launchkit.paas.sendgrid_mail:
    to: [ops@example.com]
    from_email: hello@example.com
    from_name: Scoop
    subject: Hello from production
    text: It works.
    html: <p>It works.</p>
    sandbox_mode: false
"""

RETURN = r"""
sent:
  description: Whether the mail was handed to SendGrid (false in check mode).
  returned: always
  type: bool
status:
  description: HTTP status of SendGrid's answer, for example V(202); null in check mode.
  returned: always
  type: int
sandbox_mode:
  description: Whether sandbox mode was on (nothing delivered).
  returned: always
  type: bool
message_id:
  description: SendGrid's C(X-Message-Id) answer header, when it sends one.
  returned: always
  type: str
recipients:
  description: The recipient addresses.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid import mail
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.options import module_options


MODULE = Module(module_options(mail.OPTIONS), mail.run_mail, required_one_of=mail.REQUIRED_ONE_OF)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
