# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the SendGrid v3 client, its resources and the modules' logic.

Not a public API; it may change between any two releases. Paths and payloads follow Twilio
SendGrid's OpenAPI documents (api_keys, scopes, domain_authentication, verified_senders, mail);
base URL https://api.sendgrid.com/v3, ``Authorization: Bearer <API key>``.

Three SendGrid facts shape this file:
- an API key's secret is in the answer to its creation and nowhere else, and a key created without
  ``scopes`` has full access; names are not unique;
- domain authentication and sender verification finish outside the API (DNS records, a person
  clicking a link), so the modules report what is missing and never wait for it;
- a mail sent is sent: ``/mail/send`` is never repeated after an unanswered request.
"""
from __future__ import annotations

from typing import Any, Iterator

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError, HttpClient, Vendor, cursor_pages
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    DuplicateResource, Outcome, Resource, ResourceError, ensure, unique)

DEFAULT_URL = "https://api.sendgrid.com/v3"
PAGE_LIMIT = 100
#: what an app needs to send mail; the default scopes of a new key
MAIL_SEND_SCOPES = ("mail.send",)
# Scopes SendGrid reports on keys on its own (the spec's example key carries them next to mail.send);
# they are ignored when comparing, unless the task lists them.
IMPLICIT_SCOPES = frozenset({"2fa_exempt", "2fa_required", "sender_verification_eligible",
                             "sender_verification_legacy"})
DOMAIN_REGIONS = ("global", "eu")
# Sender options whose API field has another name (``state`` is taken by present/absent).
SENDER_FIELDS = {"nickname": "nickname", "from_name": "from_name", "reply_to": "reply_to",
                 "reply_to_name": "reply_to_name", "address": "address", "address2": "address2",
                 "city": "city", "address_state": "state", "zip": "zip", "country": "country"}
NO_SECRET_MESSAGE = ("SendGrid returns an API key's secret only once, in the answer to its creation; this key "
                     "already existed, so its secret cannot be returned. Use the value stored when it was "
                     "created, or set rotate=true to replace the key and receive a new secret.")


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


class SendGridClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, **overrides: Any) -> "SendGridClient":
        http = HttpClient(params["api_url"], VENDOR, headers={"Authorization": f"Bearer {params['api_key']}"},
                          timeout=params["timeout"], validate_certs=params["validate_certs"], **overrides)
        return cls(http)

    # -- API keys (the list takes `limit` only; an account holds at most 100 keys)
    def api_keys(self) -> list[dict]:
        body = self.http.get("/api_keys", params={"limit": PAGE_LIMIT}) or {}
        return list(body.get("result") or [])

    def api_key(self, api_key_id: str) -> dict | None:
        response = self.http.request("GET", f"/api_keys/{api_key_id}", ok=(200, 404))
        return _single_key(response.body) if response.status == 200 else None

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

    # -- verified senders (paginated with limit and lastSeenID)
    def senders(self) -> Iterator[dict]:
        def fetch(last_seen: Any) -> list:
            body = self.http.get("/verified_senders", params={"limit": PAGE_LIMIT, "lastSeenID": last_seen}) or {}
            return list(body.get("results") or [])
        yield from cursor_pages(fetch, lambda last: last.get("id"), page_size=PAGE_LIMIT)


def _single_key(body: Any) -> dict:
    """GET /api_keys/{id}: the key itself; the spec also allows it wrapped as {"result": [key]}."""
    if isinstance(body, dict) and isinstance(body.get("result"), list):
        return body["result"][0] if body["result"] else {}
    return body or {}


# ===================================================================================== API keys
class ApiKey(Resource):
    kind = "SendGrid API key"

    def __init__(self, client: SendGridClient, params: dict) -> None:
        self.client = client
        self.params = params
        self.looked_up: tuple[dict | None] | None = None

    def find(self) -> dict | None:
        if self.looked_up is not None:  # the lookup run_api_key made first, used once
            found, self.looked_up = self.looked_up[0], None
            return found
        key_id, name = self.params.get("api_key_id"), self.params.get("name")
        if key_id:
            return self.client.api_key(key_id)
        matches = [key for key in self.client.api_keys() if key.get("name") == name]
        if len(matches) > 1:
            ids = ", ".join(str(key.get("api_key_id")) for key in matches)
            raise DuplicateResource(f"{len(matches)} SendGrid API keys are named '{name}' ({ids}); SendGrid does "
                                    f"not keep names unique: set api_key_id to say which one is meant",
                                    api_key_ids=[key.get("api_key_id") for key in matches])
        if not matches:
            return None
        # The list has no scopes; the single key has.
        return self.client.api_key(matches[0]["api_key_id"]) or None

    def wanted_scopes(self) -> list[str] | None:
        if self.params["full_access"]:
            return None
        return sorted(set(self.params["scopes"] or MAIL_SEND_SCOPES))

    def desired(self) -> dict:
        return {"name": self.params.get("name"), "scopes": self.wanted_scopes()}

    def current(self, resource: dict) -> dict:
        wanted = set(self.wanted_scopes() or ())
        scopes = {s for s in resource.get("scopes") or [] if s not in IMPLICIT_SCOPES or s in wanted}
        return {"name": resource.get("name"), "scopes": sorted(scopes)}

    def create(self) -> dict:
        body: dict[str, Any] = {"name": self.params["name"]}
        scopes = self.wanted_scopes()
        if scopes is not None:  # omitting scopes is how SendGrid makes a full-access key
            body["scopes"] = scopes
        response = self.client.http.request("POST", "/api_keys", json_body=body, ok=(200, 201))
        created = response.body or {}
        self.client.http.secrets.add(created.get("api_key"))
        return created

    def update(self, resource: dict, changes: dict) -> dict:
        # PUT takes name and scopes together (at least one scope): one write for either change.
        body = {"name": changes.get("name") or resource.get("name"),
                "scopes": changes.get("scopes") or list(resource.get("scopes") or [])}
        updated = self.client.http.request("PUT", f"/api_keys/{resource['api_key_id']}", json_body=body).body or {}
        return {**resource, **body, **updated}

    def delete(self, resource: dict) -> None:
        self.client.http.request("DELETE", f"/api_keys/{resource['api_key_id']}", ok=(200, 204, 404))


def validate_api_key(params: dict) -> None:
    if params["state"] == "present" and not params.get("name"):
        raise ValueError("name is required to create or manage a SendGrid API key (api_key_id alone only finds "
                         "or deletes one)")
    if params["full_access"] and params.get("scopes"):
        raise ValueError("full_access and scopes exclude each other: a full-access key is created without scopes")
    if params.get("scopes") is not None and not params["full_access"] and not params["scopes"]:
        raise ValueError("scopes must list at least one scope (omit it for mail.send)")


def rotate_key(resource: ApiKey, old: dict, check_mode: bool) -> Outcome:
    """A new key with the same name and the wanted scopes, then the old one deleted (in this order)."""
    current = resource.current(old)
    wanted = resource.wanted_scopes()
    outcome = Outcome(True, None, action="rotate",
                      before={"api_key_id": old.get("api_key_id"), **current},
                      after={"api_key_id": "<new key>", "name": current["name"],
                             "scopes": wanted if wanted is not None else "<full access>"})
    if check_mode:
        return outcome
    # No create_once here: an unanswered create must not be "found" as the old key of the same name.
    outcome.resource = resource.create()
    resource.delete(old)
    return outcome


def api_key_view(key: dict, client: SendGridClient, secrets: Secrets) -> dict:
    secret = key.get("api_key")
    secrets.add(secret)
    scopes = key.get("scopes")
    if scopes is None and key.get("api_key_id"):
        scopes = (client.api_key(key["api_key_id"]) or {}).get("scopes")
    return {"id": key.get("api_key_id"), "name": key.get("name"), "scopes": sorted(scopes or []),
            "secret": secret or None, "secret_available": bool(secret)}


def run_api_key(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    validate_api_key(params)
    client = client or SendGridClient.from_params(params)
    resource = ApiKey(client, params)
    warnings = []
    if params["full_access"] and params["state"] == "present":
        warnings.append("full_access: this key can do everything the account can, including creating more keys; "
                        "prefer the scopes the app needs (mail.send to send mail). SendGrid reports a full-access "
                        "key as its list of scopes, so an existing key's scopes are left as they are.")
    outcome = None
    if params["state"] == "present" and (params["rotate"] or params.get("api_key_id")):
        found = resource.find()
        if found is None and params.get("api_key_id"):
            raise ResourceError(f"no SendGrid API key has the id {params['api_key_id']}; remove api_key_id to "
                                f"create one named '{params['name']}'")
        if found is not None and params["rotate"]:
            outcome = rotate_key(resource, found, check_mode)
        resource.looked_up = (found,)
    if outcome is None:
        outcome = ensure(resource, params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": warnings + outcome.warnings, "api_key": None}
    if outcome.resource is not None:
        result["api_key"] = api_key_view(outcome.resource, client, secrets)
        if result["api_key"]["secret"]:
            # The task asked for this secret: the role writes it straight into the app's env (task no_log).
            result["_unmasked"] = (result["api_key"]["secret"],)
        else:
            result["msg"] = NO_SECRET_MESSAGE
    elif check_mode and outcome.action in ("create", "rotate"):
        result["msg"] = "check mode: the key would be created; its secret is returned by the real run only."
    return result


# ===================================================================================== domain authentication
class DomainAuth(Resource):
    kind = "SendGrid authenticated domain"
    immutable = frozenset({"subdomain", "automatic_security"})

    def __init__(self, client: SendGridClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        domain, subdomain = self.params["domain"], self.params.get("subdomain")
        matches = [d for d in self.client.domains(domain) if str(d.get("domain", "")).lower() == domain
                   and (subdomain is None or str(d.get("subdomain", "")).lower() == subdomain)]
        try:
            return unique(matches, "authenticated domain", domain)
        except DuplicateResource:
            ids = ", ".join(f"{d.get('id')} (subdomain {d.get('subdomain')})" for d in matches)
            raise DuplicateResource(f"{len(matches)} authenticated domains exist for '{domain}' ({ids}); "
                                    "set subdomain to say which one is meant") from None

    def desired(self) -> dict:
        p = self.params
        return {"subdomain": p.get("subdomain"), "automatic_security": p["automatic_security"],
                "custom_spf": p.get("custom_spf"), "default": p.get("default")}

    def current(self, resource: dict) -> dict:
        return {"subdomain": resource.get("subdomain"), "automatic_security": bool(resource.get("automatic_security")),
                "custom_spf": bool(resource.get("custom_spf")), "default": bool(resource.get("default"))}

    def create(self) -> dict:
        p = self.params
        body = {"domain": p["domain"], "subdomain": p.get("subdomain"), "automatic_security": p["automatic_security"],
                "custom_spf": p.get("custom_spf"), "default": p.get("default"), "region": p.get("region")}
        return self.client.http.request("POST", "/whitelabel/domains", ok=(200, 201),
                                        json_body={k: v for k, v in body.items() if v is not None}).body

    def update(self, resource: dict, changes: dict) -> dict:
        domain_id = resource["id"]
        body = self.client.http.request("PATCH", f"/whitelabel/domains/{domain_id}", json_body=changes).body
        # The spec answers PATCH with a list of domains; keep the one patched, or read it again.
        items = body if isinstance(body, list) else [body]
        patched = next((d for d in items if isinstance(d, dict) and d.get("id") == domain_id and d.get("dns")), None)
        return patched or self.client.domain(domain_id)

    def delete(self, resource: dict) -> None:
        self.client.http.request("DELETE", f"/whitelabel/domains/{resource['id']}", ok=(200, 204, 404))


def dns_records(domain: dict) -> list[dict]:
    """The records to publish: mail_cname, dkim1, dkim2 (automatic security) or the manual set."""
    return [{"name": name, "type": record.get("type"), "host": record.get("host"), "data": record.get("data"),
             "valid": bool(record.get("valid"))}
            for name, record in (domain.get("dns") or {}).items() if isinstance(record, dict)]


def missing_records(records: list[dict], results: dict | None) -> list[dict]:
    """The records SendGrid found invalid, each with its reason (from validate) when known."""
    by_name = {record["name"]: record for record in records}
    if results is None:
        return [dict(record, reason=None) for record in records if not record["valid"]]
    missing = []
    for name, result in results.items():
        if isinstance(result, dict) and not result.get("valid"):
            record = by_name.get(name, {"name": name, "type": None, "host": None, "data": None, "valid": False})
            missing.append(dict(record, valid=False, reason=result.get("reason")))
    return missing


def domain_view(domain: dict) -> dict:
    return {"id": domain.get("id"), "domain": domain.get("domain"), "subdomain": domain.get("subdomain"),
            "automatic_security": bool(domain.get("automatic_security")),
            "custom_spf": bool(domain.get("custom_spf")), "default": bool(domain.get("default")),
            "valid": bool(domain.get("valid")), "records": dns_records(domain)}


def validate_domain_auth(params: dict) -> None:
    if params.get("custom_spf") and params["automatic_security"]:
        raise ValueError("custom_spf is only available with automatic_security=false (manual security)")


def run_domain_auth(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    params = dict(params, domain=params["domain"].strip().lower().rstrip("."),
                  subdomain=(params.get("subdomain") or "").strip().lower() or None)
    validate_domain_auth(params)
    client = client or SendGridClient.from_params(params)
    outcome = ensure(DomainAuth(client, params), params["state"], check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": outcome.warnings, "domain_auth": None, "records": [], "valid": False,
                              "validated": False, "missing_records": []}
    if outcome.resource is None:
        return result
    view = domain_view(outcome.resource)
    results = None
    if params["validate"] and not check_mode and not view["valid"]:
        # Validation changes no setting: it asks SendGrid to look up the DNS now. Safe to repeat, and
        # not needed any more once SendGrid found the domain valid.
        answer = client.http.request("POST", f"/whitelabel/domains/{view['id']}/validate", repeatable=True).body or {}
        view["valid"] = bool(answer.get("valid"))
        results = answer.get("validation_results") or {}
        for record in view["records"]:  # the records as this validation found them
            if isinstance(results.get(record["name"]), dict):
                record["valid"] = bool(results[record["name"]].get("valid"))
        result["validated"] = True
    result.update(domain_auth=view, records=view["records"], valid=view["valid"],
                  missing_records=[] if view["valid"] else missing_records(view["records"], results))
    if params["fail_on_invalid"] and not view["valid"]:
        hosts = ", ".join(f"{r['type'] or '?'} {r['host'] or r['name']}"
                          + (f" ({r['reason']})" if r.get("reason") else "") for r in result["missing_records"])
        details = {k: v for k, v in result.items() if k not in ("diff", "warnings")}
        raise ResourceError(f"the domain {view['domain']} is not authenticated yet: {hosts or 'SendGrid says invalid'}"
                            "; publish the records and run again", **details)
    return result


# ===================================================================================== verified senders
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
        body = {field: p.get(option) for option, field in SENDER_FIELDS.items()}
        body.update(from_email=p["from_email"], nickname=p.get("nickname") or p.get("from_name") or p["from_email"],
                    reply_to=p.get("reply_to") or p["from_email"])
        return self.client.http.request("POST", "/verified_senders", ok=(200, 201),
                                        json_body={k: v for k, v in body.items() if v is not None}).body

    def update(self, resource: dict, changes: dict) -> dict:
        # The PATCH body has the request schema: nickname, from_email and reply_to are required in it.
        body = {"nickname": resource.get("nickname"), "from_email": resource.get("from_email"),
                "reply_to": resource.get("reply_to"), **{SENDER_FIELDS[k]: v for k, v in changes.items()}}
        return self.client.http.request("PATCH", f"/verified_senders/{resource['id']}", json_body=body).body

    def delete(self, resource: dict) -> None:
        self.client.http.request("DELETE", f"/verified_senders/{resource['id']}", ok=(200, 204, 404))


def sender_view(sender: dict) -> dict:
    view = {option: sender.get(field) for option, field in SENDER_FIELDS.items()}
    return {"id": sender.get("id"), "from_email": sender.get("from_email"), **view,
            "verified": bool(sender.get("verified")), "locked": bool(sender.get("locked"))}


def run_sender(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    params = dict(params, from_email=params["from_email"].strip())
    client = client or SendGridClient.from_params(params)
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
            client.http.request("POST", f"/verified_senders/resend/{view['id']}", ok=(200, 204))
        result.update(changed=True, resent=True)
    if not view["verified"]:
        result["msg"] = (f"{view['from_email']} is not verified yet: a person must open the link SendGrid mailed "
                         "to it (resend=true mails it again)")
    return result


# ===================================================================================== mail send
def mail_body(params: dict) -> dict:
    sender = {"email": params["from_email"]}
    if params.get("from_name"):
        sender["name"] = params["from_name"]
    # SendGrid wants text/plain before text/html.
    types = (("text", "text/plain"), ("html", "text/html"))
    content = [{"type": kind, "value": params[option]} for option, kind in types if params.get(option)]
    body: dict[str, Any] = {"personalizations": [{"to": [{"email": address} for address in params["to"]]}],
                            "from": sender, "subject": params["subject"], "content": content,
                            "mail_settings": {"sandbox_mode": {"enable": bool(params["sandbox_mode"])}}}
    if params.get("reply_to"):
        body["reply_to"] = {"email": params["reply_to"]}
    if params.get("categories"):
        body["categories"] = list(params["categories"])
    return body


def validate_mail(params: dict) -> None:
    if not params.get("text") and not params.get("html"):
        raise ValueError("set text, html or both: SendGrid needs at least one content type")
    if not params["to"]:
        raise ValueError("to must list at least one recipient")


def run_mail(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None) -> dict:
    validate_mail(params)
    sandbox = bool(params["sandbox_mode"])
    result: dict[str, Any] = {"changed": True, "sent": False, "status": None, "sandbox_mode": sandbox,
                              "message_id": None, "recipients": list(params["to"])}
    if check_mode:
        return result
    client = client or SendGridClient.from_params(params)
    # Any 2xx is success (the spec gives 202; sandbox mode is reported to answer 200). Never repeated
    # after a lost answer: POST is not repeatable, so a mail is not sent twice.
    try:
        response = client.http.request("POST", "/mail/send", json_body=mail_body(params),
                                       ok=tuple(range(200, 300)))
    except ApiError as exc:
        if exc.status == 403 and "sender identity" in exc.message.lower():
            # Not a missing permission: the from address is neither a verified sender nor on a valid domain.
            raise ResourceError(f"SendGrid refused the mail from {params['from_email']} (HTTP 403): {exc.message}. "
                                "Verify it with sendgrid_sender or send from a validated sendgrid_domain_auth "
                                "domain", status=403, request_id=exc.request_id, error_code=exc.code) from None
        raise
    result.update(sent=True, status=response.status, message_id=response.header("X-Message-Id"))
    return result
