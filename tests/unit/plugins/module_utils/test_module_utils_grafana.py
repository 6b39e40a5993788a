# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Grafana modules' logic against a stateful fake Grafana: idempotence, check mode, merges, digests, errors."""
from __future__ import annotations

import copy
import json
import math

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import (
    alert_rules, contact_point, dashboard, folder, policy, query)
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import REDACTED
from ansible_collections.launchkit.paas.plugins.modules.grafana_contact_point import MODULE as CONTACT_POINT
from ansible_collections.launchkit.paas.plugins.modules.grafana_folder import MODULE as FOLDER
from grafana_fakes import FakeGrafana, client_of, params, refused_by_spec
from launchkit_fakes import connection_dropped, reply

SLACK_URL = "https://hooks.slack.test/services/T0/B0/very-secret"


def run(logic, fake, check=False, **options):
    return logic(params(**options), check, Secrets(), client_of(fake.api))


# -- folder
def test_a_folder_is_created_once_and_a_lost_create_is_looked_up_first():
    fake = FakeGrafana()
    fake.folder_routes("ops")
    create = fake.api.routes[("POST", "/folders")][0]
    fake.api.on("POST", "/folders", lambda call: (create(call), connection_dropped())[1])
    options = dict(uid="ops", title="Ops", parent_uid=None, state="present", force_delete_rules=False)
    result = run(folder.run_folder, fake, **options)
    assert result["changed"] and result["folder"]["uid"] == "ops"
    assert len(fake.api.to("POST", "/folders")) == 1  # found by its uid, not created again
    assert not run(folder.run_folder, fake, **options)["changed"]


def test_folder_delete_never_forces_rules_implicitly():
    fake = FakeGrafana()
    fake.folder_routes("ops")
    fake.folders["ops"] = {"uid": "ops", "title": "Ops"}
    run(folder.run_folder, fake, uid="ops", title=None, parent_uid=None, state="absent", force_delete_rules=False)
    assert fake.api.to("DELETE")[0].params == {"forceDeleteRules": "false"}


def test_bad_input_fails_before_any_call(monkeypatch):
    for name in ("GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD"):  # a loaded sandbox env sets some of them
        monkeypatch.delenv(name, raising=False)
    result = FOLDER.run_in_process("launchkit.paas.grafana_folder",
                                   {"uid": "no spaces allowed", "title": "x", "api_url": "https://g.test", "api_key": "t0ken"},
                                   check_mode=False, diff=False)
    assert result["failed"] and "not a Grafana uid" in result["msg"]
    result = FOLDER.run_in_process("launchkit.paas.grafana_folder", {"uid": "ops", "title": "x", "api_url": "https://g.test"},
                                   check_mode=False, diff=False)
    assert result["failed"] and "GRAFANA_TOKEN" in result["msg"]


# -- dashboard
MODEL = {"uid": "svc", "title": "Service", "panels": [{"type": "timeseries", "title": "Latency"}], "schemaVersion": 39}


def dashboard_options(**extra):
    return {"dashboard": copy.deepcopy(MODEL), "uid": None, "folder_uid": "ops", "commit_message": None, "overwrite": False,
            "state": "present", **extra}


def test_a_dashboard_is_compared_without_id_and_version():
    fake = FakeGrafana()
    fake.dashboard_routes("svc")
    assert run(dashboard.run_dashboard, fake, check=True, **dashboard_options())["changed"]
    assert not fake.api.writes
    created = run(dashboard.run_dashboard, fake, **dashboard_options())
    assert created["dashboard"]["version"] == 1 and created["dashboard"]["url"] == "/d/svc/x"
    again = run(dashboard.run_dashboard, fake, **dashboard_options(dashboard={**MODEL, "id": 99, "version": 42}))
    assert not again["changed"] and len(fake.api.to("POST", "/dashboards/db")) == 1


def test_a_dashboard_update_sends_the_stored_version_and_diffs_the_changed_keys():
    fake = FakeGrafana()
    fake.dashboard_routes("svc")
    run(dashboard.run_dashboard, fake, **dashboard_options())
    result = run(dashboard.run_dashboard, fake, **dashboard_options(dashboard={**MODEL, "title": "Service v2"}))
    assert result["changed"] and result["diff"] == {"before": {"title": "Service"}, "after": {"title": "Service v2"}}
    sent = fake.api.to("POST", "/dashboards/db")[-1].json
    assert sent["dashboard"]["version"] == 1 and sent["overwrite"] is False and result["dashboard"]["version"] == 2
    assert refused_by_spec(fake.api.calls) == {}


