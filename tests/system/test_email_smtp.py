"""The email phase's SMTP relay settings reach the running app and work: after the phase (and the apply
deploy it triggers), Python's smtplib sends a mail through the sandbox's SendGrid relay using only the
env the service RUNS with (host, port, user, password, STARTTLS with the sandbox CA), and the sandbox
records it. The key never shows in the output at -vvv --diff; the rollback takes the settings away.

Run (with the sandbox up and .sandbox/env loaded, or under xdist with a worker sandbox):
      .venv/bin/python -m pytest -q -p no:cacheprovider -n 1 tests/system/test_email_smtp.py
"""
from __future__ import annotations

import json
import os
import smtplib
import ssl
from email.message import EmailMessage

import pytest

from conftest import assert_ok, control, env_of, recap, run_site, services_by_name, state
from test_email_sentry import KEY_NAME, sendgrid_secrets
from test_leaks import assert_no_leak, assert_verbose, secrets_in

WEB = "scoop-web"
HOST = "scoop_production"
SENDER = "no-reply@pocket-walks.com"  # the inventory's email_sender
DEFAULT_NAMES = {"address": "SMTP_ADDRESS", "port": "SMTP_PORT", "username": "SMTP_USERNAME",
                 "password": "SMTP_PASSWORD", "starttls": "SMTP_ENABLE_STARTTLS_AUTO"}
# Scoop's ActionMailer reads the password from SENDGRID_API_KEY (inventories/sandbox/host_vars/scoop_production.yml)
SCOOP_NAMES = {**DEFAULT_NAMES, "password": "SENDGRID_API_KEY"}
SMTP_ONLY_WEB = {"email_services": [WEB], "email_test_to": None}


def email_run(*args: str, state_dir, extra: dict | None = None):
    """The email phase (and the apply step, tagged always) for scoop_production's web service only."""
    return run_site("--tags", "email", "--limit", HOST, "-e", json.dumps({**SMTP_ONLY_WEB, **(extra or {})}),
                    *args, state_dir=state_dir)


def running_env(name: str) -> dict[str, str]:
    """The env the service runs with (its live deploy's), from the control API."""
    render = state()["vendors"]["render"]
    return render["running_env_vars"].get(services_by_name(state())[name]["id"], {})


def send_with(env: dict[str, str], names: dict[str, str], subject: str) -> dict:
    """Send one mail as the app would, from NAMES of ENV only: what smtplib.send_message answers."""
    context = ssl.create_default_context(cafile=os.environ["LAUNCHKIT_SANDBOX_CA"])
    with smtplib.SMTP(env[names["address"]], int(env[names["port"]]), timeout=20) as client:
        client.ehlo()
        if env[names["starttls"]] == "true":
            client.starttls(context=context)
            client.ehlo()
        client.login(env[names["username"]], env[names["password"]])
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = SENDER, "walker@example.com", subject
        mail.set_content("Your walk is booked.")
        return client.send_message(mail)


def smtp_mails() -> list[dict]:
    return [mail for mail in control("GET", "/sendgrid/mails")["mails"] if mail["via"] == "smtp"]


@pytest.fixture(autouse=True)
def relay(quick_sandbox):  # noqa: ARG001 - quick_sandbox (conftest) resets and seeds, with quick deploys
    if not (os.environ.get("SENDGRID_SMTP_PORT") and os.environ.get("LAUNCHKIT_SANDBOX_CA")):
        pytest.fail("SENDGRID_SMTP_PORT or LAUNCHKIT_SANDBOX_CA not set: the sandbox runs no SMTP relay "
                    "(pip install -r requirements-dev.txt, then restart it and load .sandbox/env)", pytrace=False)


