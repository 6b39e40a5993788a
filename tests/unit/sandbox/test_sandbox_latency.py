"""Per-path latency of the sandbox: rules match like faults, the first match applies, bad configs are refused."""
from __future__ import annotations

import pytest

from sandbox.faults import Latency


def test_the_first_matching_rule_gives_the_delay():
    latency = Latency()
    latency.configure({"rules": [{"delay": 3, "vendor": "render", "methods": ["post"], "path_contains": "/key-value"},
                                 {"delay": 1, "vendor": "render"}]})
    assert latency.delay("render", "POST", "/render/v1/key-value") == 3.0
    assert latency.delay("render", "GET", "/render/v1/key-value") == 1.0
    assert latency.delay("upstash", "POST", "/upstash/v2/redis/database") == 0.0
    assert latency.describe()["rules"][0]["methods"] == ["POST"]


def test_clear_removes_every_rule():
    latency = Latency()
    latency.configure({"rules": [{"delay": 2}]})
    latency.clear()
    assert latency.delay("sendgrid", "GET", "/sendgrid/v3/api_keys") == 0.0 and latency.describe() == {"rules": []}


@pytest.mark.parametrize("config", [
    [], {"rules": "x"}, {"rules": [], "extra": 1}, {"rules": [{"vendor": "render"}]}, {"rules": [{"delay": 1, "x": 1}]},
    {"rules": [{"delay": 61}]}, {"rules": [{"delay": -1}]}, {"rules": [1]},
])
def test_a_bad_config_is_refused_and_the_rules_stay(config):
    latency = Latency()
    latency.configure({"rules": [{"delay": 2}]})
    with pytest.raises(ValueError):
        latency.configure(config)
    assert latency.delay("render", "GET", "/render/v1/services") == 2.0
