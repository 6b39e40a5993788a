# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentry: alert rule bodies (workflows and legacy rules), and the test event (envelope, confirmation)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    VENDOR, SentryClient, Target, auth_header, build_envelope, build_test_event, legacy_rule_body, legacy_rule_state,
    parse_dsn, parse_envelope, run_alert_rule, run_test_event, validate_alert_rule, wait_for_event, workflow_body,
    workflow_state)
from launchkit_fakes import FakeClock, FakeSession, make_http, reply

TOKEN = "sntrys_unit_test_token"
PUBLIC_KEY = "a785682ddda742d7a8a4088810e67791"
DSN = f"https://{PUBLIC_KEY}@o1.ingest.sentry.io/4505"
PROJECT = {"id": "4505", "slug": "scoop", "name": "scoop", "teams": [{"id": "7", "slug": "ops"}]}
TEAM = {"id": "7", "slug": "ops", "name": "Ops"}
DETECTORS = [{"id": "11", "projectId": "4505", "type": "error", "name": "Error monitor"},
             {"id": "12", "projectId": "4505", "type": "issue_stream", "name": "Issue stream"},
             {"id": "13", "projectId": "999", "type": "error", "name": "another project's"}]
WORKFLOWS = "/organizations/acme/workflows/"
RULES = "/projects/acme/scoop/rules/"


def sentry(api: FakeSession) -> SentryClient:
    return SentryClient(make_http(api, vendor=VENDOR, headers={"Authorization": f"Bearer {TOKEN}"}), "acme")


def rule_params(**overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "auth_token": TOKEN, "organization": "acme", "timeout": 5.0,
              "validate_certs": True, "state": "present", "name": "New issue", "project": "scoop",
              "api": "workflows", "kind": "new_issue", "threshold": None, "interval": "1h", "frequency": None,
              "environment": None, "enabled": None, "detector_types": ["issue_stream"],
              "notify": [{"type": "team", "target": "ops", "integration_id": None, "fallthrough": None}]}
    values.update(overrides)
    return values


# ------------------------------------------------------------------------------------------- spec shape
def _spec(name: str) -> dict | None:
    configured = os.environ.get("LAUNCHKIT_API_SPECS")
    beside_checkout = Path(__file__).resolve().parents[4].parent / "shared" / "api-specs"
    candidates = [Path(configured)] if configured else []
    for folder in candidates + [beside_checkout, Path("/work/shared/api-specs")]:
        path = folder / "sentry" / name
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def request_schema(spec_file: str, path: str) -> dict:
    spec = _spec(spec_file)
    if spec is None:
        pytest.skip(f"sentry/{spec_file} is not available")
    return spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def assert_valid(body: dict, schema: dict) -> None:
    import openapi_schema_validator  # a dev requirement

    openapi_schema_validator.OAS30WriteValidator(schema).validate(body)


TEAM_TARGET = Target("team", "7")
SLACK_TARGET = Target("slack", "#alerts", integration_id="55")
OWNERS_TARGET = Target("issue_owners", fallthrough="ActiveMembers")
MEMBER_TARGET = Target("member", "42")


@pytest.mark.parametrize("kind, threshold", [("new_issue", None), ("event_frequency", 100)])
def test_workflow_body_is_valid_per_the_current_spec(kind, threshold):
    body = workflow_body(rule_params(kind=kind, threshold=threshold),
                         [TEAM_TARGET, SLACK_TARGET, OWNERS_TARGET, MEMBER_TARGET], [11], 30, "production")
    assert_valid(body, request_schema("openapi-derefed.json",
                                      "/api/0/organizations/{organization_id_or_slug}/workflows/"))


def test_new_issue_workflow_triggers_on_first_seen_and_mails_the_team():
    body = workflow_body(rule_params(), [TEAM_TARGET], [11], 30, None)
    assert body["detector_ids"] == [11] and body["config"] == {"frequency": 30} and body["enabled"] is True
    assert body["triggers"] == {"logic_type": "any-short", "conditions": [
        {"type": "first_seen_event", "comparison": True, "conditionResult": True}]}
    [action_filter] = body["action_filters"]
    assert action_filter["conditions"] == []
    assert action_filter["actions"] == [{"type": "email", "integrationId": None, "data": {}, "status": "active",
                                         "config": {"targetType": "team", "targetDisplay": None,
                                                    "targetIdentifier": "7"}}]


