# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scrub: no secret and no URL password survives, at any depth."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.scrub import FilterModule, scrub

TOKEN = "Bearer tok-123456"


def test_secrets_and_url_passwords_are_masked_everywhere():
    data = [{"message": f" header {TOKEN} refused ", "nested": {"url": "rediss://default:p4ss@host:6379/0"}},
            {"redis://user:pw@h/0 key": 3, "list": ["postgresql://app:sEcReT@db:5432/app?sslmode=require"]}]
    assert scrub(data, [TOKEN, "", None, 42]) == [
        {"message": " header ******** refused ", "nested": {"url": "rediss://default:********@host:6379/0"}},
        {"redis://user:********@h/0 key": 3, "list": ["postgresql://app:********@db:5432/app?sslmode=require"]},
    ]


def test_the_longest_secret_is_masked_first():
    assert scrub("abc-long-secret", ["abc", "abc-long-secret"]) == "********"


def test_what_holds_no_secret_is_unchanged():
    data = {"status": "passed", "count": 2, "ok": True, "none": None, "url": "https://example.com/health"}
    assert scrub(data) == data
    assert FilterModule().filters()["scrub"] is scrub
