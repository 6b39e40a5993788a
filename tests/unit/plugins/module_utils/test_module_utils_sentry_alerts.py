# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentry: alert rule bodies (workflows and legacy rules) and the sentry_alert_rule logic."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.alert_rule import (
    legacy_rule_state, run_alert_rule, validate_alert_rule, wanted_conditions, workflow_state)
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    VENDOR, Alert, SentryClient, Target, rule_body)
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import workflow_body as write_workflow
from launchkit_fakes import FakeSession, make_http, reply

ROOT = Path(__file__).resolve().parents[4]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox.conformance import request_problems  # noqa: E402

TOKEN = "sntrys_unit_test_token"
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


# ------------------------------------------------------------------------------------------- bodies
def workflow_body(params: dict, targets: list[Target], detector_ids: list[int], frequency: int,
                  environment: str | None, enabled: bool = True) -> dict:
    """The workflow body the client writes for these options."""
    return write_workflow(Alert(params["name"], wanted_conditions(params), targets, frequency, environment, enabled,
                                detector_ids))


def legacy_rule_body(params: dict, targets: list[Target], frequency: int, environment: str | None) -> dict:
    """The legacy rule body the client writes for these options."""
    return rule_body(Alert(params["name"], wanted_conditions(params), targets, frequency, environment))


TEAM_TARGET = Target("team", "7")
SLACK_TARGET = Target("slack", "#alerts", integration_id="55")
OWNERS_TARGET = Target("issue_owners", fallthrough="ActiveMembers")
MEMBER_TARGET = Target("member", "42")


@pytest.mark.parametrize("kind, threshold", [("new_issue", None), ("event_frequency", 100)])
def test_workflow_body_is_valid_per_the_current_spec(kind, threshold):
    body = workflow_body(rule_params(kind=kind, threshold=threshold),
                         [TEAM_TARGET, SLACK_TARGET, OWNERS_TARGET, MEMBER_TARGET], [11], 30, "production")
    assert request_problems("sentry", "POST", WORKFLOWS, "", body) == []


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
    assert request_problems("sentry", "POST", RULES, "", body) == []


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
