"""The email and error monitoring phases of site.yml: secrets, second runs, a lost key, rollbacks.

Only scoop-web gets SENDGRID_API_KEY and SENTRY_DSN here (the inventory also names scoop-sidekiq, which
only the worker phase creates), so each run takes seconds.

Run (with the sandbox up and .sandbox/env loaded):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_email_sentry.py
"""
from __future__ import annotations

import json
import os
import re
import time
import urllib.request

import pytest

from conftest import (assert_ok, control, env_of, fixture_data, log_summary, recap, run_site,
                      services_by_name, state)
from test_leaks import assert_no_leak, assert_verbose, masked, secrets_in

WEB = "scoop-web"
HOST = "scoop_production"
SENDGRID_ENV = "SENDGRID_API_KEY"
SENTRY_ENV = "SENTRY_DSN"
# Scoop's inventory also writes the SMTP relay settings (the password is SENDGRID_API_KEY itself)
SMTP_SETTINGS = ("SMTP_ADDRESS", "SMTP_PORT", "SMTP_USERNAME", "SMTP_ENABLE_STARTTLS_AUTO")
KEY_NAME = "scoop-scoop_production-mail"  # the role's name: <launchkit_stack>-<inventory_hostname>-mail
PROJECT = "scoop-rails"
ALERTS = ["Error spike", "New issue"]
ONLY_WEB = ("--limit", HOST, "-e", json.dumps({"email_services": [WEB], "error_monitoring_services": [WEB]}))
EMAIL = ("--tags", "email", *ONLY_WEB)
EMAIL_AND_SENTRY = ("--tags", "email,error_monitoring", *ONLY_WEB)
ROLLBACK = ("--tags", "rollback_error_monitoring,rollback_email", *ONLY_WEB)
VENDOR_ENV = ("SENDGRID_API_URL", "SENDGRID_API_KEY", "SENTRY_API_URL", "SENTRY_AUTH_TOKEN", "SENTRY_ORG")


@pytest.fixture(autouse=True)
def vendor_env(sandbox):  # noqa: ARG001 - `sandbox` (conftest) resets and seeds before each test
    missing = [name for name in VENDOR_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: load the sandbox's variables with "
                    "`set -a; . .sandbox/env; set +a`", pytrace=False)


def output(result) -> str:
    return result.stdout + "\n" + result.stderr


def run_counted(*args: str, state_dir) -> tuple:
    """Run site.yml with ARGS; return the result and the sandbox log entries that wrote during that run."""
    control("DELETE", "/log")
    started = time.monotonic()
    result = run_site(*args, state_dir=state_dir)
    seconds = time.monotonic() - started
    writes = [e for e in control("GET", "/log")["entries"] if e["write"]]
    print(f"\n  site.yml {' '.join(args[:2])}: {seconds:.1f} s, {log_summary()}")
    return result, writes


def keys() -> list[dict]:
    """Every live SendGrid API key the phase created, with its secret (the control API's view)."""
    return control("GET", "/sendgrid/keys")["keys"]


def sentry_state() -> dict:
    return state()["vendors"]["sentry"]


def sentry_secrets() -> set[str]:
    """The public and secret halves of every Sentry client key (the DSN's keys)."""
    return {key[half] for key in sentry_state()["keys"] for half in ("public", "secret")}


def sendgrid_secrets() -> set[str]:
    """Each created key's secret, whole and the part after its id (SG.<id>.<secret>)."""
    found = set()
    for key in keys():
        found.update({key["secret"], key["secret"].rsplit(".", 1)[-1]})
    return found


