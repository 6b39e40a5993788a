# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the rollback records of a stack's phases, and the files the rollout writes.

Not a public API; it may change between any two releases.

A phase's record (with the file backend ``<state_dir>/<stack>/<phase>.json``, mode 0600 in a 0700
directory; with the postgresql backend a row of its table: rollout/state.py) keeps, per
service, the value each env key had before the first run that changed it (``None`` when the key did
not exist), and the other facts the phase's rollback needs (ids of what it created). What a record
holds always wins over what a later run adds, so a rollback restores the state from before the
rollout, not from before the last run. Files are replaced atomically and rows in one transaction: a
reader sees the old record or the new one, never half of one. A record is sealed when a state key is
given (always with the postgresql backend).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.files import read_text, write_text
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import Target, parse, state_options, store_for

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# -------------------------------------------------------------------------------------- options
def record_options() -> dict:
    """Where a stack's records are (doc fragments rollback_record and rollback_record.STATE): the backend,
    state_dir (file) or state_dsn (postgresql), the key, and the stack."""
    from ansible.module_utils.basic import env_fallback

    return {"state_dir": {"type": "path", "fallback": (env_fallback, ["LAUNCHKIT_STATE_DIR"])},
            "stack": {"type": "str", "required": True}, **state_options()}


def write_target_options() -> dict:
    """Where a module that changes things keeps its phase's record (doc fragment rollback_record.WRITE)."""
    from ansible.module_utils.basic import env_fallback

    return {"record_phase": {"type": "str"},
            "record_dir": {"type": "path", "fallback": (env_fallback, ["LAUNCHKIT_STATE_DIR"])},
            "record_stack": {"type": "str"}, **state_options()}


def target(params: dict, phase: str, stack: str, dir_key: str = "state_dir", secrets: Secrets | None = None) -> Target:
    """The record of `stack`'s `phase` in the backend the module's options name (checked names)."""
    store, cipher = store_for(params, dir_key, secrets)
    return Target(store, checked_name("stack", stack), checked_name("phase", phase), cipher)


def target_path(params: dict, secrets: Secrets | None = None) -> Target | None:
    """The record when a module is asked to keep one (record_phase), else None."""
    if not params.get("record_phase"):
        return None
    if not params.get("record_stack"):
        raise ValueError("record_phase needs record_stack (the inventory host whose record it is)")
    return target(params, params["record_phase"], params["record_stack"], "record_dir", secrets)


def add_facts(where: Target, facts: dict) -> bool:
    """Merge `facts` into the record now (lists joined); whether the record changed."""
    stored = where.stored()
    before = stored or {}
    after = _merged(before, facts)
    if stored is not None and after == before:
        return False
    where.write(after)
    return True


# ------------------------------------------------------------------------------------------ files
def checked_name(what: str, value: str) -> str:
    """`value` when it can name a file of its own (no path separator, not '.' or '..')."""
    if not NAME.match(value or "") or value in (".", ".."):
        raise ValueError(f"{what} {value!r} cannot name a record: use letters, digits, '_', '-' and '.' "
                         "(it is a file name under the state directory)")
    return value


def record_path(state_dir: str, stack: str, phase: str) -> str:
    if not state_dir:
        raise ValueError("no directory for the rollback records: set the state directory option (record_dir or "
                         "state_dir) or LAUNCHKIT_STATE_DIR")
    return os.path.join(state_dir, checked_name("stack", stack), checked_name("phase", phase) + ".json")


def read_record(where: str | Target) -> dict:
    """The record ({} when there is none): a Target, or the path of a plain record file; a damaged one fails
    with what to do."""
    if isinstance(where, Target):
        return where.read()
    return parse(read_text(where), where, None, "")


