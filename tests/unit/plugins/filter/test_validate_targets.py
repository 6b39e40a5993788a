# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_targets: what the validate phase checks of each app, from its entry and the service found."""
from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.validate_captured import validate_captured
from ansible_collections.launchkit.paas.plugins.filter.validate_request import validate_request
from ansible_collections.launchkit.paas.plugins.filter.validate_targets import (
    FilterModule, default_components, validate_targets)

DEFAULTS = {"base_url_template": None, "health_path": "/health", "ready_path": "/ready", "metrics_path": "/metrics",
            "expect_components": ["redis"], "expect_metrics": ["app_up"]}
SERVICES = [{"name": "scoop-web", "suspended": False, "url": "https://scoop-web.onrender.com/"},
            {"name": "old-web", "suspended": True, "url": "https://old-web.onrender.com"}]


def test_a_found_service_is_reached_at_its_render_url_with_the_defaults():
    (target,) = validate_targets([{"service": "scoop-web"}], SERVICES, DEFAULTS)
    assert target == {"service": "scoop-web", "platform": "render", "found": True, "suspended": False,
                      "deploys": None, "base_url": "https://scoop-web.onrender.com", "health_path": "/health",
                      "ready_path": "/ready", "metrics_path": "/metrics",
                      "components": [{"name": "redis", "query": 'checks."redis".status', "equals": "ok",
                                      "detail": 'checks."redis".error'}],
                      "expect_metrics": ["app_up"], "smoke": [], "burst": None, "reachable": True}


def test_the_entry_wins_and_an_empty_path_turns_a_page_off():
    (target,) = validate_targets([{"service": "scoop-web", "base_url": "http://local:3000/", "ready_path": None,
                                   "metrics_path": "", "expect_components": [], "smoke": [{"path": "/"}]}],
                                 SERVICES, DEFAULTS)
    assert target["base_url"] == "http://local:3000"
    assert target["ready_path"] is None and target["metrics_path"] == ""
    assert target["components"] == [] and target["smoke"] == [{"path": "/"}]


def test_a_template_gives_the_url_and_a_missing_service_is_not_reachable():
    found, missing = validate_targets([{"service": "old-web"}, {"service": "new-web"}], SERVICES,
                                      {**DEFAULTS, "base_url_template": "http://apps/{service}"})
    assert found["base_url"] == "http://apps/old-web" and found["suspended"] is True and found["reachable"] is True
    assert missing["found"] is False and missing["reachable"] is False


def test_an_app_without_service_is_refused():
    with pytest.raises(AnsibleFilterError, match="needs service"):
        validate_targets([{"base_url": "http://x"}], SERVICES, DEFAULTS)
    assert FilterModule().filters()["validate_targets"] is validate_targets


PLAN = [{"name": "database", "query": "components.database", "equals": "healthy"}]


def test_components_come_from_the_entry_then_the_role_default_then_the_expected_names():
    deploys = {"live": {"id": "dep-1"}, "latest": {"id": "dep-1"}}
    services = [{**SERVICES[0], "deploys": deploys}]
    (own,) = validate_targets([{"service": "scoop-web", "components": PLAN}], services, DEFAULTS)
    assert own["components"] == [{**PLAN[0], "detail": None}] and own["deploys"] == deploys
    (role,) = validate_targets([{"service": "scoop-web"}], services, {**DEFAULTS, "components": PLAN})
    assert role["components"] == own["components"]
    (names,) = validate_targets([{"service": "scoop-web", "expect_components": ["database"]}], services, DEFAULTS)
    assert names["components"] == default_components(["database"])


@pytest.mark.parametrize("component, error", [
    ({"name": "database", "query": "components.database"}, "needs name, query"),
    ({"name": "database", "equals": "healthy"}, "needs name, query"),
    ({"name": "database", "query": "components.[", "equals": "healthy"}, "not a valid JMESPath"),
    ({"name": "database", "query": "a", "equals": "b", "expect": 1}, "unknown keys ['expect']"),
])
def test_a_bad_component_fails_before_any_request(component, error):
    with pytest.raises(AnsibleFilterError, match=re.escape(error)):
        validate_targets([{"service": "scoop-web", "components": [component]}], SERVICES, DEFAULTS)


def test_a_placeholder_needs_an_earlier_capture_of_the_same_app():
    create = {"name": "create", "method": "POST", "path": "/items", "capture": [{"name": "item_id", "query": "id"}]}
    read = {"name": "read", "path": "/items/${item_id}"}
    (target,) = validate_targets([{"service": "scoop-web", "smoke": [create, read]}], SERVICES, DEFAULTS)
    assert target["smoke"] == [create, read]
    with pytest.raises(AnsibleFilterError, match=re.escape("smoke[0] uses ${item_id}, which no earlier request")):
        validate_targets([{"service": "scoop-web", "smoke": [read, create]}], SERVICES, DEFAULTS)
    bad = {**create, "capture": [{"name": "item-id", "query": "id"}]}
    with pytest.raises(AnsibleFilterError, match="capture.0..name must be a word"):
        validate_targets([{"service": "scoop-web", "smoke": [bad]}], SERVICES, DEFAULTS)


def test_captured_values_fill_path_body_and_headers():
    request = {"name": "read", "method": "PUT", "path": "/items/${item_id}", "status": 200,
               "body": {"id": "${item_id}", "note": "item ${item_id} by ${owner}"},
               "headers": {"Authorization": "Bearer ${token}"}}
    filled = validate_request(request, {"item_id": 7, "owner": "smoke", "token": "tok-1"})
    assert filled == {"name": "read", "method": "PUT", "path": "/items/7", "status": 200,
                      "body": {"id": 7, "note": "item 7 by smoke"}, "headers": {"Authorization": "Bearer tok-1"},
                      "missing": []}
    assert validate_request(request, {"item_id": 7})["missing"] == ["owner", "token"]
    assert request["path"] == "/items/${item_id}"


def test_what_each_app_captured_and_which_values_are_secret():
    web = {"service": "web", "smoke": [
        {"path": "/login", "capture": [{"name": "token", "query": "token", "secret": True}]},
        {"path": "/items", "capture": [{"name": "item_id", "query": "id"}]}]}
    api = {"service": "api", "smoke": [{"path": "/items", "capture": [{"name": "item_id", "query": "id"}]}]}
    answers = [{"validate_target": web, "captured": {"token": "tok-secret-1"}},
               {"validate_target": api, "failed": True},
               {"validate_target": web, "captured": {"item_id": 7}}]
    assert validate_captured(answers) == {"values": {"web": {"token": "tok-secret-1", "item_id": 7}, "api": {}},
                                          "secrets": ["tok-secret-1"]}
    assert validate_captured([]) == {"values": {}, "secrets": []}