def test_a_412_fails_naming_the_dashboard_and_overwrite_takes_over():
    fake = FakeGrafana()
    fake.dashboard_routes("svc")
    run(dashboard.run_dashboard, fake, **dashboard_options())
    fake.api.on("POST", "/dashboards/db", reply(412, {"message": "The dashboard has been changed by someone else"}))
    with pytest.raises(ResourceError, match=r"'Service v2' \(uid svc\).*overwrite: true"):
        run(dashboard.run_dashboard, fake, **dashboard_options(dashboard={**MODEL, "title": "Service v2"}))
    fake.api.on("POST", "/dashboards/db", reply(200, {"uid": "svc", "version": 5, "url": "/d/svc/x"}))
    run(dashboard.run_dashboard, fake, **dashboard_options(dashboard={**MODEL, "title": "Service v2"}, overwrite=True))
    assert fake.api.to("POST", "/dashboards/db")[-1].json["overwrite"] is True


def test_a_lost_dashboard_save_is_looked_up_before_saving_again():
    fake = FakeGrafana()
    fake.dashboard_routes("svc")
    save = fake.api.routes[("POST", "/dashboards/db")][0]
    fake.api.on("POST", "/dashboards/db", lambda call: (save(call), connection_dropped())[1])
    result = run(dashboard.run_dashboard, fake, **dashboard_options())
    assert result["changed"] and result["dashboard"]["version"] == 1 and len(fake.api.to("POST")) == 1


# -- alert rule group
def rule(uid="errors", **extra):
    return {"uid": uid, "title": uid.title(), "condition": "B",
            "data": [{"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": "prom",
                      "model": {"expr": "sum(rate(errors[5m]))"}},
                     {"refId": "B", "datasourceUid": "__expr__", "model": {"type": "threshold", "expression": "A"}}],
            **extra}


def group_options(rules, **extra):
    return {"folder_uid": "ops", "name": "slo", "interval": "1m", "rules": rules, "purge": False,
            "disable_provenance": True, "state": "present", **extra}


def test_rule_defaults_make_the_second_run_a_no_op():
    fake = FakeGrafana()
    fake.group_routes("ops", "slo")
    first = run(alert_rules.run_rule_group, fake, **group_options([rule(**{"for": "5m"})]))
    assert first["changed"] and first["rules_added"] == ["errors"]
    sent = fake.api.to("PUT")[-1]
    assert sent.headers["X-Disable-Provenance"] == "true" and sent.json["interval"] == 60
    assert sent.json["rules"][0]["noDataState"] == "NoData" and sent.json["rules"][0]["orgID"] == 1
    assert not run(alert_rules.run_rule_group, fake, **group_options([rule(**{"for": 300})]))["changed"]
    assert len(fake.api.to("PUT")) == 1
    assert refused_by_spec(fake.api.calls) == {}


def test_rules_not_listed_are_kept_unless_purge():
    fake = FakeGrafana()
    fake.group_routes("ops", "slo")
    run(alert_rules.run_rule_group, fake, **group_options([rule("theirs"), rule("errors")]))
    changed = run(alert_rules.run_rule_group, fake, **group_options([rule("errors", labels={"severity": "critical"})]))
    assert changed["rules_updated"] == ["errors"] and changed["rules_kept"] == ["theirs"]
    assert [r["uid"] for r in fake.groups[("ops", "slo")]["rules"]] == ["errors", "theirs"]
    assert list(changed["diff"]["after"]["rules"]) == ["errors"]
    owned = [rule("errors", labels={"severity": "critical"})]
    purged = run(alert_rules.run_rule_group, fake, **group_options(owned, purge=True))
    assert purged["rules_removed"] == ["theirs"] and [r["uid"] for r in fake.groups[("ops", "slo")]["rules"]] == ["errors"]