def test_frequency_workflow_filters_on_event_frequency_count():
    body = workflow_body(rule_params(kind="event_frequency", threshold=100, interval="1h"),
                         [SLACK_TARGET, MEMBER_TARGET, OWNERS_TARGET], [11], 60, None)
    assert body["triggers"]["conditions"] == []
    [action_filter] = body["action_filters"]
    assert action_filter["conditions"] == [{"type": "event_frequency_count",
                                            "comparison": {"value": 100, "interval": "1h"}, "conditionResult": True}]
    slack, member, owners = action_filter["actions"]
    assert slack["integrationId"] == "55" and slack["config"]["targetDisplay"] == "#alerts"
    assert member["config"]["targetType"] == "user" and member["config"]["targetIdentifier"] == "42"
    assert owners["config"]["targetType"] == "issue_owners" and owners["data"] == {"fallthroughType": "ActiveMembers"}


@pytest.mark.parametrize("kind, threshold", [("new_issue", None), ("event_frequency", 500)])
def test_legacy_rule_body_is_valid_per_the_last_spec_with_rules(kind, threshold):
    body = legacy_rule_body(rule_params(kind=kind, threshold=threshold, api="legacy_rules"),
                            [TEAM_TARGET, SLACK_TARGET, OWNERS_TARGET, MEMBER_TARGET], 30, None)
    assert_valid(body, request_schema("openapi-derefed.2026-05-08-last-with-issue-alert-rules.json",
                                      "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/rules/"))


def test_legacy_rule_body_uses_the_documented_condition_and_action_ids():
    body = legacy_rule_body(rule_params(kind="event_frequency", threshold=500, api="legacy_rules"),
                            [TEAM_TARGET, SLACK_TARGET], 60, "production")
    assert body["conditions"] == [{"id": "sentry.rules.conditions.event_frequency.EventFrequencyCondition",
                                   "value": 500, "interval": "1h"}]
    assert body["actions"] == [
        {"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "Team", "fallthroughType": "ActiveMembers",
         "targetIdentifier": 7},
        {"id": "sentry.integrations.slack.notify_action.SlackNotifyServiceAction", "workspace": 55,
         "channel": "#alerts"}]
    assert body["actionMatch"] == "all" and body["frequency"] == 60 and body["environment"] == "production"


def test_sent_and_answered_shapes_compare_equal():
    """What we send (snake case) and what Sentry answers (camel case) read back the same."""
    sent = workflow_body(rule_params(), [TEAM_TARGET], [11], 30, None)
    answered = {"id": "1", "name": "New issue", "detectorIds": ["11"], "config": {"frequency": 30},
                "environment": None, "enabled": True,
                "triggers": {"logicType": "any-short", "conditions": [
                    {"id": "5", "type": "first_seen_event", "comparison": True, "conditionResult": True}]},
                "actionFilters": [{"logicType": "all", "conditions": [], "actions": [
                    {"id": "9", "type": "email", "integrationId": None, "data": {},
                     "config": {"targetType": "team", "targetDisplay": None, "targetIdentifier": "7"}}]}]}
    assert workflow_state(sent) == workflow_state(answered)
    legacy = legacy_rule_body(rule_params(api="legacy_rules"), [TEAM_TARGET], 30, None)
    assert legacy_rule_state(dict(legacy, id="3"))["actions"] == workflow_state(answered)["actions"]


# ------------------------------------------------------------------------------------------- run_alert_rule
def workflow_api(existing: list[dict]) -> FakeSession:
    return (FakeSession()
            .on("GET", "/projects/acme/scoop/", reply(200, PROJECT))
            .on("GET", "/teams/acme/ops/", reply(200, TEAM))
            .on("GET", "/organizations/acme/detectors/", reply(200, DETECTORS))
            .on("GET", WORKFLOWS, reply(200, existing))
            .on("POST", WORKFLOWS, lambda call: reply(201, dict(call.json, id="100")))
            .on("PUT", f"{WORKFLOWS}100/", lambda call: reply(200, dict(call.json, id="100")))
            .on("DELETE", f"{WORKFLOWS}100/", reply(204)))


