"""No secret the redis phase handles may appear in its output, even at -vvv with --diff.

Secrets are collected from the sandbox's own state (what the vendors hold), not from the output, so a
leak in any form the scanner knows (plain, or base64 as slurp returns file contents) is found.

Run: make test-leaks   (or, with the sandbox up and .sandbox/env loaded:
      .venv/bin/python -m pytest -q -p no:cacheprovider tests/system/test_leaks.py)
"""
from __future__ import annotations

import base64
import binascii
import copy
import os
import re

import pytest

from conftest import assert_ok, control, env_of, fixture_data, reset_and_seed, run_site, state

SECRET_KEY_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|KEY|URL", re.IGNORECASE)
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@]*:([^@/]+)@", re.IGNORECASE)
BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
MIN_SECRET_LENGTH = 8  # shorter values would match by accident (and no real secret is that short)


def secrets_in(snapshot: dict) -> set[str]:
    """Every secret value the sandbox holds for the phase: passwords, tokens, secret env values, API keys."""
    found: set[str] = {os.environ["RENDER_API_KEY"], os.environ["UPSTASH_API_KEY"]}
    render, upstash = snapshot["vendors"]["render"], snapshot["vendors"]["upstash"]
    for kv in render["key_values"]:
        found.add(kv["password"])
        found.update(kv["connectionInfo"].values())
    for db in upstash["databases"]:
        found.update(db[key] for key in ("password", "rest_token", "read_only_rest_token") if db.get(key))
    envs = list(render["env_vars"].values())
    # Fly.io apps: what each Machine runs with (the sandbox's control API shows values; Fly's API never does).
    found.add(os.environ.get("FLY_API_TOKEN", ""))
    for app in snapshot["vendors"].get("fly", {}).get("apps", []):
        envs += [control("GET", f"/fly/apps/{app['name']}/machines/{machine['id']}/env")["env"]
                 for machine in app["machines"]]
    for env in envs:
        for key, value in env.items():
            if not SECRET_KEY_NAME.search(key):
                continue
            match = URL_PASSWORD.match(value)
            if match:
                found.update({value, match.group(1)})
            elif not value.startswith(("http://", "https://")):  # a bare REST URL is no secret
                found.add(value)
    return {value for value in found if value and len(value) >= MIN_SECRET_LENGTH}


def decoded_base64(text: str) -> str:
    """The text of every base64 run in the output that decodes (slurp returns files this way)."""
    pieces = []
    for run in BASE64_RUN.findall(text):
        padded = run + "=" * (-len(run) % 4)
        try:
            pieces.append(base64.b64decode(padded, validate=True).decode("utf-8", "ignore"))
        except (binascii.Error, ValueError):
            continue
    return "\n".join(pieces)


def leaks(output: str, secrets: set[str]) -> list[str]:
    searchable = output + "\n" + decoded_base64(output)
    return sorted(secret for secret in secrets if secret in searchable)


def masked(secret: str) -> str:
    return f"{secret[:3]}…({len(secret)} chars)"


def run_and_capture(*args: str, state_dir) -> str:
    result = run_site(*args, "-vvv", "--diff", state_dir=state_dir)
    assert_ok(result, "ansible-playbook " + " ".join(args))
    return result.stdout + "\n" + result.stderr


def assert_no_leak(output: str, secrets: set[str], what: str) -> None:
    found = leaks(output, secrets)
    if found:  # pytest.fail, not assert: the report must not print the secrets it found
        pytest.fail(f"{what} printed {len(found)} secret(s): {[masked(s) for s in found]}", pytrace=False)


def assert_verbose(output: str, host: str) -> None:
    """The capture is the real -vvv output, not an empty or truncated one."""
    assert len(output) > 10_000, f"output is only {len(output)} characters"
    # -vvv: the task paths (-vv) and each result's invocation with its module arguments (-vvv only); the
    # modules run in the controller, so there are no connection (EXEC) lines to look for.
    assert "task path:" in output and '"module_args"' in output, "no -vvv detail in the output"
    assert f"[{host}]" in output
    assert "PLAY RECAP" in output


