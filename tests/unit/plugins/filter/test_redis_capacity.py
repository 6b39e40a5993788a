# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""redis_capacity: the connections the app's processes open against the Redis plan's limit."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.redis_capacity import FilterModule, redis_capacity

SCOOP = [{"service": "scoop-web", "pool": 10}, {"service": "scoop-sidekiq", "concurrency": 5}]


def test_scoop_on_the_free_plan_fits_its_30_connections():
    budget = redis_capacity(SCOOP, "render", "free")
    assert budget["total"] == 15
    assert (budget["limit"], budget["over"]) == (30, False)
    assert budget["figures"] == "scoop-web pool 10 x 1 + scoop-sidekiq concurrency 5 x 1 = 15 connections"


def test_concurrency_times_instances_plus_the_web_pool_over_the_limit_is_over():
    clients = [{"service": "web", "pool": 10, "instances": 2}, {"service": "sidekiq", "concurrency": 5, "instances": 2, "extra": 2}]
    budget = redis_capacity(clients, "render", "free")
    assert [row["connections"] for row in budget["rows"]] == [20, 14]
    assert budget["total"] == 34 and budget["over"] is True
    assert "sidekiq concurrency 7 x 2" in budget["figures"]


def test_exactly_the_limit_is_not_over():
    assert redis_capacity([{"service": "web", "pool": 30}], "render", "free")["over"] is False
    assert redis_capacity([{"service": "web", "pool": 31}], "render", "free")["over"] is True


def test_a_given_limit_wins_and_an_unknown_plan_has_no_limit():
    assert redis_capacity(SCOOP, "render", "free", 10)["limit_source"] == "redis_connection_limit"
    assert redis_capacity(SCOOP, "render", "free", 10)["over"] is True
    unknown = redis_capacity(SCOOP, "upstash", None)
    assert (unknown["limit"], unknown["over"], unknown["total"]) == (None, False, 15)
    assert redis_capacity(SCOOP, "render", "starter")["limit"] is None


@pytest.mark.parametrize("clients, message", [
    ([{"service": "web"}], "exactly one of concurrency"),
    ([{"service": "web", "pool": 5, "concurrency": 5}], "exactly one of concurrency"),
    ([{"service": "web", "pool": 0}], r"\(web\).pool must be a whole number of at least 1"),
    ([{"service": "web", "pool": "10"}], "whole number"),
    ([{"service": "web", "pool": 5, "instances": 0}], "instances must be"),
    ([{"pool": 5}], "needs a service"),
])
def test_bad_figures_fail_naming_the_entry(clients, message):
    with pytest.raises(AnsibleFilterError, match=message):
        redis_capacity(clients, "render", "free")


def test_no_clients_means_nothing_to_count():
    assert redis_capacity([], "render", "free")["total"] == 0
    assert FilterModule().filters()["redis_capacity"] is redis_capacity
