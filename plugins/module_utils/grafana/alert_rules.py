# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of grafana_alert_rule_group and grafana_alert_rule_group_info.

Not a public API; it may change between any two releases.

Grafana takes a rule group whole (``PUT .../rule-groups/{Group}``): a rule left out of the body is
deleted from the group. This module owns only the rules it is given (by uid); the group's other rules
are merged back into the body as Grafana stored them, unless ``purge``. Before comparing, each wanted
rule gets the values Grafana would store for what it leaves out (``rule_defaults``, sources in
docs/grafana.md), so a second run finds nothing to change.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import GrafanaClient
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import checked_uid

#: models/alert_query.go: a query model without these gets them on save
DEFAULT_MAX_DATA_POINTS = 43200
DEFAULT_INTERVAL_MS = 1000
DEFAULT_INTERVAL = 60
NO_DATA_STATES = ("Alerting", "NoData", "OK")
EXEC_ERR_STATES = ("OK", "Alerting", "Error")
RULE_KEYS = ("uid", "title", "condition", "data", "for", "labels", "annotations", "noDataState", "execErrState",
             "isPaused")
QUERY_KEYS = ("refId", "relativeTimeRange", "datasourceUid", "model", "queryType")
#: fields of a stored rule that are Grafana's, not the rule's: never sent back
READ_ONLY = ("id", "updated", "provenance")
DURATION = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")
UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)

