# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""app_secrets_env: the app_secrets entries as app_env's options, every entry checked before any call."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.app_secrets_env import FilterModule, app_secrets_env

SCOOP = [
    {"name": "RAILS_MASTER_KEY", "services": ["scoop-web", "scoop-sidekiq"], "value": "vaulted-master-key"},
    {"name": "SECRET_KEY_BASE", "services": ["scoop-web", "scoop-sidekiq", "scoop-jobs"],
     "generate": {"length": 128, "format": "hex"}},
]


def test_given_values_go_by_service_and_generated_keys_to_generate():
    assert app_secrets_env(SCOOP) == {
        "services": ["scoop-web", "scoop-sidekiq", "scoop-jobs"],
        "service_env": {"scoop-web": {"RAILS_MASTER_KEY": "vaulted-master-key"},
                        "scoop-sidekiq": {"RAILS_MASTER_KEY": "vaulted-master-key"}},
        "generate": [{"key": "SECRET_KEY_BASE", "services": ["scoop-web", "scoop-sidekiq", "scoop-jobs"],
                      "length": 128, "format": "hex"}],
    }


def test_generate_defaults_to_64_hex_characters():
    plan = app_secrets_env([{"name": "JWT_SECRET", "services": ["api"], "generate": None}])
    assert plan["generate"] == [{"key": "JWT_SECRET", "services": ["api"], "length": 64, "format": "hex"}]


@pytest.mark.parametrize("entry, message", [
    ({"services": ["api"], "value": "x"}, "needs a name"),
    ({"name": "JWT SECRET", "services": ["api"], "value": "x"}, "needs a name"),
    ({"name": "JWT_SECRET", "value": "x"}, "needs services"),
    ({"name": "JWT_SECRET", "services": [], "value": "x"}, "needs services"),
    ({"name": "JWT_SECRET", "services": ["api"]}, "exactly one of value"),
    ({"name": "JWT_SECRET", "services": ["api"], "value": "x", "generate": {}}, "exactly one of value"),
    ({"name": "JWT_SECRET", "services": ["api"], "value": ""}, "empty value"),
    ({"name": "JWT_SECRET", "services": ["api"], "generate": {"length": 8}}, "from 16 to 4096"),
    ({"name": "JWT_SECRET", "services": ["api"], "generate": {"format": "words"}}, "format must be one of"),
    ({"name": "JWT_SECRET", "services": ["api"], "generate": {"size": 8}}, "length and format only"),
    ({"name": "JWT_SECRET", "services": ["api"], "valeu": "x"}, "does not know: valeu"),
])
def test_a_bad_entry_fails_naming_it_and_never_its_value(entry, message):
    with pytest.raises(AnsibleFilterError, match=message) as failure:
        app_secrets_env([entry])
    assert "value': 'x" not in str(failure.value)


def test_one_name_twice_for_one_service_fails():
    twice = [{"name": "JWT_SECRET", "services": ["api"], "value": "a"},
             {"name": "JWT_SECRET", "services": ["api"], "generate": {}}]
    with pytest.raises(AnsibleFilterError, match="JWT_SECRET for api twice"):
        app_secrets_env(twice)
    assert FilterModule().filters()["app_secrets_env"] is app_secrets_env
