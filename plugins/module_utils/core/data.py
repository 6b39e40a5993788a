# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: small data helpers every layer uses.

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

from typing import Any


def compact(mapping: dict[str, Any] | None) -> dict[str, Any] | None:
    """The mapping without the entries left unset (None); None stays None."""
    if mapping is None:
        return None
    return {key: value for key, value in mapping.items() if value is not None}
