# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upstash: parameter validation, the Database resource's actions, and the returned view."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import DuplicateResource
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.client import VENDOR, UpstashClient
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.redis import (
    Database, database_view, eviction_for, run_redis, run_redis_info, validate)
from launchkit_fakes import FakeSession, make_http, no_sleep_policy, reply

PASSWORD = "upstashPassw0rd"
REST_TOKEN = "AXrestTokenValue"
RO_TOKEN = "AXreadOnlyToken"
API_KEY = "upstash-api-key-123"

DB = {"database_id": "db-1", "database_name": "queue", "platform": "aws", "primary_region": "us-east-1",
      "read_regions": ["us-west-1"], "eviction": False, "tls": True, "state": "active",
      "endpoint": "fine-cat-123.upstash.io", "port": 6379, "type": "payg"}
DB_WITH_CREDENTIALS = dict(DB, password=PASSWORD, rest_token=REST_TOKEN, read_only_rest_token=RO_TOKEN)


def params(**overrides):
    values = {"api_url": "https://api.test/v1", "email": "ops@example.test", "api_key": API_KEY, "timeout": 5.0,
              "validate_certs": True, "name": "queue", "state": "present", "platform": "aws",
              "primary_region": "us-east-1", "read_regions": None, "plan": None, "budget": None, "eviction": None,
              "maxmemory_policy": None, "tls": None, "return_secrets": False, "reset_password": False}
    values.update(overrides)
    return values


def upstash(api: FakeSession) -> UpstashClient:
    return UpstashClient(make_http(api, vendor=VENDOR, auth=("ops@example.test", API_KEY)))


def upstash_api(databases: list[dict]) -> FakeSession:
    api = (FakeSession()
           .on("GET", "/redis/databases", reply(200, databases))
           .on("GET", "/redis/database/db-1", reply(200, DB_WITH_CREDENTIALS))
           .on("POST", "/redis/database", reply(200, DB))
           .on("DELETE", "/redis/database/db-1", reply(200, "OK")))
    for action in ("enable-eviction", "disable-eviction", "update-regions", "enable-tls"):
        api.on("POST", f"/redis/{action}/db-1", reply(200, "OK"))
    return api


# ------------------------------------------------------------------------------------------- validate()
@pytest.mark.parametrize("overrides, message", [
    ({"tls": False}, "tls: false cannot be honoured"),
    ({"read_regions": ["us-east-1", "us-west-1"]}, "must not include the primary region us-east-1"),
    ({"primary_region": None}, "primary_region is required"),
    ({"state": "absent", "reset_password": True}, "reset_password applies to a database that stays"),
])
def test_validate_rejects(overrides, message):
    with pytest.raises(ValueError, match=message):
        validate(params(**overrides))


@pytest.mark.parametrize("overrides", [{}, {"tls": True, "read_regions": ["us-west-1"]},
                                       {"state": "absent", "primary_region": None}])
def test_validate_accepts(overrides):
    validate(params(**overrides))


def test_run_redis_validates_before_any_call():
    api = upstash_api([])
    with pytest.raises(ValueError):
        run_redis(params(tls=False), False, Secrets(), upstash(api))
    assert api.calls == []


# ------------------------------------------------------------------------------------------- Database
@pytest.mark.parametrize("changes, expected", [
    ({"eviction": True}, [("/redis/enable-eviction/db-1", None)]),
    ({"eviction": False}, [("/redis/disable-eviction/db-1", None)]),
    ({"read_regions": ["us-west-1", "eu-west-1"]},
     [("/redis/update-regions/db-1", {"read_regions": ["us-west-1", "eu-west-1"]})]),
    ({"tls": True}, [("/redis/enable-tls/db-1", None)]),
])
def test_database_update_calls_the_matching_action(changes, expected):
    api = upstash_api([DB])
    updated = Database(upstash(api), params()).update(DB, changes)
    assert [(c.path, c.json) for c in api.to("POST")] == expected
    assert updated["database_id"] == "db-1"
    assert api.to("GET", "/redis/database/db-1")[-1].params is None  # re-read with credentials


def test_database_actions_are_retried_because_they_set_absolute_states():
    api = upstash_api([DB]).on("POST", "/redis/enable-eviction/db-1", reply(503), reply(200, "OK"))
    Database(upstash(api), params()).update(DB, {"eviction": True})
    assert len(api.to("POST", "/redis/enable-eviction/db-1")) == 2


