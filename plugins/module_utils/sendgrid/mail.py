# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the sendgrid_mail logic, one mail through SendGrid's mail send.

Not a public API; it may change between any two releases.

A mail sent is sent: the send is never repeated after an unanswered request.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import Mail, SendGridClient

OPTIONS: dict[str, dict] = {
    "to": {"type": "list", "elements": "str", "required": True},
    "from_email": {"type": "str", "required": True},
    "from_name": {"type": "str"},
    "reply_to": {"type": "str"},
    "subject": {"type": "str", "required": True},
    "text": {"type": "str"},
    "html": {"type": "str"},
    "categories": {"type": "list", "elements": "str"},
    "sandbox_mode": {"type": "bool", "default": True},
}
REQUIRED_ONE_OF = [("text", "html")]


def mail_of(params: dict) -> Mail:
    """The message the task describes."""
    return Mail(**{field.name: params[field.name] for field in fields(Mail)})


def validate_mail(params: dict) -> None:
    if not params.get("text") and not params.get("html"):
        raise ValueError("set text, html or both: SendGrid needs at least one content type")
    if not params["to"]:
        raise ValueError("to must list at least one recipient")


def unverified_sender(exc: ApiError, from_email: str) -> ResourceError | None:
    """A 403 about the sender identity is not a missing permission: say what to verify instead."""
    if exc.status != 403 or "sender identity" not in exc.message.lower():
        return None
    return ResourceError(f"SendGrid refused the mail from {from_email} (HTTP 403): {exc.message}. Verify it with "
                         "sendgrid_sender or send from a validated sendgrid_domain_auth domain",
                         status=403, request_id=exc.request_id, error_code=exc.code)


def run_mail(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    validate_mail(params)
    sandbox = bool(params["sandbox_mode"])
    result: dict[str, Any] = {"changed": True, "sent": False, "status": None, "sandbox_mode": sandbox,
                              "message_id": None, "recipients": list(params["to"])}
    if check_mode:
        return result
    client = client or SendGridClient.from_params(params, secrets)
    try:
        sent = client.send_mail(mail_of(params))
    except ApiError as exc:
        explained = unverified_sender(exc, params["from_email"])
        if explained is None:
            raise
        raise explained from None
    result.update(sent=True, status=sent.status, message_id=sent.message_id)
    return result
