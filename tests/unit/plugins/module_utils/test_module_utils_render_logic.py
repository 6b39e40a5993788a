# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Render module logic: env vars (never wipe, never show a value) and Key Value."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import plan_env_changes
from ansible_collections.launchkit.paas.plugins.module_utils.render.env_vars import run_env_vars
from ansible_collections.launchkit.paas.plugins.module_utils.render.key_value import key_value_view, run_key_value
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from launchkit_fakes import FakeSession, make_http, render_pages, reply

SERVICE = {"id": "srv-1", "name": "web", "type": "web_service", "ownerId": "tea-1"}
KV_PASSWORD = "kvPassw0rdXYZ"
CONNECTION_INFO = {
    "internalConnectionString": f"redis://red-1:{KV_PASSWORD}@red-1:6379",
    "externalConnectionString": f"rediss://red-1:{KV_PASSWORD}@oregon-keyvalue.render.com:6379",
    "cliCommand": f"redis-cli --user red-1 -h oregon-keyvalue.render.com -p 6379 --tls --pass {KV_PASSWORD}",
}


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


# ------------------------------------------------------------------------------------ plan_env_changes
@pytest.mark.parametrize("current, env, remove, purge, expected", [
    pytest.param({"A": "1", "B": "2"}, {"A": "1"}, [], False, {"set": {}, "delete": []}, id="equal: nothing"),
    pytest.param({"A": "1", "B": "2"}, {"A": "9"}, [], False, {"set": {"A": "9"}, "delete": []},
                 id="only the differing value; unnamed B kept"),
    pytest.param({"A": "1"}, {"N": 5}, [], False, {"set": {"N": "5"}, "delete": []}, id="values become strings"),
    pytest.param({"A": "1"}, {}, ["GONE"], False, {"set": {}, "delete": []}, id="remove of a missing key: no-op"),
    pytest.param({"A": "1", "B": "2"}, {}, ["B"], False, {"set": {}, "delete": ["B"]}, id="remove a named key"),
    pytest.param({"A": "1", "B": "2", "C": "3"}, {"A": "1"}, [], True, {"set": {}, "delete": ["B", "C"]},
                 id="purge deletes every key not in env"),
    pytest.param({"A": "1", "B": "2"}, {"A": "1"}, ["B"], True, {"set": {}, "delete": ["B"]},
                 id="purge and remove do not delete twice"),
])
def test_plan_env_changes(current, env, remove, purge, expected):
    assert plan_env_changes(current, env, remove, purge) == expected


# ----------------------------------------------------------------------------------------- run_env_vars
def env_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "service": "web", "env": {}, "remove": [],
              "purge": False, "return_previous": False}
    params.update(overrides)
    return params


def env_api(current: dict[str, str]) -> FakeSession:
    api = (FakeSession()
           .on("GET", "/services", render_pages("service", [SERVICE]))
           .on("GET", "/services/srv-1/env-vars",
               render_pages("envVar", [{"key": k, "value": v} for k, v in current.items()])))
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY_BASE", "OLD", "LOG_LEVEL"):
        api.on("PUT", f"/services/srv-1/env-vars/{key}", lambda call: reply(200, {"value": call.json["value"]}))
        api.on("DELETE", f"/services/srv-1/env-vars/{key}", reply(204))
    return api


CURRENT = {"DATABASE_URL": "postgres://app:dbpass-OLD-9@db/app", "REDIS_URL": "redis://:oldRedisPw@r:6379",
           "OLD": "legacy-secret-value", "LOG_LEVEL": "info"}
NEW_REDIS = "rediss://default:newRedisPw123@kv.example:6379"


def test_env_vars_sets_only_differing_keys_and_leaves_unnamed_keys_alone():
    api = env_api(CURRENT)
    result = run_env_vars(env_params(env={"REDIS_URL": NEW_REDIS, "LOG_LEVEL": "info"}), False, Secrets(), render(api))
    assert [(c.method, c.path) for c in api.writes] == [("PUT", "/services/srv-1/env-vars/REDIS_URL")]
    assert api.writes[0].json == {"value": NEW_REDIS}
    assert result["changed"] is True
    assert result["set_keys"] == ["REDIS_URL"]
    assert result["unchanged_keys"] == ["LOG_LEVEL"]
    assert result["removed_keys"] == []


def test_env_vars_equal_values_are_no_change():
    api = env_api(CURRENT)
    result = run_env_vars(env_params(env={"LOG_LEVEL": "info"}), False, Secrets(), render(api))
    assert result["changed"] is False
    assert api.writes == []


