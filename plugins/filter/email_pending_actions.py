# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: email_pending_actions
short_description: What a person must still do for the email phase - DNS records, a sender to verify
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - From the results of M(launchkit.paas.sendgrid_domain_auth) and M(launchkit.paas.sendgrid_sender), the
    actions only a person can take, one sentence each; a skipped or failed task gives none.
  - A domain not authenticated yet gives one action per DNS record still missing (the records SendGrid
    found missing when it validated, else every record not marked valid).
  - A single sender not verified yet gives one action (open the link SendGrid mailed to it).
positional: sender
options:
  _input:
    description: The result of the domain authentication task.
    type: dict
    required: true
  sender:
    description: The result of the single sender task.
    type: dict
"""

EXAMPLES = r"""
- name: Say what is left to do
  ansible.builtin.debug:
    msg: "{{ email_domain_auth | launchkit.paas.email_pending_actions(email_sender_state) }}"
"""

RETURN = r"""
_value:
  description: The pending actions, one sentence each; no secret, only DNS names and values and the sender address.
  type: list
  elements: str
"""

from typing import Any


def _ran(result: Any) -> bool:
    return isinstance(result, dict) and not result.get("skipped") and not result.get("failed")


def domain_actions(result: dict[str, Any]) -> list[str]:
    if not _ran(result) or result.get("valid"):
        return []
    domain = (result.get("domain_auth") or {}).get("domain") or "the sending domain"
    missing = result.get("missing_records") or [r for r in result.get("records") or [] if not r.get("valid")]
    return [f"DNS: create {str(record.get('type') or '?').upper()} {record.get('host') or record.get('name')} -> "
            f"{record.get('data') or '?'} at the DNS host of {domain}, then run the email phase again: SendGrid "
            "validates the domain authentication" for record in missing]


def sender_actions(result: dict[str, Any] | None) -> list[str]:
    if not _ran(result):
        return []
    sender = result.get("sender") or {}
    if not sender or sender.get("verified") or result.get("verified"):
        return []
    address = sender.get("from_email") or "the sender"
    return [f"Email: open the verification link SendGrid mailed to {address} (single sender verification); "
            "SendGrid sends from it only once it is verified"]


def email_pending_actions(domain_auth: dict[str, Any] | None, sender: dict[str, Any] | None = None) -> list[str]:
    """The DNS records still to create and the sender still to verify, one sentence each."""
    return domain_actions(domain_auth or {}) + sender_actions(sender)


class FilterModule:
    """launchkit.paas.email_pending_actions"""

    def filters(self) -> dict:
        return {"email_pending_actions": email_pending_actions}
