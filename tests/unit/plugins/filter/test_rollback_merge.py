# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollback_merge: a record keeps the values from before the rollout, whatever later runs change."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.rollback_merge import FilterModule, rollback_merge


def wired(service, previous, changed=True):
    return {"item": service, "changed": changed, "previous": previous}


def test_a_first_run_records_the_previous_value_of_each_changed_key():
    results = [wired("scoop-web", {"REDIS_URL": None}), wired("scoop-api", {"REDIS_URL": "redis://old"}),
               wired("scoop-idle", {}, changed=False)]
    record = rollback_merge({}, results, {"provider": "render", "name": "scoop-redis"})
    assert record == {"provider": "render", "name": "scoop-redis",
                      "services": {"scoop-web": {"REDIS_URL": None}, "scoop-api": {"REDIS_URL": "redis://old"}}}


def test_a_later_run_never_overwrites_an_entry_but_adds_new_keys_and_services():
    existing = {"provider": "render", "services": {"scoop-web": {"REDIS_URL": None}}}
    results = [wired("scoop-web", {"REDIS_URL": "redis://first-url", "REDIS_TLS": None}),
               wired({"name": "scoop-sidekiq", "id": "srv-1"}, {"REDIS_URL": None})]
    record = rollback_merge(existing, results, {"provider": "upstash"})
    assert record["provider"] == "render"
    assert record["services"] == {"scoop-web": {"REDIS_URL": None, "REDIS_TLS": None},
                                  "scoop-sidekiq": {"REDIS_URL": None}}


def test_lists_are_joined_each_entry_once():
    existing = {"api_key_ids": ["key-1"], "alert_rules": ["New issue"]}
    record = rollback_merge(existing, [], {"api_key_ids": ["key-2", "key-1"], "alert_rules": []})
    assert record["api_key_ids"] == ["key-2", "key-1"]
    assert record["alert_rules"] == ["New issue"]
    assert record["services"] == {}


def test_no_record_and_nothing_changed_gives_an_empty_record():
    assert rollback_merge(None, None, None) == {"services": {}}
    assert FilterModule().filters()["rollback_merge"] is rollback_merge