def record_text(record: dict) -> str:
    return json.dumps(record, indent=4, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------------------- content
def _merged(base: dict, override: dict) -> dict:
    """BASE with OVERRIDE on top: dicts merged key by key, lists joined (each entry once, OVERRIDE's last)."""
    result = dict(base)
    for key, value in override.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = _merged(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            result[key] = [entry for entry in current if entry not in value] + value
        else:
            result[key] = value
    return result


def _service_of(item: Any) -> str:
    return str(item["name"]) if isinstance(item, dict) else str(item)


def merged(record: dict | None, results: list[dict] | None = None, extra: dict | None = None) -> dict:
    """RECORD with the previous values of RESULTS that changed and EXTRA added; RECORD's entries win.

    RESULTS are the results of a render_env_vars loop run with return_previous (the loop item is the
    service: its name or id, or a dict with its ``name``); those that did not change are left out.
    """
    record = record or {}
    previous = {_service_of(result["item"]): result.get("previous") or {}
                for result in results or [] if result.get("changed")}
    combined = _merged(extra or {}, record)
    combined["services"] = _merged(previous, record.get("services") or {})
    return combined


def summary(record: dict) -> dict:
    """What a record says that is no secret: each service's changed env key names, ids and names."""
    changed = record.get("services") or {}
    return {
        "services": {service: sorted(keys) for service, keys in changed.items()},
        "provider": record.get("provider"),
        "name": record.get("name"),
        "api_key_ids": record.get("api_key_ids", []),
        "alert_rules": record.get("alert_rules", []),
        "domains_created": record.get("domains_created", []),
        "facts": sorted(key for key in record if key != "services"),
    }


def record_values(record: dict) -> list[str]:
    """The previous env values a record holds: secrets, all of them."""
    return [value for keys in (record.get("services") or {}).values() if isinstance(keys, dict)
            for value in keys.values() if isinstance(value, str)]


# ----------------------------------------------------------------------------------------- logic
def run_record(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    """Add what a run changed to a phase's record (state=present) or forget the record (absent), all of it but
    the facts named in `keep` (what the rollout created stays known after its rollback)."""
    where = target(params, params["phase"], params["stack"], secrets=secrets)
    path = where.where
    stored = where.stored()
    before = stored or {}
    secrets.add(*record_values(before))
    if params["state"] == "absent":
        kept = {fact: before[fact] for fact in params.get("keep") or [] if fact in before}
        # A record always has its services, none left after the restore.
        after: dict | None = {**kept, "services": {}} if kept else None
    else:
        after = merged(before, params["results"], params["extra"])
        secrets.add(*record_values(after))
    exists = stored is not None
    changed = (exists if after is None else (not exists or after != before))
    if changed and not check_mode:
        if after is None:
            where.remove()
        else:
            where.write(after)
    return {"changed": changed, "path": path, "summary": summary(after) if after is not None else {},
            "diff": {"before": summary(before) if exists else {}, "after": summary(after) if after is not None else {},
                     "before_header": path, "after_header": path}}


def run_record_info(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    """The records of the phases asked for: what they say that is no secret, and whole when asked."""
    del check_mode
    records = {}
    for phase in params["phases"]:
        where = target(params, phase, params["stack"], secrets=secrets)
        record = where.stored()
        if record is not None:
            records[phase] = record
    values = [value for record in records.values() for value in record_values(record)]
    secrets.add(*values)
    result: dict[str, Any] = {"changed": False, "summary": {phase: summary(r) for phase, r in records.items()}}
    if params["return_secrets"]:  # asked for: they come back as they are (the task sets no_log)
        result["records"] = records
        result["_unmasked"] = tuple(values)
    return result


def report_files(params: dict, stamp: str | None) -> dict[str, str]:
    """The report's two files and their text, with `stamp` as written_at (JSON) and a last Markdown line."""
    directory, data = params["path"], params["data"]
    markdown = params["markdown"].rstrip("\n") + (f"\n\n_Written {stamp}._" if stamp else "")
    return {os.path.join(directory, "rollout-report.json"):
            json.dumps({**data, "written_at": stamp} if stamp else data, indent=4, sort_keys=True) + "\n",
            os.path.join(directory, "rollout-report.md"): markdown + "\n"}


def written_at(text: str | None) -> str | None:
    """The stamp of a JSON report written before, or None."""
    try:
        stamp = json.loads(text or "").get("written_at")
    except (ValueError, AttributeError):
        return None
    return stamp if isinstance(stamp, str) else None


def _unstamped(data: Any) -> Any:
    """A report read back, without the stamp its writing added."""
    return {key: value for key, value in data.items() if key != "written_at"} if isinstance(data, dict) else data


def _check_key(check: Any) -> Any:
    return tuple(check.get(key) for key in ("app", "check", "component")) if isinstance(check, dict) else check


def _planned(data: Any, stored: Any = None) -> Any:
    """The report as check mode can predict it: each check's status, not its message (a check run reads
    only, so its message names fewer steps than the real run's: no SET/GET on a Redis, say). A check that
    check mode could not try (pending: a smoke POST is not sent, nor what uses its answer) is taken as the
    report on disk has it, and the summary, which counts the checks, is left out."""
    if not isinstance(data, dict):
        return data
    earlier = {_check_key(check): check for check in (stored or {}).get("checks") or []}
    checks = []
    for check in data.get("checks") or []:
        if isinstance(check, dict) and check.get("status") == "pending" and _check_key(check) in earlier:
            check = earlier[_check_key(check)]
        checks.append({key: value for key, value in check.items() if key != "message"}
                      if isinstance(check, dict) else check)
    return {**{key: value for key, value in data.items() if key != "summary"}, "checks": checks}


def run_report(params: dict, check_mode: bool, secrets: Secrets) -> dict:
    """Write the rollout report: <dir>/rollout-report.json and <dir>/rollout-report.md, mode 0600.

    The stamp is not compared: a report that says the same as the one on disk keeps its old stamp.
    """
    del secrets
    stamp = params.get("stamp")
    files = report_files(params, stamp)
    before = {path: read_text(path) for path in files}
    old_stamp = written_at(before[next(iter(files))]) if stamp else None
    if old_stamp and report_files(params, old_stamp) == before:
        files = dict(before)
    changed_files = sorted(path for path, text in files.items() if before[path] != text)
    json_path = next(iter(files))
    stored = _unstamped(json.loads(before[json_path])) if before[json_path] is not None else None
    if check_mode and changed_files and stored is not None and _planned(params["data"], stored) == _planned(stored):
        changed_files = []  # only what check mode cannot try differs: the real run writes the same report
    if changed_files and not check_mode:
        for path in changed_files:
            write_text(path, files[path])
    json_path, markdown_path = files
    return {"changed": bool(changed_files), "json_path": json_path, "markdown_path": markdown_path,
            "changed_files": changed_files,
            # the Markdown report (no secret: the validate role scrubs what it reports)
            "diff": {"before": before[markdown_path] or "", "after": files[markdown_path],
                     "before_header": markdown_path, "after_header": markdown_path}}
