# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the digests the collection keeps of write-only values.

Not a public API; it may change between any two releases.

A vendor that never shows a secret back (Fly.io secrets, Grafana secure settings) leaves nothing to
compare a wanted value with. So after each write the module keeps a record under the state
directory: a JSON file (mode 0600, no value in it) with a random key of its own and, per value, an
HMAC-SHA256 of the value under that key. A later run knows a value is unchanged when the record's
HMAC of the wanted value is the one kept.
"""
from __future__ import annotations

import json
import os
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.cache import keyed_digest
from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text


def load_record(path: str | None, **defaults: Any) -> dict[str, Any]:
    """The record at `path` (a new one with a fresh key when there is no path or no file yet), each of
    `defaults` set where the record lacks it."""
    text = read_text(path) if path else None
    record = json.loads(text) if text else {}
    record.setdefault("key", os.urandom(32).hex())
    for name, value in defaults.items():
        record.setdefault(name, value)
    return record


def save_record(path: str | None, record: dict[str, Any]) -> None:
    if path:
        write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")


def value_digest(record: dict[str, Any], value: str) -> str:
    """The record's HMAC of `value`."""
    return keyed_digest(bytes.fromhex(record["key"]), value)
