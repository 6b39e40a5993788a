# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: Grafana's write-only settings (contact points' secure settings, data
sources' secureJsonData), compared by the digests the collection keeps (core/kept.py).

Not a public API; it may change between any two releases. Grafana never shows these values again, so
after each write the module keeps, per object, an HMAC of each value it wrote in the record
``grafana/<instance>/<kind>.<uid>.json`` of the state backend (with the file backend the file of that name
under the state directory). ``update_secure`` says what a run does with them:
``on_digest_change`` writes a value whose HMAC differs from the kept one (or that has none kept),
``always`` writes every value on every run, ``on_create`` writes them only when the object is created.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core import kept
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import kept_name

UPDATE_SECURE = ["on_digest_change", "always", "on_create"]


class KeptSecure:
    """The kept digests of one object's write-only values."""

    def __init__(self, params: dict, kind: str, secrets: Secrets | None = None) -> None:
        self.params = params
        self.kind = kind
        self.store = kept.KeptStore(params, params.get("state_dir"), secrets)
        self.uid: str | None = None
        self.record: dict[str, Any] = kept.new_record(fields={})

    def load(self, uid: str) -> None:
        self.uid = uid
        self.record = self.store.load(kept_name(self.params, self.kind, uid), fields={})

    def stale(self, wanted: dict[str, str], exists: bool) -> list[str]:
        """The wanted values to write, by ``update_secure``; all of them when the object is new."""
        mode = self.params["update_secure"]
        if not exists or mode == "always":
            return sorted(wanted)
        if mode == "on_create":
            return []
        fields = self.record["fields"]
        return sorted(name for name, value in wanted.items() if fields.get(name) != kept.value_digest(self.record, value))

    def unknown(self, wanted: dict[str, str]) -> list[str]:
        return sorted(name for name in wanted if name not in self.record["fields"])

    def remember(self, uid: str, written: dict[str, str]) -> None:
        """Keep the HMAC of each value just written (after the write: a failed write keeps the old ones)."""
        if self.uid != uid:
            self.load(uid)
        for name, value in written.items():
            self.record["fields"][name] = kept.value_digest(self.record, value)
        self.store.save(kept_name(self.params, self.kind, uid), self.record)


def secure_diff(names: list[str], exists: bool) -> tuple[dict, dict]:
    """Before and after of the secure values to write: names only, never a value."""
    before = {name: MASK for name in names} if exists else {}
    return before, {name: MASK_NEW for name in names}