def render_delete_env(service_name: str, key: str) -> None:
    """Delete one env var by hand, as someone in Render's dashboard would."""
    service_id = services_by_name(state())[service_name]["id"]
    request = urllib.request.Request(f"{os.environ['RENDER_API_URL'].rstrip('/')}/services/{service_id}/env-vars/{key}",
                                     method="DELETE",
                                     headers={"Authorization": f"Bearer {os.environ['RENDER_API_KEY']}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status in (200, 204), answer.status


def assert_web_env_secret(expected: str, what: str) -> None:
    value = env_of(state(), WEB).get(SENDGRID_ENV)
    if value is None:
        pytest.fail(f"{what}: {WEB} has no {SENDGRID_ENV}", pytrace=False)
    if value != expected:  # pytest.fail, not assert: the report must not print the secrets
        pytest.fail(f"{what}: {WEB}'s {SENDGRID_ENV} is {masked(value)}, not the key's secret {masked(expected)}",
                    pytrace=False)


def seeded_web_env() -> dict[str, str]:
    return next(s["env_vars"] for s in fixture_data()["render"]["services"] if s["name"] == WEB)


def fatal_message(text: str) -> str:
    start = text.index(f"fatal: [{HOST}]")
    return re.search(r'"msg": "([^"]*)"', text[start:]).group(1)


def test_email_and_sentry_phases_print_no_secret(tmp_path):
    result = run_site(*EMAIL_AND_SENTRY, "-vvv", "--diff", state_dir=tmp_path / "state")
    assert_ok(result, "email and error monitoring phases at -vvv --diff")
    text = output(result)
    created = keys()
    assert len(created) == 1, [(k["api_key_id"], k["name"]) for k in created]
    assert_web_env_secret(created[0]["secret"], "after the email phase")
    dsn = env_of(state(), WEB).get(SENTRY_ENV)
    assert dsn, f"{WEB} has no {SENTRY_ENV}"
    dsn_public_key = re.match(r"^https?://([0-9a-f]+)@", dsn).group(1)

    secrets = secrets_in(state()) | sendgrid_secrets() | sentry_secrets() | {
        os.environ["SENDGRID_API_KEY"], os.environ["SENTRY_AUTH_TOKEN"], dsn, dsn_public_key}
    # Every kind of secret must be in the list, or the check proves nothing.
    assert {created[0]["secret"], os.environ["SENDGRID_API_KEY"], dsn_public_key} <= secrets
    assert env_of(state(), WEB)[SENDGRID_ENV] in secrets

    assert_verbose(text, HOST)
    # Non-secret identifiers of what was created do show up: the scan reads the right output.
    assert created[0]["api_key_id"] in text and KEY_NAME in text and PROJECT in text
    assert_no_leak(text, secrets, "the email and error monitoring phases at -vvv --diff")


def test_second_email_run_creates_no_second_key(tmp_path):
    first, _writes = run_counted(*EMAIL, state_dir=tmp_path / "state")
    assert_ok(first, "first run of the email phase")
    created = keys()
    assert [(k["name"], k["scopes"]) for k in created] == [(KEY_NAME, ["mail.send"])]

    second, writes = run_counted(*EMAIL, state_dir=tmp_path / "state")
    assert_ok(second, "second run of the email phase")
    assert all(host["changed"] == 0 for host in recap(second).values()), recap(second)
    again = keys()
    assert [k["api_key_id"] for k in again] == [created[0]["api_key_id"]], "the second run made another key"
    assert_web_env_secret(created[0]["secret"], "after the second run")
    # No write to SendGrid (no key, domain or sender made or changed) and none to Render. The domain
    # validation the role asks for on every run (email_validate_domain) is sent, and counted as the DNS
    # check it is: a read.
    assert writes == [], writes
    domain_id = state()["vendors"]["sendgrid"]["domains"][0]["id"]
    validations = [e for e in control("GET", "/log")["entries"]
                   if (e["method"], e["path"]) == ("POST", f"/sendgrid/v3/whitelabel/domains/{domain_id}/validate")]
    assert len(validations) == 1 and validations[0]["write"] is False, validations


def test_a_lost_answer_to_the_key_create_is_undone_and_the_key_made_again_with_its_secret(tmp_path):
    """SendGrid shows a key's secret only in the answer to its creation: a key whose answer was lost is
    deleted and created again in the same run, so the app gets a working key and no later run stops."""
    control("POST", "/faults", {"nth": 1, "vendor": "sendgrid", "methods": ["POST"], "path_contains": "/api_keys",
                                "kinds": ["drop_after"]})
    first, writes = run_counted(*EMAIL, state_dir=tmp_path / "state")
    control("DELETE", "/faults")
    assert_ok(first, "the email phase with the key create's answer dropped")
    faulted = [e for e in control("GET", "/log")["entries"] if e["fault"]]
    assert [(e["method"], e["fault"]) for e in faulted] == [("POST", "drop_after")], faulted
    now = keys()
    assert [(k["name"], k["scopes"]) for k in now] == [(KEY_NAME, ["mail.send"])], now
    key_writes = [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in writes if "/api_keys" in e["path"]]
    assert [write[0] for write in key_writes] == ["POST", "DELETE", "POST"], key_writes
    assert key_writes[1][1] != now[0]["api_key_id"]
    assert_web_env_secret(now[0]["secret"], "after the lost answer")
    assert "was lost" in output(first)

    second, _writes = run_counted(*EMAIL, state_dir=tmp_path / "state")
    assert_ok(second, "the next run of the email phase")
    assert [k["api_key_id"] for k in keys()] == [now[0]["api_key_id"]]


def test_lost_key_fails_with_the_fix_then_rotation_restores_it(tmp_path):
    state_dir = tmp_path / "state"
    first, _writes = run_counted(*EMAIL, state_dir=state_dir)
    assert_ok(first, "first run of the email phase")
    old_id = keys()[0]["api_key_id"]
    render_delete_env(WEB, SENDGRID_ENV)
    assert SENDGRID_ENV not in env_of(state(), WEB)

    lost, writes = run_counted(*EMAIL, state_dir=state_dir)
    text = output(lost)
    assert lost.returncode != 0, f"the email phase passed with the key lost:\n{lost.stdout[-6000:]}"
    assert recap(lost)[HOST]["failed"] == 1, recap(lost)
    message = fatal_message(text)
    assert WEB in message and SENDGRID_ENV in message and "email_rotate_key=true" in message, message
    assert writes == [], f"the failed run wrote: {writes}"
    assert [k["api_key_id"] for k in keys()] == [old_id]

    rotated, _writes = run_counted(*EMAIL, "-e", "email_rotate_key=true", state_dir=state_dir)
    assert_ok(rotated, "the email phase with -e email_rotate_key=true")
    now = keys()
    assert len(now) == 1, [(k["api_key_id"], k["name"]) for k in now]
    assert now[0]["api_key_id"] != old_id, "the key was not rotated"
    assert (now[0]["name"], now[0]["scopes"]) == (KEY_NAME, ["mail.send"])
    assert_web_env_secret(now[0]["secret"], "after the rotation")
    assert {k: v for k, v in env_of(state(), WEB).items() if k not in (SENDGRID_ENV, *SMTP_SETTINGS)} == seeded_web_env()

    # And the phase is content again.
    after, _writes = run_counted(*EMAIL, state_dir=state_dir)
    assert_ok(after, "the email phase after the rotation")
    assert [k["api_key_id"] for k in keys()] == [now[0]["api_key_id"]]


def test_rollbacks_remove_key_dsn_and_alerts_then_change_nothing(tmp_path):
    state_dir = tmp_path / "state"
    rollout, _writes = run_counted(*EMAIL_AND_SENTRY, state_dir=state_dir)
    assert_ok(rollout, "rollout of the email and error monitoring phases")
    web = env_of(state(), WEB)
    assert {SENDGRID_ENV, SENTRY_ENV, *SMTP_SETTINGS} <= set(web), sorted(web)
    assert len(keys()) == 1
    assert sorted(w["name"] for w in sentry_state()["workflows"]) == ALERTS
    project_before = [p for p in sentry_state()["projects"] if p["slug"] == PROJECT]
    assert len(project_before) == 1

    first, first_writes = run_counted(*ROLLBACK, state_dir=state_dir)
    assert_ok(first, "first rollback of the error monitoring and email phases")
    after = state()
    assert env_of(after, WEB) == seeded_web_env(), sorted(env_of(after, WEB))
    assert keys() == [], [(k["api_key_id"], k["name"]) for k in keys()]
    assert after["vendors"]["sentry"]["workflows"] == [], [w["name"] for w in after["vendors"]["sentry"]["workflows"]]
    assert [p["id"] for p in after["vendors"]["sentry"]["projects"] if p["slug"] == PROJECT] == \
        [project_before[0]["id"]], "the rollback deleted the project"
    # Nine env deletes (SENDGRID_API_KEY, the four SMTP settings, SENTRY_DSN and the inventory's
    # SENTRY_ENVIRONMENT, SENTRY_TRACES_SAMPLE_RATE, SENTRY_RELEASE), one key delete, two alert deletes, and
    # one deploy of scoop-web so that it runs with its env as it was (the rollbacks' apply play).
    deploys = [e for e in first_writes if e["method"] == "POST" and e["path"].endswith("/deploys")]
    assert len(deploys) == 1 and services_by_name(after)[WEB]["id"] in deploys[0]["path"], deploys
    assert len(first_writes) == 13, [(e["vendor"], e["method"], e["path"]) for e in first_writes]

    second, second_writes = run_counted(*ROLLBACK, state_dir=state_dir)
    assert_ok(second, "second rollback of the error monitoring and email phases")
    assert second_writes == [], f"second rollback wrote: {second_writes}"
    assert all(host["changed"] == 0 for host in recap(second).values()), recap(second)
    again = state()
    assert env_of(again, WEB) == env_of(after, WEB)
    assert again["vendors"]["sentry"] == after["vendors"]["sentry"]
    assert again["vendors"]["sendgrid"] == after["vendors"]["sendgrid"]
