# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_targets: what the validate phase checks of each app, from its entry and the service found."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.filter.validate_targets import FilterModule, validate_targets

DEFAULTS = {"base_url_template": None, "health_path": "/health", "ready_path": "/ready", "metrics_path": "/metrics",
            "expect_components": ["redis"], "expect_metrics": ["app_up"]}
SERVICES = [{"name": "scoop-web", "suspended": False, "url": "https://scoop-web.onrender.com/"},
            {"name": "old-web", "suspended": True, "url": "https://old-web.onrender.com"}]


def test_a_found_service_is_reached_at_its_render_url_with_the_defaults():
    (target,) = validate_targets([{"service": "scoop-web"}], SERVICES, DEFAULTS)
    assert target == {"service": "scoop-web", "found": True, "suspended": False,
                      "base_url": "https://scoop-web.onrender.com", "health_path": "/health", "ready_path": "/ready",
                      "metrics_path": "/metrics", "expect_components": ["redis"], "expect_metrics": ["app_up"],
                      "smoke": [], "reachable": True}


def test_the_entry_wins_and_an_empty_path_turns_a_page_off():
    (target,) = validate_targets([{"service": "scoop-web", "base_url": "http://local:3000/", "ready_path": None,
                                   "metrics_path": "", "expect_components": [], "smoke": [{"path": "/"}]}],
                                 SERVICES, DEFAULTS)
    assert target["base_url"] == "http://local:3000"
    assert target["ready_path"] is None and target["metrics_path"] == ""
    assert target["expect_components"] == [] and target["smoke"] == [{"path": "/"}]


def test_a_template_gives_the_url_and_a_missing_service_is_not_reachable():
    found, missing = validate_targets([{"service": "old-web"}, {"service": "new-web"}], SERVICES,
                                      {**DEFAULTS, "base_url_template": "http://apps/{service}"})
    assert found["base_url"] == "http://apps/old-web" and found["suspended"] is True and found["reachable"] is True
    assert missing["found"] is False and missing["reachable"] is False


def test_an_app_without_service_is_refused():
    with pytest.raises(AnsibleFilterError, match="needs service"):
        validate_targets([{"base_url": "http://x"}], SERVICES, DEFAULTS)
    assert FilterModule().filters()["validate_targets"] is validate_targets