def test_run_redis_creates_with_tls_and_returns_masked_credentials():
    api = upstash_api([])
    secrets = Secrets()
    result = run_redis(params(eviction=False, read_regions=["us-west-1"]), False, secrets, upstash(api))
    [post] = api.to("POST", "/redis/database")
    assert post.json == {"database_name": "queue", "platform": "aws", "primary_region": "us-east-1",
                         "read_regions": ["us-west-1"], "eviction": False, "tls": True}
    assert result["changed"] is True
    dumped = json.dumps(result)
    for secret in (PASSWORD, REST_TOKEN, RO_TOKEN, API_KEY):
        assert secret not in dumped
    assert {PASSWORD, REST_TOKEN, RO_TOKEN} <= secrets.values


def test_run_redis_check_mode_creates_nothing():
    api = upstash_api([])
    result = run_redis(params(), True, Secrets(), upstash(api))
    assert result["changed"] is True and api.writes == [] and result["database"] is None


def test_run_redis_eviction_change_uses_the_action_only():
    api = upstash_api([DB])
    result = run_redis(params(eviction=True), False, Secrets(), upstash(api))
    assert [c.path for c in api.writes] == ["/redis/enable-eviction/db-1"]
    assert result["diff"] == {"before": {"eviction": False}, "after": {"eviction": True}}


def test_run_redis_is_idempotent_with_unset_options():
    api = upstash_api([DB])
    assert run_redis(params(), False, Secrets(), upstash(api))["changed"] is False
    assert api.writes == []


def test_find_fails_on_duplicate_names():
    api = upstash_api([DB, dict(DB, database_id="db-2")])
    with pytest.raises(DuplicateResource, match="db-1, db-2"):
        run_redis(params(), False, Secrets(), upstash(api))


def test_upstash_error_message_comes_from_the_body_without_the_api_key():
    api = FakeSession().on("GET", "/redis/databases", reply(401, {"error": f"bad key {API_KEY}"}))
    with pytest.raises(ApiError) as caught:
        upstash(api).databases()
    assert "bad key" in str(caught.value) and API_KEY not in str(caught.value)


# ------------------------------------------------------------------------------------------ database_view
def test_database_view_builds_a_rediss_url_and_masks_secrets():
    secrets = Secrets()
    view = database_view(DB_WITH_CREDENTIALS, secrets, reveal=False)
    assert view["redis_url"] == f"rediss://default:{MASK}@fine-cat-123.upstash.io:6379"
    assert view["rest_url"] == "https://fine-cat-123.upstash.io"
    assert view["rest_token"] == MASK and view["read_only_rest_token"] == MASK
    assert {PASSWORD, REST_TOKEN, RO_TOKEN} <= secrets.values
    assert PASSWORD not in json.dumps(view)


def test_database_view_never_reads_a_rest_url_from_the_answer():
    """Upstash's Developer API answers have no rest_url (the sandbox adds one for its own tests): the REST URL is
    always built from the endpoint, so a module cannot pass against the sandbox and break against Upstash."""
    answer = {**DB_WITH_CREDENTIALS, "rest_url": "http://127.0.0.1:8765/upstash-rest/fine-cat-123"}
    assert database_view(answer, Secrets(), reveal=True)["rest_url"] == "https://fine-cat-123.upstash.io"


def test_database_view_reveals_when_asked():
    view = database_view(DB_WITH_CREDENTIALS, Secrets(), reveal=True)
    assert view["redis_url"] == f"rediss://default:{PASSWORD}@fine-cat-123.upstash.io:6379"
    assert view["rest_token"] == REST_TOKEN


def test_database_view_without_credentials_has_no_url():
    view = database_view(DB, Secrets(), reveal=False)
    assert view["redis_url"] is None and view["rest_token"] is None


def test_a_401_tells_what_upstash_authenticates_with():
    error = ApiError(401, "Unauthorized", vendor="Upstash", auth_hint=VENDOR.auth_hint)
    assert "UPSTASH_EMAIL" in str(error) and "API token" not in str(error)


# ------------------------------------------------------------------------------------------ one Secrets per run
def run_client(api: FakeSession, secrets: Secrets) -> UpstashClient:
    """The client as a module run builds it: on the run's Secrets."""
    return UpstashClient.from_params(params(), secrets, session=api, retry=no_sleep_policy())


