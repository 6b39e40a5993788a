# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only lookup for the integration targets: the sandbox's request log counts, then a new count.

A target takes that count after every step it measures (266 times in all), with one task:
`ansible.builtin.set_fact: sandbox_log: "{{ query('sandbox_log', sandbox_url) | first }}"`. It runs in the
worker that templates it; the included file of two `ansible.builtin.uri` tasks it replaces started two
module processes each time.
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: sandbox_log
short_description: The sandbox request log's counts since the last count, then a new count
description:
  - GETs C(/_sandbox/log/summary) (reads, writes, faults and answers outside the vendor's spec since the
    log was last cleared), then DELETEs C(/_sandbox/log) so that the next count starts from zero.
  - For the integration targets of this repository only; it is not part of the collection.
options:
  _terms:
    description: The sandbox's base URL (C(LAUNCHKIT_SANDBOX_URL)).
    required: true
"""

import json
import urllib.request

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase


def _call(url: str, method: str) -> dict:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec - the local sandbox
            raw = response.read()
    except OSError as exc:
        raise AnsibleError(f"sandbox_log: {method} {url} failed: {exc}") from exc
    return json.loads(raw) if raw else {}


class LookupModule(LookupBase):
    """One dict per sandbox URL: its log counts since the last count."""

    def run(self, terms, variables=None, **kwargs):
        counts = []
        for base in terms:
            base = str(base).rstrip("/")
            counts.append(_call(base + "/_sandbox/log/summary", "GET"))
            _call(base + "/_sandbox/log", "DELETE")
        return counts
