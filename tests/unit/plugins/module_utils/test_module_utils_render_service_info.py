# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""render_service_info: env key names, env values asked by key, and where those values may show."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module, run
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.service_info import run_service_info
from launchkit_fakes import BASE_URL, Call, FakeSession, make_http, render_pages, reply

WEB = {"id": "srv-web", "name": "web", "type": "web_service", "ownerId": "tea-1",
       "serviceDetails": {"url": "https://web.onrender.com"}}
WORKER = {"id": "srv-wrk", "name": "worker", "type": "background_worker", "ownerId": "tea-1"}
REDIS_URL = "redis://red-1:redisPassw0rd77@red-1:6379"
DATABASE_URL = "postgresql://app:dbPassw0rd88@dpg-1/app"
WEB_ENV = {"REDIS_URL": REDIS_URL, "DATABASE_URL": DATABASE_URL, "SECRET_KEY_BASE": "skb-very-secret-1",
           "RAILS_ENV": "production"}
WORKER_ENV = {"REDIS_URL": REDIS_URL, "QUEUE": "default"}


def params(**overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "name": None, "type": None, "id": None,
              "env_keys": False, "env_values": []}
    values.update(overrides)
    return values


def api(env_answer=None) -> FakeSession:
    session = FakeSession().on("GET", "/services", render_pages("service", [WEB, WORKER]))
    session.on("GET", "/services/srv-web/env-vars",
               env_answer or render_pages("envVar", [{"key": k, "value": v} for k, v in WEB_ENV.items()]))
    session.on("GET", "/services/srv-wrk/env-vars",
               render_pages("envVar", [{"key": k, "value": v} for k, v in WORKER_ENV.items()]))
    return session


