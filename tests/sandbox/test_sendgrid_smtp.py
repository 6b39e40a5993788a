"""SendGrid's SMTP relay: STARTTLS with the sandbox CA, AUTH only after it, `apikey` with a live key
holding mail.send, the sender checked like /v3/mail/send, mail recorded with the API's."""
from __future__ import annotations

import base64
import smtplib
import ssl
from email.message import EmailMessage

import pytest
import requests

from conftest import SENDGRID_KEY, Sandbox
from test_sendgrid import create_key, verified_sender

SENDER_IDENTITY = b"The from address does not match a verified Sender Identity"


def relay_address(sbx: Sandbox) -> tuple[str, int]:
    smtp = requests.get(f"{sbx.url}/_sandbox/health", timeout=5).json()["smtp"]
    assert smtp, "the sandbox runs no SMTP relay (is aiosmtpd installed?)"
    return smtp["host"], smtp["port"]


def connect(sbx: Sandbox, *, tls: bool = True) -> smtplib.SMTP:
    host, port = relay_address(sbx)
    client = smtplib.SMTP(host, port, timeout=10)
    client.ehlo()
    if tls:
        client.starttls(context=ssl.create_default_context(cafile=sbx.ca))
        client.ehlo()
    return client


def message(sender: str = "ops@scoop.test", subject: str = "Reset your password") -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Scoop <{sender}>", "walker@example.com", subject
    mail.set_content("Click the link to reset your password.")
    return mail


def smtp_mails(sbx: Sandbox) -> list[dict]:
    return [mail for mail in sbx.control("GET", "/sendgrid/mails")["mails"] if mail["via"] == "smtp"]


def plain(user: str, password: str) -> str:
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


def test_relay_certificate_is_signed_by_the_sandbox_ca(sbx: Sandbox) -> None:
    client = connect(sbx)
    try:
        certificate = client.sock.getpeercert()
        assert ("commonName", "127.0.0.1") in [pair for rdn in certificate["subject"] for pair in rdn]
    finally:
        client.quit()
    host, port = relay_address(sbx)
    untrusted = smtplib.SMTP(host, port, timeout=10)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            untrusted.starttls(context=ssl.create_default_context())  # the system CAs do not know it
    finally:
        untrusted.close()


def test_auth_is_refused_before_starttls(sbx: Sandbox) -> None:
    key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    client = connect(sbx, tls=False)
    try:
        assert "starttls" in client.esmtp_features and "auth" not in client.esmtp_features
        code, _text = client.docmd("AUTH", f"PLAIN {plain('apikey', key)}")
        assert code == 530
        assert client.mail("ops@scoop.test")[0] == 530  # nothing is sent in clear either
    finally:
        client.close()


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_apikey_with_a_live_mail_send_key_logs_in(sbx: Sandbox, mechanism: str) -> None:
    key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    client = connect(sbx)
    try:
        assert set(client.esmtp_features["auth"].split()) == {"LOGIN", "PLAIN"}
        client.user, client.password = "apikey", key  # what login() sets before it picks a mechanism
        code, _text = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        assert code == 235
    finally:
        client.quit()


@pytest.mark.parametrize("who", ["wrong user", "unknown key", "deleted key", "key without mail.send"])
def test_anything_else_gets_535(sbx: Sandbox, who: str) -> None:
    mailer = create_key(sbx, "mailer", scopes=["mail.send"])
    reader = create_key(sbx, "reader", scopes=["alerts.read"])
    if who == "deleted key":
        assert sbx.sendgrid("DELETE", f"/api_keys/{mailer['api_key_id']}").status_code == 204
    user, password = {"wrong user": ("ops@scoop.test", mailer["api_key"]), "unknown key": ("apikey", "SG.nope.nope"),
                      "deleted key": ("apikey", mailer["api_key"]),
                      "key without mail.send": ("apikey", reader["api_key"])}[who]
    client = connect(sbx)
    try:
        with pytest.raises(smtplib.SMTPAuthenticationError) as failure:
            client.login(user, password)
        assert failure.value.smtp_code == 535
        assert client.mail("ops@scoop.test")[0] == 530  # still not authenticated
    finally:
        client.quit()


