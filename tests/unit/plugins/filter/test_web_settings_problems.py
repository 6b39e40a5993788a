# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""web_settings_problems: the web phase's settings are checked before any call."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.filter.web_settings_problems import (
    FilterModule, web_settings_problems)


def test_good_settings_have_no_problem():
    entries = ["api.example.com", {"name": "Example.COM.", "www": True}, {"name": "shop.example.co.uk"}]
    assert web_settings_problems(entries, "/health") == []
    assert web_settings_problems([], None) == []


@pytest.mark.parametrize("path", ["health", "https://example.com/health", "/he alth", "//evil.example/x", "", 5])
def test_the_health_check_path_must_be_a_path(path):
    assert web_settings_problems([], path) == [
        f"web_health_check_path {path!r} must be a path starting with / (for example /health), without spaces, "
        "a scheme or a host"]


@pytest.mark.parametrize("entry, problem", [
    ("https://api.example.com", "web_domains[0]: 'https://api.example.com' is a URL: give the host name only"),
    ("api.example.com/health", "web_domains[0]: 'api.example.com/health' is a URL"),
    ("localhost", "web_domains[0]: 'localhost' is not a valid domain name"),
    ("api_x.example.com", "web_domains[0]: 'api_x.example.com' is not a valid domain name"),
    ("192.168.1.10", "web_domains[0]: '192.168.1.10' is an IP address"),
    ({"www": True}, "web_domains[0]: None is not a domain name"),
    ({"name": "a.example.com", "www": "yes"}, "web_domains[0].www must be true or false"),
    ({"name": "a.example.com", "redirect": True}, "web_domains[0] has unknown keys ['redirect']; allowed: name, www"),
])
def test_each_bad_entry_is_named_with_what_to_fix(entry, problem):
    problems = web_settings_problems([entry], None)
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_a_domain_listed_twice_in_any_spelling_is_refused():
    assert web_settings_problems(["api.example.com", "API.example.com."], None) == [
        "web_domains[1]: api.example.com is listed twice (its www twin is asked with www: true)"]


def test_not_a_list_and_every_problem_at_once():
    assert web_settings_problems("api.example.com", "health") == [
        "web_health_check_path 'health' must be a path starting with / (for example /health), without spaces, "
        "a scheme or a host",
        "web_domains must be a list of domain names or of {name, www} entries"]
    assert len(web_settings_problems(["x", "y.example.com", "z"], None)) == 2


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["web_settings_problems"] is web_settings_problems


def test_the_https_path_and_connect_to_rules_are_checked_too():
    assert web_settings_problems([], "/health", "/ready", [":443:127.0.0.1:8443"]) == []
    problems = web_settings_problems([], None, "ready", ["api.example.com:443:127.0.0.1", 5])
    assert problems[0].startswith("web_https_path 'ready' must be a path starting with /")
    assert problems[1].startswith("web_https_connect_to[0]: connect_to entry 'api.example.com:443:127.0.0.1' must be "
                                  "HOST:PORT:CONNECT_HOST:CONNECT_PORT")
    assert problems[2].startswith("web_https_connect_to[1]: connect_to entry 5 must be")
    assert web_settings_problems([], None, None, ":443:x:1") == [
        "web_https_connect_to must be a list of HOST:PORT:CONNECT_HOST:CONNECT_PORT rules"]
