# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of vercel_env, key-level env entries of a Vercel project.

Not a public API; it may change between any two releases.

A Vercel project may hold one key several times, for other targets or git branches, so an entry is
known by its key, its set of targets and its git branch together. The module manages only the entries
of exactly the targets and branch asked for: an entry of the key for other targets is someone else's
and is never touched; one whose targets overlap the asked ones without being equal is a clash Vercel
refuses (ENV_CONFLICT), which fails before any write, naming the entry.

Values: a ``plain`` entry's value is in the list; an ``encrypted`` one is read decrypted one by one
(GET /v1/projects/{id}/env/{envId}; the list's ``decrypt`` is deprecated); a ``sensitive`` one is never
readable. A value that cannot be read is compared by the digest the collection keeps (core/kept.py),
in the record ``vercel/<project id>.env.json`` of the state backend (with the file backend the file of that
name under the state directory, mode 0600; no value in it): per entry, its id, the
``updatedAt`` Vercel showed right after this module wrote it, and an HMAC of the value. The entry is
unchanged when Vercel still shows that ``updatedAt`` (nobody set it since) and the wanted value has the
kept HMAC. ``update`` decides what happens to a value that cannot be compared.
"""
from __future__ import annotations

import re
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core import kept
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import NOT_SHOWN, env_diff, env_string
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, write_once
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import state_options
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.client import (
    CONFLICT_CODES, ENV_TYPES, TARGETS, VercelClient, entry_branch, entry_targets)
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.project import find_project

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FILE_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")
UPDATE_MODES = ("on_digest_change", "always", "on_create")


def options() -> dict[str, dict]:
    from ansible.module_utils.basic import env_fallback

    return {
        "env": {"type": "dict", "default": {}, "no_log": True},
        "targets": {"type": "list", "elements": "str", "choices": list(TARGETS), "default": ["production"]},
        "git_branch": {"type": "str"},
        "type": {"type": "str", "choices": list(ENV_TYPES), "default": "encrypted"},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "update": {"type": "str", "choices": list(UPDATE_MODES), "default": "on_digest_change"},
        "purge": {"type": "bool", "default": False},
        "return_previous": {"type": "bool", "default": False},
        "state_dir": {"type": "path", "fallback": (env_fallback, ["LAUNCHKIT_STATE_DIR"])},
        **state_options(),
    }


def check_params(params: dict) -> None:
    """Fail before any call on what Vercel would refuse or this module cannot do."""
    if not params["targets"]:
        raise ValueError("targets is empty: give one or more of production, preview, development")
    if params.get("git_branch") and sorted(set(params["targets"])) != ["preview"]:
        raise ValueError("git_branch applies to preview entries only (Vercel: 'must have target=preview'): "
                         "set targets: [preview] with it, or leave git_branch out")
    bad = sorted(key for key in params["env"] or {} if not KEY.match(str(key)))
    if bad:
        raise ValueError(f"env keys {', '.join(bad)} are not variable names: letters, digits and '_', "
                         "not starting with a digit")
    if params["state"] == "present":
        empty = sorted(key for key, value in (params["env"] or {}).items() if value is None)
        if empty:
            raise ValueError(f"env keys {', '.join(empty)} have no value (null): give a value, or use state: absent "
                             "to remove them")
    if params["purge"] and params["state"] != "present":
        raise ValueError("purge removes the keys not in env and goes with state: present only")


# -- identity
def identity(key: str, targets: frozenset[str], branch: str | None) -> str:
    return f"{key}|{','.join(sorted(targets))}|{branch or ''}"


def entry_identity(entry: dict) -> str:
    return identity(entry.get("key") or "", entry_targets(entry), entry_branch(entry))


def described(entry: dict) -> str:
    branch = f", git branch {entry_branch(entry)}" if entry_branch(entry) else ""
    return f"{entry.get('key')} (targets {', '.join(sorted(entry_targets(entry)))}{branch}; id {entry.get('id')})"


def place(entries: list[dict], key: str, targets: frozenset[str], branch: str | None) -> tuple[dict | None, list[dict]]:
    """The entry of exactly (key, targets, branch), and the entries of the key whose targets clash with them:
    same branch, overlapping targets, yet not the same set. Entries of other targets or branches are neither."""
    mine, clashes = None, []
    for entry in entries:
        if entry.get("key") != key or entry_branch(entry) != branch:
            continue
        have = entry_targets(entry)
        if have == targets:
            mine = mine or entry
        elif have & targets:
            clashes.append(entry)
    return mine, clashes


def clash_message(project: dict, clashes: list[dict], targets: frozenset[str], branch: str | None) -> str:
    asked = ", ".join(sorted(targets)) + (f" (git branch {branch})" if branch else "")
    found = "; ".join(described(entry) for entry in clashes)
    return (f"Vercel project {project.get('name')} already has {found}, whose targets overlap the ones asked for "
            f"({asked}) without being the same: Vercel refuses a second entry of a key for a target it already has "
            "(ENV_CONFLICT), and this module never changes an entry of other targets. Either give targets exactly "
            "as that entry has them to manage it, or remove it first (vercel_env with state: absent and its "
            "targets), then run again")


# -- the kept digests
def record_name(project_id: str) -> str:
    if not FILE_SAFE.match(project_id or ""):
        raise ResourceError(f"Vercel answered with a project id {project_id!r} this module cannot keep digests for")
    return f"vercel/{project_id}.env.json"


def load_record(store: kept.KeptStore, project_id: str) -> dict[str, Any]:
    return store.load(record_name(project_id), env={})


def save_record(store: kept.KeptStore, project_id: str, record: dict[str, Any]) -> None:
    store.save(record_name(project_id), record)


def known_equal(record: dict[str, Any], entry: dict, value: str) -> bool:
    """True when the entry provably holds `value`: it is the one this module last wrote (same id, and Vercel
    shows the same updatedAt as right after that write) and that write was of `value`."""
    held = record["env"].get(entry_identity(entry))
    return bool(held and held.get("id") == entry.get("id") and entry.get("updatedAt") is not None
                and held.get("updated_at") == entry.get("updatedAt")
                and held.get("value_digest") == kept.value_digest(record, value))


def remember(record: dict[str, Any], entry: dict, value: str) -> None:
    record["env"][entry_identity(entry)] = {"id": entry.get("id"), "updated_at": entry.get("updatedAt"),
                                            "value_digest": kept.value_digest(record, value)}


# -- values
def readable_value(client: VercelClient, project_id: str, entry: dict) -> str | None:
    """The entry's value when Vercel shows it: a plain one from the list, an encrypted one read decrypted;
    None for a sensitive one, or when Vercel does not decrypt it for this token."""
    if entry.get("type") == "sensitive":
        return None
    if entry.get("type") == "plain" or entry.get("decrypted"):
        return entry.get("value")
    if entry.get("type") == "encrypted" and entry.get("id"):
        found = client.env_var(project_id, entry["id"]) or {}
        return found.get("value") if found.get("decrypted") else None
    return None


class Plan:
    """What one run does: entries to create, update and delete, by key."""

    def __init__(self) -> None:
        self.create: dict[str, str] = {}
        self.update: dict[str, tuple[dict, str]] = {}
        self.delete: dict[str, dict] = {}
        self.unchanged: list[str] = []
        self.unknown: list[str] = []
        self.previous: dict[str, Any] = {}


def plan_present(client: VercelClient, project: dict, entries: list[dict], params: dict, record: dict,
                 wanted: dict[str, str], targets: frozenset[str], branch: str | None) -> Plan:
    plan, clashes = Plan(), []
    for key, value in wanted.items():
        mine, clash = place(entries, key, targets, branch)
        clashes += clash
        if mine is None:
            plan.create[key] = value
            plan.previous[key] = None
            continue
        current = readable_value(client, project["id"], mine)
        if mine.get("type") != params["type"]:
            same = False
        elif current is not None:
            same = current == value
        elif params["update"] == "on_create":
            same = True
        else:
            same = params["update"] == "on_digest_change" and known_equal(record, mine, value)
            if not same and params["update"] == "on_digest_change" and entry_identity(mine) not in record["env"]:
                plan.unknown.append(key)
        if same:
            plan.unchanged.append(key)
        else:
            plan.update[key] = (mine, value)
            plan.previous[key] = current if current is not None else NOT_SHOWN
    if clashes:
        raise ResourceError(clash_message(project, clashes, targets, branch), conflicts=[e.get("id") for e in clashes])
    if params["purge"]:
        for entry in entries:
            if (entry.get("key") not in wanted and entry.get("type") != "system"
                    and entry_targets(entry) == targets and entry_branch(entry) == branch):
                plan.delete[entry["key"]] = entry
    return plan


def plan_absent(entries: list[dict], keys: list[str], targets: frozenset[str], branch: str | None) -> Plan:
    plan = Plan()
    for key in keys:
        mine, _clash = place(entries, key, targets, branch)
        if mine is not None:
            plan.delete[key] = mine
    return plan


def fill_previous(client: VercelClient, project_id: str, plan: Plan) -> None:
    for key, entry in plan.delete.items():
        current = readable_value(client, project_id, entry)
        plan.previous[key] = current if current is not None else NOT_SHOWN


# -- writes
def create_entry(client: VercelClient, project: dict, key: str, value: str, env_type: str,
                 targets: frozenset[str], branch: str | None, clock: Clock | None) -> dict:
    """Create the entry; a lost answer is looked up (the entry of that identity) before the create is sent again."""
    def look_up() -> dict | None:
        return place(client.env_vars(project["id"]), key, targets, branch)[0]

    try:
        return write_once(lambda: client.create_env(project["id"], key, value, env_type, sorted(targets), branch),
                          look_up, clock=clock)
    except ApiError as exc:
        if exc.code not in CONFLICT_CODES:
            raise
        # Someone made a clashing entry since the list was read: name it as a clash found before the write is named.
        clashes = place(client.env_vars(project["id"]), key, targets, branch)[1]
        raise ResourceError(clash_message(project, clashes, targets, branch) if clashes else
                            f"Vercel refused {key} for {', '.join(sorted(targets))} ({exc.code}: {exc.message}); "
                            "list the project's entries of that key (vercel_project_info with env: true)") from None


def plan_write(entries: list[dict], values: dict[str, str], deleted: list[str], targets: frozenset[str],
               branch: str | None) -> Plan:
    """The writes that give each key of `values` its value and remove each of `deleted`, as entries of exactly
    `targets`/`branch` (the platform seam decides by its digests what to write; this says how)."""
    plan = Plan()
    for key, value in values.items():
        mine = place(entries, key, targets, branch)[0]
        if mine is None:
            plan.create[key] = value
        else:
            plan.update[key] = (mine, value)
    for key in deleted:
        mine = place(entries, key, targets, branch)[0]
        if mine is not None:
            plan.delete[key] = mine
    return plan


def apply(client: VercelClient, project: dict, plan: Plan, env_type: str, store: kept.KeptStore, record: dict,
          targets: frozenset[str], branch: str | None, clock: Clock | None = None) -> None:
    """Create, update and delete the entries of `plan`, keeping each written entry's digest in `record`.
    vercel_env and the platform seam (app_env on platform vercel) both write this way, so they keep one record."""
    written: list[tuple[dict, str]] = []
    try:
        for key, value in plan.create.items():
            written.append((create_entry(client, project, key, value, env_type, targets, branch, clock), value))
        for entry, value in plan.update.values():
            answer = client.edit_env(project["id"], entry["id"], value, env_type)
            written.append(({**entry, **answer}, value))
        for entry in plan.delete.values():
            client.delete_env(project["id"], entry["id"])
            record["env"].pop(entry_identity(entry), None)
    finally:
        keep(client, project, record, written, store)


def keep(client: VercelClient, project: dict, record: dict, written: list[tuple[dict, str]],
         store: kept.KeptStore) -> None:
    """Keep each written entry's id, updatedAt and value digest; an answer without updatedAt is read back once."""
    if not written:
        save_record(store, project["id"], record)
        return
    if any(entry.get("updatedAt") is None for entry, _value in written):
        listed = {entry.get("id"): entry for entry in client.env_vars(project["id"])}
        written = [({**entry, **listed.get(entry.get("id"), {})}, value) for entry, value in written]
    for entry, value in written:
        remember(record, entry, value)
    save_record(store, project["id"], record)


def run_env(params: dict, check_mode: bool, secrets: Secrets, client: VercelClient | None = None,
            clock: Clock | None = None) -> dict:
    check_params(params)
    wanted = {key: env_string(value) for key, value in (params["env"] or {}).items()}
    if params["state"] == "present":
        secrets.add(*wanted.values())
    targets, branch = frozenset(params["targets"]), params.get("git_branch") or None
    client = client or VercelClient.from_params(params, secrets)
    project = find_project(client, params["project"])
    store = kept.KeptStore(params, params["state_dir"], secrets)
    record = load_record(store, project["id"])
    entries = client.env_vars(project["id"])
    if params["state"] == "present":
        plan = plan_present(client, project, entries, params, record, wanted, targets, branch)
    else:
        plan = plan_absent(entries, list(wanted), targets, branch)
    if params["return_previous"]:
        fill_previous(client, project["id"], plan)
    changed = bool(plan.create or plan.update or plan.delete)
    if changed and not check_mode:
        apply(client, project, plan, params["type"], store, record, targets, branch, clock)
    result = {
        "changed": changed, "project": {"id": project["id"], "name": project.get("name")},
        "targets": sorted(targets), "git_branch": branch,
        "created": sorted(plan.create), "updated": sorted(plan.update), "deleted": sorted(plan.delete),
        "unchanged": sorted(plan.unchanged), "warnings": unknown_warning(plan.unknown, store),
        "diff": env_diff({key: True for key in [*plan.update, *plan.delete]},
                         {"set": {**plan.create, **{k: v for k, (_e, v) in plan.update.items()}},
                          "delete": sorted(plan.delete)}),
    }
    if params["return_previous"]:
        shown = [value for value in plan.previous.values() if isinstance(value, str)]
        secrets.add(*shown)
        result["previous"] = plan.previous
        result["_unmasked"] = tuple(shown)
    return result


def unknown_warning(keys: list[str], store: kept.KeptStore) -> list[str]:
    if not keys:
        return []
    return [f"{', '.join(sorted(keys))}: Vercel does not show these values and {store.lacking()}, so they cannot be "
            "compared; written again (set state_dir to keep digests, or update: on_create to leave existing values "
            "alone)"]