def test_a_rule_with_another_provenance_is_written_again():
    # a group write sets its rules' provenance: switching disable_provenance alone must reach Grafana
    fake = FakeGrafana()
    fake.group_routes("ops", "slo")
    run(alert_rules.run_rule_group, fake, **group_options([rule()], disable_provenance=False))
    assert fake.groups[("ops", "slo")]["rules"][0]["provenance"] == "api"
    editable = run(alert_rules.run_rule_group, fake, **group_options([rule()], disable_provenance=True))
    assert editable["changed"] and editable["rules_updated"] == ["errors"]
    assert editable["diff"]["before"]["rules"]["errors"]["provenance"] == "api"
    assert editable["diff"]["after"]["rules"]["errors"]["provenance"] is None
    assert fake.groups[("ops", "slo")]["rules"][0]["provenance"] == ""
    assert not run(alert_rules.run_rule_group, fake, **group_options([rule()], disable_provenance=True))["changed"]
    assert len(fake.api.to("PUT")) == 2


def test_absent_removes_only_the_listed_rules():
    fake = FakeGrafana()
    fake.group_routes("ops", "slo")
    run(alert_rules.run_rule_group, fake, **group_options([rule("theirs"), rule("errors")]))
    result = run(alert_rules.run_rule_group, fake, **group_options([{"uid": "errors"}], state="absent"))
    assert result["rules_removed"] == ["errors"] and [r["uid"] for r in fake.groups[("ops", "slo")]["rules"]] == ["theirs"]


@pytest.mark.parametrize("bad, words", [
    ({"condition": "Z"}, "condition 'Z'"),
    ({"noDataState": "Maybe"}, "noDataState"),
    ({"for": "five minutes"}, "not a duration"),
    ({"severity": "x"}, "unknown keys severity"),
])
def test_a_bad_rule_fails_before_any_call(bad, words):
    fake = FakeGrafana()
    with pytest.raises(ValueError, match=words):
        run(alert_rules.run_rule_group, fake, **group_options([{**rule(), **bad}]))
    assert not fake.api.calls


# -- notification policy
def policy_options(**extra):
    return {"matchers": ["stack=scoop", ["severity", "=", "critical"]], "receiver": "oncall", "group_by": None,
            "group_wait": None, "group_interval": None, "repeat_interval": "4h", "continue": None,
            "mute_time_intervals": None, "disable_provenance": False, "state": "present", **extra}


def test_a_route_is_updated_in_place_and_others_are_never_dropped():
    fake = FakeGrafana()
    other = {"receiver": "team-b", "object_matchers": [["team", "=", "b"]], "provenance": "api"}
    ours = {"receiver": "old", "matchers": ['severity="critical"', "stack=scoop"], "routes": [{"receiver": "nested"}]}
    fake.tree["routes"] = [copy.deepcopy(ours), copy.deepcopy(other)]
    result = run(policy.run_policy, fake, **policy_options())
    assert result["changed"] and result["previous_route"] == ours and result["position"] == 0
    routes = fake.tree["routes"]
    assert routes[0]["receiver"] == "oncall" and routes[0]["routes"] == [{"receiver": "nested"}]
    assert routes[1] == {k: v for k, v in other.items() if k != "provenance"}
    assert fake.tree["receiver"] == "default-email"
    assert not run(policy.run_policy, fake, **policy_options())["changed"]
    assert refused_by_spec(fake.api.calls) == {}


def test_a_new_route_is_appended_and_absent_restores_the_tree():
    fake = FakeGrafana()
    before = copy.deepcopy(fake.tree)
    added = run(policy.run_policy, fake, **policy_options())
    assert added["previous_route"] is None
    assert added["route"]["object_matchers"] == [["severity", "=", "critical"], ["stack", "=", "scoop"]]
    run(policy.run_policy, fake, **policy_options(state="absent"))
    assert fake.tree == before


def test_check_mode_predicts_the_route_and_writes_nothing():
    fake = FakeGrafana()
    result = run(policy.run_policy, fake, check=True, **policy_options())
    assert result["changed"] and not fake.api.writes


@pytest.mark.parametrize("matcher", ["no-operator", ["a", "==", "b"], "=value"])
def test_a_bad_matcher_fails_before_any_call(matcher):
    with pytest.raises(ValueError, match="matchers"):
        run(policy.run_policy, FakeGrafana(), **policy_options(matchers=[matcher]))


