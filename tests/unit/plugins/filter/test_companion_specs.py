# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""companion_specs: defaults applied, the secret env kept out of the entries (loop items are printed)."""
from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.companion_specs import FilterModule, companion_specs

SECRET = "s3cr3t-token-value"


def test_defaults_apply_the_entry_wins_and_the_env_is_kept_apart():
    workers = [{"name": "scoop-sidekiq", "start_command": "bundle exec sidekiq", "plan": "standard",
                "env": {"SIDEKIQ_TOKEN": SECRET}},
               {"name": "scoop-mailer", "start_command": "bin/mailer"}]
    specs = companion_specs(workers, {"plan": "starter", "num_instances": 1, "env": {"SHARED": "1"}})
    assert specs["services"] == [
        {"name": "scoop-sidekiq", "start_command": "bundle exec sidekiq", "plan": "standard", "num_instances": 1},
        {"name": "scoop-mailer", "start_command": "bin/mailer", "plan": "starter", "num_instances": 1},
    ]
    assert SECRET not in json.dumps(specs["services"])
    assert specs["env"] == {"scoop-sidekiq": {"SHARED": "1", "SIDEKIQ_TOKEN": SECRET}, "scoop-mailer": {"SHARED": "1"}}


def test_a_cron_jobs_command_becomes_its_start_command():
    jobs = [{"name": "scoop-cleanup", "schedule": "0 10 * * *", "command": "bin/cleanup", "env": None}]
    specs = companion_specs(jobs, None, command="command")
    assert specs["services"] == [{"name": "scoop-cleanup", "schedule": "0 10 * * *", "start_command": "bin/cleanup"}]
    assert specs["env"] == {"scoop-cleanup": {}}


def test_an_entry_without_a_name_is_refused_without_showing_its_env():
    with pytest.raises(AnsibleFilterError, match="needs a name") as error:
        companion_specs([{"start_command": "x", "env": {"TOKEN": SECRET}}])
    assert SECRET not in str(error.value)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["companion_specs"] is companion_specs
