# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.plan: the stand-in for values known after apply, the run's planned env, a check run's plan."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.cache import RunCache
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import (
    KNOWN_AFTER_APPLY, add_planned_env, over_plan, plan_entry, plan_summary, planned_env, unknown_target)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets


def test_the_stand_in_is_never_a_secret():
    secrets = Secrets([KNOWN_AFTER_APPLY, "s3cret-value"])
    assert secrets.redact(f"{KNOWN_AFTER_APPLY} s3cret-value") == f"{KNOWN_AFTER_APPLY} ********"


def test_a_check_of_an_unknown_target_is_skipped_in_check_mode_and_refused_in_a_real_run():
    skipped = unknown_target("the Redis", KNOWN_AFTER_APPLY, True)
    assert skipped["skipped"] is True and skipped["changed"] is False
    assert "check mode: the Redis not checked" in skipped["msg"]
    with pytest.raises(ValueError, match="nothing was written"):
        unknown_target("url", KNOWN_AFTER_APPLY, False)
    assert unknown_target("url", "redis://h:6379", True) is None


def test_the_planned_env_is_kept_for_the_run_and_read_over_the_vendor_answer(tmp_path):
    cache = RunCache(str(tmp_path), "render", "http://api", "token")
    add_planned_env(cache, "srv-1", {"REDIS_URL": "d1"}, [])
    add_planned_env(cache, "srv-1", {"SENTRY_DSN": "d2"}, ["OLD_KEY"])
    assert planned_env(cache, "srv-1") == {"REDIS_URL": "d1", "SENTRY_DSN": "d2", "OLD_KEY": None}
    assert planned_env(cache, "srv-2") == {} and planned_env(None, "srv-1") == {}
    current = {"REDIS_URL": "d0", "OLD_KEY": "d9", "KEEP": "d3"}
    assert over_plan(current, planned_env(cache, "srv-1")) == {"REDIS_URL": "d1", "SENTRY_DSN": "d2", "KEEP": "d3"}
    assert over_plan(current, {"REDIS_URL": "d1"}, KNOWN_AFTER_APPLY)["REDIS_URL"] == KNOWN_AFTER_APPLY


def test_a_plan_names_what_is_created_changed_deleted_the_env_keys_and_the_deploys():
    entries = [
        plan_entry("Key Value", "render_key_value", {"name": "scoop-redis"}, {"changed": True, "action": "create"}),
        plan_entry("Wire", "app_env", {"env": {"REDIS_URL": KNOWN_AFTER_APPLY}},
                   {"changed": True, "services": [{"name": "web", "set_keys": ["REDIS_URL"],
                                                   "known_after_apply": ["REDIS_URL"], "removed_keys": ["OLD"]}],
                    "missing": ["worker"]}),
        plan_entry("Rule", "sentry_alert_rule", {"name": "Spike"}, {"changed": True, "action": "update"}),
        plan_entry("Gone", "render_service", {"name": "old-job"}, {"changed": True, "action": "delete"}),
        plan_entry("Test mail", "sendgrid_mail", {"to": ["a@b.c"]}, {"changed": True}),
        plan_entry("Same", "sentry_team", {"slug": "scoop"}, {"changed": False, "action": "none"}),
        plan_entry("Apply", "render_deploy", {"services": ["srv-1"], "deploy_mode": "deploy_only"},
                   {"changed": True, "actions": {"web": "trigger", "worker": "none"}}),
    ]
    assert plan_summary(entries) == {
        "created": ["render_key_value scoop-redis"],
        "changed": ["sentry_alert_rule Spike", "Test mail"],
        "deleted": ["render_service old-job"],
        "env_keys": {"web": ["REDIS_URL (known after apply)", "OLD (deleted)"],
                     "worker": ["REDIS_URL (known after apply)"]},
        "deploys": ["web"],
    }


def test_an_empty_run_plans_nothing():
    assert plan_summary([]) == {"created": [], "changed": [], "deleted": [], "env_keys": {}, "deploys": []}