@pytest.mark.parametrize("names", [DEFAULT_NAMES, SCOOP_NAMES], ids=["role defaults", "scoop's names"])
def test_the_running_app_sends_through_the_relay_with_only_its_env(tmp_path, names):
    state_dir = tmp_path / "state"
    result = email_run("-vvv", "--diff", state_dir=state_dir, extra={"email_smtp_env": names})
    assert_ok(result, "email phase with the SMTP settings at -vvv --diff")
    [key] = [key for key in control("GET", "/sendgrid/keys")["keys"] if key["name"] == KEY_NAME]

    env = running_env(WEB)
    assert env == env_of(state(), WEB), "the apply deploy did not put the new env live"
    assert {name: env.get(name) for name in names.values() if name != names["password"]} == {
        names["address"]: os.environ["SENDGRID_SMTP_HOST"], names["port"]: os.environ["SENDGRID_SMTP_PORT"],
        names["username"]: "apikey", names["starttls"]: "true"}
    if env.get(names["password"]) != key["secret"]:  # not assert ==: the report must not print the key
        pytest.fail(f"{WEB} runs without the key as {names['password']}", pytrace=False)

    # SendGrid refuses an unverified sender; the phase asked for the inventory's sender, a person clicks.
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send_with(env, names, "Before the sender is verified")
    assert refused.value.smtp_code == 550
    control("POST", "/sendgrid/verify-sender", {"from_email": SENDER})
    assert send_with(env, names, "Walk booked") == {}
    assert [(mail["subject"], mail["from"], mail["to"], mail["status"]) for mail in smtp_mails()] == [
        ("Before the sender is verified", SENDER, ["walker@example.com"], "rejected (sender identity not verified)"),
        ("Walk booked", SENDER, ["walker@example.com"], "delivered")]

    text = result.stdout + "\n" + result.stderr
    assert_verbose(text, HOST)
    assert key["api_key_id"] in text and names["password"] in text  # the scan reads the right output
    assert_no_leak(text, secrets_in(state()) | sendgrid_secrets() | {key["secret"], os.environ["SENDGRID_API_KEY"]},
                   "the email phase with SMTP settings at -vvv --diff")


def test_smtp_settings_on_a_later_run_copy_the_existing_key_and_the_rollback_removes_them(tmp_path):
    state_dir = tmp_path / "state"
    assert_ok(email_run(state_dir=state_dir, extra={"email_smtp_enabled": False}), "email phase without SMTP")
    before = env_of(state(), WEB)
    assert "SENDGRID_API_KEY" in before and "SMTP_PASSWORD" not in before

    later = {"email_smtp_enabled": True, "email_smtp_env": DEFAULT_NAMES}
    check = email_run("--check", "--diff", state_dir=state_dir, extra=later)
    assert_ok(check, "check mode with SMTP turned on")
    assert env_of(state(), WEB) == before, "check mode wrote"
    assert "SMTP_PASSWORD" in check.stdout  # the diff names the keys it would set

    assert_ok(email_run(state_dir=state_dir, extra=later), "email phase with SMTP turned on later")
    env = running_env(WEB)
    if env.get("SMTP_PASSWORD") != before["SENDGRID_API_KEY"]:  # SendGrid shows the secret once: copied in place
        pytest.fail("SMTP_PASSWORD is not the key the service already had", pytrace=False)
    control("POST", "/sendgrid/verify-sender", {"from_email": SENDER})
    assert send_with(env, DEFAULT_NAMES, "Sent with a key made on an earlier run") == {}
    assert len(control("GET", "/sendgrid/keys")["keys"]) == 1  # no second key

    again = email_run(state_dir=state_dir, extra=later)
    assert_ok(again, "second run with SMTP")
    assert all(host["changed"] == 0 for host in recap(again).values()), recap(again)

    rollback = run_site("--tags", "rollback_email", "--limit", HOST, "-e", json.dumps({**SMTP_ONLY_WEB, **later}),
                        state_dir=state_dir)
    assert_ok(rollback, "rollback of the email phase")
    after = env_of(state(), WEB)
    assert not set(DEFAULT_NAMES.values()) & set(after), "the rollback left SMTP settings"


def test_bad_smtp_settings_fail_before_any_write(tmp_path):
    control("DELETE", "/log")
    result = email_run(state_dir=tmp_path / "state",
                       extra={"email_smtp_port": 465, "email_smtp_env": {**DEFAULT_NAMES, "port": "SENDGRID_API_KEY"}})
    assert result.returncode != 0
    assert "465 is SendGrid's implicit-TLS port" in result.stdout
    assert "port would overwrite SENDGRID_API_KEY" in result.stdout
    writes = [entry for entry in control("GET", "/log")["entries"] if entry["write"]]
    assert writes == [], writes