def test_workflow_is_created_connected_to_the_projects_issue_stream_monitor():
    api = workflow_api([])
    result = run_alert_rule(rule_params(), False, Secrets(), sentry(api))
    [post] = api.writes
    assert post.path == WORKFLOWS and post.json["detector_ids"] == [12]
    assert post.json["config"] == {"frequency": 30}
    assert api.to("GET", "/organizations/acme/detectors/")[0].params["project"] == "4505"
    assert api.to("GET", WORKFLOWS)[0].params["project"] == "4505"
    assert result["action"] == "create" and result["alert_rule"]["id"] == "100"


def test_workflow_is_idempotent_and_changes_are_a_put_of_the_whole_body():
    created = workflow_api([])
    run_alert_rule(rule_params(), False, Secrets(), sentry(created))
    stored = dict(created.writes[0].json, id="100")
    api = workflow_api([stored])
    assert not run_alert_rule(rule_params(), False, Secrets(), sentry(api))["changed"]
    assert api.writes == []
    result = run_alert_rule(rule_params(frequency=60), False, Secrets(), sentry(api))
    [put] = api.writes
    assert put.method == "PUT" and put.path == f"{WORKFLOWS}100/" and put.json["config"] == {"frequency": 60}
    assert put.json["action_filters"] == stored["action_filters"]
    assert result["diff"] == {"before": {"frequency": 30}, "after": {"frequency": 60}}


def test_unset_frequency_keeps_the_current_one_on_update():
    stored = dict(workflow_body(rule_params(), [TEAM_TARGET], [12], 720, None), id="100")
    api = workflow_api([stored])
    run_alert_rule(rule_params(environment="production"), False, Secrets(), sentry(api))
    assert api.writes[0].json["config"] == {"frequency": 720}
    assert api.writes[0].json["environment"] == "production"


@pytest.mark.parametrize("existing, overrides", [([], {}), (None, {"frequency": 60}), (None, {"state": "absent"})])
def test_alert_rule_check_mode_writes_nothing(existing, overrides):
    stored = dict(workflow_body(rule_params(), [TEAM_TARGET], [12], 30, None), id="100")
    api = workflow_api([stored] if existing is None else existing)
    assert run_alert_rule(rule_params(**overrides), True, Secrets(), sentry(api))["changed"]
    assert api.writes == []


def test_no_matching_monitor_fails_with_a_hint():
    api = workflow_api([]).on("GET", "/organizations/acme/detectors/", reply(200, [DETECTORS[0], DETECTORS[2]]))
    with pytest.raises(ResourceError, match="legacy_rules"):
        run_alert_rule(rule_params(), False, Secrets(), sentry(api))
    assert api.writes == []


def test_member_is_resolved_from_email_to_user_id():
    members = [{"id": "m1", "email": "Ops@Example.com", "user": {"id": "42"}}]
    api = workflow_api([]).on("GET", "/organizations/acme/members/", reply(200, members))
    run_alert_rule(rule_params(notify=[{"type": "member", "target": "ops@example.com", "integration_id": None,
                                        "fallthrough": None}]), False, Secrets(), sentry(api))
    config = api.writes[0].json["action_filters"][0]["actions"][0]["config"]
    assert config == {"targetType": "user", "targetDisplay": None, "targetIdentifier": "42"}


def legacy_api(existing: list[dict]) -> FakeSession:
    return (FakeSession()
            .on("GET", "/projects/acme/scoop/", reply(200, PROJECT))
            .on("GET", "/teams/acme/ops/", reply(200, TEAM))
            .on("GET", RULES, reply(200, existing))
            .on("POST", RULES, lambda call: reply(201, dict(call.json, id="3")))
            .on("PUT", f"{RULES}3/", lambda call: reply(200, dict(call.json, id="3")))
            .on("DELETE", f"{RULES}3/", reply(202)))


