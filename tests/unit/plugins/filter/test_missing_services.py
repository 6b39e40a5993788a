# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""missing_services: the listed services a lookup did not find, by name or id."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.missing_services import FilterModule, missing_services

FOUND = [{"name": "scoop-web", "id": "srv-web"}, {"name": "scoop-sidekiq", "id": "srv-worker"}]


def test_a_service_found_by_name_or_by_id_is_not_missing():
    assert missing_services(["scoop-web", "srv-worker"], FOUND) == []


def test_missing_ones_come_back_in_the_order_listed_each_once():
    wanted = ["scoop-jobs", "scoop-web", "srv-gone", "scoop-jobs"]
    assert missing_services(wanted, FOUND) == ["scoop-jobs", "srv-gone"]


def test_nothing_found_means_everything_listed_is_missing():
    assert missing_services(["scoop-web"], None) == ["scoop-web"]
    assert missing_services([], FOUND) == []


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["missing_services"] is missing_services
