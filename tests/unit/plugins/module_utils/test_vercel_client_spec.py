# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Vercel client operation, as sent, has the method, path, query and body the official SDK gives it
(vercel_fakes.SDK_OPERATIONS), with teamId on every call; errors, the create's failed list, rate limits."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import EnvCreateFailed, VercelClient
from launchkit_fakes import FakeSession, SleepRecorder, no_sleep_policy, public_methods, reply
from vercel_fakes import TOKEN, FakeVercel, sdk_problems, vercel_client

# Each operation with arguments that send every field and query parameter it can send, and the request expected.
OPERATIONS: dict[str, tuple[Any, str, str, dict, Any]] = {
    "project": (lambda c: c.project("scoop-web"), "GET", "/v9/projects/scoop-web", {}, None),
    "env_vars": (lambda c: c.env_vars("prj_web"), "GET", "/v10/projects/prj_web/env", {}, None),
    "env_var": (lambda c: c.env_var("prj_web", "env_1"), "GET", "/v1/projects/prj_web/env/env_1", {}, None),
    "create_env": (lambda c: c.create_env("prj_web", "API_KEY", "s3cret-value", "sensitive", ["preview"], "staging"),
                   "POST", "/v10/projects/prj_web/env", {},
                   {"key": "API_KEY", "value": "s3cret-value", "type": "sensitive", "target": ["preview"],
                    "gitBranch": "staging"}),
    "edit_env": (lambda c: c.edit_env("prj_web", "env_1", "new-value", "encrypted"),
                 "PATCH", "/v9/projects/prj_web/env/env_1", {}, {"value": "new-value", "type": "encrypted"}),
    "delete_env": (lambda c: c.delete_env("prj_web", "env_1"), "DELETE", "/v9/projects/prj_web/env/env_1", {}, None),
    "deployments": (lambda c: c.deployments("prj_web"), "GET", "/v7/deployments",
                    {"projectId": "prj_web", "target": "production", "limit": 20}, None),
    "deployment": (lambda c: c.deployment("dpl_1"), "GET", "/v13/deployments/dpl_1", {}, None),
    "redeploy": (lambda c: c.redeploy("scoop-web", "dpl_1"), "POST", "/v13/deployments", {"forceNew": "1"},
                 {"name": "scoop-web", "deploymentId": "dpl_1", "target": "production"}),
}


def answering_api() -> FakeSession:
    entry = {"id": "env_1", "key": "API_KEY", "type": "encrypted", "target": ["production"], "value": "v"}
    deployment = {"id": "dpl_1", "url": "x.vercel.app", "readyState": "READY"}
    return (FakeSession()
            .on("GET", "/v9/projects/scoop-web", reply(200, {"id": "prj_web", "name": "scoop-web"}))
            .on("GET", "/v10/projects/prj_web/env", reply(200, {"envs": [entry]}))
            .on("GET", "/v1/projects/prj_web/env/env_1", reply(200, {**entry, "decrypted": True}))
            .on("POST", "/v10/projects/prj_web/env", reply(201, {"created": entry, "failed": []}))
            .on("PATCH", "/v9/projects/prj_web/env/env_1", reply(200, entry))
            .on("DELETE", "/v9/projects/prj_web/env/env_1", reply(200, entry))
            .on("GET", "/v7/deployments", reply(200, {"deployments": [{**deployment, "uid": "dpl_1"}]}))
            .on("GET", "/v13/deployments/dpl_1", reply(200, deployment))
            .on("POST", "/v13/deployments", reply(200, deployment)))


def test_every_operation_is_covered():
    assert public_methods(VercelClient) - {"from_params"} == set(OPERATIONS)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_operation_sends_what_the_sdk_describes_with_the_team(name):
    operation, method, path, query, body = OPERATIONS[name]
    api = answering_api()
    operation(vercel_client(api))
    call = api.calls[0]
    assert (call.method, call.path, call.params, call.json) == (method, path, {**query, "teamId": "team_unit"}, body)
    assert sdk_problems(call) == []


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_without_a_team_no_team_id_is_sent(name):
    api = answering_api()
    OPERATIONS[name][0](vercel_client(api, team_id=None))
    assert "teamId" not in (api.calls[0].params or {}) and sdk_problems(api.calls[0], team=None) == []


def test_the_token_is_a_bearer_token_and_never_in_an_error():
    api = FakeSession().on("GET", "/v9/projects/scoop-web", reply(403, {"error": {
        "code": "forbidden", "message": f"Not authorized: {TOKEN}"}}))
    with pytest.raises(ApiError) as failure:
        vercel_client(api).project("scoop-web")
    assert api.calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert failure.value.code == "forbidden" and "Not authorized" in str(failure.value) and TOKEN not in str(failure.value)


def test_a_missing_project_is_none():
    api = FakeSession().on("GET", "/v9/projects/nope", reply(404, {"error": {"code": "not_found", "message": "x"}}))
    assert vercel_client(api).project("nope") is None


def test_a_create_answered_with_a_failed_entry_raises_its_code():
    api = FakeSession().on("POST", "/v10/projects/prj_web/env", reply(201, {"created": [], "failed": [
        {"error": {"code": "ENV_CONFLICT", "message": "A variable with the name `A` already exists", "envVarKey": "A"}}]}))
    with pytest.raises(EnvCreateFailed) as failure:
        vercel_client(api).create_env("prj_web", "A", "value-a", "plain", ["production"])
    assert failure.value.code == "ENV_CONFLICT" and "already exists" in failure.value.message


def test_a_rate_limit_waits_until_the_reset_time(monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_000.0)
    sleep = SleepRecorder()
    api = FakeSession().on("GET", "/v9/projects/scoop-web",
                           reply(429, {"error": {"code": "rate_limited", "message": "slow down"}},
                                 headers={"X-RateLimit-Reset": "1007"}),
                           reply(200, {"id": "prj_web"}))
    client = VercelClient.from_params({"api_url": "https://api.test/v1", "api_token": TOKEN, "team_id": None,
                                       "timeout": 5.0, "validate_certs": True},
                                      session=api, retry=no_sleep_policy(sleep=sleep))
    assert client.project("scoop-web") == {"id": "prj_web"} and 7.0 <= sleep.waits[0] < 8.0


def test_a_project_name_is_one_path_segment():
    api = FakeVercel()
    vercel_client(api).project("a/b")
    assert api.calls[0].path == "/v9/projects/a%2Fb"
