# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_env_vars with from_service / from_service_keys: Render's "Add from Service", key by key."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.env_vars import run_env_vars
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from launchkit_fakes import FakeSession, make_http, render_pages, reply

TARGET = {"id": "srv-1", "name": "worker", "type": "background_worker", "ownerId": "tea-1"}
SOURCE = {"id": "srv-2", "name": "web", "type": "web_service", "ownerId": "tea-1"}
TARGET_ENV = {"DATABASE_URL": "postgres://app:oldDbPass-7@db/app", "LOG_LEVEL": "info",
              "OLD_TOKEN": "legacy-token-value"}
SOURCE_ENV = {"DATABASE_URL": "postgres://app:newDbPass-8@db/app", "LOG_LEVEL": "info",
              "SENTRY_DSN": "https://sentrykey123@o1.ingest.sentry.io/2", "OLD_TOKEN": "source-token-value"}


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


def env_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "service": "worker", "env": {}, "remove": [],
              "from_service": "web", "from_service_keys": None, "purge": False, "return_previous": False}
    params.update(overrides)
    return params


def env_api() -> FakeSession:
    def pages(env):
        return render_pages("envVar", [{"key": k, "value": v} for k, v in env.items()])

    api = (FakeSession()
           .on("GET", "/services", render_pages("service", [TARGET, SOURCE]))
           .on("GET", "/services/srv-2", reply(200, SOURCE))
           .on("GET", "/services/srv-1/env-vars", pages(TARGET_ENV))
           .on("GET", "/services/srv-2/env-vars", pages(SOURCE_ENV)))
    for key in {*TARGET_ENV, *SOURCE_ENV, "EXTRA"}:
        api.on("PUT", f"/services/srv-1/env-vars/{key}", lambda call: reply(200, {"value": call.json["value"]}))
        api.on("DELETE", f"/services/srv-1/env-vars/{key}", reply(204))
    return api


def puts(api: FakeSession) -> dict[str, str]:
    return {c.path.rsplit("/", 1)[-1]: c.json["value"] for c in api.to("PUT")}


def test_copies_the_source_env_and_sets_only_keys_that_differ():
    api = env_api()
    result = run_env_vars(env_params(), False, Secrets(), render(api))
    assert puts(api) == {"DATABASE_URL": SOURCE_ENV["DATABASE_URL"], "SENTRY_DSN": SOURCE_ENV["SENTRY_DSN"],
                         "OLD_TOKEN": SOURCE_ENV["OLD_TOKEN"]}
    assert api.to("DELETE") == [] and not [c for c in api.writes if c.path.startswith("/services/srv-2")]
    assert result["changed"] is True
    assert result["set_keys"] == ["DATABASE_URL", "OLD_TOKEN", "SENTRY_DSN"]
    assert result["unchanged_keys"] == ["LOG_LEVEL"]
    assert result["service"]["id"] == "srv-1"


def test_explicit_env_wins_over_copied_values():
    api = env_api()
    run_env_vars(env_params(env={"SENTRY_DSN": "https://explicit@sentry.example/9", "LOG_LEVEL": "debug"}),
                 False, Secrets(), render(api))
    assert puts(api)["SENTRY_DSN"] == "https://explicit@sentry.example/9"
    assert puts(api)["LOG_LEVEL"] == "debug"


def test_keys_in_remove_are_not_copied_but_removed():
    api = env_api()
    result = run_env_vars(env_params(remove=["OLD_TOKEN"]), False, Secrets(), render(api))
    assert "OLD_TOKEN" not in puts(api)
    assert [c.path for c in api.to("DELETE")] == ["/services/srv-1/env-vars/OLD_TOKEN"]
    assert result["removed_keys"] == ["OLD_TOKEN"] and "OLD_TOKEN" not in result["set_keys"]


def test_from_service_keys_copies_only_the_named_keys():
    api = env_api()
    result = run_env_vars(env_params(from_service_keys=["SENTRY_DSN", "LOG_LEVEL"]), False, Secrets(), render(api))
    assert puts(api) == {"SENTRY_DSN": SOURCE_ENV["SENTRY_DSN"]}
    assert result["unchanged_keys"] == ["LOG_LEVEL"]


def test_a_key_missing_from_the_source_is_an_error_before_any_write():
    api = env_api()
    with pytest.raises(ResourceError, match="web has no env vars named MISSING_A, MISSING_B"):
        run_env_vars(env_params(from_service_keys=["MISSING_B", "SENTRY_DSN", "MISSING_A"]), False, Secrets(),
                     render(api))
    assert api.writes == []


def test_the_source_can_be_named_by_id():
    api = env_api()
    run_env_vars(env_params(from_service="srv-2", from_service_keys=["SENTRY_DSN"]), False, Secrets(), render(api))
    assert api.to("GET", "/services/srv-2") and puts(api) == {"SENTRY_DSN": SOURCE_ENV["SENTRY_DSN"]}


def test_check_mode_copies_nothing_but_reports_the_change():
    api = env_api()
    result = run_env_vars(env_params(), True, Secrets(), render(api))
    assert api.writes == [] and result["changed"] is True
    assert result["set_keys"] == ["DATABASE_URL", "OLD_TOKEN", "SENTRY_DSN"]


def test_copied_values_are_registered_as_secrets():
    secrets = Secrets()
    run_env_vars(env_params(), True, secrets, render(env_api()))
    assert {SOURCE_ENV["DATABASE_URL"], SOURCE_ENV["SENTRY_DSN"], SOURCE_ENV["OLD_TOKEN"]} <= secrets.values


@pytest.mark.parametrize("check_mode", [True, False])
def test_no_value_appears_in_the_result(check_mode):
    result = run_env_vars(env_params(remove=["OLD_TOKEN"], env={"EXTRA": "explicit-extra-value"}), check_mode,
                          Secrets(), render(env_api()))
    dumped = json.dumps(result)
    for value in [*SOURCE_ENV.values(), *TARGET_ENV.values(), "explicit-extra-value", "newDbPass-8", "oldDbPass-7",
                  "sentrykey123"]:
        if value != "info":
            assert value not in dumped
    assert set(result["diff"]["after"]) == {"DATABASE_URL", "SENTRY_DSN", "EXTRA"}


def test_without_from_service_no_other_service_is_read():
    api = env_api()
    run_env_vars(env_params(from_service=None, env={"LOG_LEVEL": "debug"}), False, Secrets(), render(api))
    assert not [c for c in api.calls if c.path.startswith("/services/srv-2")]
    assert puts(api) == {"LOG_LEVEL": "debug"}