# -- contact points and their kept digests
def point_options(tmp_path, **extra):
    return {"name": "oncall", "uid": "oncall", "type": "slack", "settings": {"recipient": "#alerts"},
            "secure_settings": {"url": SLACK_URL}, "disable_resolve_message": None, "disable_provenance": False,
            "update_secure": "on_digest_change", "state_dir": str(tmp_path), "state": "present", **extra}


def test_secure_settings_are_compared_by_a_kept_digest(tmp_path):
    fake = FakeGrafana()
    created = run(contact_point.run_contact_point, fake, **point_options(tmp_path))
    assert created["changed"] and fake.secure["oncall"]["url"] == SLACK_URL
    kept_file = next(tmp_path.rglob("contact_point.oncall.json"))
    assert SLACK_URL not in kept_file.read_text() and oct(kept_file.stat().st_mode & 0o777) == "0o600"
    assert not run(contact_point.run_contact_point, fake, **point_options(tmp_path))["changed"]
    changed = run(contact_point.run_contact_point, fake, **point_options(tmp_path, secure_settings={"url": SLACK_URL + "2"}))
    assert changed["changed"] and fake.secure["oncall"]["url"] == SLACK_URL + "2"
    assert SLACK_URL not in json.dumps(changed)


def test_a_plain_change_sends_the_placeholder_that_keeps_the_secret(tmp_path):
    fake = FakeGrafana()
    run(contact_point.run_contact_point, fake, **point_options(tmp_path))
    result = run(contact_point.run_contact_point, fake, **point_options(tmp_path, settings={"recipient": "#other"}))
    assert result["diff"] == {"before": {"settings.recipient": "#alerts"}, "after": {"settings.recipient": "#other"}}
    assert fake.api.to("PUT")[-1].json["settings"]["url"] == REDACTED and fake.secure["oncall"]["url"] == SLACK_URL
    assert refused_by_spec(fake.api.calls) == {}


def test_without_a_kept_digest_the_secret_is_written_again_with_a_warning(tmp_path):
    fake = FakeGrafana()
    run(contact_point.run_contact_point, fake, **point_options(tmp_path, state_dir=None))
    again = run(contact_point.run_contact_point, fake, **point_options(tmp_path, state_dir=None))
    assert again["changed"] and "no digest is kept" in again["warnings"][0]
    on_create = run(contact_point.run_contact_point, fake, **point_options(tmp_path, state_dir=None, update_secure="on_create"))
    assert not on_create["changed"]


def test_the_slack_url_never_reaches_the_output(tmp_path):
    args = {**point_options(tmp_path), "api_url": "https://g.test", "api_key": "t0ken-value", "settings": {"url": SLACK_URL}}
    args.pop("state")
    result = CONTACT_POINT.run_in_process("launchkit.paas.grafana_contact_point", args, check_mode=True, diff=True)
    assert result["failed"] and "move it to secure_settings" in result["msg"] and SLACK_URL not in json.dumps(result)


def test_a_test_notification_names_each_failed_integration_without_its_url(tmp_path, monkeypatch):
    monkeypatch.setattr(contact_point, "TEST_BACKOFF", 0)
    fake = FakeGrafana()
    run(contact_point.run_contact_point, fake, **point_options(tmp_path))
    test_options = {"name": "oncall", "uid": None, "labels": {}, "annotations": {"summary": "test"}}
    dry = run(contact_point.run_contact_point_test, fake, check=True, **test_options)
    assert dry["changed"] and not dry["sent"] and not fake.api.to("POST", "/alertmanager/grafana/config/api/v1/receivers/test")
    assert run(contact_point.run_contact_point_test, fake, **test_options)["results"][0]["status"] == "ok"
    fake.test_answer = (207, {"receivers": [{"name": "oncall", "grafana_managed_receiver_configs": [
        {"uid": "oncall", "name": "oncall", "status": "failed", "error": f'Post "{SLACK_URL}": 404 no_service'}]}]})
    with pytest.raises(ResourceError) as raised:
        run(contact_point.run_contact_point_test, fake, **test_options)
    assert "integration oncall" in str(raised.value) and "no_service" in str(raised.value)
    assert SLACK_URL not in str(raised.value) and "very-secret" not in str(raised.value)
    assert refused_by_spec(fake.api.calls) == {}


# -- queries
FRAME = {"schema": {"fields": [{"name": "Time", "type": "time"},
                               {"name": "Value", "type": "number", "labels": {"job": "web"}}]},
         "data": {"values": [[1000, 2000], [0.5, 0.7]]}}


