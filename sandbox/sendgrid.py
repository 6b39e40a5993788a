"""SendGrid v3 API (``/sendgrid/v3``): API keys and scopes, domain authentication, verified senders
and mail send (recorded, never delivered). Its SMTP relay (sandbox/sendgrid_smtp.py) checks keys and
senders and records mail through the same methods (``smtp_login_ok``, ``record_mail``)."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from .common import RateWindow, iso_now, random_alnum
from .errors import ApiError, BadRequest, NotFound
from .routing import Handler, Request, Response
from .sendgrid_identity import DomainBook, SenderBook
from .spec_adapt import strip_path_prefix
from .vendor import VendorAPI, register_vendor

SENDGRID_API_KEY = os.environ.get("SANDBOX_SENDGRID_API_KEY", "SG.sandbox_admin_key")
RATE_LIMIT = int(os.environ.get("SANDBOX_SENDGRID_RATELIMIT", "600"))
RATE_WINDOW = 60
MAX_KEYS = 100
DEFAULT_DOMAIN_LIMIT = 50
SPEC_FILES = tuple(f"sendgrid/tsg_{area}_v3.json"
                   for area in ("api_keys", "scopes", "domain_authentication", "verified_senders", "mail"))
# What "Full Access" means here: the scopes of the areas the sandbox serves plus common ones. The
# real list is longer and not in the spec (UNCONFIRMED).
FULL_ACCESS_SCOPES: tuple[str, ...] = (
    *(f"{area}.{verb}" for area in ("alerts", "api_keys", "asm.groups", "templates", "whitelabel")
      for verb in ("create", "read", "update", "delete")),
    "mail.send", "mail.batch.create", "mail.batch.read", "mail.batch.update", "mail.batch.delete",
    "mail_settings.read", "mail_settings.update", "stats.read",
    "suppression.create", "suppression.read", "suppression.update", "suppression.delete",
    "tracking_settings.read", "tracking_settings.update", "user.profile.read", "user.profile.update",
    "sender_verification_eligible",
)
SENDER_IDENTITY_MESSAGE = (
    "The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. "
    "Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity "
    "requirements")
MESSAGES = {401: "The provided authorization grant is invalid, expired, or revoked", 403: "access forbidden"}
SANDBOX_STATUS = {True: "accepted (sandbox mode, not delivered)", False: "delivered"}
REJECTED_STATUS = "rejected (sender identity not verified)"
#: the scope a key needs to send mail, through the API and through the SMTP relay
MAIL_SEND_SCOPE = "mail.send"


@dataclass
class ApiKey:
    api_key_id: str
    name: str
    scopes: list[str]
    secret: str

    def summary(self) -> dict[str, Any]:
        return {"api_key_id": self.api_key_id, "name": self.name}

    def detail(self) -> dict[str, Any]:
        return {**self.summary(), "scopes": list(self.scopes)}


def new_key(name: str, scopes: list[str]) -> ApiKey:
    key_id = secrets.token_urlsafe(16)
    return ApiKey(key_id, name, list(dict.fromkeys(scopes)), f"SG.{key_id}.{secrets.token_urlsafe(32)}")


def int_arg(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(float(raw))
    except ValueError as exc:
        raise BadRequest(f"{name} must be a number", field=name) from exc


def recipients(body: dict[str, Any]) -> list[str]:
    return [to["email"] for personalization in body["personalizations"] for to in personalization.get("to", [])]


def subject_of(body: dict[str, Any]) -> str | None:
    return body.get("subject") or next(
        (item["subject"] for item in body["personalizations"] if item.get("subject")), None)


@register_vendor
class SendGridAPI(VendorAPI):
    name = "sendgrid"
    prefix = "/sendgrid/v3"
    spec_file = SPEC_FILES

    def reads_by_post(self, method: str, path: str) -> bool:
        """``POST /whitelabel/domains/{id}/validate`` asks SendGrid to look at the domain's DNS: it changes nothing
        the user set (only SendGrid's note of whether the records are in place), so the request log counts it as a
        read, as a rollout re-checking a domain whose DNS is still unpublished changes nothing."""
        parts = self.relative(path).split("?")[0].strip("/").split("/")
        return method.upper() == "POST" and len(parts) == 4 and parts[:2] == ["whitelabel", "domains"] \
            and parts[3] == "validate"

    def register_routes(self) -> None:
        routes: list[tuple[str, str, Handler, str | None]] = [
            ("GET", "/scopes", self.list_scopes, None),
            ("POST", "/api_keys", self.create_key, "api_keys.create"),
            ("GET", "/api_keys", self.list_keys, "api_keys.read"),
            ("GET", "/api_keys/{api_key_id}", self.get_key, "api_keys.read"),
            ("PATCH", "/api_keys/{api_key_id}", self.rename_key, "api_keys.update"),
            ("PUT", "/api_keys/{api_key_id}", self.replace_key, "api_keys.update"),
            ("DELETE", "/api_keys/{api_key_id}", self.delete_key, "api_keys.delete"),
            ("POST", "/whitelabel/domains", self.create_domain, "whitelabel.create"),
            ("GET", "/whitelabel/domains", self.list_domains, "whitelabel.read"),
            ("GET", "/whitelabel/domains/{domain_id}", self.get_domain, "whitelabel.read"),
            ("PATCH", "/whitelabel/domains/{domain_id}", self.update_domain, "whitelabel.update"),
            ("DELETE", "/whitelabel/domains/{domain_id}", self.delete_domain, "whitelabel.delete"),
            ("POST", "/whitelabel/domains/{id}/validate", self.validate_domain, "whitelabel.update"),
            ("POST", "/verified_senders", self.create_sender, None),
            ("GET", "/verified_senders", self.list_senders, None),
            ("PATCH", "/verified_senders/{id}", self.update_sender, None),
            ("DELETE", "/verified_senders/{id}", self.delete_sender, None),
            ("POST", "/verified_senders/resend/{id}", self.resend_sender, None),
            ("POST", "/mail/send", self.send_mail, MAIL_SEND_SCOPE),
        ]
        for method, template, handler, scope in routes:
            self.route(method, template, self._scoped(scope, handler))

    def _scoped(self, scope: str | None, handler: Handler) -> Handler:
        """Refuse (403) a caller whose key lacks ``scope``."""
        if scope is None:
            return handler

        def run(request: Request) -> Response:
            if scope not in self._caller_scopes(request):
                raise ApiError(403, MESSAGES[403])
            return handler(request)

        return run

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self.keys: dict[str, ApiKey] = {}
        self.domains = DomainBook()
        self.senders = SenderBook()
        self.mails: list[dict[str, Any]] = []
        self.rate = RateWindow(RATE_LIMIT, RATE_WINDOW)

    def authenticate(self, request: Request) -> bool:
        return self._caller_scopes(request) is not None

    def _caller_scopes(self, request: Request) -> tuple[str, ...] | None:
        """The scopes of the key in the Authorization header, None for an unknown key."""
        header = request.header("Authorization")
        return self._scopes_of(header[len("Bearer "):] if header.startswith("Bearer ") else None)

    def _scopes_of(self, secret: str | None) -> tuple[str, ...] | None:
        """The scopes of the live key with this secret, None when no live key has it."""
        if secret == SENDGRID_API_KEY:
            return FULL_ACCESS_SCOPES
        key = next((key for key in self.keys.values() if key.secret == secret), None)
        return tuple(key.scopes) if key is not None else None

    def smtp_login_ok(self, username: str, password: str) -> bool:
        """SMTP AUTH: the user is the literal ``apikey`` and the password a live key that may send mail."""
        return username == "apikey" and MAIL_SEND_SCOPE in (self._scopes_of(password) or ())

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"field": None, "message": MESSAGES[401] if status == 401 else message}]}

    def api_error(self, exc: ApiError, request: Request) -> Response:
        error: dict[str, Any] = {"field": exc.field, "message": exc.message}
        if request.path.startswith("/verified_senders"):  # that API adds an error id (spec)
            error["error_id"] = random_alnum(12)
            error["field"] = exc.field or ""
        return Response(exc.status, {"errors": [error]})

    def finalize(self, response: Response) -> None:
        remaining, reset = self.rate.hit()
        if response.status == 429:
            remaining = 0
        response.headers.update({"X-RateLimit-Limit": str(self.rate.limit), "X-RateLimit-Remaining": str(remaining),
                                 "X-RateLimit-Reset": str(int(time.time()) + reset)})

    @staticmethod
    def adapt_spec(document: dict[str, Any]) -> None:
        """Paths without ``/v3``; a domain PATCH answers the domain (the spec reuses the list's array)."""
        strip_path_prefix(document, "/v3")
        item = document["paths"]["/whitelabel/domains/{domain_id}"]
        item["patch"]["responses"]["200"] = item["get"]["responses"]["200"]

    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/keys", self.control_keys), ("GET", "/dns", self.control_dns),
                ("POST", "/dns", self.control_dns), ("POST", "/verify-sender", self.control_verify_sender),
                ("GET", "/mails", self.control_mails)]

    def control_keys(self, request: Request) -> Response:
        return Response(200, {"keys": self._registry()})

    def _registry(self) -> list[dict[str, Any]]:
        """Every live key with its secret (for tests; the API never shows a secret twice)."""
        return [{**key.detail(), "secret": key.secret} for key in self.keys.values()]

    def control_dns(self, request: Request) -> Response:
        if request.method == "POST":
            self.domains.update(request.body)
        return Response(200, self.domains.describe())

    def control_verify_sender(self, request: Request) -> Response:
        return Response(200, dict(self.senders.verify(request.body)))

    def control_mails(self, request: Request) -> Response:
        return Response(200, {"mails": [dict(mail) for mail in self.mails]})

    def dump(self) -> dict[str, Any]:
        return {"keys": self._registry(),
                "domains": list(self.domains.domains.values()), "dns_present": sorted(self.domains.present),
                "verified_senders": list(self.senders.senders.values()), "mails": list(self.mails)}

    # --- scopes and API keys -------------------------------------------------------------------
    def list_scopes(self, request: Request) -> Response:
        return Response(200, {"scopes": list(self._caller_scopes(request) or ())})

    def create_key(self, request: Request) -> Response:
        if len(self.keys) >= MAX_KEYS:
            raise ApiError(403, f"you have reached the maximum of {MAX_KEYS} API keys")
        scopes = request.body.get("scopes")
        key = new_key(request.body["name"], list(FULL_ACCESS_SCOPES) if scopes is None else scopes)
        self.keys[key.api_key_id] = key
        return Response(201, {"api_key": key.secret, **key.detail()})

    def list_keys(self, request: Request) -> Response:
        keys = list(self.keys.values())[:int_arg(request, "limit", MAX_KEYS)]
        return Response(200, {"result": [key.summary() for key in keys]})

    def get_key(self, request: Request) -> Response:
        return Response(200, self._key(request).detail())

    def rename_key(self, request: Request) -> Response:
        key = self._key(request)
        key.name = request.body["name"]
        return Response(200, key.summary())

    def replace_key(self, request: Request) -> Response:
        key = self._key(request)
        if not request.body.get("scopes"):
            raise BadRequest("at least one scope is required", field="scopes")
        key.name, key.scopes = request.body["name"], list(dict.fromkeys(request.body["scopes"]))
        return Response(200, key.detail())

    def delete_key(self, request: Request) -> Response:
        del self.keys[self._key(request).api_key_id]
        return Response(204)

    def _key(self, request: Request) -> ApiKey:
        key = self.keys.get(request.params["api_key_id"])
        if key is None:
            raise NotFound("unable to find API Key")
        return key

    # --- domain authentication -----------------------------------------------------------------
    def create_domain(self, request: Request) -> Response:
        return Response(201, self.domains.create(request.body))

    def list_domains(self, request: Request) -> Response:
        limit = int_arg(request, "limit", DEFAULT_DOMAIN_LIMIT) or DEFAULT_DOMAIN_LIMIT
        offset = int_arg(request, "offset", 0) or 0
        return Response(200, self.domains.listing(request.arg("domain"), limit, offset))

    def get_domain(self, request: Request) -> Response:
        return Response(200, self.domains.get(request.params["domain_id"]))

    def update_domain(self, request: Request) -> Response:
        domain = self.domains.get(request.params["domain_id"])
        self.domains.update_flags(domain, request.body or {})
        return Response(200, domain)

    def delete_domain(self, request: Request) -> Response:
        self.domains.delete(self.domains.get(request.params["domain_id"]))
        return Response(204)

    def validate_domain(self, request: Request) -> Response:
        return Response(200, self.domains.validate(self.domains.get(request.params["id"])))

    # --- verified senders ----------------------------------------------------------------------
    def create_sender(self, request: Request) -> Response:
        return Response(201, dict(self.senders.create(request.body)))

    def list_senders(self, request: Request) -> Response:
        chosen = self.senders.listing(int_arg(request, "limit"), int_arg(request, "lastSeenID"), int_arg(request, "id"))
        return Response(200, {"results": [dict(sender) for sender in chosen]})

    def update_sender(self, request: Request) -> Response:
        sender = self.senders.get(request.params["id"])
        self.senders.update(sender, request.body)
        return Response(200, dict(sender))

    def delete_sender(self, request: Request) -> Response:
        self.senders.delete(self.senders.get(request.params["id"]))
        return Response(204)

    def resend_sender(self, request: Request) -> Response:
        self.senders.get(request.params["id"])
        return Response(204)

    # --- mail send -----------------------------------------------------------------------------
    def send_mail(self, request: Request) -> Response:
        body = request.body
        sandbox_mode = bool(((body.get("mail_settings") or {}).get("sandbox_mode") or {}).get("enable"))
        if not self.record_mail(body["from"]["email"], recipients(body), subject_of(body), sandbox_mode, "api"):
            raise ApiError(403, SENDER_IDENTITY_MESSAGE, field="from")
        return Response(202)

    def record_mail(self, sender: str, to: list[str], subject: str | None, sandbox_mode: bool, via: str) -> bool:
        """Record a mail (``via`` api or smtp); whether its sender may send (verified or on an authenticated domain)."""
        allowed = self.senders.is_verified(sender) or self.domains.covers(sender)
        self.mails.append({
            "time": iso_now(), "from": sender, "to": list(to), "subject": subject, "sandbox_mode": sandbox_mode,
            "status": SANDBOX_STATUS[sandbox_mode] if allowed else REJECTED_STATUS, "via": via,
        })
        return allowed
