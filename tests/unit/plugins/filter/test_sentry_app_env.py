# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sentry_app_env: the DSN under each service's names and the SDK settings that are set, checked first."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.sentry_app_env import FilterModule, sample_rate, sentry_app_env

DSN = "https://public@o1.ingest.sentry.io/2"


def settings(**extra):
    return {"services": ["api", "worker"], "dsn_env": "SENTRY_DSN", "frontend_dsn_env": None, "dsn_env_groups": [],
            "environment": None, "release": None, "release_from_deploy": False, "release_service": None,
            "traces_sample_rate": None, "source_maps": False, "org": "acme", "project": "app", "env_names": {},
            **extra}


def test_only_the_dsn_when_nothing_else_is_set():
    assert sentry_app_env(settings(), DSN) == {
        "services": ["api", "worker"], "env": {},
        "service_env": {"api": {"SENTRY_DSN": DSN}, "worker": {"SENTRY_DSN": DSN}},
        "commit_env_key": None, "commit_from": None}


def test_settings_dsn_groups_and_the_release_from_the_web_service():
    result = sentry_app_env(settings(environment="staging", traces_sample_rate="0.5", release_from_deploy="True",
                                     source_maps=True,
                                     dsn_env_groups=[{"services": ["web"], "names": ["VITE_SENTRY_DSN"]}]), DSN)
    assert result["services"] == ["api", "worker", "web"]
    assert result["env"] == {"SENTRY_ENVIRONMENT": "staging", "SENTRY_TRACES_SAMPLE_RATE": "0.5",
                             "SENTRY_ORG": "acme", "SENTRY_PROJECT": "app"}
    assert result["service_env"]["web"] == {"VITE_SENTRY_DSN": DSN}
    assert (result["commit_env_key"], result["commit_from"]) == ("SENTRY_RELEASE", "api")


def test_env_names_can_be_changed_and_a_given_release_is_written():
    result = sentry_app_env(settings(environment="production", release="v1.2.3",
                                     env_names={"environment": "APP_ENV", "release": "APP_RELEASE"}), DSN)
    assert result["env"] == {"APP_ENV": "production", "APP_RELEASE": "v1.2.3"}


def test_without_a_dsn_it_only_checks():
    assert sentry_app_env(settings(environment="production"))["env"] == {}


@pytest.mark.parametrize("given, written", [(0.5, "0.5"), ("0.25", "0.25"), (0, "0"), (1, "1"), ("1.0", "1"),
                                            (None, None), ("", None)])
def test_sample_rates_from_0_to_1_are_written_as_numbers(given, written):
    assert sample_rate(given) == written


@pytest.mark.parametrize("extra, message", [
    ({"traces_sample_rate": 1.5}, "from 0 to 1"),
    ({"traces_sample_rate": "half"}, "from 0 to 1"),
    ({"traces_sample_rate": -0.1}, "from 0 to 1"),
    ({"traces_sample_rate": True}, "from 0 to 1"),
    ({"release": "v1", "release_from_deploy": True}, "not both"),
    ({"release_from_deploy": True, "release_service": "elsewhere"}, "must be one of the services"),
    ({"source_maps": True, "org": ""}, "needs the Sentry organization"),
    ({"dsn_env_groups": [{"services": ["web"]}]}, "needs services"),
    ({"dsn_env_groups": [{"services": ["web"], "names": ["VITE SENTRY"]}]}, "env var name"),
    ({"env_names": {"dist": "SENTRY_DIST"}}, "not dist"),
])
def test_bad_settings_fail_saying_what_to_fix(extra, message):
    with pytest.raises(AnsibleFilterError, match=message):
        sentry_app_env(settings(**extra))
    assert FilterModule().filters()["sentry_app_env"] is sentry_app_env
