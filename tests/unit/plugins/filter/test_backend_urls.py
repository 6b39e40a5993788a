# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backend_urls: a Render internal URL is checked through the same instance's external one."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.backend_urls import FilterModule, backend_urls

INTERNAL = "redis://red-1:pw@red-1:6379"
EXTERNAL = "rediss://red-1:pw@oregon-keyvalue.render.com:6379"
KEY_VALUE = {"connection": {"internal_connection_string": INTERNAL, "external_connection_string": EXTERNAL}}
DATABASE_URL = "postgresql://app:pw@db.example.com:5432/app"


def test_an_internal_url_is_swapped_for_the_external_one_an_other_url_is_kept():
    urls = backend_urls({"REDIS_URL": INTERNAL, "DATABASE_URL": DATABASE_URL}, redis=KEY_VALUE, database=None)
    assert urls == {"redis": EXTERNAL, "database": DATABASE_URL, "secrets": [INTERNAL, DATABASE_URL]}


def test_other_keys_and_an_upstash_instance_without_connection():
    upstash = {"redis_url": "rediss://default:tok@up.upstash.io:6379"}
    urls = backend_urls({"CACHE_URL": INTERNAL}, redis_key="CACHE_URL", database_key="PG", redis=upstash)
    assert urls == {"redis": INTERNAL, "database": "", "secrets": [INTERNAL]}


def test_no_env_gives_nothing_to_check():
    assert backend_urls(None, redis=KEY_VALUE) == {"redis": "", "database": "", "secrets": []}
    assert FilterModule().filters()["backend_urls"] is backend_urls


def test_a_value_the_platform_does_not_show_is_checked_at_the_url_the_rollout_wrote():
    hidden = {"value_not_shown": True}
    upstash = {"redis_url": "rediss://default:upstash-pw@eu1.upstash.io:6379"}
    urls = backend_urls({"REDIS_URL": hidden, "DATABASE_URL": hidden}, redis=upstash, database=None,
                        database_url="postgresql://app:pw@db.example.test:5432/app")
    assert urls["redis"] == upstash["redis_url"]
    assert urls["database"] == "postgresql://app:pw@db.example.test:5432/app"
    assert sorted(urls["secrets"]) == sorted([upstash["redis_url"], "postgresql://app:pw@db.example.test:5432/app"])
    # No instance and nothing given: nothing to check.
    assert backend_urls({"REDIS_URL": hidden})["redis"] == ""