def test_env_vars_remove_of_a_missing_key_is_a_no_op():
    api = env_api(CURRENT)
    result = run_env_vars(env_params(remove=["NOT_THERE"]), False, Secrets(), render(api))
    assert result["changed"] is False and result["removed_keys"] == []
    assert api.writes == []


def test_env_vars_remove_and_purge_delete_key_by_key():
    api = env_api(CURRENT)
    result = run_env_vars(env_params(env={"LOG_LEVEL": "debug"}, purge=True), False, Secrets(), render(api))
    assert sorted((c.method, c.path.rsplit("/", 1)[-1]) for c in api.writes) == [
        ("DELETE", "DATABASE_URL"), ("DELETE", "OLD"), ("DELETE", "REDIS_URL"), ("PUT", "LOG_LEVEL")]
    assert result["removed_keys"] == ["DATABASE_URL", "OLD", "REDIS_URL"]


def test_env_vars_check_mode_makes_no_writes_but_reports_the_change():
    api = env_api(CURRENT)
    result = run_env_vars(env_params(env={"REDIS_URL": NEW_REDIS}, remove=["OLD"]), True, Secrets(), render(api))
    assert api.writes == []
    assert result["changed"] is True
    assert result["set_keys"] == ["REDIS_URL"] and result["removed_keys"] == ["OLD"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_env_vars_result_and_diff_never_contain_a_value(check_mode):
    api = env_api(CURRENT)
    params = env_params(env={"REDIS_URL": NEW_REDIS, "SECRET_KEY_BASE": "brand-new-secret-key"},
                        remove=["OLD"], purge=False)
    result = run_env_vars(params, check_mode, Secrets(), render(api))
    dumped = json.dumps(result)
    for value in [*CURRENT.values(), NEW_REDIS, "brand-new-secret-key", "newRedisPw123", "oldRedisPw"]:
        assert value not in dumped
    assert set(result["diff"]["before"]) == {"REDIS_URL", "OLD"}
    assert set(result["diff"]["after"]) == {"REDIS_URL", "SECRET_KEY_BASE"}


def test_env_vars_registers_new_values_as_secrets():
    secrets = Secrets()
    run_env_vars(env_params(env={"REDIS_URL": NEW_REDIS}), True, secrets, render(env_api(CURRENT)))
    assert NEW_REDIS in secrets.values


def test_env_vars_return_previous_gives_old_values_and_keeps_them_unmasked():
    secrets = Secrets()
    result = run_env_vars(env_params(env={"REDIS_URL": NEW_REDIS, "SECRET_KEY_BASE": "s-123456"},
                                     return_previous=True), False, secrets, render(env_api(CURRENT)))
    assert result["previous"] == {"REDIS_URL": CURRENT["REDIS_URL"], "SECRET_KEY_BASE": None}
    assert result["_unmasked"] == (CURRENT["REDIS_URL"],)


def test_env_vars_key_both_set_and_removed_is_refused_before_any_call():
    api = env_api(CURRENT)
    with pytest.raises(ValueError, match="REDIS_URL"):
        run_env_vars(env_params(env={"REDIS_URL": "x"}, remove=["REDIS_URL"]), False, Secrets(), render(api))
    assert api.calls == []


# --------------------------------------------------------------------------------------- key_value_view
KEY_VALUE = {"id": "red-1", "name": "cache", "plan": "starter", "region": "oregon", "status": "available",
             "options": {"maxmemoryPolicy": "allkeys_lru"}, "ipAllowList": [], "version": "7.2",
             "owner": {"id": "tea-1"}, "dashboardUrl": "https://dashboard.render.com/r/red-1"}


def kv_api(info: dict | None = None) -> FakeSession:
    info = CONNECTION_INFO if info is None else info
    return FakeSession().on("GET", "/key-value/red-1/connection-info", reply(200, info))


def test_key_value_view_masks_every_password_unless_revealed():
    secrets = Secrets()
    view = key_value_view(render(kv_api()), KEY_VALUE, secrets, reveal=False)
    assert KV_PASSWORD not in json.dumps(view)
    assert view["connection"]["external_connection_string"] == (
        f"rediss://red-1:{MASK}@oregon-keyvalue.render.com:6379")
    assert view["connection"]["internal_connection_string"] == f"redis://red-1:{MASK}@red-1:6379"
    assert view["connection"]["cli_command"] == MASK
    assert KV_PASSWORD in secrets.values
    assert view["maxmemory_policy"] == "allkeys_lru" and view["owner_id"] == "tea-1"


def test_key_value_view_masks_a_cli_command_that_embeds_the_url():
    info = dict(CONNECTION_INFO, cliCommand=f'redis-cli -u "rediss://red-1:{KV_PASSWORD}@oregon-keyvalue.render.com:6379"')
    view = key_value_view(render(kv_api(info)), KEY_VALUE, Secrets(), reveal=False)
    assert KV_PASSWORD not in json.dumps(view)
    assert view["connection"]["cli_command"].startswith("redis-cli -u ")


def test_key_value_view_reveals_when_asked():
    view = key_value_view(render(kv_api()), KEY_VALUE, Secrets(), reveal=True)
    assert view["connection"] == {"internal_connection_string": CONNECTION_INFO["internalConnectionString"],
                                  "external_connection_string": CONNECTION_INFO["externalConnectionString"],
                                  "cli_command": CONNECTION_INFO["cliCommand"]}


def test_key_value_view_of_a_suspended_instance_reads_no_connection_info():
    api = kv_api()
    view = key_value_view(render(api), dict(KEY_VALUE, status="suspended"), Secrets(), reveal=False)
    assert "connection" not in view and api.calls == []


# ---------------------------------------------------------------------------------------- run_key_value
def kv_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "name": "cache", "id": None, "state": "present",
              "plan": "starter", "region": "oregon", "maxmemory_policy": "allkeys-lru", "ip_allow_list": None,
              "environment_id": None, "wait": True, "wait_timeout": 60, "return_secrets": False}
    params.update(overrides)
    return params