def test_a_full_access_key_may_send_too(sbx: Sandbox) -> None:
    client = connect(sbx)
    try:
        assert client.login("apikey", SENDGRID_KEY)[0] == 235
    finally:
        client.quit()


def test_unverified_sender_is_refused_and_recorded_like_the_api_does(sbx: Sandbox) -> None:
    key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    client = connect(sbx)
    try:
        client.login("apikey", key)
        with pytest.raises(smtplib.SMTPDataError) as failure:
            client.send_message(message())
        assert failure.value.smtp_code == 550 and SENDER_IDENTITY in failure.value.smtp_error
    finally:
        client.quit()
    assert [(mail["from"], mail["status"]) for mail in smtp_mails(sbx)] == [
        ("ops@scoop.test", "rejected (sender identity not verified)")]


def test_mail_from_a_verified_sender_is_accepted_and_recorded(sbx: Sandbox) -> None:
    verified_sender(sbx)
    key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    client = connect(sbx)
    try:
        client.login("apikey", key)
        assert client.send_message(message(), to_addrs=["walker@example.com", "owner@example.com"]) == {}
    finally:
        client.quit()
    [mail] = sbx.control("GET", "/sendgrid/mails")["mails"]
    assert mail["via"] == "smtp" and mail["status"] == "delivered" and mail["sandbox_mode"] is False
    assert mail["from"] == "ops@scoop.test" and mail["subject"] == "Reset your password"
    assert mail["to"] == ["walker@example.com", "owner@example.com"]


def test_the_from_header_is_what_is_checked(sbx: Sandbox) -> None:
    verified_sender(sbx)  # ops@scoop.test
    key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    client = connect(sbx)
    try:
        client.login("apikey", key)
        with pytest.raises(smtplib.SMTPDataError):  # a verified envelope sender does not cover another From
            client.send_message(message("someone@else.test"), from_addr="ops@scoop.test")
    finally:
        client.quit()
    assert [mail["from"] for mail in smtp_mails(sbx)] == ["someone@else.test"]


def test_mail_from_an_authenticated_domain_is_accepted(sbx: Sandbox) -> None:
    domain = sbx.sendgrid("POST", "/whitelabel/domains", json={"domain": "scoop.test", "subdomain": "em"}).json()
    key = create_key(sbx, "mailer", scopes=["mail.send"])["api_key"]
    client = connect(sbx)
    try:
        client.login("apikey", key)
        with pytest.raises(smtplib.SMTPDataError):  # created, not validated yet
            client.send_message(message("news@scoop.test", "before"))
        sbx.control("POST", "/sendgrid/dns", json={"records": {record["host"]: True
                                                               for record in domain["dns"].values()}})
        assert sbx.sendgrid("POST", f"/whitelabel/domains/{domain['id']}/validate").json()["valid"] is True
        assert client.send_message(message("news@scoop.test", "after")) == {}
    finally:
        client.quit()
    assert [(mail["subject"], mail["status"]) for mail in smtp_mails(sbx)] == [
        ("before", "rejected (sender identity not verified)"), ("after", "delivered")]


def test_api_mail_is_marked_as_sent_through_the_api(sbx: Sandbox) -> None:
    verified_sender(sbx)
    body = {"personalizations": [{"to": [{"email": "user@example.com"}]}], "from": {"email": "ops@scoop.test"},
            "subject": "Welcome", "content": [{"type": "text/plain", "value": "hello"}]}
    assert sbx.sendgrid("POST", "/mail/send", json=body).status_code == 202
    assert [mail["via"] for mail in sbx.control("GET", "/sendgrid/mails")["mails"]] == ["api"]