@pytest.mark.parametrize("run, overrides", [(run_redis, {}), (run_redis_info, {}), (run_redis_info, {"id": "db-1"})])
def test_return_secrets_unmasks_the_database_credentials_but_never_the_api_key(run, overrides):
    secrets = Secrets()
    result = run(params(return_secrets=True, **overrides), False, secrets, run_client(upstash_api([DB]), secrets))
    assert API_KEY in secrets.values
    assert set(result["_unmasked"]) == {PASSWORD, REST_TOKEN, RO_TOKEN}


def test_without_return_secrets_nothing_is_unmasked_and_the_credentials_are_registered():
    secrets = Secrets()
    result = run_redis_info(params(), False, secrets, run_client(upstash_api([DB_WITH_CREDENTIALS]), secrets))
    assert "_unmasked" not in result and {API_KEY, PASSWORD, REST_TOKEN, RO_TOKEN} <= secrets.values
    assert result["databases"][0]["rest_token"] == MASK


# ------------------------------------------------------------------------------------------- reset_password
NEW_PASSWORD = "upstashNewPassw0rd"


def test_reset_password_resets_every_time_and_returns_the_new_credentials():
    api = upstash_api([DB])
    api.on("POST", "/redis/reset-password/db-1", reply(200, DB))
    api.on("GET", "/redis/database/db-1", reply(200, dict(DB_WITH_CREDENTIALS, password=NEW_PASSWORD)))
    result = run_redis(params(reset_password=True, return_secrets=True), False, Secrets(), upstash(api))
    assert [c.path for c in api.writes] == ["/redis/reset-password/db-1"]
    assert result["changed"] is True and result["action"] == "reset_password"
    assert NEW_PASSWORD in result["database"]["redis_url"] and NEW_PASSWORD in result["_unmasked"]


def test_reset_password_in_check_mode_writes_nothing_and_shows_no_secret():
    api = upstash_api([DB])
    result = run_redis(params(reset_password=True, return_secrets=True), True, Secrets(), upstash(api))
    assert api.writes == [] and result["changed"] is True and result["action"] == "reset_password"
    assert PASSWORD not in json.dumps(result)


# ------------------------------------------------------------------------------- maxmemory_policy
@pytest.mark.parametrize("policy, eviction", [
    ("noeviction", False), ("allkeys-lru", True), ("allkeys_lru", True), ("volatile_ttl", True),
    ("allkeys-random", True)])
def test_a_redis_policy_maps_onto_the_eviction_switch(policy, eviction):
    assert eviction_for("queue", policy)[0] is eviction


def test_an_evicting_policy_warns_that_upstash_evicts_its_own_way():
    eviction, warning = eviction_for("synckairos-redis", "allkeys_lru")
    assert eviction is True
    assert warning == ("Upstash database synckairos-redis: maxmemory_policy allkeys-lru asked for, but Upstash has "
                       "only an eviction switch: eviction is on, and Upstash evicts with optimistic-volatile "
                       "(volatile-random and allkeys-random combined) rather than allkeys-lru.")
    assert eviction_for("q", "noeviction") == (False, None) and eviction_for("q", None) == (None, None)


def test_run_redis_with_a_policy_turns_eviction_on_and_warns_once():
    api = upstash_api([DB])
    result = run_redis(params(maxmemory_policy="allkeys-lru"), False, Secrets(), upstash(api))
    assert [c.path for c in api.writes] == ["/redis/enable-eviction/db-1"]
    assert len(result["warnings"]) == 1 and "rather than allkeys-lru" in result["warnings"][0]


def test_run_redis_with_noeviction_keeps_the_switch_off_silently():
    api = upstash_api([DB])
    result = run_redis(params(maxmemory_policy="noeviction"), False, Secrets(), upstash(api))
    assert api.writes == [] and result["changed"] is False and result["warnings"] == []


def test_eviction_and_maxmemory_policy_exclude_each_other():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.launchkit.paas.plugins.modules.upstash_redis import MODULE

    validated = ArgumentSpecValidator(MODULE.argument_spec, **MODULE.checks).validate(
        {"name": "q", "primary_region": "us-east-1", "email": "e@x.test", "api_key": "k",
         "eviction": True, "maxmemory_policy": "allkeys-lru"})
    assert any("mutually exclusive" in message for message in validated.error_messages)
