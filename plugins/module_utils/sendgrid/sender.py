# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: a SendGrid verified sender as a resource, and the sendgrid_sender logic.

Not a public API; it may change between any two releases.

Sender verification finishes outside the API (a person opens the link SendGrid mails), so the
module reports it and never waits for it.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ensure, unique
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import SENDER_FIELDS, SendGridClient

OPTIONS: dict[str, dict] = {
    "from_email": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "resend": {"type": "bool", "default": False},
    **{option: {"type": "str"} for option in SENDER_FIELDS},
}


class Sender(Resource):
    kind = "SendGrid verified sender"

    def __init__(self, client: SendGridClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        email = self.params["from_email"]
        matches = [s for s in self.client.senders() if str(s.get("from_email", "")).lower() == email.lower()]
        return unique(matches, "verified sender", email)

    def desired(self) -> dict:
        return {option: self.params.get(option) for option in SENDER_FIELDS}

    def current(self, resource: dict) -> dict:
        return {option: resource.get(field) for option, field in SENDER_FIELDS.items()}

    def create(self) -> dict:
        p = self.params
        # SendGrid requires a nickname and a reply-to address.
        details = dict(self.desired(), nickname=p.get("nickname") or p.get("from_name") or p["from_email"],
                       reply_to=p.get("reply_to") or p["from_email"])
        return self.client.create_sender(p["from_email"], details)

    def taken(self, error: ApiError) -> bool:
        # SendGrid refuses a second sender of one address with a 400 on the field: "from_email: already exists".
        return super().taken(error) or (error.status == 400 and "already exists" in error.message.lower())

    def update(self, resource: dict, changes: dict) -> dict:
        return self.client.update_sender(resource, changes)

    def delete(self, resource: dict) -> None:
        self.client.delete_sender(resource["id"])


def sender_view(sender: dict) -> dict:
    view = {option: sender.get(field) for option, field in SENDER_FIELDS.items()}
    return {"id": sender.get("id"), "from_email": sender.get("from_email"), **view,
            "verified": bool(sender.get("verified")), "locked": bool(sender.get("locked"))}


def run_sender(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    params = dict(params, from_email=params["from_email"].strip())
    client = client or SendGridClient.from_params(params, secrets)
    outcome = ensure(Sender(client, params), params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "sender": None, "verified": False, "locked": False,
                              "resent": False}
    if outcome.resource is None:
        return result
    view = sender_view(outcome.resource)
    result.update(sender=view, verified=view["verified"], locked=view["locked"])
    # A new sender request already mails the link; resending is for an older, unclicked one.
    if params["resend"] and outcome.action != "create" and not view["verified"]:
        if not check_mode:
            client.resend_sender_verification(view["id"])
        result.update(changed=True, resent=True)
    if not view["verified"]:
        result["msg"] = (f"{view['from_email']} is not verified yet: a person must open the link SendGrid mailed "
                         "to it (resend=true mails it again)")
    return result
