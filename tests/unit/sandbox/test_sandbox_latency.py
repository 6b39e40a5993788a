"""Per-path latency of the sandbox: rules match like faults, the first match applies, a rule with arrivals holds
requests until enough have arrived, bad configs are refused."""
from __future__ import annotations

import threading
import time

import pytest

from sandbox.faults import Latency


def arrived(latency: Latency) -> list[int]:
    return [rule["arrived"] for rule in latency.describe()["rules"]]


def test_the_first_matching_rule_applies():
    # arrivals 1: each request is counted by the rule that matched it, and held by none.
    latency = Latency()
    latency.configure({"rules": [{"delay": 0, "arrivals": 1, "vendor": "render", "methods": ["post"],
                                  "path_contains": "/key-value"},
                                 {"delay": 0, "arrivals": 1, "vendor": "render"}]})
    latency.wait("render", "POST", "/render/v1/key-value")
    latency.wait("render", "GET", "/render/v1/key-value")
    assert latency.wait("upstash", "POST", "/upstash/v2/redis/database") == 0.0
    assert arrived(latency) == [1, 1]
    assert latency.describe()["rules"][0]["methods"] == ["POST"]


def test_a_rule_without_arrivals_holds_each_request_its_delay():
    latency = Latency()
    latency.configure({"rules": [{"delay": 0.1, "vendor": "render"}]})
    assert 0.1 <= latency.wait("render", "GET", "/render/v1/services") < 5
    assert latency.wait("sendgrid", "GET", "/sendgrid/v3/api_keys") == 0.0


def test_clear_removes_every_rule():
    latency = Latency()
    latency.configure({"rules": [{"delay": 2}]})
    latency.clear()
    assert latency.wait("sendgrid", "GET", "/sendgrid/v3/api_keys") == 0.0 and latency.describe() == {"rules": []}


@pytest.mark.parametrize("config", [
    [], {"rules": "x"}, {"rules": [], "extra": 1}, {"rules": [{"vendor": "render"}]}, {"rules": [{"delay": 1, "x": 1}]},
    {"rules": [{"delay": 61}]}, {"rules": [{"delay": -1}]}, {"rules": [1]},
])
def test_a_bad_config_is_refused_and_the_rules_stay(config):
    latency = Latency()
    latency.configure({"rules": [{"delay": 2}]})
    with pytest.raises(ValueError):
        latency.configure(config)
    assert [rule["delay"] for rule in latency.describe()["rules"]] == [2]


def test_describe_shows_each_rule_with_what_arrived():
    latency = Latency()
    latency.configure({"rules": [{"delay": 0, "arrivals": 1, "vendor": "render"}]})
    latency.wait("render", "POST", "/render/v1/key-value")
    assert latency.describe()["rules"] == [{"delay": 0, "vendor": "render", "methods": None, "path_contains": None,
                                            "arrivals": 1, "arrived": 1}]


def held(latency: Latency, path: str, waited: list[float]) -> threading.Thread:
    thread = threading.Thread(target=lambda: waited.append(latency.wait("render", "POST", path)))
    thread.start()
    return thread


def test_a_request_is_held_until_the_rule_has_seen_its_arrivals():
    """Two creates of one resource meet: the first waits for the second, then both go on."""
    latency = Latency()
    latency.configure({"rules": [{"delay": 30, "arrivals": 2, "methods": ["POST"], "path_contains": "/key-value"}]})
    waited: list[float] = []
    first = held(latency, "/render/v1/key-value", waited)
    first.join(0.3)
    assert first.is_alive() and not waited, "the first create went on alone"
    assert latency.wait("render", "GET", "/render/v1/key-value") == 0.0  # not matched: not held, not counted
    second = held(latency, "/render/v1/key-value", waited)
    for thread in (first, second):
        thread.join(5)
        assert not thread.is_alive()
    assert len(waited) == 2 and max(waited) < 5, waited
    assert latency.describe()["rules"][0]["arrived"] == 2


def test_a_held_request_goes_on_after_its_delay_or_when_the_rules_change():
    latency = Latency()
    latency.configure({"rules": [{"delay": 0.2, "arrivals": 2}]})
    started = time.monotonic()
    assert 0.2 <= latency.wait("render", "POST", "/render/v1/postgres") < 5
    assert time.monotonic() - started >= 0.2
    latency.configure({"rules": [{"delay": 30, "arrivals": 2}]})
    waited: list[float] = []
    thread = held(latency, "/render/v1/postgres", waited)
    thread.join(0.3)
    assert thread.is_alive()
    latency.clear()
    thread.join(5)
    assert not thread.is_alive() and waited[0] < 5, waited


@pytest.mark.parametrize("arrivals", [0, -1, 1.5, "2", True])
def test_arrivals_must_be_a_whole_number_of_requests(arrivals):
    with pytest.raises(ValueError, match="arrivals"):
        Latency().configure({"rules": [{"delay": 1, "arrivals": arrivals}]})
