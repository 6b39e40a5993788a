"""Credential rotations (playbooks/rotate.yml, --tags rotate_<secret>): after a rollout, each rotation puts a
new credential into every service that held the old one, deploys each of them once, proves the new
credential works and only then revokes the old one; a failure before the revoke leaves the old credential
working and in the services; nothing secret is printed at -vvv.

Run (with the sandbox up and .sandbox/env loaded, or under xdist with a sandbox per worker):
      .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 tests/system/test_rotate.py
"""
from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections import Counter

import psycopg2
import pytest
import redis

from conftest import assert_ok, control, env_of, run_site, services_by_name, state
from test_leaks import assert_no_leak, masked, secrets_in

SCOOP = "scoop_production"
REKINDLE = "rekindlepro_staging"
DEPLOY_POST = re.compile(r"^/render/v1/services/([a-z]+-[a-z0-9]+)/deploys$")
# Scoop's web service and its worker (the worker phase creates it); its cron jobs (the database's nightly
# backup job too) are left out for speed.
SCOOP_SERVICES = ["scoop-web", "scoop-sidekiq"]
SCOOP_VARS = json.dumps({"email_services": SCOOP_SERVICES, "error_monitoring_services": SCOOP_SERVICES,
                         "database_services": SCOOP_SERVICES, "redis_services": SCOOP_SERVICES,
                         "app_secrets": [], "cron_jobs": [], "database_backup": False,
                         "database_backup_schedule": None})
SCOOP_ONLY = ("--limit", SCOOP, "-e", SCOOP_VARS)
SENDER = "no-reply@pocket-walks.com"


def output(result) -> str:
    return result.stdout + "\n" + result.stderr


def rotate(tag: str, *args: str, state_dir, verbose: bool = False):
    """site.yml --tags TAG; the result and the deploys it posted per service name."""
    control("DELETE", "/log")
    result = run_site("--tags", tag, *args, *(("-vvv", "--diff") if verbose else ()), state_dir=state_dir)
    names = {s["id"]: s["name"] for s in state()["vendors"]["render"]["services"]}
    posted = Counter(names[match.group(1)] for entry in control("GET", "/log")["entries"]
                     if entry["method"] == "POST" and (match := DEPLOY_POST.match(entry["path"])))
    return result, posted


def assert_runs_with(service: str, key: str, expected: str, what: str) -> None:
    """The service's env and the env its running deploy took both hold EXPECTED under KEY."""
    snapshot = state()
    service_id = services_by_name(snapshot)[service]["id"]
    for where, env in (("env", env_of(snapshot, service)),
                       ("running env", snapshot["vendors"]["render"]["running_env_vars"].get(service_id, {}))):
        value = env.get(key)
        if value != expected:  # pytest.fail, not assert: the report must not print the secrets
            pytest.fail(f"{what}: {service}'s {where} {key} is {masked(value or '')}, not {masked(expected)}",
                        pytrace=False)


def fatal(result) -> str:
    return output(result)[output(result).rfind("fatal: ["):][:3000]


# ============================================================================================ SendGrid
def sendgrid_keys() -> list[dict]:
    return control("GET", "/sendgrid/keys")["keys"]


def test_sendgrid_key_rotation(quick_sandbox, tmp_path):  # noqa: ARG001
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,email", *SCOOP_ONLY, state_dir=state_dir), "rollout of worker and email")
    [old] = sendgrid_keys()
    for service in SCOOP_SERVICES:
        assert_runs_with(service, "SENDGRID_API_KEY", old["secret"], "after the rollout")

    # The sender is not verified yet, so the test mail with the new key fails: a failure before the revoke.
    failed, _posted = rotate("rotate_sendgrid_key", *SCOOP_ONLY, state_dir=state_dir)
    assert failed.returncode != 0
    assert "The old key" in output(failed) and "still works" in output(failed), fatal(failed)
    assert [(k["api_key_id"], k["secret"]) for k in sendgrid_keys()] == [(old["api_key_id"], old["secret"])]
    for service in SCOOP_SERVICES:
        assert_runs_with(service, "SENDGRID_API_KEY", old["secret"], "after a failed rotation")
    assert not list(state_dir.glob(f"{SCOOP}/rotate_sendgrid_key*")), "the failed rotation's record was kept"

    control("POST", "/sendgrid/verify-sender", {"from_email": SENDER})
    previous = old
    for attempt in ("first", "second"):
        result, posted = rotate("rotate_sendgrid_key", *SCOOP_ONLY, state_dir=state_dir, verbose=True)
        assert_ok(result, f"the {attempt} rotation")
        [new] = sendgrid_keys()
        assert new["api_key_id"] != previous["api_key_id"] and new["secret"] != previous["secret"]
        assert sorted(new["scopes"]) == sorted(previous["scopes"]) and new["name"] == previous["name"]
        for service in SCOOP_SERVICES:
            assert_runs_with(service, "SENDGRID_API_KEY", new["secret"], f"after the {attempt} rotation")
        assert posted == Counter(SCOOP_SERVICES), posted
        mails = control("GET", "/sendgrid/mails")["mails"]
        assert mails[-1]["from"] == SENDER and not mails[-1]["status"].startswith("rejected"), mails[-1]
        secrets = secrets_in(state()) | {previous["secret"], new["secret"]}
        assert_no_leak(output(result), secrets, f"the {attempt} SendGrid key rotation at -vvv")
        previous = new


