# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the SendGrid v3 client, the only place SendGrid's paths and fields are written.

Not a public API; it may change between any two releases. Paths and payloads follow Twilio
SendGrid's OpenAPI documents (api_keys, domain_authentication, verified_senders, mail); base URL
https://api.sendgrid.com/v3, ``Authorization: Bearer <API key>``. One method per operation, with
its pagination (``limit`` only for keys, ``limit``/``offset`` for domains, ``limit``/``lastSeenID``
for senders) and SendGrid's error body.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import HttpClient, Vendor, cursor_pages

DEFAULT_URL = "https://api.sendgrid.com/v3"
PAGE_LIMIT = 100
DOMAIN_REGIONS = ("global", "eu")
# Sender options and their API field (``state`` is taken by present/absent in the modules).
SENDER_FIELDS = {"nickname": "nickname", "from_name": "from_name", "reply_to": "reply_to",
                 "reply_to_name": "reply_to_name", "address": "address", "address2": "address2",
                 "city": "city", "address_state": "state", "zip": "zip", "country": "country"}
# The fields a sender's PATCH must carry whatever changes (the spec reuses the create schema).
SENDER_REQUIRED = ("nickname", "from_email", "reply_to")
ANY_2XX = tuple(range(200, 300))


def _parse_error(body: Any) -> tuple[str | None, str]:
    """SendGrid errors: {"errors": [{"field", "message", "error_id"?}], "id"?}; every message is kept."""
    if not isinstance(body, dict):
        return None, str(body)[:500] if body is not None else ""
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    messages = []
    for error in errors:
        message = str(error.get("message") or "").strip()
        field = error.get("field")
        if field and field != "null" and field not in message:
            message = f"{field}: {message}"
        if message:
            messages.append(message)
    code = body.get("id") or next((e.get("error_id") for e in errors if e.get("error_id")), None)
    return code, "; ".join(messages) or str(body)[:500]


VENDOR = Vendor("SendGrid", parse_error=_parse_error, reset_header="X-RateLimit-Reset", reset_is_epoch=True,
                auth_hint="Check api_key (or SENDGRID_API_KEY): it must be a valid SendGrid API key of this "
                          "account, with the api_keys scopes to manage keys (and the whitelabel, "
                          "verified_senders or mail.send scopes for the other modules).")


@dataclass
class Mail:
    """One message for ``/mail/send``, in the modules' terms."""

    to: list[str]
    from_email: str
    subject: str
    text: str | None = None
    html: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    categories: list[str] | None = None
    sandbox_mode: bool = True


@dataclass
class Sent:
    """SendGrid's answer to a mail send."""

    status: int
    message_id: str | None


def mail_body(mail: Mail) -> dict:
    sender = compact({"email": mail.from_email, "name": mail.from_name or None})
    # SendGrid wants text/plain before text/html.
    content = [{"type": kind, "value": value}
               for kind, value in (("text/plain", mail.text), ("text/html", mail.html)) if value]
    body: dict[str, Any] = {"personalizations": [{"to": [{"email": address} for address in mail.to]}],
                            "from": sender, "subject": mail.subject, "content": content,
                            "mail_settings": {"sandbox_mode": {"enable": bool(mail.sandbox_mode)}}}
    if mail.reply_to:
        body["reply_to"] = {"email": mail.reply_to}
    if mail.categories:
        body["categories"] = list(mail.categories)
    return body


def _key_with_id(body: Any, api_key_id: str) -> dict | None:
    """GET /api_keys/{id}: the key itself, or (the spec's form) a {"result": [...]} list of keys.

    Only the entry carrying the asked id is that key; an answer without it means not found, so
    that no other key is ever updated or deleted in its place.
    """
    entries = body.get("result") if isinstance(body, dict) and isinstance(body.get("result"), list) else [body]
    return next((entry for entry in entries
                 if isinstance(entry, dict) and entry.get("api_key_id") == api_key_id), None)


class SendGridClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> "SendGridClient":
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['api_key']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"],
                          secrets=secrets or Secrets(), **overrides)
        return cls(http)

    # -- API keys (the list takes `limit` only; an account holds at most 100 keys)
    def api_keys(self) -> list[dict]:
        body = self.http.get("/api_keys", params={"limit": PAGE_LIMIT}) or {}
        return list(body.get("result") or [])

    def api_key(self, api_key_id: str) -> dict | None:
        response = self.http.request("GET", f"/api_keys/{api_key_id}", ok=(200, 404))
        return _key_with_id(response.body, api_key_id) if response.status == 200 else None

    def create_api_key(self, name: str, scopes: list[str] | None) -> dict:
        """A new key; without scopes SendGrid gives it full access. Its secret is registered at once."""
        created = self.http.request("POST", "/api_keys", json_body=compact({"name": name, "scopes": scopes}),
                                    ok=(200, 201)).body or {}
        self.http.secrets.add(created.get("api_key"))
        return created

    def update_api_key(self, api_key_id: str, name: str, scopes: list[str]) -> dict:
        """PUT takes name and scopes together (at least one scope)."""
        return self.http.request("PUT", f"/api_keys/{api_key_id}", json_body={"name": name, "scopes": scopes}).body or {}

    def delete_api_key(self, api_key_id: str) -> None:
        self.http.request("DELETE", f"/api_keys/{api_key_id}", ok=(200, 204, 404))

    # -- authenticated domains (paginated with limit and offset)
    def domains(self, domain: str) -> Iterator[dict]:
        offset = 0
        while True:
            page = self.http.get("/whitelabel/domains",
                                 params={"domain": domain, "limit": PAGE_LIMIT, "offset": offset}) or []
            yield from page
            if len(page) < PAGE_LIMIT:
                return
            offset += PAGE_LIMIT

    def domain(self, domain_id: Any) -> dict:
        return self.http.get(f"/whitelabel/domains/{domain_id}")

    def create_domain(self, domain: str, *, subdomain: str | None = None, automatic_security: bool | None = None,
                      custom_spf: bool | None = None, default: bool | None = None, region: str | None = None) -> dict:
        body = {"domain": domain, "subdomain": subdomain, "automatic_security": automatic_security,
                "custom_spf": custom_spf, "default": default, "region": region}
        return self.http.request("POST", "/whitelabel/domains", json_body=compact(body), ok=(200, 201)).body

    def update_domain(self, domain_id: Any, *, default: bool | None = None, custom_spf: bool | None = None) -> dict:
        """PATCH the flags; the spec answers with a list of domains: keep the one patched, or read it again."""
        body = self.http.request("PATCH", f"/whitelabel/domains/{domain_id}",
                                 json_body=compact({"default": default, "custom_spf": custom_spf})).body
        items = body if isinstance(body, list) else [body]
        patched = next((d for d in items if isinstance(d, dict) and d.get("id") == domain_id and d.get("dns")), None)
        return patched or self.domain(domain_id)

    def validate_domain(self, domain_id: Any) -> dict:
        """Ask SendGrid to look the DNS up now. It changes no setting, so repeating it is safe."""
        return self.http.request("POST", f"/whitelabel/domains/{domain_id}/validate", repeatable=True).body or {}

    def delete_domain(self, domain_id: Any) -> None:
        self.http.request("DELETE", f"/whitelabel/domains/{domain_id}", ok=(200, 204, 404))

    # -- verified senders (paginated with limit and lastSeenID); details are keyed by SENDER_FIELDS options
    def senders(self) -> Iterator[dict]:
        def fetch(last_seen: Any) -> list:
            body = self.http.get("/verified_senders", params={"limit": PAGE_LIMIT, "lastSeenID": last_seen}) or {}
            return list(body.get("results") or [])
        yield from cursor_pages(fetch, lambda last: last.get("id"), page_size=PAGE_LIMIT)

    def create_sender(self, from_email: str, details: dict[str, Any]) -> dict:
        body = compact({"from_email": from_email, **_sender_fields(details)})
        return self.http.request("POST", "/verified_senders", json_body=body, ok=(200, 201)).body

    def update_sender(self, sender: dict, changes: dict[str, Any]) -> dict:
        """PATCH the changed details, with the fields the request schema requires taken from `sender`."""
        body = {**{field: sender.get(field) for field in SENDER_REQUIRED}, **_sender_fields(changes)}
        return self.http.request("PATCH", f"/verified_senders/{sender['id']}", json_body=body).body

    def resend_sender_verification(self, sender_id: Any) -> None:
        self.http.request("POST", f"/verified_senders/resend/{sender_id}", ok=(200, 204))

    def delete_sender(self, sender_id: Any) -> None:
        self.http.request("DELETE", f"/verified_senders/{sender_id}", ok=(200, 204, 404))

    # -- mail send: never repeated after a lost answer (POST is not repeatable), so never sent twice
    def send_mail(self, mail: Mail) -> Sent:
        """Any 2xx is success (the spec gives 202; sandbox mode is reported to answer 200)."""
        response = self.http.request("POST", "/mail/send", json_body=mail_body(mail), ok=ANY_2XX)
        return Sent(response.status, response.header("X-Message-Id"))


def _sender_fields(details: dict[str, Any]) -> dict[str, Any]:
    return {SENDER_FIELDS[option]: value for option, value in details.items() if option in SENDER_FIELDS}
