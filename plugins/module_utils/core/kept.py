# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the digests the collection keeps of write-only values.

Not a public API; it may change between any two releases.

A vendor that never shows a secret back (Fly.io secrets, Grafana secure settings) leaves nothing to
compare a wanted value with. So after each write the module keeps a record: a JSON object (no value in
it) with a random key of its own and, per value, an HMAC-SHA256 of the value under that key. A later run
knows a value is unchanged when the record's HMAC of the wanted value is the one kept.

A record has a name, a path under the state directory (``fly/<app>.secrets.json``, ...), and lives in the
state backend that keeps the rollback records (rollout/state.py), chosen by the same options:

- ``file``: the file of that name under the state directory (mode 0600, plain JSON, as always); without a
  state directory no record is kept.
- ``postgresql``: the row of the records table with stack ``KEPT_STACK`` and the name as its phase, sealed
  with the state key, so that it outlives an AWX execution environment. A name with no row yet is read from
  its file when the state directory has one (a controller moving to postgresql compares with what it kept);
  the next write puts it in the database.
"""
from __future__ import annotations

import json
import os
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.cache import keyed_digest
from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import KEPT, KEPT_STACK, Target, store_for


class KeptStore:
    """Where a module's kept records are: by its state options (state_backend, state_dsn, state_key) in the
    backend of the rollback records, files under `state_dir` with the file backend."""

    def __init__(self, params: dict, state_dir: str | None, secrets: Secrets | None = None) -> None:
        self.state_dir = state_dir or None
        self.backend = params.get("state_backend") or "file"
        # The postgresql backend without a DSN or a key fails here, before anything is read or written.
        self._rows = store_for(params, secrets=secrets) if self.backend != "file" else None

    @property
    def keeps(self) -> bool:
        """Whether records are kept at all: always in the database, with files only under a state directory."""
        return self._rows is not None or self.state_dir is not None

    def lacking(self) -> str:
        """Why values have no kept digest, as a warning says it."""
        if not self.keeps:
            return "no state_dir is set"
        return "the state database keeps no digest of them" if self._rows is not None else "state_dir keeps no digest of them"

    def _path(self, name: str) -> str | None:
        return os.path.join(self.state_dir, *name.split("/")) if self.state_dir else None

    def _row(self, name: str) -> Target:
        store, cipher = self._rows  # type: ignore[misc]
        return Target(store, KEPT_STACK, name, cipher, KEPT)

    def load(self, name: str, **defaults: Any) -> dict[str, Any]:
        """The record `name` (a new one with a fresh key when none is kept yet), each of `defaults` set where the
        record lacks it."""
        record = self._row(name).stored() if self._rows is not None else None
        if record is None:
            path = self._path(name)
            text = read_text(path) if path else None
            record = json.loads(text) if text else {}
        return new_record(record, **defaults)

    def save(self, name: str, record: dict[str, Any]) -> None:
        if self._rows is not None:
            self._row(name).write(record)
            return
        path = self._path(name)
        if path:
            write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")


def new_record(record: dict[str, Any] | None = None, **defaults: Any) -> dict[str, Any]:
    """`record` (a new one when None) with a fresh key when it has none, and each of `defaults` it lacks."""
    record = {} if record is None else record
    record.setdefault("key", os.urandom(32).hex())
    for option, value in defaults.items():
        record.setdefault(option, value)
    return record


def value_digest(record: dict[str, Any], value: str) -> str:
    """The record's HMAC of `value`."""
    return keyed_digest(bytes.fromhex(record["key"]), value)