# ============================================================================================ Sentry
def sentry_keys() -> list[dict]:
    return state()["vendors"]["sentry"]["keys"]


def dsn_status(dsn: str) -> int:
    """What Sentry's ingest answers an event sent through DSN (200 taken, 403 an unknown or deleted key)."""
    scheme, rest = dsn.split("://", 1)
    key, location = rest.split("@", 1)
    base, project_id = location.rsplit("/", 1)
    request = urllib.request.Request(f"{scheme}://{base}/api/{project_id}/store/", method="POST",
                                     data=json.dumps({"message": "rotation test"}).encode(),
                                     headers={"Content-Type": "application/json",
                                              "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_sentry_dsn_rotation(quick_sandbox, tmp_path):  # noqa: ARG001
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,error_monitoring", *SCOOP_ONLY, state_dir=state_dir),
              "rollout of worker and error monitoring")
    old_dsn = env_of(state(), "scoop-web")["SENTRY_DSN"]
    assert dsn_status(old_dsn) == 200

    # Sentry's ingest refuses every event: the test event through the new DSN fails before the revoke.
    control("POST", "/faults", {"rate": 1.0, "kinds": ["503"], "vendor": "sentry", "path_contains": "/sentry-ingest/"})
    failed, _posted = rotate("rotate_sentry_dsn", *SCOOP_ONLY, state_dir=state_dir)
    control("DELETE", "/faults")
    assert failed.returncode != 0
    assert "The old DSN still takes events" in output(failed), fatal(failed)
    assert len(sentry_keys()) == 1 and dsn_status(old_dsn) == 200
    for service in SCOOP_SERVICES:
        assert_runs_with(service, "SENTRY_DSN", old_dsn, "after a failed rotation")

    previous = old_dsn
    for attempt in ("first", "second"):
        result, posted = rotate("rotate_sentry_dsn", *SCOOP_ONLY, state_dir=state_dir, verbose=True)
        assert_ok(result, f"the {attempt} rotation")
        new_dsn = env_of(state(), "scoop-web")["SENTRY_DSN"]
        assert new_dsn != previous
        for service in SCOOP_SERVICES:
            assert_runs_with(service, "SENTRY_DSN", new_dsn, f"after the {attempt} rotation")
        assert posted == Counter(SCOOP_SERVICES), posted
        assert dsn_status(new_dsn) == 200 and dsn_status(previous) == 403
        [key] = sentry_keys()
        assert key["name"] == SCOOP, key["name"]  # error_monitoring_key_name: the next rollout finds it
        secrets = secrets_in(state()) | {previous, new_dsn, previous.split("://")[1].split("@")[0]}
        assert_no_leak(output(result), secrets, f"the {attempt} Sentry DSN rotation at -vvv")
        previous = new_dsn

    # The next rollout keeps the rotated key: nothing changes.
    again = run_site("--tags", "error_monitoring", *SCOOP_ONLY, state_dir=state_dir)
    assert_ok(again, "the rollout after the rotations")
    assert env_of(state(), "scoop-web")["SENTRY_DSN"] == previous and len(sentry_keys()) == 1


# ============================================================================================ Redis
REKINDLE_ONLY = ("--limit", REKINDLE)
REKINDLE_SERVICES = ["rekindlepro-api", "rekindlepro-worker"]


def redis_answers(url: str) -> bool:
    """Whether the real redis-server behind URL takes its password (PING), False when AUTH is refused."""
    client = redis.Redis.from_url(url, ssl_ca_certs=state().get("tls_ca") or None, socket_timeout=10)
    try:
        return client.ping()
    except redis.exceptions.AuthenticationError:
        return False
    finally:
        client.close()


def test_upstash_redis_password_rotation(quick_sandbox, tmp_path):  # noqa: ARG001
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "redis", *REKINDLE_ONLY, state_dir=state_dir), "rollout of redis")
    old_url = env_of(state(), "rekindlepro-api")["REDIS_URL"]
    assert redis_answers(old_url)

    previous = old_url
    for attempt in ("first", "second"):
        result, posted = rotate("rotate_redis_password", *REKINDLE_ONLY, state_dir=state_dir, verbose=True)
        assert_ok(result, f"the {attempt} rotation")
        new_url = env_of(state(), "rekindlepro-api")["REDIS_URL"]
        assert new_url != previous
        [database] = state()["vendors"]["upstash"]["databases"]
        assert database["password"] in new_url
        for service in REKINDLE_SERVICES:
            assert_runs_with(service, "REDIS_URL", new_url, f"after the {attempt} rotation")
            assert_runs_with(service, "UPSTASH_REDIS_REST_TOKEN", database["rest_token"], f"after the {attempt} rotation")
        assert posted == Counter(REKINDLE_SERVICES), posted
        assert redis_answers(new_url) and not redis_answers(previous), "the real Redis still takes the old password"
        health = urllib.request.urlopen(f"{os.environ['LAUNCHKIT_SANDBOX_URL']}/apps/rekindlepro-api/health", timeout=30)
        assert json.load(health)["components"]["redis"] == "healthy"
        assert_no_leak(output(result), secrets_in(state()) | {previous, new_url}, f"the {attempt} Redis rotation at -vvv")
        previous = new_url

    # A failure after the reset (the check declares a policy the Redis does not have): Upstash has no old
    # password to go back to, so the services keep the new one, which works.
    failed, _posted = rotate("rotate_redis_password", *REKINDLE_ONLY, "-e", "redis_use=cache", state_dir=state_dir)
    assert failed.returncode != 0
    assert "The old password no longer works" in output(failed) and "--tags redis" in output(failed), fatal(failed)
    current = env_of(state(), "rekindlepro-api")["REDIS_URL"]
    for service in REKINDLE_SERVICES:
        assert_runs_with(service, "REDIS_URL", current, "after a failed rotation")
    assert redis_answers(current) and not redis_answers(previous)