def query_options(**extra):
    return {"datasource_uid": "grafanacloud-prom", "queries": [{"ref_id": "up", "expr": "up", "instant": True},
                                                               {"ref_id": "errs", "expr": "errors", "instant": False}],
            "from": "now-5m", "to": "now", "require_series": False, **extra}


def test_a_query_grafana_refuses_with_400_fails_naming_it():
    # pkg/api/ds_query.go: any query error makes the answer 400, with every query's result in it
    fake = FakeGrafana()
    fake.api.on("POST", "/ds/query", reply(400, {"results": {"up": {"status": 200, "frames": [FRAME]},
                                                             "errs": {"status": 400, "error": "bad_data: parse error"}}}))
    with pytest.raises(ResourceError, match=r"could not run errs \(errors\): bad_data: parse error") as raised:
        run(query.run_query, fake, **query_options())
    assert "up (up)" not in str(raised.value)
    fake.api.on("POST", "/ds/query", reply(400, {"message": "bad request data: query 0: data source not found"}))
    with pytest.raises(Exception, match="data source not found"):
        run(query.run_query, fake, **query_options())


def test_a_query_returns_series_per_ref_id_and_require_series_names_the_empty_one():
    fake = FakeGrafana()
    fake.api.on("POST", "/ds/query", reply(200, {"results": {"up": {"frames": [FRAME]},
                                                             "errs": {"error": "bad_data: parse error", "frames": []}}}))
    result = run(query.run_query, fake, check=True, **query_options())
    assert not result["changed"] and result["results"]["up"]["series"][0] == {
        "name": "Value", "labels": {"job": "web"}, "values": [[1000, 0.5], [2000, 0.7]], "last": 0.7}
    assert result["results"]["errs"]["error"] == "bad_data: parse error"
    with pytest.raises(ResourceError, match=r"errs \(errors\): bad_data"):
        run(query.run_query, fake, **query_options(require_series=True))
    assert refused_by_spec(fake.api.calls) == {}


def test_a_frame_puts_nan_and_infinities_back_from_its_entities():
    from ansible_collections.launchkit.paas.plugins.module_utils.grafana.query import frame_series
    frame = {"schema": {"fields": [{"name": "Time", "type": "time"}, {"name": "Value", "type": "number", "labels": {"job": "a"}}]},
             "data": {"values": [[1000, 2000, 3000], [None, 0.5, None]],
                      "entities": [None, {"NaN": [0], "Inf": [2]}]}}
    [series] = frame_series(frame)
    first, second, third = (point[1] for point in series["values"])
    assert math.isnan(first) and second == 0.5 and third == float("inf")
    assert series["last"] == float("inf") and series["labels"] == {"job": "a"}


def test_a_planned_test_notification_through_a_contact_point_still_to_come_warns_and_a_real_one_fails():
    fake = FakeGrafana()
    options = {"name": "oncall", "uid": None, "labels": {}, "annotations": {}}
    planned = run(contact_point.run_contact_point_test, fake, check=True, **options)
    assert planned["changed"] and not planned["sent"]
    assert "does not exist yet; a real run fails unless an earlier task creates it" in planned["warnings"][0]
    with pytest.raises(ResourceError, match="create it first"):
        run(contact_point.run_contact_point_test, fake, **options)


def test_a_test_notification_an_integration_refused_once_is_sent_again(monkeypatch):
    monkeypatch.setattr(contact_point, "TEST_BACKOFF", 0)
    fake = FakeGrafana()
    fake.points.append({"uid": "oncall", "name": "oncall", "type": "email",
                        "settings": {"addresses": "a@example.com"}})
    fake.test_answers = [(207, {"receivers": [{"name": "oncall", "grafana_managed_receiver_configs": [
        {"uid": "oncall", "name": "oncall", "status": "failed", "error": "503 Service Unavailable"}]}]}),
        (503, {"message": "service unavailable"})]
    sent = run(contact_point.run_contact_point_test, fake, name="oncall", uid=None, labels={}, annotations={})
    assert sent["attempts"] == 3 and sent["results"][0]["status"] == "ok"
    assert len(fake.api.to("POST", "/alertmanager/grafana/config/api/v1/receivers/test")) == 3
