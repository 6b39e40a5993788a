# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Grafana client operation, as sent, is a request Grafana's Swagger 2 document accepts; auth and errors."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import (
    DISABLE_PROVENANCE, DashboardConflict, GrafanaClient, check_connection)
from grafana_fakes import BASE, TOKEN, client_of, params, refused_by_spec, request_problems
from launchkit_fakes import FakeSession, public_methods, reply

RULE = {"uid": "r1", "title": "Errors", "condition": "B", "for": "5m", "orgID": 1, "folderUID": "f1", "ruleGroup": "g",
        "noDataState": "NoData", "execErrState": "Error", "isPaused": False, "labels": {"team": "a"},
        "annotations": {"summary": "s"},
        "data": [{"refId": "A", "queryType": "", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": "prom",
                  "model": {"expr": "up", "intervalMs": 1000, "maxDataPoints": 43200}},
                 {"refId": "B", "queryType": "", "relativeTimeRange": {"from": 0, "to": 0}, "datasourceUid": "__expr__",
                  "model": {"type": "threshold", "expression": "A"}}]}
POINT = {"uid": "cp1", "name": "oncall", "type": "slack", "settings": {"url": "https://hooks.slack.test/x"},
         "disableResolveMessage": True}
TEST_RESULT = {"receivers": [{"name": "oncall", "grafana_managed_receiver_configs": [
    {"uid": "cp1", "name": "oncall", "status": "ok"}]}], "notified_at": "2026-01-01T00:00:00Z"}


def grafana_api() -> FakeSession:
    group = "/v1/provisioning/folder/f1/rule-groups/g"
    return (FakeSession(BASE + "/api")
            .on("GET", "/org", reply(200, {"id": 1}))
            .on("GET", "/folders", reply(200, [{"uid": "f1", "title": "F"}]))
            .on("POST", "/folders", reply(200, {"uid": "f1"}))
            .on("GET", "/folders/f1", reply(200, {"uid": "f1"}))
            .on("PUT", "/folders/f1", reply(200, {"uid": "f1"}))
            .on("DELETE", "/folders/f1", reply(200, {}))
            .on("GET", "/dashboards/uid/d1", reply(200, {"dashboard": {"uid": "d1"}, "meta": {}}))
            .on("POST", "/dashboards/db", reply(200, {"uid": "d1", "version": 2}))
            .on("DELETE", "/dashboards/uid/d1", reply(200, {}))
            .on("GET", "/search", reply(200, [{"uid": "d1"}]))
            .on("GET", "/v1/provisioning/alert-rules", reply(200, [RULE]))
            .on("GET", group, reply(200, {"rules": [RULE]}))
            .on("PUT", group, reply(200, {}))
            .on("DELETE", group, reply(204))
            .on("DELETE", "/v1/provisioning/alert-rules/r1", reply(204))
            .on("GET", "/v1/provisioning/contact-points", reply(200, [POINT]))
            .on("POST", "/v1/provisioning/contact-points", reply(202, POINT))
            .on("PUT", "/v1/provisioning/contact-points/cp1", reply(202, {}))
            .on("DELETE", "/v1/provisioning/contact-points/cp1", reply(202))
            .on("POST", "/alertmanager/grafana/config/api/v1/receivers/test", reply(200, TEST_RESULT))
            .on("GET", "/v1/provisioning/policies", reply(200, {"receiver": "r"}))
            .on("PUT", "/v1/provisioning/policies", reply(202, {"message": "policies updated"}))
            .on("GET", "/datasources", reply(200, [{"uid": "ds1"}]))
            .on("GET", "/datasources/uid/ds1", reply(200, {"uid": "ds1"}))
            .on("POST", "/datasources", reply(200, {"datasource": {"uid": "ds1"}}))
            .on("PUT", "/datasources/uid/ds1", reply(200, {"datasource": {"uid": "ds1"}}))
            .on("DELETE", "/datasources/uid/ds1", reply(200, {}))
            .on("POST", "/ds/query", reply(200, {"results": {}})))


DS = {"name": "prom", "uid": "ds1", "type": "prometheus", "url": "http://prom", "access": "proxy", "isDefault": False,
      "jsonData": {"httpMethod": "POST"}, "secureJsonData": {"basicAuthPassword": "pw"}, "basicAuth": True,
      "basicAuthUser": "u"}