def key_value_api(existing: list[dict]) -> FakeSession:
    return (FakeSession()
            .on("GET", "/key-value", render_pages("keyValue", existing))
            .on("POST", "/key-value", lambda call: reply(201, dict(KEY_VALUE, name=call.json["name"],
                                                                   status="creating")))
            .on("GET", "/key-value/red-1", reply(200, KEY_VALUE))
            .on("PATCH", "/key-value/red-1", lambda call: reply(200, dict(KEY_VALUE, plan=call.json.get("plan"))))
            .on("DELETE", "/key-value/red-1", reply(204))
            .on("GET", "/key-value/red-1/connection-info", reply(200, CONNECTION_INFO)))


def test_key_value_create_in_check_mode_posts_nothing():
    api = key_value_api([])
    result = run_key_value(kv_params(), True, Secrets(), render(api))
    assert result["changed"] is True and result["action"] == "create"
    assert api.writes == []
    assert result["key_value"] is None
    assert result["diff"]["after"]["maxmemory_policy"] == "allkeys_lru"


def test_key_value_create_posts_render_spelling_and_waits_until_available():
    api = key_value_api([])
    result = run_key_value(kv_params(), False, Secrets(), render(api))
    [post] = api.to("POST", "/key-value")
    assert post.json == {"name": "cache", "ownerId": "tea-1", "plan": "starter", "region": "oregon",
                         "maxmemoryPolicy": "allkeys_lru"}
    assert result["key_value"]["status"] == "available"
    assert KV_PASSWORD not in json.dumps(result)


def test_key_value_is_idempotent():
    api = key_value_api([KEY_VALUE])
    result = run_key_value(kv_params(), False, Secrets(), render(api))
    assert result["changed"] is False and api.writes == []


def test_key_value_plan_change_patches_only_the_plan_and_warns_of_a_restart():
    api = key_value_api([KEY_VALUE])
    result = run_key_value(kv_params(plan="standard"), False, Secrets(), render(api))
    assert [(c.method, c.json) for c in api.writes] == [("PATCH", {"plan": "standard"})]
    assert result["warnings"] == ["changing plan restarts the Key Value instance"]


def test_key_value_region_cannot_change():
    with pytest.raises(ResourceError, match="cannot change region"):
        run_key_value(kv_params(region="frankfurt"), False, Secrets(), render(key_value_api([KEY_VALUE])))


def test_key_value_absent_deletes():
    api = key_value_api([KEY_VALUE])
    result = run_key_value(kv_params(state="absent"), False, Secrets(), render(api))
    assert result["changed"] is True
    assert [(c.method, c.path) for c in api.writes] == [("DELETE", "/key-value/red-1")]


@pytest.mark.parametrize("value, expected", [(True, "true"), (False, "false"), (3, "3"), ("True", "True")])
def test_env_values_are_written_as_the_app_reads_them(value, expected):
    plan = plan_env_changes({}, {"FLAG": value}, [], False)
    assert plan["set"] == {"FLAG": expected}


def test_a_lowercase_true_already_set_is_not_rewritten():
    assert plan_env_changes({"FLAG": "true"}, {"FLAG": True}, [], False)["set"] == {}