@pytest.mark.parametrize("host, tag, says", [
    (SCOOP, "rotate_redis_password", "Render offers no rotation of a Key Value's password"),
    (REKINDLE, "rotate_postgres_password", "database_provider: external"),
    # RekindlePro names no sender: a new SendGrid key could not be proven by a test mail before the revoke.
    (REKINDLE, "rotate_sendgrid_key", "set email_sender or email_domain"),
])
def test_a_rotation_that_cannot_be_done_fails_at_once(quick_sandbox, tmp_path, host, tag, says):  # noqa: ARG001
    control("DELETE", "/log")
    # With a rotation that could run (asked first): the check of every rotation asked for comes first.
    result = run_site("--tags", f"rotate_sentry_dsn,{tag}", "--limit", host, state_dir=tmp_path / "state")
    assert result.returncode != 0
    message = fatal(result)
    assert f"{tag}: " in message and says in message and "By hand" in message, message
    # It failed before any rotation started: nothing was written anywhere.
    assert [e for e in control("GET", "/log")["entries"] if e["write"]] == []
    assert "PLAY [Rotate the Sentry DSN" not in result.stdout


# ============================================================================================ Render Postgres
# Here the database phase schedules its nightly backup job, which holds the database URL too.
SCOOP_DATABASE_ONLY = ("--limit", SCOOP, "-e", json.dumps({
    "database_services": SCOOP_SERVICES, "app_secrets": [], "database_backup": False}))
SCOOP_DATABASE_HOLDERS = [*SCOOP_SERVICES, "scoop-db-backup"]


def postgres_users() -> list[dict]:
    [database] = state()["vendors"]["render"]["postgres"]
    return database["users"]


def postgres_takes(url: str) -> bool:
    """Whether the real PostgreSQL behind URL lets its user in (False when it refuses the password)."""
    try:
        psycopg2.connect(url, connect_timeout=10).close()
    except psycopg2.OperationalError as error:
        if "password authentication failed" in str(error):
            return False
        raise
    return True


