# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollback_summary: what a record says, never the previous values it keeps."""
from __future__ import annotations

import base64
import json

from ansible_collections.launchkit.paas.plugins.filter.rollback_summary import FilterModule, rollback_summary

SECRET = "redis://default:old-password@old-host:6379"


def slurped(phase, record):
    return {"item": phase, "content": base64.b64encode(json.dumps(record).encode()).decode()}


def test_only_key_names_ids_and_names_are_kept():
    results = [
        slurped("redis", {"provider": "render", "name": "scoop-redis",
                          "services": {"scoop-web": {"REDIS_URL": SECRET, "A_KEY": None}}}),
        slurped("email", {"api_key_ids": ["key-1"], "services": {}}),
        {"item": "worker", "failed": False, "msg": "file not found"},
    ]
    summary = rollback_summary(results)
    assert SECRET not in json.dumps(summary)
    assert summary == {
        "redis": {"services": {"scoop-web": ["A_KEY", "REDIS_URL"]}, "provider": "render", "name": "scoop-redis",
                  "api_key_ids": [], "alert_rules": []},
        "email": {"services": {}, "provider": None, "name": None, "api_key_ids": ["key-1"], "alert_rules": []},
    }


def test_no_records_give_nothing():
    assert rollback_summary([]) == {}
    assert FilterModule().filters()["rollback_summary"] is rollback_summary
