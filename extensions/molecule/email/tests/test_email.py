"""Verify the email phase for the Scoop stack: one mail-only SendGrid key, its secret in scoop-web's env,
the SMTP relay settings beside it (the password a copy of the key, good for the sandbox's relay).

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
No assertion message prints a secret.
"""
from __future__ import annotations

import json
import smtplib
import ssl
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import assert_seeded_env_plus, control, env, env_of, testinfra_hosts, vendor_get  # noqa: E402

testinfra_hosts = testinfra_hosts()

WEB = "scoop-web"
ENV_KEY = "SENDGRID_API_KEY"
# As the role names it: "{{ launchkit_stack }}-{{ inventory_hostname }}-mail", the host being localhost.
KEY_NAME = "scoop-localhost-mail"
DOMAIN = "pocket-walks.com"
SENDER = "no-reply@pocket-walks.com"
SMTP_ENV = {"address": "SMTP_ADDRESS", "port": "SMTP_PORT", "username": "SMTP_USERNAME", "password": "SMTP_PASSWORD",
            "starttls": "SMTP_ENABLE_STARTTLS_AUTO"}


def sendgrid(path: str, token: str) -> tuple[int, dict]:
    """GET a SendGrid API path with TOKEN as the bearer; (status, body)."""
    return vendor_get("SENDGRID_API_URL", path, token)


def keys() -> list[dict]:
    return control("/sendgrid/keys")["keys"]


def web_env() -> dict[str, str]:
    return env_of(control("/state"), WEB)


def test_exactly_one_key_restricted_to_mail_send():
    found = keys()
    assert [(k["name"], k["scopes"]) for k in found] == [(KEY_NAME, ["mail.send"])], \
        [(k["api_key_id"], k["name"], k["scopes"]) for k in found]
    # SendGrid's own view agrees: the key is not Full Access.
    status, body = sendgrid(f"/api_keys/{found[0]['api_key_id']}", env("SENDGRID_API_KEY"))
    assert status == 200 and body["name"] == KEY_NAME and body["scopes"] == ["mail.send"], (status, body)


def test_scoop_web_holds_the_key_secret():
    secret = keys()[0]["secret"]
    value = web_env().get(ENV_KEY)
    assert value is not None, f"{WEB} has no {ENV_KEY}"
    if value != secret:  # pytest.fail, not assert: the report must not print either secret
        pytest.fail(f"{WEB}'s {ENV_KEY} ({len(value)} chars) is not the created key's secret", pytrace=False)
    # The value in the env works, and only for sending mail.
    status, body = sendgrid("/scopes", value)
    assert status == 200 and body["scopes"] == ["mail.send"], (status, body)


def test_other_env_keys_of_scoop_web_untouched():
    assert_seeded_env_plus(WEB, ENV_KEY, *SMTP_ENV.values())


def test_scoop_web_has_the_relay_settings_and_they_log_in():
    current = web_env()
    assert {setting: current.get(name) for setting, name in SMTP_ENV.items() if setting != "password"} == {
        "address": env("SENDGRID_SMTP_HOST"), "port": env("SENDGRID_SMTP_PORT"), "username": "apikey",
        "starttls": "true"}
    if current.get(SMTP_ENV["password"]) != keys()[0]["secret"]:  # never print either secret
        pytest.fail(f"{WEB}'s {SMTP_ENV['password']} is not the created key's secret", pytrace=False)
    with smtplib.SMTP(current["SMTP_ADDRESS"], int(current["SMTP_PORT"]), timeout=20) as relay:
        relay.starttls(context=ssl.create_default_context(cafile=env("LAUNCHKIT_SANDBOX_CA")))
        assert relay.login(current["SMTP_USERNAME"], current["SMTP_PASSWORD"])[0] == 235


def test_sender_request_exists_and_is_pending():
    senders = control("/state")["vendors"]["sendgrid"]["verified_senders"]
    assert [(s["from_email"], s["verified"]) for s in senders] == [(SENDER, False)], senders
    sender = senders[0]
    assert (sender["from_name"], sender["nickname"], sender["reply_to"]) == \
        ("Pocket Walks", "Pocket Walks", "support@pocket-walks.com")


def test_domain_authentication_exists():
    status, body = sendgrid(f"/whitelabel/domains?domain={DOMAIN}", env("SENDGRID_API_KEY"))
    assert status == 200, (status, body)
    assert [d["domain"] for d in body] == [DOMAIN], body
    # No DNS record is published in the sandbox, so it is not valid (yet), and it has its three records.
    assert body[0]["valid"] is False
    assert sorted(body[0]["dns"]) == ["dkim1", "dkim2", "mail_cname"]


def test_no_mail_sent_while_no_identity_is_verified():
    assert control("/sendgrid/mails")["mails"] == []


def test_key_with_same_options_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.sendgrid_api_key",
                          json.dumps({"name": KEY_NAME, "scopes": ["mail.send"]}), check=True)
    assert result["changed"] is False, {k: v for k, v in result.items() if k != "api_key"}
    assert result["action"] == "none"
    assert result["api_key"]["id"] == keys()[0]["api_key_id"]
    assert result["api_key"]["secret"] is None and result["api_key"]["secret_available"] is False