def test_scanner_finds_planted_secrets():
    """The detector itself: a secret in plain text and inside a base64 blob are both found."""
    secret = "planted-secret-5a0c7e"
    blob = base64.b64encode(f'{{"REDIS_URL": "redis://default:{secret}@h:1"}}'.encode()).decode()
    assert leaks(f"ok: {secret}", {secret}) == [secret]
    assert leaks(f'"content": "{blob}"', {secret}) == [secret]
    assert leaks("nothing here", {secret}) == []


def test_redis_phase_and_rollback_print_no_secret(tmp_path):
    reset_and_seed()
    phase = run_and_capture("--tags", "redis", state_dir=tmp_path / "state")
    after_phase = state()
    secrets = secrets_in(after_phase)

    # Every kind of secret must be in the list, or the check proves nothing.
    assert {os.environ["RENDER_API_KEY"], os.environ["UPSTASH_API_KEY"]} <= secrets
    assert {"rehearsal-secret-key-base-0f3c9a", "rehearsal-jwt-secret-77ab21"} <= secrets
    assert [kv["password"] for kv in after_phase["vendors"]["render"]["key_values"]][0] in secrets
    database = after_phase["vendors"]["upstash"]["databases"][0]
    assert {database["password"], database["rest_token"]} <= secrets
    assert env_of(after_phase, "scoop-web")["REDIS_URL"] in secrets
    # SyncKairos on Fly.io: the token, the app's own secret and the REDIS_URL its Machines now run with.
    assert {os.environ["FLY_API_TOKEN"], "rehearsal-jwt-secret-5c1d0e"} <= secrets
    synckairos = next(db for db in after_phase["vendors"]["upstash"]["databases"]
                      if db["database_name"] == "synckairos-staging-redis")
    assert synckairos["password"] in secrets
    assert len(secrets) >= 10, sorted(masked(s) for s in secrets)

    assert_verbose(phase, "scoop_production")
    # Non-secret identifiers of what was created do show up: the scan reads the right output.
    assert after_phase["vendors"]["render"]["key_values"][0]["id"] in phase
    assert_no_leak(phase, secrets, "the redis phase at -vvv --diff")

    rollback = run_and_capture("--tags", "rollback_redis", state_dir=tmp_path / "state")
    assert_verbose(rollback, "rekindlepro_staging")
    assert "Restore each env key" in rollback
    assert "REDIS_URL" not in env_of(state(), "scoop-web"), "the rollback did not remove REDIS_URL"
    assert_no_leak(rollback, secrets | secrets_in(state()), "the redis rollback at -vvv --diff")


def test_rollback_restoring_an_earlier_secret_prints_it_nowhere(tmp_path):
    """scoop-web already has a REDIS_URL (with a password): the phase replaces it, the rollback puts it back.

    Regression test: the slurp tasks that read the rollback record (tasks/record.yml, tasks/rollback.yml)
    once had no no_log, so at -v and above they printed the record, base64-encoded, with this earlier URL.
    """
    old_url = "redis://default:old-redis-password-5e1f9c@old-redis.internal:6379"
    data = copy.deepcopy(fixture_data())
    scoop_web = next(s for s in data["render"]["services"] if s["name"] == "scoop-web")
    scoop_web["env_vars"]["REDIS_URL"] = old_url
    reset_and_seed(data)

    phase = run_and_capture("--tags", "redis", "--limit", "scoop_production", state_dir=tmp_path / "state")
    secrets = secrets_in(state()) | {old_url, "old-redis-password-5e1f9c"}
    assert env_of(state(), "scoop-web")["REDIS_URL"] != old_url
    rollback = run_and_capture("--tags", "rollback_redis", "--limit", "scoop_production",
                               state_dir=tmp_path / "state")
    assert env_of(state(), "scoop-web")["REDIS_URL"] == old_url, "the rollback did not restore REDIS_URL"
    assert_no_leak(phase, secrets, "the redis phase at -vvv --diff")
    assert_no_leak(rollback, secrets, "the redis rollback at -vvv --diff")
