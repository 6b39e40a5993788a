"""SendGrid sender identities: authenticated domains (DNS checked against a controlled set of hosts)
and single verified senders (verified by the control API, standing in for the person who clicks)."""
from __future__ import annotations

import itertools
from typing import Any

from .common import unix_now
from .errors import ApiError, NotFound

USER_ID = 1446226
USERNAME = "launchkit-sandbox"
DNS_RECORDS = ("mail_cname", "dkim1", "dkim2")
SENDER_FIELDS = ("nickname", "from_email", "from_name", "reply_to", "reply_to_name", "address", "address2",
                 "state", "city", "zip", "country")
DOMAIN_FLAGS = ("custom_spf", "default", "automatic_security")


def dns_records(domain: str, subdomain: str) -> dict[str, dict[str, Any]]:
    """The three records of an authenticated domain, as in the spec's example."""
    wanted = {
        "mail_cname": (f"{subdomain}.{domain}", f"u{USER_ID}.wl.sendgrid.net"),
        "dkim1": (f"s1._domainkey.{domain}", f"s1.domainkey.u{USER_ID}.wl.sendgrid.net"),
        "dkim2": (f"s2._domainkey.{domain}", f"s2.domainkey.u{USER_ID}.wl.sendgrid.net"),
    }
    return {name: {"valid": False, "type": "cname", "host": host, "data": data} for name, (host, data) in wanted.items()}


def int_id(raw: str, what: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise NotFound(f"{what} not found") from exc


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


class DomainBook:
    """Authenticated domains plus the set of DNS hosts the control API marked present."""

    def __init__(self) -> None:
        self.domains: dict[int, dict[str, Any]] = {}
        self.present: set[str] = set()
        self._ids = itertools.count(1001)

    # --- control -----------------------------------------------------------------------------
    def update(self, body: Any) -> None:
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, dict) or not all(isinstance(flag, bool) for flag in records.values()):
            raise ValueError('the body must be {"records": {"<host>": true|false}}')
        for host, present in records.items():
            (self.present.add if present else self.present.discard)(host.lower())

    def describe(self) -> dict[str, Any]:
        return {"present": sorted(self.present)}

    # --- API ---------------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        name, domain_id = body["domain"].lower(), next(self._ids)
        subdomain = body.get("subdomain") or f"em{domain_id % 10000:04d}"  # SendGrid picks em<digits>
        domain = {
            "id": domain_id, "user_id": USER_ID, "subdomain": subdomain, "domain": name,
            "username": body.get("username") or USERNAME, "ips": list(body.get("ips") or []),
            "custom_spf": bool(body.get("custom_spf", False)), "default": bool(body.get("default", False)),
            "legacy": False, "automatic_security": bool(body.get("automatic_security", True)), "valid": False,
            "dns": dns_records(name, subdomain),
        }
        if domain["default"]:
            self._clear_default()
        self.domains[domain_id] = domain
        return domain

    def get(self, raw_id: str) -> dict[str, Any]:
        domain = self.domains.get(int_id(raw_id, "authenticated domain"))
        if domain is None:
            raise NotFound("authenticated domain not found")
        return domain

    def listing(self, name: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
        chosen = [domain for domain in self.domains.values() if not name or domain["domain"] == name.lower()]
        return chosen[offset:offset + limit]

    def update_flags(self, domain: dict[str, Any], body: dict[str, Any]) -> None:
        if body.get("default"):
            self._clear_default()
        for flag in ("default", "custom_spf"):
            if flag in body:
                domain[flag] = body[flag]

    def delete(self, domain: dict[str, Any]) -> None:
        del self.domains[domain["id"]]

    def validate(self, domain: dict[str, Any]) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for name in DNS_RECORDS:
            record = domain["dns"][name]
            record["valid"] = record["host"] in self.present
            reason = None if record["valid"] else (
                f'Expected CNAME for "{record["host"]}" to match "{record["data"]}".')
            results[name] = {"valid": record["valid"], "reason": reason}
        domain["valid"] = all(result["valid"] for result in results.values())
        domain["last_validation_attempt_at"] = unix_now()
        return {"id": domain["id"], "valid": domain["valid"], "validation_results": results}

    def covers(self, address: str) -> bool:
        """Whether mail from ``address`` is on an authenticated, validated domain."""
        wanted = email_domain(address)
        return any(domain["valid"] and domain["domain"] == wanted for domain in self.domains.values())

    def _clear_default(self) -> None:
        for domain in self.domains.values():
            domain["default"] = False


class SenderBook:
    """Single sender verification requests."""

    def __init__(self) -> None:
        self.senders: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(5001)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_free(body["from_email"])
        sender = {"id": next(self._ids), **{name: "" for name in SENDER_FIELDS}, "verified": False, "locked": False}
        sender.update({name: body[name] for name in SENDER_FIELDS if name in body})
        self.senders[sender["id"]] = sender
        return sender

    def get(self, raw_id: str) -> dict[str, Any]:
        sender = self.senders.get(int_id(raw_id, "verified sender"))
        if sender is None:
            raise NotFound("resource not found")
        return sender

    def listing(self, limit: int | None, last_seen: int | None, wanted_id: int | None) -> list[dict[str, Any]]:
        chosen = [sender for sender_id, sender in sorted(self.senders.items())
                  if (last_seen is None or sender_id > last_seen) and (wanted_id is None or sender_id == wanted_id)]
        return chosen if limit is None else chosen[:limit]

    def update(self, sender: dict[str, Any], body: dict[str, Any]) -> None:
        if body["from_email"].lower() != sender["from_email"].lower():
            self._check_free(body["from_email"])
            sender["verified"] = False  # a new address needs a new confirmation
        sender.update({name: body[name] for name in SENDER_FIELDS if name in body})

    def delete(self, sender: dict[str, Any]) -> None:
        del self.senders[sender["id"]]

    def verify(self, body: Any) -> dict[str, Any]:
        """Control: the person behind ``from_email`` clicked the link."""
        address = body.get("from_email") if isinstance(body, dict) else None
        if not isinstance(address, str):
            raise ValueError('the body must be {"from_email": "<address>"}')
        sender = self.find(address)
        if sender is None:
            raise ValueError(f"no verified sender request for {address}")
        sender["verified"] = True
        return sender

    def find(self, address: str) -> dict[str, Any] | None:
        return next((sender for sender in self.senders.values()
                     if sender["from_email"].lower() == address.lower()), None)

    def is_verified(self, address: str) -> bool:
        sender = self.find(address)
        return sender is not None and sender["verified"]

    def _check_free(self, address: str) -> None:
        if self.find(address) is not None:
            raise ApiError(400, "already exists", field="from_email")