# Each client operation with arguments that send every field and query parameter it can send.
OPERATIONS: dict[str, Any] = {
    "org": lambda c: c.org(),
    "folders": lambda c: c.folders(parent_uid="p1"),
    "folder": lambda c: c.folder("f1"),
    "create_folder": lambda c: c.create_folder("f1", "F", "p1"),
    "update_folder": lambda c: c.update_folder("f1", "F2", 3),
    "delete_folder": lambda c: (c.delete_folder("f1"), c.delete_folder("f1", force_delete_rules=True)),
    "dashboard": lambda c: c.dashboard("d1"),
    "save_dashboard": lambda c: c.save_dashboard({"uid": "d1", "title": "D", "version": 1}, "f1", "msg", overwrite=True),
    "delete_dashboard": lambda c: c.delete_dashboard("d1"),
    "search_dashboards": lambda c: c.search_dashboards("lat", ["f1"]),
    "alert_rules": lambda c: c.alert_rules(),
    "alert_rule_group": lambda c: c.alert_rule_group("f1", "g"),
    "put_alert_rule_group": lambda c: c.put_alert_rule_group("f1", "g", 60, [RULE], disable_provenance=True),
    "delete_alert_rule_group": lambda c: c.delete_alert_rule_group("f1", "g"),
    "delete_alert_rule": lambda c: c.delete_alert_rule("r1", disable_provenance=True),
    "contact_points": lambda c: c.contact_points(name="oncall"),
    "create_contact_point": lambda c: c.create_contact_point(POINT, disable_provenance=True),
    "update_contact_point": lambda c: c.update_contact_point("cp1", POINT, disable_provenance=True),
    "delete_contact_point": lambda c: c.delete_contact_point("cp1"),
    "test_contact_point": lambda c: c.test_contact_point("oncall", [POINT], {"a": "b"}, {"summary": "s"}),
    "policy_tree": lambda c: c.policy_tree(),
    "put_policy_tree": lambda c: c.put_policy_tree(
        {"receiver": "r", "group_by": ["alertname"], "routes": [{"receiver": "x", "object_matchers": [["a", "=", "b"]],
                                                                 "continue": True, "group_wait": "30s"}]},
        disable_provenance=True),
    "datasources": lambda c: c.datasources(),
    "datasource": lambda c: c.datasource("ds1"),
    "create_datasource": lambda c: c.create_datasource(DS),
    "update_datasource": lambda c: c.update_datasource("ds1", {**DS, "version": 2}),
    "delete_datasource": lambda c: c.delete_datasource("ds1"),
    "query": lambda c: c.query([{"refId": "A", "datasource": {"uid": "ds1"}, "expr": "up", "instant": True}], "now-5m", "now"),
}


def test_every_public_client_method_is_checked():
    assert public_methods(GrafanaClient) == set(OPERATIONS) | {"from_params"}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_operation_sends_only_requests_the_spec_accepts(operation):
    api = grafana_api()
    OPERATIONS[operation](client_of(api))
    assert api.calls, f"{operation} sent no request"
    assert refused_by_spec(api.calls) == {}


@pytest.mark.parametrize("method, path, query, body", [
    ("GET", "/folders", "bogus=1", None),
    ("POST", "/folders", "", {"uid": "f", "title": "t", "colour": "red"}),
    ("POST", "/v1/provisioning/alert-rules/x/y", "", None),
    ("POST", "/alertmanager/grafana/config/api/v1/receivers/test", "", {"receivers": "oncall"}),
])
def test_the_spec_check_refuses_what_grafana_does_not_declare(method, path, query, body):
    assert request_problems(method, path, query, body) != []


@pytest.mark.parametrize("operation", ["put_alert_rule_group", "delete_alert_rule", "create_contact_point",
                                       "update_contact_point", "put_policy_tree"])
def test_provisioning_writes_send_the_provenance_header_when_asked(operation):
    api = grafana_api()
    OPERATIONS[operation](client_of(api))
    assert api.writes[-1].headers[DISABLE_PROVENANCE] == "true"


def test_a_token_is_sent_as_bearer_and_basic_auth_as_basic():
    api = grafana_api()
    client_of(api).org()
    assert api.calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    api = grafana_api()
    client_of(api, api_key=None, username="admin", password="s3cret-pass").org()
    assert api.calls[0].kwargs["auth"] == ("admin", "s3cret-pass") and "Authorization" not in api.calls[0].headers


@pytest.mark.parametrize("extra, words", [
    ({"api_key": None}, "no Grafana credentials"),
    ({"username": "admin", "password": "pw"}, "not both"),
    ({"api_key": None, "username": "admin"}, "both username"),
    ({"api_url": None}, "api_url is required"),
])
def test_connection_problems_fail_before_any_call(extra, words):
    with pytest.raises(ValueError, match=words):
        check_connection(params(**extra))


def test_the_base_url_gets_api_once():
    assert client_of(grafana_api()).http.base_url == BASE + "/api"
    assert client_of(grafana_api(), api_url=BASE + "/api/").http.base_url == BASE + "/api"


def test_a_412_is_a_dashboard_conflict_with_grafanas_message():
    refused = reply(412, {"message": "changed by someone else", "status": "version-mismatch"})
    api = FakeSession(BASE + "/api").on("POST", "/dashboards/db", refused)
    with pytest.raises(DashboardConflict) as raised:
        client_of(api).save_dashboard({"uid": "d1", "title": "D"})
    assert raised.value.code == "version-mismatch" and "changed by someone else" in str(raised.value)


def test_the_token_never_reaches_an_error():
    secrets = Secrets()
    api = FakeSession(BASE + "/api").on("GET", "/org", reply(401, {"message": f"invalid token {TOKEN}"}))
    with pytest.raises(Exception) as raised:
        client_of(api, secrets).org()
    assert TOKEN not in str(raised.value) and "GRAFANA_TOKEN" in str(raised.value)
