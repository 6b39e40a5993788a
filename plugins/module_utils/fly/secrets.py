# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of fly_secrets and fly_secrets_info, key-level app secrets.

Not a public API; it may change between any two releases.

Fly.io never returns a secret's value (unless asked with show_secrets, which this module does not
do) and computes each secret's ``digest`` on its side by an algorithm neither fly-go nor flyctl
reproduce (flyctl only prints it), so a wanted value cannot be compared with the app's. What the
module compares instead is a digest it keeps itself (docs/fly.md): after each write, in the record
``fly/<app>.secrets.json`` of the state backend (core/kept.py: with the file backend the file of that name
under the state directory, mode 0600), per key the digest Fly gave the value and an HMAC-SHA256 of the value
under a random key of that record. A key is unchanged when Fly still shows
the digest kept for it (nobody set it since) and the wanted value has the kept HMAC. Without a kept
digest a key that exists is written again (``update: always``) or left alone (``update: on_create``).
The record also keeps the last secrets version written, which fly_deploy rolls Machines onto.
"""
from __future__ import annotations

import re
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core import kept
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import env_diff, env_string, refuse_clash
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import FlyClient
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import state_options

APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def options() -> dict[str, dict]:
    from ansible.module_utils.basic import env_fallback

    state_dir = {"type": "path", "fallback": (env_fallback, ["LAUNCHKIT_STATE_DIR"])}
    return {
        "app": {"type": "str", "required": True},
        "secrets": {"type": "dict", "default": {}, "no_log": True},
        "remove": {"type": "list", "elements": "str", "default": [], "no_log": False},
        "purge": {"type": "bool", "default": False},
        "update": {"type": "str", "choices": ["always", "on_create"], "default": "always"},
        "state_dir": state_dir,
        **state_options(),
    }


def info_options() -> dict[str, dict]:
    from ansible.module_utils.basic import env_fallback

    return {"app": {"type": "str", "required": True},
            "state_dir": {"type": "path", "fallback": (env_fallback, ["LAUNCHKIT_STATE_DIR"])}, **state_options()}


# -- the kept digests
def record_name(app: str) -> str:
    if not APP_NAME.match(app or ""):
        raise ValueError(f"app {app!r} is not a Fly.io app name (letters, digits and '-')")
    return f"fly/{app}.secrets.json"


def load_record(store: kept.KeptStore, app: str) -> dict[str, Any]:
    """The kept digests of `app` (an empty record when none are kept)."""
    return store.load(record_name(app), secrets={}, version=None)


def save_record(store: kept.KeptStore, app: str, record: dict[str, Any]) -> None:
    store.save(record_name(app), record)


value_digest = kept.value_digest


def known_equal(record: dict[str, Any], name: str, fly_digest: str | None, value: str) -> bool:
    """True when the app's secret `name` provably holds `value`: Fly shows the digest kept after this
    module's last write of it, and that write was of `value`."""
    kept = record["secrets"].get(name)
    return bool(kept and fly_digest and kept.get("fly_digest") == fly_digest
                and kept.get("value_digest") == value_digest(record, value))


# -- the plan
def plan_secrets(current: dict[str, str | None], wanted: dict[str, str], params: dict,
                 record: dict[str, Any]) -> dict[str, Any]:
    """Which keys to set and unset; `current` maps each of the app's keys to Fly's digest of it."""
    to_set, unchanged, unknown = {}, [], []
    for name, value in wanted.items():
        if name not in current:
            to_set[name] = value
        elif params["update"] == "on_create" or known_equal(record, name, current[name], value):
            unchanged.append(name)
        else:
            to_set[name] = value
            if name not in record["secrets"]:
                unknown.append(name)
    to_unset = [name for name in params["remove"] if name in current and name not in wanted]
    if params["purge"]:
        to_unset += [name for name in current if name not in wanted and name not in to_unset]
    return {"set": to_set, "delete": sorted(to_unset), "unchanged": sorted(unchanged), "unknown": sorted(unknown)}


def remember(record: dict[str, Any], written: dict[str, str], removed: list[str], answer: dict,
             digests: dict[str, str | None]) -> None:
    """Keep, for each key written, Fly's new digest of it and the value's HMAC; forget removed keys."""
    for name, value in written.items():
        record["secrets"][name] = {"fly_digest": digests.get(name), "value_digest": value_digest(record, value)}
    for name in removed:
        record["secrets"].pop(name, None)
    if answer.get("version") is not None:
        record["version"] = answer["version"]


def write_kept(client: FlyClient, store: kept.KeptStore, app: str, record: dict[str, Any], values: dict[str, str],
               removed: list[str]) -> dict:
    """Set VALUES and unset REMOVED in one call, then keep Fly's new digests and the version in the record; the
    answer (with ``version``). fly_secrets and the platform seam both write this way, so they keep one record."""
    answer = client.update_secrets(app, {**values, **dict.fromkeys(removed)})
    # The answer lists the secrets with their new digests; an answer without them is read again.
    digests = digests_of(answer.get("secrets") or []) or digests_of(client.secrets(app))
    remember(record, values, removed, answer, digests)
    save_record(store, app, record)
    return answer


def digests_of(secrets: list[dict]) -> dict[str, str | None]:
    return {item["name"]: item.get("digest") for item in secrets if item.get("name")}


def run_secrets(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    wanted = {name: env_string(value) for name, value in (params["secrets"] or {}).items()}
    refuse_clash(wanted, params["remove"])
    secrets.add(*wanted.values())
    store = kept.KeptStore(params, params["state_dir"], secrets)
    record = load_record(store, params["app"])
    client = client or FlyClient.from_params(params, secrets)
    current = digests_of(client.secrets(params["app"]))
    plan = plan_secrets(current, wanted, params, record)
    warnings = []
    if plan["unknown"]:
        warnings.append(f"{', '.join(plan['unknown'])}: Fly.io does not show secret values and {store.lacking()}, so "
                        "the value cannot be compared; written again (set state_dir to keep digests, or update: "
                        "on_create)")
    changed = bool(plan["set"] or plan["delete"])
    version = record["version"]
    if changed and not check_mode:
        answer = write_kept(client, store, params["app"], record, plan["set"], plan["delete"])
        version = answer.get("version", version)
    return {"changed": changed, "app": params["app"], "set_keys": sorted(plan["set"]), "removed_keys": plan["delete"],
            "unchanged_keys": plan["unchanged"], "version": version, "warnings": warnings,
            "diff": env_diff(current, plan)}


def run_secrets_info(params: dict, check_mode: bool, secrets: Secrets, client: FlyClient | None = None) -> dict:
    client = client or FlyClient.from_params(params, secrets)
    found = client.secrets(params["app"])
    record = load_record(kept.KeptStore(params, params["state_dir"], secrets), params["app"])
    return {"changed": False, "app": params["app"], "version": record["version"],
            "secrets": [{"name": item.get("name"), "digest": item.get("digest"), "created_at": item.get("created_at"),
                         "updated_at": item.get("updated_at")} for item in found]}
