"""Verify the error monitoring phase for the Scoop stack: Sentry project, its DSN in scoop-web, two alerts.

Runs as molecule's testinfra verifier; the sandbox's variables (.sandbox/env) must be in the environment.
"""
from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sandbox_helpers import assert_seeded_env_plus, control, env, env_of, testinfra_hosts, vendor_get  # noqa: E402

testinfra_hosts = testinfra_hosts()

WEB = "scoop-web"
ENV_KEY = "SENTRY_DSN"
TEAM = "scoop"
PROJECT = "scoop-rails"
ALERTS = ["Error spike", "New issue"]
SETTINGS = ("SENTRY_ENVIRONMENT", "SENTRY_TRACES_SAMPLE_RATE", "SENTRY_RELEASE")


def sentry(path: str):
    """GET a Sentry web API path (…/api/0 + PATH) with the sandbox's auth token."""
    status, body = vendor_get("SENTRY_API_URL", path, env("SENTRY_AUTH_TOKEN"))
    assert status == 200, f"GET {path}: HTTP {status} {body}"
    return body


def org() -> str:
    return env("SENTRY_ORG")


def project() -> dict:
    return sentry(f"/projects/{org()}/{PROJECT}/")


def events() -> list[dict]:
    return control(f"/sentry/events?project={PROJECT}")["events"].get(project()["id"], [])


def web_env() -> dict[str, str]:
    return env_of(control("/state"), WEB)


def test_project_is_a_rails_project_of_the_team():
    found = project()
    assert found["slug"] == PROJECT and found["platform"] == "ruby-rails", found
    assert [team["slug"] for team in found["teams"]] == [TEAM]
    assert [p["slug"] for p in sentry(f"/organizations/{org()}/projects/")] == [PROJECT]


def test_only_the_two_configured_alerts_and_no_default_rule():
    project_id = project()["id"]
    workflows = sentry(f"/organizations/{org()}/workflows/?project={project_id}")
    assert sorted(w["name"] for w in workflows) == ALERTS, [w["name"] for w in workflows]
    # Not even elsewhere in the organization: the default "Send a notification for new issues" never appeared.
    everywhere = control("/state")["vendors"]["sentry"]["workflows"]
    assert sorted(w["name"] for w in everywhere) == ALERTS, [w["name"] for w in everywhere]
    # Sentry keeps the default alert as a legacy rule too; the project has none.
    assert sentry(f"/projects/{org()}/{PROJECT}/rules/") == []


def test_scoop_web_holds_the_project_dsn():
    keys = sentry(f"/projects/{org()}/{PROJECT}/keys/")
    assert len(keys) == 1 and keys[0]["isActive"], [(k["id"], k["name"], k["isActive"]) for k in keys]
    assert web_env().get(ENV_KEY) == keys[0]["dsn"]["public"]


def test_scoop_web_holds_the_sdk_settings_and_the_release_of_its_latest_deploy():
    state = control("/state")
    web_id = next(s["id"] for s in state["vendors"]["render"]["services"] if s["name"] == WEB)
    deploys = [d for d in state["vendors"]["render"]["deploys"] if d["serviceId"] == web_id]
    found = web_env()
    assert found["SENTRY_ENVIRONMENT"] == "production"
    assert found["SENTRY_TRACES_SAMPLE_RATE"] == "0.5"
    assert found["SENTRY_RELEASE"] == deploys[-1]["commit"]["id"]


def test_other_env_keys_of_scoop_web_untouched():
    assert_seeded_env_plus(WEB, ENV_KEY, *SETTINGS)


def test_one_test_event_was_ingested():
    found = events()
    assert len(found) == 1, [(e["event_id"], e.get("message")) for e in found]
    assert found[0]["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    assert "launchkit_check" in found[0]["tags"]


def test_dsn_works_with_the_real_sentry_sdk():
    import sentry_sdk  # a dev requirement: the proof that an official SDK works with the DSN

    dsn = web_env()[ENV_KEY]
    event_id = None
    before = len(events())
    marker = f"molecule-dsn-check-{uuid.uuid4()}"
    # init() is no context manager since sentry-sdk 3: init, flush and close by hand (2.x and 3.x)
    sentry_sdk.init(dsn=dsn, default_integrations=False, environment="molecule")
    try:
        try:
            raise RuntimeError(marker)
        except RuntimeError as exc:
            event_id = sentry_sdk.capture_exception(exc)
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.get_client().close(timeout=10)
    after = events()
    assert len(after) == before + 1, [(e["event_id"], e.get("message")) for e in after]
    assert event_id and after[-1]["event_id"] == event_id
    assert after[-1]["exception"]["values"][-1] == {**after[-1]["exception"]["values"][-1],
                                                    "type": "RuntimeError", "value": marker}


def test_project_with_same_options_is_unchanged_in_check_mode(host):
    result = host.ansible("launchkit.paas.sentry_project",
                          json.dumps({"slug": PROJECT, "name": PROJECT, "team": TEAM, "platform": "ruby-rails"}),
                          check=True)
    assert result["changed"] is False, result