def test_legacy_rule_create_idempotent_update_delete():
    params = rule_params(api="legacy_rules", kind="event_frequency", threshold=100)
    api = legacy_api([])
    assert run_alert_rule(params, False, Secrets(), sentry(api))["action"] == "create"
    stored = dict(api.writes[0].json, id="3")
    assert api.to("GET", "/organizations/acme/detectors/") == []
    api = legacy_api([stored])
    assert not run_alert_rule(params, False, Secrets(), sentry(api))["changed"]
    result = run_alert_rule(dict(params, threshold=200), False, Secrets(), sentry(api))
    [put] = api.writes
    assert put.json["conditions"][0]["value"] == 200 and put.json["frequency"] == 30  # a full body
    assert result["diff"]["after"]["conditions"] == [{"type": "event_frequency_count", "value": 200, "interval": "1h"}]
    api = legacy_api([stored])
    assert run_alert_rule(dict(params, state="absent"), False, Secrets(), sentry(api))["action"] == "delete"
    assert [c.method for c in api.writes] == ["DELETE"]


def test_absent_in_a_missing_project_is_nothing_to_do_and_present_fails():
    api = workflow_api([]).on("GET", "/projects/acme/scoop/", reply(404, {"detail": "The requested resource does not exist"}))
    assert not run_alert_rule(rule_params(state="absent"), False, Secrets(), sentry(api))["changed"]
    with pytest.raises(ResourceError, match="does not exist"):
        run_alert_rule(rule_params(), False, Secrets(), sentry(api))
    assert api.writes == []


@pytest.mark.parametrize("overrides, message", [
    ({"kind": None}, "kind"),
    ({"notify": None}, "notify is required"),
    ({"kind": "event_frequency"}, "threshold"),
    ({"frequency": 7}, "one of 0, 5, 10"),
    ({"frequency": 3, "api": "legacy_rules"}, "between 5 and 43200"),
])
def test_alert_rule_validation(overrides, message):
    with pytest.raises(ValueError, match=message):
        validate_alert_rule(rule_params(**overrides))


def test_absent_needs_neither_kind_nor_notify():
    validate_alert_rule(rule_params(state="absent", kind=None, notify=None))


# ------------------------------------------------------------------------------------------- test event
@pytest.mark.parametrize("dsn, url", [
    (DSN, "https://o1.ingest.sentry.io/api/4505/envelope/"),
    ("http://abc@127.0.0.1:8866/sentry/12", "http://127.0.0.1:8866/sentry/api/12/envelope/"),
    ("https://abc:legacysecret@sentry.example.com/prefix/path/3/", "https://sentry.example.com/prefix/path/api/3/envelope/"),
])
def test_parse_dsn_builds_the_envelope_url(dsn, url):
    assert parse_dsn(dsn).envelope_url == url


@pytest.mark.parametrize("dsn", ["not a dsn", "https://o1.ingest.sentry.io/4505", "https://k@host/abc"])
def test_parse_dsn_rejects(dsn):
    with pytest.raises(ValueError):
        parse_dsn(dsn)


def test_envelope_parses_back_to_a_zero_division_error_event():
    dsn = parse_dsn(DSN)
    event = build_test_event("e" * 32, "check-1", {"environment": "staging", "release": None}, now=1_700_000_000)
    header, items = parse_envelope(build_envelope(dsn, event, now=1_700_000_001))
    assert header == {"event_id": "e" * 32, "dsn": DSN, "sent_at": "2023-11-14T22:13:21.000000Z"}
    [(item_header, payload)] = items
    assert item_header["type"] == "event" and item_header["length"] == len(json.dumps(payload, separators=(",", ":")))
    assert payload["exception"]["values"][0]["type"] == "ZeroDivisionError"
    assert payload["tags"] == {"launchkit_check": "check-1"} and "check-1" in payload["message"]["formatted"]
    assert payload["event_id"] == "e" * 32 and payload["environment"] == "staging" and "release" not in payload


def test_auth_header_carries_the_public_key_and_client():
    assert auth_header(parse_dsn(DSN)) == (f"Sentry sentry_version=7, sentry_key={PUBLIC_KEY}, "
                                           f"sentry_client=launchkit.paas/0.1")


def event_params(**overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "auth_token": TOKEN, "organization": "acme", "timeout": 5.0,
              "validate_certs": True, "dsn": DSN, "project": None, "confirm": True, "wait_timeout": 30.0,
              "environment": "production", "release": None}
    values.update(overrides)
    return values


def ingest(*answers) -> FakeSession:
    return FakeSession("https://o1.ingest.sentry.io").on("POST", "/api/4505/envelope/", *answers)


