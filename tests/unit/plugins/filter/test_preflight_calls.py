# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""preflight_calls: each entry becomes the module call its phase makes, defaults applied, env left out."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.preflight_calls import preflight_calls


def test_each_entry_becomes_one_call_with_defaults_fixed_args_and_its_label():
    calls = preflight_calls([{"name": "nightly", "schedule": "0 3 * * *", "command": "bin/job", "env": {"A": "1"}},
                             "not a mapping", {"schedule": "x"}],
                            "render_service", "cron_jobs", fixed={"type": "cron_job"},
                            defaults={"plan": "starter", "env": {"B": "2"}}, command="command")
    assert calls == [
        {"module": "render_service", "where": "cron_jobs[0] (nightly)",
         "args": {"plan": "starter", "name": "nightly", "schedule": "0 3 * * *", "start_command": "bin/job",
                  "type": "cron_job"}},
        {"module": "render_service", "where": "cron_jobs[2]",
         "args": {"plan": "starter", "schedule": "x", "type": "cron_job"}},
    ]


def test_dropped_keys_and_no_entries():
    assert preflight_calls([{"name": "b", "test_run": "always"}], "render_service", "s", drop=["test_run"]) == [
        {"module": "render_service", "where": "s[0] (b)", "args": {"name": "b"}}]
    assert preflight_calls(None, "render_service", "s") == []
