# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""connection_secrets: every connection string, URL and token an instance returned."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.connection_secrets import FilterModule, connection_secrets


def test_connection_values_urls_and_tokens_of_every_instance():
    key_value = {"id": "red-1", "connection": {"internal_connection_string": "redis://a:pw@red-1:6379",
                                               "external_connection_string": "rediss://a:pw@host:6379",
                                               "cli_command": "", "port": 6379}}
    upstash = {"redis_url": "rediss://default:tok@up.io:6379", "rest_token": "AXrestToken", "endpoint": "up.io"}
    assert connection_secrets([key_value, None, upstash]) == [
        "redis://a:pw@red-1:6379", "rediss://a:pw@host:6379", "rediss://default:tok@up.io:6379", "AXrestToken"]


def test_no_instance_no_secret():
    assert connection_secrets([None, None]) == []
    assert connection_secrets([{"id": "dpg-1"}]) == []
    assert FilterModule().filters()["connection_secrets"] is connection_secrets