class AnyGet(FakeSession):
    """A web API answering every call with `answer(call)` (the event path holds a random id)."""

    def __init__(self, answer) -> None:
        super().__init__()
        self.answer = answer

    def request(self, method, url, **kwargs):
        super().request(method, url, **kwargs)
        return self.answer(self.calls[-1])


def test_test_event_is_sent_and_confirmed_once_visible():
    clock = FakeClock()
    ingest_api = ingest(reply(200, {"id": "x"}))
    web = AnyGet(lambda call: reply(200, {"groupID": "77"}) if len(web.calls) >= 3 else reply(404, {"detail": "x"}))
    secrets = Secrets()
    result = run_test_event(event_params(), False, secrets, sentry(web), session=ingest_api,
                            sleep=clock.sleep, clock=clock.now)
    [post] = ingest_api.calls
    assert post.headers["X-Sentry-Auth"].startswith(f"Sentry sentry_version=7, sentry_key={PUBLIC_KEY}")
    assert post.headers["Content-Type"] == "application/x-sentry-envelope"
    header, [(_item_header, payload)] = parse_envelope(post.kwargs["data"])
    assert header["event_id"] == result["event_id"] == payload["event_id"]
    assert payload["tags"]["launchkit_check"] == result["check_id"]
    assert [c.path for c in web.calls] == [f"/projects/acme/4505/events/{result['event_id']}/"] * 3
    assert result["confirmed"] and result["issue_id"] == "77" and result["changed"]
    assert 0 < clock.slept < 30 and DSN in secrets.values and PUBLIC_KEY in secrets.values
    assert result["dsn"] == f"https://{MASK}@o1.ingest.sentry.io/4505"


def test_test_event_not_seen_in_time_is_a_warning_after_the_timeout():
    clock = FakeClock()
    web = AnyGet(lambda call: reply(404, {"detail": "Event not found"}))
    result = run_test_event(event_params(project="scoop", wait_timeout=10.0), False, Secrets(), sentry(web),
                            session=ingest(reply(200, {})), sleep=clock.sleep, clock=clock.now)
    assert result["sent"] and not result["confirmed"]
    assert "not visible" in result["warnings"][0] and result["check_id"] in result["warnings"][0]
    assert 10 <= clock.slept <= 12 and all(c.path.startswith("/projects/acme/scoop/events/") for c in web.calls)


def test_test_event_check_mode_sends_nothing():
    ingest_api = ingest(reply(200, {}))
    web = FakeSession()
    result = run_test_event(event_params(), True, Secrets(), sentry(web), session=ingest_api)
    assert result["changed"] and not result["sent"] and result["event_id"] is None
    assert ingest_api.calls == [] and web.calls == []


def test_test_event_without_confirm_needs_no_token():
    ingest_api = ingest(reply(200, {}))
    result = run_test_event(event_params(confirm=False, auth_token=None, organization=None), False, Secrets(),
                            session=ingest_api)
    assert result["sent"] and not result["confirmed"] and len(ingest_api.calls) == 1


def test_test_event_confirm_without_token_fails_before_sending():
    ingest_api = ingest(reply(200, {}))
    with pytest.raises(ValueError, match="auth_token"):
        run_test_event(event_params(auth_token=None), False, Secrets(), session=ingest_api)
    assert ingest_api.calls == []


def test_ingest_refusal_fails_without_the_key_and_429_is_retried():
    clock = FakeClock()
    with pytest.raises(ResourceError) as caught:
        run_test_event(event_params(confirm=False), False, Secrets(),
                       session=ingest(reply(403, text="event submission rejected")), sleep=clock.sleep)
    assert "HTTP 403" in str(caught.value) and PUBLIC_KEY not in str(caught.value)
    api = ingest(reply(429), reply(200, {}))
    assert run_test_event(event_params(confirm=False), False, Secrets(), session=api, sleep=clock.sleep)["sent"]
    assert len(api.calls) == 2


def test_wait_for_event_returns_at_once_when_visible():
    clock = FakeClock()
    api = FakeSession().on("GET", "/projects/acme/scoop/events/abc/", reply(200, {"groupID": "1"}))
    assert wait_for_event(sentry(api), "scoop", "abc", 30, sleep=clock.sleep, clock=clock.now) == {"groupID": "1"}
    assert clock.sleeps == []