OPTIONS: dict[str, dict] = {
    "folder_uid": {"type": "str", "required": True},
    "name": {"type": "str", "required": True},
    "interval": {"type": "raw"},
    "rules": {"type": "list", "elements": "dict", "default": []},
    "purge": {"type": "bool", "default": False},
    "disable_provenance": {"type": "bool", "default": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}
INFO_OPTIONS: dict[str, dict] = {
    "folder_uid": {"type": "str"},
    "name": {"type": "str"},
}


# -- durations: Grafana shows "for" as Prometheus prints it ("5m", "1h30m", "0s"); compared in seconds
def seconds(value: Any, option: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{option}: {value!r} is not a duration")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.isdigit():
        return float(text)
    found = DURATION.match(text)
    if not text or not found:
        raise ValueError(f"{option}: '{value}' is not a duration; write seconds or a Prometheus duration "
                         "such as 30s, 5m, 1h30m")
    amounts = found.groups()[1::2]
    return sum(int(amount) * unit for amount, unit in zip(amounts, UNITS) if amount)


def prometheus_duration(total: float) -> str:
    """Seconds as Prometheus prints a duration (common/model Duration.String)."""
    if total == 0:
        return "0s"
    out, rest = "", int(round(total * 1000))
    for unit, name in ((365 * 86400000, "y"), (7 * 86400000, "w"), (86400000, "d"), (3600000, "h"),
                       (60000, "m"), (1000, "s"), (1, "ms")):
        count, rest = divmod(rest, unit)
        if count:
            out += f"{count}{name}"
    return out


# -- the wanted rules, as Grafana will store them
def query_defaults(query: dict, where: str) -> dict:
    unknown = sorted(set(query) - set(QUERY_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(unknown)}; a query has {', '.join(QUERY_KEYS)}")
    for key in ("refId", "datasourceUid"):
        if not query.get(key):
            raise ValueError(f"{where}: {key} is required")
    model = dict(query.get("model") or {})
    if not model.get("maxDataPoints"):
        model["maxDataPoints"] = DEFAULT_MAX_DATA_POINTS
    if not model.get("intervalMs"):
        model["intervalMs"] = DEFAULT_INTERVAL_MS
    span = query.get("relativeTimeRange") or {}
    return {"refId": query["refId"], "queryType": query.get("queryType") or model.get("queryType") or "",
            "relativeTimeRange": {"from": int(seconds(span.get("from", 0), f"{where}.relativeTimeRange.from")),
                                  "to": int(seconds(span.get("to", 0), f"{where}.relativeTimeRange.to"))},
            "datasourceUid": query["datasourceUid"], "model": model}


def rule_defaults(rule: dict, index: int) -> dict:
    """The rule with what Grafana fills in when it is left out; a ValueError says what to fix."""
    where = f"rules[{index}]"
    unknown = sorted(set(rule) - set(RULE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(unknown)}; a rule has {', '.join(RULE_KEYS)}")
    for key in ("uid", "title", "condition"):
        if not rule.get(key):
            raise ValueError(f"{where}: {key} is required (a rule is owned by its uid)")
    checked_uid(rule["uid"], f"{where}.uid")
    if not rule.get("data"):
        raise ValueError(f"{where} ({rule['uid']}): data needs at least one query")
    data = [query_defaults(query, f"{where}.data[{n}]") for n, query in enumerate(rule["data"])]
    if rule["condition"] not in {query["refId"] for query in data}:
        raise ValueError(f"{where} ({rule['uid']}): condition '{rule['condition']}' is not the refId of a query in data")
    states = {"noDataState": (rule.get("noDataState") or "NoData", NO_DATA_STATES),
              "execErrState": (rule.get("execErrState") or "Error", EXEC_ERR_STATES)}
    for key, (value, allowed) in states.items():
        if value not in allowed:
            raise ValueError(f"{where} ({rule['uid']}): {key} '{value}' is not one of {', '.join(allowed)}")
    return {"uid": rule["uid"], "title": rule["title"], "condition": rule["condition"], "data": data,
            "for": prometheus_duration(seconds(rule.get("for") or 0, f"{where}.for")),
            "labels": {str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
            "annotations": {str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
            "noDataState": states["noDataState"][0], "execErrState": states["execErrState"][0],
            "isPaused": bool(rule.get("isPaused", False))}


def stored_view(rule: dict) -> dict:
    """A stored rule in the shape of ``rule_defaults``, to compare with a wanted one."""
    data = []
    for query in rule.get("data") or []:
        span = query.get("relativeTimeRange") or {}
        data.append({"refId": query.get("refId"), "queryType": query.get("queryType") or "",
                     "relativeTimeRange": {"from": int(span.get("from") or 0), "to": int(span.get("to") or 0)},
                     "datasourceUid": query.get("datasourceUid"), "model": query.get("model") or {}})
    return {"uid": rule.get("uid"), "title": rule.get("title"), "condition": rule.get("condition"), "data": data,
            "for": prometheus_duration(seconds(rule.get("for") or 0, "for")),
            "labels": rule.get("labels") or {}, "annotations": rule.get("annotations") or {},
            "noDataState": rule.get("noDataState"), "execErrState": rule.get("execErrState"),
            "isPaused": bool(rule.get("isPaused", False))}


def validate(params: dict) -> None:
    checked_uid(params["folder_uid"], "folder_uid")
    if not params["name"].strip() or len(params["name"]) > 190:
        raise ValueError("name (the group's title) must be 1 to 190 characters")
    if params.get("interval") is not None and seconds(params["interval"], "interval") <= 0:
        raise ValueError("interval must be a positive duration, e.g. 1m")
    if params["state"] == "absent":
        uids = [str(checked_uid(rule.get("uid"), f"rules[{n}].uid") or "") for n, rule in enumerate(params["rules"] or [])]
        if "" in uids:
            raise ValueError("rules: each rule to remove needs its uid")
    else:
        uids = [rule_defaults(rule, n)["uid"] for n, rule in enumerate(params["rules"] or [])]
    twice = sorted({uid for uid in uids if uids.count(uid) > 1})
    if twice:
        raise ValueError(f"rules: uid {', '.join(twice)} is given more than once")


# -- the group to send
def body_rule(rule: dict, stored: dict | None, folder_uid: str, group: str, org_id: int | None) -> dict:
    """What the PUT sends for one rule: the stored rule's other fields kept, the wanted ones over them."""
    sent = {key: value for key, value in (stored or {}).items() if key not in READ_ONLY and value is not None}
    sent.update(rule)
    sent.update({"folderUID": folder_uid, "ruleGroup": group})
    if org_id is not None:
        sent["orgID"] = org_id
    return sent


def wanted_provenance(params: dict) -> str:
    """The provenance Grafana records for a write: none ("") with X-Disable-Provenance, else ``api``."""
    return "" if params.get("disable_provenance") else "api"


def provenance_changes(stored_rule: dict, params: dict) -> bool:
    return (stored_rule.get("provenance") or "") != wanted_provenance(params)


def plan_group(stored: dict | None, wanted: list[dict], params: dict) -> dict:
    """Which rules are added, updated, kept (not ours) and removed, and the interval before and after.
    A rule whose provenance is not the one ``disable_provenance`` asks for is updated too (a group write
    sets the provenance of its rules)."""
    stored_rules = {rule.get("uid"): rule for rule in (stored or {}).get("rules") or []}
    wanted_by_uid = {rule["uid"]: rule for rule in wanted}
    added = [uid for uid in wanted_by_uid if uid not in stored_rules]
    updated = [uid for uid, rule in wanted_by_uid.items() if uid in stored_rules and (
        stored_view(stored_rules[uid]) != rule or provenance_changes(stored_rules[uid], params))]
    others = [uid for uid in stored_rules if uid not in wanted_by_uid]
    removed = others if params["purge"] else []
    kept = [] if params["purge"] else others
    interval_now = (stored or {}).get("interval")
    interval = int(seconds(params["interval"], "interval")) if params.get("interval") is not None \
        else interval_now or DEFAULT_INTERVAL
    return {"added": added, "updated": updated, "kept": kept, "removed": removed, "unchanged":
            [uid for uid in wanted_by_uid if uid not in added and uid not in updated],
            "interval_before": interval_now, "interval": interval}


def group_diff(stored: dict | None, wanted: dict[str, dict], plan: dict, removed: list[str],
               params: dict | None = None) -> dict:
    stored_rules = {rule.get("uid"): rule for rule in (stored or {}).get("rules") or []}
    before: dict[str, Any] = {"rules": {uid: stored_view(stored_rules[uid]) for uid in plan["updated"] + removed}}
    after: dict[str, Any] = {"rules": {uid: wanted[uid] for uid in plan["added"] + plan["updated"]}}
    for uid in plan["updated"]:
        if params is not None and provenance_changes(stored_rules[uid], params):
            before["rules"][uid] = {**before["rules"][uid], "provenance": stored_rules[uid].get("provenance") or None}
            after["rules"][uid] = {**after["rules"][uid], "provenance": wanted_provenance(params) or None}
    if plan["interval_before"] != plan["interval"]:
        before["interval"], after["interval"] = plan["interval_before"], plan["interval"]
    return {"before": before, "after": after}


def org_id_of(client: GrafanaClient, stored: dict | None) -> int | None:
    """The orgID each rule of the body carries (the spec requires it): a stored rule's, else the org's."""
    for rule in (stored or {}).get("rules") or []:
        if rule.get("orgID") is not None:
            return rule["orgID"]
    return client.org().get("id")


def group_view(params: dict, interval: int | None, uids: list[str]) -> dict:
    return {"folder_uid": params["folder_uid"], "name": params["name"], "interval": interval, "rules": uids}


def run_rule_group(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    validate(params)
    client = client or GrafanaClient.from_params(params, secrets)
    stored = client.alert_rule_group(params["folder_uid"], params["name"])
    if stored is not None and not stored.get("rules"):
        stored = None  # an empty group does not exist for Grafana
    if params["state"] == "absent":
        return _absent(client, params, stored, [rule["uid"] for rule in params["rules"] or []], check_mode)
    wanted = [rule_defaults(copy.deepcopy(rule), n) for n, rule in enumerate(params["rules"] or [])]
    plan = plan_group(stored, wanted, params)
    by_uid = {rule["uid"]: rule for rule in wanted}
    changed = bool(plan["added"] or plan["updated"] or plan["removed"] or plan["interval_before"] != plan["interval"])
    order = [rule["uid"] for rule in wanted] + plan["kept"]
    if changed and not check_mode:
        stored_rules = {rule.get("uid"): rule for rule in (stored or {}).get("rules") or []}
        org_id = org_id_of(client, stored)
        rules = [body_rule(by_uid[uid], stored_rules.get(uid), params["folder_uid"], params["name"], org_id)
                 if uid in by_uid else body_rule({}, stored_rules[uid], params["folder_uid"], params["name"], org_id)
                 for uid in order]
        client.put_alert_rule_group(params["folder_uid"], params["name"], plan["interval"], rules,
                                    disable_provenance=params["disable_provenance"])
    return {"changed": changed, "group": group_view(params, plan["interval"], order),
            "rules_added": plan["added"], "rules_updated": plan["updated"], "rules_removed": plan["removed"],
            "rules_kept": plan["kept"], "diff": group_diff(stored, by_uid, plan, plan["removed"], params)}


def _absent(client: GrafanaClient, params: dict, stored: dict | None, uids: list[str], check_mode: bool) -> dict:
    """Remove the listed rules from the group; the whole group with purge or when no rule is listed."""
    stored_rules = {rule.get("uid"): rule for rule in (stored or {}).get("rules") or []}
    whole = params["purge"] or not uids
    removed = list(stored_rules) if whole else [uid for uid in uids if uid in stored_rules]
    left = [uid for uid in stored_rules if uid not in removed]
    plan = {"added": [], "updated": [], "interval_before": (stored or {}).get("interval"),
            "interval": (stored or {}).get("interval")}
    if removed and not check_mode:
        if not left:
            client.delete_alert_rule_group(params["folder_uid"], params["name"])
        else:
            org_id = org_id_of(client, stored)
            rules = [body_rule({}, stored_rules[uid], params["folder_uid"], params["name"], org_id) for uid in left]
            client.put_alert_rule_group(params["folder_uid"], params["name"], stored["interval"], rules,  # type: ignore[index]
                                        disable_provenance=params["disable_provenance"])
    return {"changed": bool(removed), "group": group_view(params, plan["interval"], left) if left else None,
            "rules_added": [], "rules_updated": [], "rules_removed": removed, "rules_kept": left,
            "diff": group_diff(stored, {}, plan, removed)}


def run_rule_group_info(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    checked_uid(params.get("folder_uid"), "folder_uid")
    if params.get("name") and not params.get("folder_uid"):
        raise ValueError("name needs folder_uid: a group is named within its folder")
    client = client or GrafanaClient.from_params(params, secrets)
    if params.get("name"):
        found = client.alert_rule_group(params["folder_uid"], params["name"])
        groups = [found] if found and found.get("rules") else []
    else:
        grouped: dict[tuple[str, str], dict] = {}
        for rule in client.alert_rules():
            if params.get("folder_uid") and rule.get("folderUID") != params["folder_uid"]:
                continue
            key = (rule.get("folderUID"), rule.get("ruleGroup"))
            grouped.setdefault(key, {"folderUid": key[0], "title": key[1], "interval": None, "rules": []})["rules"].append(rule)
        groups = list(grouped.values())
    return {"changed": False, "groups": [
        {"folder_uid": group.get("folderUid"), "name": group.get("title"), "interval": group.get("interval"),
         "rules": [{**stored_view(rule), "provenance": rule.get("provenance") or None} for rule in group.get("rules") or []]}
        for group in groups]}