def test_render_postgres_password_rotation(quick_sandbox, tmp_path):  # noqa: ARG001
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,database", *SCOOP_DATABASE_ONLY, state_dir=state_dir), "rollout of worker and database")
    old_url = env_of(state(), "scoop-web")["DATABASE_URL"]
    [old_user] = postgres_users()
    assert postgres_takes(old_url)

    # Check mode: no write at all, and it says what a real run would do.
    check, posted = rotate("rotate_postgres_password", "--check", *SCOOP_DATABASE_ONLY, state_dir=state_dir)
    assert_ok(check, "--tags rotate_postgres_password --check")
    assert [e for e in control("GET", "/log")["entries"] if e["write"]] == [] and posted == Counter()
    assert "check mode: rotate_postgres_password would" in check.stdout
    assert postgres_users() == [old_user]

    # The check with the new URL fails (it wants more free connections than the server has): a failure
    # before the old user is deleted puts the old URL back, deploys the services and deletes the new user.
    failed, posted = rotate("rotate_postgres_password", *SCOOP_DATABASE_ONLY, "-e", "database_min_free_connections=100000",
                            state_dir=state_dir)
    assert failed.returncode != 0
    assert "The old user still works" in output(failed), fatal(failed)
    assert postgres_users() == [old_user] and postgres_takes(old_url)
    for service in SCOOP_DATABASE_HOLDERS:
        assert_runs_with(service, "DATABASE_URL", old_url, "after a failed rotation")
    assert posted == Counter({service: 2 for service in SCOOP_DATABASE_HOLDERS}), posted
    assert not list(state_dir.glob(f"{SCOOP}/rotate_postgres_password*")), "the failed rotation's record was kept"

    previous = old_url
    for attempt in ("first", "second"):
        result, posted = rotate("rotate_postgres_password", *SCOOP_DATABASE_ONLY, state_dir=state_dir, verbose=True)
        assert_ok(result, f"the {attempt} rotation")
        new_url = env_of(state(), "scoop-web")["DATABASE_URL"]
        assert new_url != previous
        [user] = postgres_users()  # the old user is gone, the new one is the default
        assert user["username"] in new_url and user["password"] in new_url
        for service in SCOOP_DATABASE_HOLDERS:
            assert_runs_with(service, "DATABASE_URL", new_url, f"after the {attempt} rotation")
        assert posted == Counter(SCOOP_DATABASE_HOLDERS), posted
        assert postgres_takes(new_url), "the real PostgreSQL refuses the new user"
        assert not postgres_takes(previous), "the real PostgreSQL still takes the old password"
        health = urllib.request.urlopen(f"{os.environ['LAUNCHKIT_SANDBOX_URL']}/apps/scoop-web/health", timeout=30)
        assert health.status == 200
        secrets = secrets_in(state()) | {previous, new_url, user["password"]}
        assert_no_leak(output(result), secrets, f"the {attempt} Postgres rotation at -vvv")
        previous = new_url

    # The next rollout finds the new user's URL in every service: nothing is written, nothing deployed.
    control("DELETE", "/log")
    again = run_site("--tags", "database", *SCOOP_DATABASE_ONLY, state_dir=state_dir)
    assert_ok(again, "the rollout after the rotations")
    assert env_of(state(), "scoop-web")["DATABASE_URL"] == previous
    assert not [e for e in control("GET", "/log")["entries"]
                if e["write"] and ("/env-vars" in e["path"] or DEPLOY_POST.match(e["path"]))]


# ============================================================================================ the rotate tag
def test_the_rotate_tag_rotates_what_applies_and_check_mode_changes_nothing(quick_sandbox, tmp_path):  # noqa: ARG001
    state_dir = tmp_path / "state"
    assert_ok(run_site("--tags", "worker,email,error_monitoring,database", *SCOOP_ONLY, state_dir=state_dir),
              "rollout of worker, email, error monitoring and database")
    control("POST", "/sendgrid/verify-sender", {"from_email": SENDER})
    [old_key] = sendgrid_keys()
    old_dsn = env_of(state(), "scoop-web")["SENTRY_DSN"]

    check, posted = rotate("rotate", "--check", *SCOOP_ONLY, state_dir=state_dir)
    assert_ok(check, "--tags rotate --check")
    assert [e for e in control("GET", "/log")["entries"] if e["write"]] == [] and posted == Counter()
    for tag in ("rotate_sendgrid_key", "rotate_sentry_dsn", "rotate_postgres_password"):
        assert f"check mode: {tag} would" in check.stdout, tag
    assert sendgrid_keys() == [old_key] and env_of(state(), "scoop-web")["SENTRY_DSN"] == old_dsn

    result, posted = rotate("rotate", *SCOOP_ONLY, state_dir=state_dir)
    assert_ok(result, "--tags rotate")
    # The rotations Scoop's vendors offer ran, each deploying each service once; the others said why not.
    assert posted == Counter({service: 3 for service in SCOOP_SERVICES}), posted
    [new_key] = sendgrid_keys()
    assert new_key["api_key_id"] != old_key["api_key_id"]
    assert_runs_with("scoop-web", "SENDGRID_API_KEY", new_key["secret"], "after --tags rotate")
    assert env_of(state(), "scoop-web")["SENTRY_DSN"] != old_dsn and dsn_status(old_dsn) == 403
    assert "rotate_redis_password skipped: Render offers no rotation" in result.stdout
    [database_user] = postgres_users()
    assert database_user["username"] in env_of(state(), "scoop-web")["DATABASE_URL"]
