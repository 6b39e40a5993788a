"""SendGrid: API keys shown once, scopes, domain authentication, sender verification, mail send."""
from __future__ import annotations

from typing import Any

from conftest import Sandbox

SENDER = {"nickname": "Ops", "from_email": "ops@scoop.test", "from_name": "Scoop Ops", "reply_to": "ops@scoop.test",
          "address": "1 Main St", "city": "Springfield", "country": "USA"}


def mail(sender: str = "ops@scoop.test", *, sandbox_mode: bool = True) -> dict[str, Any]:
    return {"personalizations": [{"to": [{"email": "user@example.com"}]}], "from": {"email": sender},
            "subject": "Welcome", "content": [{"type": "text/plain", "value": "hello"}],
            "mail_settings": {"sandbox_mode": {"enable": sandbox_mode}}}


def create_key(sbx: Sandbox, name: str = "app", **extra: Any) -> dict[str, Any]:
    response = sbx.sendgrid("POST", "/api_keys", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def verified_sender(sbx: Sandbox) -> dict[str, Any]:
    created = sbx.sendgrid("POST", "/verified_senders", json=SENDER).json()
    sbx.control("POST", "/sendgrid/verify-sender", json={"from_email": SENDER["from_email"]})
    return created


def test_auth_errors_and_rate_limit_headers(sbx: Sandbox) -> None:
    response = sbx.sendgrid("GET", "/scopes", key="SG.wrong")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] is None and response.json()["errors"][0]["message"]
    ok = sbx.sendgrid("GET", "/scopes")
    assert ok.status_code == 200 and "mail.send" in ok.json()["scopes"]
    assert int(ok.headers["X-RateLimit-Reset"]) > 1_600_000_000
    assert int(ok.headers["X-RateLimit-Remaining"]) < int(ok.headers["X-RateLimit-Limit"])


def test_key_secret_is_shown_only_at_creation(sbx: Sandbox) -> None:
    key = create_key(sbx, "mailer", scopes=["mail.send"])
    assert key["api_key"].startswith(f"SG.{key['api_key_id']}.") and key["scopes"] == ["mail.send"]
    listed = sbx.sendgrid("GET", "/api_keys", params={"limit": 10}).json()
    assert listed == {"result": [{"api_key_id": key["api_key_id"], "name": "mailer"}]}
    single = sbx.sendgrid("GET", f"/api_keys/{key['api_key_id']}").json()
    assert single == {"api_key_id": key["api_key_id"], "name": "mailer", "scopes": ["mail.send"]}
    registry = sbx.control("GET", "/sendgrid/keys")["keys"]
    assert registry == [{**single, "secret": key["api_key"]}]
    assert sbx.sendgrid("GET", "/scopes", key=key["api_key"]).json() == {"scopes": ["mail.send"]}


def test_omitted_scopes_mean_full_access_and_names_repeat(sbx: Sandbox) -> None:
    full = sbx.sendgrid("GET", "/scopes").json()["scopes"]
    first, second = create_key(sbx, "same"), create_key(sbx, "same")
    assert first["scopes"] == full and first["api_key_id"] != second["api_key_id"]


def test_update_and_delete_key(sbx: Sandbox) -> None:
    key = create_key(sbx, "old", scopes=["mail.send"])
    path = f"/api_keys/{key['api_key_id']}"
    assert sbx.sendgrid("PATCH", path, json={"name": "new"}).json()["name"] == "new"
    assert sbx.sendgrid("PUT", path, json={"name": "new"}).status_code == 400  # PUT needs scopes
    replaced = sbx.sendgrid("PUT", path, json={"name": "ro", "scopes": ["alerts.read"]}).json()
    assert replaced["scopes"] == ["alerts.read"]
    assert sbx.sendgrid("DELETE", path).status_code == 204
    assert sbx.sendgrid("GET", path).status_code == 404
    assert sbx.sendgrid("GET", "/scopes", key=key["api_key"]).status_code == 401  # a deleted key is dead


def test_hundred_key_limit(sbx: Sandbox) -> None:
    for index in range(100):
        create_key(sbx, f"k{index}", scopes=["mail.send"])
    response = sbx.sendgrid("POST", "/api_keys", json={"name": "one too many"})
    assert response.status_code == 403 and response.json()["errors"][0]["message"]


def test_restricted_key_needs_mail_send_scope(sbx: Sandbox) -> None:
    verified_sender(sbx)
    sender_key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    reader_key = create_key(sbx, "reader", scopes=["alerts.read"])["api_key"]
    assert sbx.sendgrid("POST", "/mail/send", key=sender_key, json=mail()).status_code == 202
    refused = sbx.sendgrid("POST", "/mail/send", key=reader_key, json=mail())
    assert refused.status_code == 403 and refused.json()["errors"][0]["message"] == "access forbidden"
    assert sbx.sendgrid("POST", "/api_keys", key=sender_key, json={"name": "x"}).status_code == 403
    assert len(sbx.control("GET", "/sendgrid/mails")["mails"]) == 1


