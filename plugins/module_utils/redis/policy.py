# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: Redis eviction policies by name.

Not a public API; it may change between any two releases.

Redis spells them with a hyphen (allkeys-lru), Render's API with an underscore (allkeys_lru); users
write either, so both are accepted and compared in Redis's spelling.
"""
from __future__ import annotations

POLICIES = ("noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl")
#: every name a user may give: Redis's spelling, then Render's
SPELLINGS = POLICIES + tuple(policy.replace("-", "_") for policy in POLICIES if "-" in policy)


def redis_spelling(policy: str) -> str:
    """`policy` as Redis writes it (allkeys_lru -> allkeys-lru)."""
    return policy.replace("_", "-")