def client(session: FakeSession) -> RenderClient:
    return RenderClient(make_http(session, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


def env_reads(session: FakeSession) -> list[str]:
    return [call.path for call in session.calls if call.path.endswith("/env-vars")]


def test_without_env_options_no_env_is_read_or_returned():
    session = api()
    result = run_service_info(params(), False, Secrets(), client(session))
    assert [s["name"] for s in result["services"]] == ["web", "worker"]
    assert env_reads(session) == []
    assert all("env" not in s and "env_keys" not in s for s in result["services"])
    assert "_unmasked" not in result


def test_env_keys_gives_names_only_and_registers_no_value():
    secrets = Secrets()
    result = run_service_info(params(env_keys=True), False, secrets, client(api()))
    assert result["services"][0]["env_keys"] == sorted(WEB_ENV)
    assert result["services"][1]["env_keys"] == ["QUEUE", "REDIS_URL"]
    dumped = json.dumps(result)
    assert all(value not in dumped for value in [*WEB_ENV.values(), *WORKER_ENV.values()])
    assert all("env" not in s for s in result["services"])
    # Ordinary words such as "production" must not become masked everywhere in Ansible's output.
    assert secrets.values == set()


def test_env_values_returns_only_the_keys_asked_that_exist():
    result = run_service_info(params(env_values=["REDIS_URL", "DATABASE_URL", "MISSING"]), False, Secrets(),
                              client(api()))
    web, worker = result["services"]
    assert web["env"] == {"REDIS_URL": REDIS_URL, "DATABASE_URL": DATABASE_URL}
    assert worker["env"] == {"REDIS_URL": REDIS_URL}
    assert "env_keys" not in web
    dumped = json.dumps(result)
    assert "skb-very-secret-1" not in dumped and "production" not in dumped


def test_env_values_are_kept_unmasked_and_registered_as_secrets():
    secrets = Secrets()
    result = run_service_info(params(env_values=["REDIS_URL", "DATABASE_URL"]), False, secrets, client(api()))
    assert set(result["_unmasked"]) == {REDIS_URL, DATABASE_URL}
    assert {REDIS_URL, DATABASE_URL} <= secrets.values
    assert "skb-very-secret-1" not in secrets.values


def test_env_keys_and_env_values_together_read_each_service_once():
    session = api()
    result = run_service_info(params(env_keys=True, env_values=["QUEUE"]), False, Secrets(), client(session))
    assert env_reads(session) == ["/services/srv-web/env-vars", "/services/srv-wrk/env-vars"]
    web, worker = result["services"]
    assert web["env_keys"] == sorted(WEB_ENV) and web["env"] == {}
    assert worker["env"] == {"QUEUE": "default"}


def test_env_values_in_check_mode_still_only_read():
    session = api()
    result = run_service_info(params(env_values=["REDIS_URL"]), True, Secrets(), client(session))
    assert result["services"][0]["env"] == {"REDIS_URL": REDIS_URL}
    assert session.writes == []


# Through run(): what reaches Ansible.
class ModuleExit(Exception):
    def __init__(self, failed: bool, result: dict) -> None:
        super().__init__(result)
        self.failed = failed
        self.result = result


class FakeModule:
    def __init__(self, module_params: dict) -> None:
        self.params = module_params
        self.check_mode = False
        self._diff = False
        self.no_log_values: set[str] = set()

    def warn(self, message: str) -> None:
        raise AssertionError(f"unexpected warning: {message}")

    def exit_json(self, **result) -> None:
        raise ModuleExit(False, result)

    def fail_json(self, **result) -> None:
        raise ModuleExit(True, result)


def run_module(module_params: dict, session: FakeSession) -> tuple[FakeModule, ModuleExit]:
    module = FakeModule(module_params)
    try:
        run(module, Module({}, lambda p, c, s: run_service_info(p, c, s, client(session))))
    except ModuleExit as exit_:
        return module, exit_
    raise AssertionError("the module did not exit")


def test_module_returns_the_values_asked_for_unmasked():
    module, exit_ = run_module(params(name=["web"], env_values=["REDIS_URL"]), api())
    assert exit_.failed is False
    assert exit_.result["services"][0]["env"] == {"REDIS_URL": REDIS_URL}
    assert module.no_log_values == set()


def test_a_failure_after_reading_values_masks_them():
    calls = {"n": 0}

    def worker_env_fails(_call):
        calls["n"] += 1
        return reply(500, {"id": "boom", "message": "internal error"})

    session = api()
    session.on("GET", "/services/srv-wrk/env-vars", worker_env_fails)
    module, exit_ = run_module(params(env_values=["REDIS_URL", "DATABASE_URL"]), session)
    assert exit_.failed is True and calls["n"] >= 1
    assert {REDIS_URL, DATABASE_URL} <= module.no_log_values
    assert REDIS_URL not in json.dumps(exit_.result)


def test_api_error_type_is_the_vendors():
    session = FakeSession().on("GET", "/services/srv-nope", reply(404, {"id": "not_found", "message": "not found"}))
    with pytest.raises(ApiError) as raised:
        run_service_info(params(id="srv-nope", env_values=["REDIS_URL"]), False, Secrets(), client(session))
    assert raised.value.status == 404


# --------------------------------------------------------------------------------------- list filters
# Render's array filters are `style: form, explode: false`: one comma-separated value (name=a,b),
# never one key per value (name=a&name=b, which a server reading one value answers with one service).
CRON = {"id": "crn-1", "name": "nightly", "type": "cron_job", "ownerId": "tea-1"}


def query_sent(call: Call) -> str:
    """The query string exactly as requests puts it on the wire for the recorded params."""
    return urlsplit(requests.Request("GET", BASE_URL + call.path, params=call.params).prepare().url).query


def one_value_server(call: Call):
    """A server that reads each filter as the spec says: one value, split on commas."""
    query = parse_qs(query_sent(call))
    if any(len(values) > 1 for values in query.values()):
        return reply(400, {"id": "bad_request", "message": "repeated query parameter"})
    names = query["name"][0].split(",") if "name" in query else None
    kinds = query["type"][0].split(",") if "type" in query else None
    found = [s for s in (WEB, WORKER, CRON) if (names is None or s["name"] in names)
             and (kinds is None or s["type"] in kinds)]
    return reply(200, [{"service": s, "cursor": f"cur-{s['id']}"} for s in found])


def test_names_and_types_are_filtered_from_one_list_of_the_workspace():
    # The workspace's list is read whole (once per run, shared through the run cache) and filtered here.
    session = FakeSession().on("GET", "/services", one_value_server)
    result = run_service_info(params(name=["web", "worker"], type=["web_service", "background_worker"]),
                              False, Secrets(), client(session))
    [call] = session.calls
    assert query_sent(call) == "ownerId=tea-1&limit=100"
    assert [s["name"] for s in result["services"]] == ["web", "worker"]


def test_one_name_finds_that_service_only():
    session = FakeSession().on("GET", "/services", one_value_server)
    result = run_service_info(params(name=["nightly"]), False, Secrets(), client(session))
    assert query_sent(session.calls[0]) == "ownerId=tea-1&limit=100"
    assert [s["id"] for s in result["services"]] == ["crn-1"]