def test_mail_send_records_sandbox_mode_and_enforces_sender_identity(sbx: Sandbox) -> None:
    refused = sbx.sendgrid("POST", "/mail/send", json=mail())
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "from"
    assert "verified Sender Identity" in refused.json()["errors"][0]["message"]
    verified_sender(sbx)
    sent = sbx.sendgrid("POST", "/mail/send", json=mail())
    assert sent.status_code == 202 and sent.content == b""
    assert sbx.sendgrid("POST", "/mail/send", json=mail(sandbox_mode=False)).status_code == 202
    mails = sbx.control("GET", "/sendgrid/mails")["mails"]
    assert [(item["sandbox_mode"], item["status"]) for item in mails] == [
        (True, "rejected (sender identity not verified)"),
        (True, "accepted (sandbox mode, not delivered)"), (False, "delivered")]
    assert mails[1]["to"] == ["user@example.com"] and mails[1]["from"] == "ops@scoop.test"
    assert mails[1]["subject"] == "Welcome"


def test_mail_send_body_is_validated_against_the_spec(sbx: Sandbox) -> None:
    response = sbx.sendgrid("POST", "/mail/send", json={"from": {"email": "ops@scoop.test"}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "personalizations"


def test_sender_verification_via_control(sbx: Sandbox) -> None:
    created = sbx.sendgrid("POST", "/verified_senders", json=SENDER)
    assert created.status_code == 201
    sender = created.json()
    assert sender["verified"] is False and sender["locked"] is False and sender["from_email"] == "ops@scoop.test"
    duplicate = sbx.sendgrid("POST", "/verified_senders", json=SENDER)
    assert duplicate.status_code == 400 and duplicate.json()["errors"][0]["field"] == "from_email"
    assert sbx.sendgrid("POST", f"/verified_senders/resend/{sender['id']}").status_code == 204
    sbx.control("POST", "/sendgrid/verify-sender", json={"from_email": "ops@scoop.test"})
    listed = sbx.sendgrid("GET", "/verified_senders", params={"id": sender["id"]}).json()["results"]
    assert [item["verified"] for item in listed] == [True]
    changed = sbx.sendgrid("PATCH", f"/verified_senders/{sender['id']}", json={**SENDER, "from_email": "new@scoop.test"})
    assert changed.json()["verified"] is False  # a new address needs a new click
    assert sbx.sendgrid("DELETE", f"/verified_senders/{sender['id']}").status_code == 204
    assert sbx.sendgrid("GET", "/verified_senders").json() == {"results": []}


def test_domain_validates_only_after_dns_is_marked(sbx: Sandbox) -> None:
    created = sbx.sendgrid("POST", "/whitelabel/domains", json={"domain": "scoop.test", "subdomain": "em"})
    assert created.status_code == 201
    domain = created.json()
    assert domain["valid"] is False and set(domain["dns"]) == {"mail_cname", "dkim1", "dkim2"}
    assert domain["dns"]["mail_cname"]["host"] == "em.scoop.test"
    validate = f"/whitelabel/domains/{domain['id']}/validate"
    first = sbx.sendgrid("POST", validate).json()
    assert first["valid"] is False and first["validation_results"]["dkim1"]["reason"]
    assert sbx.sendgrid("POST", "/mail/send", json=mail("news@scoop.test")).status_code == 403
    hosts = [record["host"] for record in domain["dns"].values()]
    sbx.control("POST", "/sendgrid/dns", json={"records": dict.fromkeys(hosts[:2], True)})
    assert sbx.sendgrid("POST", validate).json()["valid"] is False
    sbx.control("POST", "/sendgrid/dns", json={"records": {hosts[2]: True}})
    second = sbx.sendgrid("POST", validate).json()
    assert second["valid"] is True and second["validation_results"]["mail_cname"] == {"valid": True, "reason": None}
    assert sbx.sendgrid("GET", f"/whitelabel/domains/{domain['id']}").json()["valid"] is True
    assert sbx.sendgrid("POST", "/mail/send", json=mail("news@scoop.test")).status_code == 202


def test_domain_list_filter_patch_delete(sbx: Sandbox) -> None:
    first = sbx.sendgrid("POST", "/whitelabel/domains", json={"domain": "a.test", "default": True}).json()
    second = sbx.sendgrid("POST", "/whitelabel/domains", json={"domain": "b.test"}).json()
    assert first["subdomain"].startswith("em")
    assert [item["id"] for item in sbx.sendgrid("GET", "/whitelabel/domains", params={"domain": "b.test"}).json()] == [
        second["id"]]
    assert len(sbx.sendgrid("GET", "/whitelabel/domains", params={"limit": 1, "offset": 1}).json()) == 1
    patched = sbx.sendgrid("PATCH", f"/whitelabel/domains/{second['id']}", json={"default": True}).json()
    assert patched["default"] is True
    assert sbx.sendgrid("GET", f"/whitelabel/domains/{first['id']}").json()["default"] is False
    assert sbx.sendgrid("DELETE", f"/whitelabel/domains/{first['id']}").status_code == 204
    assert sbx.sendgrid("GET", f"/whitelabel/domains/{first['id']}").status_code == 404
