# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of grafana_dashboard and grafana_dashboard_info.

Not a public API; it may change between any two releases.

A dashboard is its JSON model, found by the model's uid. On save Grafana writes ``id``, ``uid`` and
``version`` into the stored model (pkg/services/dashboards/models.go SetID/SetUID/SetVersion; see
docs/grafana.md), so the stored model is compared with the wanted one without ``id`` and ``version``,
and it is written only when something else differs (every save makes a new version). An update sends
the version it read: a dashboard changed since then answers 412, which fails unless ``overwrite``.
"""
from __future__ import annotations

import copy
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import DashboardConflict, GrafanaClient
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import checked_uid

#: what Grafana sets in the stored model on save besides the uid the model already carries
SET_ON_SAVE = ("id", "version")

OPTIONS: dict[str, dict] = {
    "dashboard": {"type": "dict"},
    "uid": {"type": "str"},
    "folder_uid": {"type": "str"},
    "commit_message": {"type": "str"},
    "overwrite": {"type": "bool", "default": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}
INFO_OPTIONS: dict[str, dict] = {
    "uid": {"type": "str"},
    "folder_uid": {"type": "str"},
    "query": {"type": "str"},
}


def dashboard_uid(params: dict) -> str:
    uid = (params.get("dashboard") or {}).get("uid") or params.get("uid")
    if not uid:
        raise ValueError("the dashboard needs a uid: set dashboard.uid in the JSON model (or uid with state=absent)")
    if params.get("uid") and params.get("dashboard") and params["dashboard"].get("uid") not in (None, params["uid"]):
        raise ValueError(f"uid '{params['uid']}' differs from dashboard.uid '{params['dashboard']['uid']}': set one")
    return str(checked_uid(str(uid), "dashboard.uid"))


def validate(params: dict) -> None:
    if params["state"] == "present":
        model = params.get("dashboard")
        if not model:
            raise ValueError("dashboard is required with state=present: the dashboard's JSON model as a dict")
        if not str(model.get("title") or "").strip():
            raise ValueError("dashboard.title is required: Grafana refuses a dashboard without a title")
    dashboard_uid(params)
    checked_uid(params.get("folder_uid"), "folder_uid")


def comparable(model: dict) -> dict:
    """The model without what Grafana sets on save."""
    return {key: value for key, value in model.items() if key not in SET_ON_SAVE}


def changed_keys(stored: dict, wanted: dict) -> list[str]:
    keys = set(stored) | set(wanted)
    return sorted(key for key in keys if stored.get(key) != wanted.get(key))


def dashboard_view(found: dict | None, answer: dict | None = None) -> dict[str, Any] | None:
    if found is None and answer is None:
        return None
    model, meta = (found or {}).get("dashboard") or {}, (found or {}).get("meta") or {}
    answer = answer or {}
    return {"uid": answer.get("uid") or model.get("uid"), "title": model.get("title"),
            "url": answer.get("url") or meta.get("url"), "version": answer.get("version", model.get("version")),
            "folder_uid": answer.get("folderUid") or meta.get("folderUid") or None}


def _save(client: GrafanaClient, params: dict, model: dict, overwrite: bool) -> dict:
    """Save and return Grafana's answer; a lost answer is looked up (a stored model equal to `model` is
    the save done), and a 412 fails naming the dashboard and the way to take it over."""
    uid = model["uid"]
    try:
        return client.save_dashboard(model, params.get("folder_uid"), params.get("commit_message"), overwrite=overwrite)
    except WriteOutcomeUnknown:
        found = client.dashboard(uid)
        if found is not None and comparable(found.get("dashboard") or {}) == comparable(model):
            return {"uid": uid, "url": (found.get("meta") or {}).get("url"),
                    "version": (found.get("dashboard") or {}).get("version"),
                    "folderUid": (found.get("meta") or {}).get("folderUid")}
        if found is not None or model.get("version") is not None:
            raise  # something else is stored now: saving again could replace it
        # Nothing was stored: the lost save never happened, so it is sent once more.
        return client.save_dashboard(model, params.get("folder_uid"), params.get("commit_message"), overwrite=overwrite)
    except DashboardConflict as exc:
        raise ResourceError(
            f"Grafana refused to save dashboard '{model.get('title')}' (uid {uid}): {exc.message}. It changed in "
            "Grafana since it was read, or another dashboard in the folder has its title; set overwrite: true to "
            "replace what is stored", status=exc.status, error_code=exc.code) from None


def run_dashboard(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    validate(params)
    uid = dashboard_uid(params)
    client = client or GrafanaClient.from_params(params, secrets)
    found = client.dashboard(uid)
    if params["state"] == "absent":
        if found is None:
            return {"changed": False, "action": "none", "dashboard": None, "diff": {"before": {}, "after": {}}}
        if not check_mode:
            client.delete_dashboard(uid)
        before = {"uid": uid, "title": (found.get("dashboard") or {}).get("title")}
        return {"changed": True, "action": "delete", "dashboard": None, "diff": {"before": before, "after": {}}}
    wanted = comparable(copy.deepcopy(params["dashboard"]))
    wanted["uid"] = uid
    if found is None:
        answer = None if check_mode else _save(client, params, wanted, overwrite=params["overwrite"])
        view = dashboard_view({"dashboard": wanted}, answer)
        return {"changed": True, "action": "create", "dashboard": view,
                "diff": {"before": {}, "after": {"folder_uid": params.get("folder_uid"), "dashboard": wanted}}}
    stored = found.get("dashboard") or {}
    folder_now = (found.get("meta") or {}).get("folderUid") or None
    keys = changed_keys(comparable(stored), wanted)
    folder_moves = params.get("folder_uid") is not None and params["folder_uid"] != folder_now
    if not keys and not folder_moves:
        return {"changed": False, "action": "none", "dashboard": dashboard_view(found), "diff": {"before": {}, "after": {}}}
    before = {key: stored.get(key) for key in keys}
    after = {key: wanted.get(key) for key in keys}
    if folder_moves:
        before["folder_uid"], after["folder_uid"] = folder_now, params["folder_uid"]
    answer = None
    if not check_mode:
        model = {**wanted, "version": stored.get("version")}
        if stored.get("id") is not None:
            model["id"] = stored["id"]
        answer = _save(client, {**params, "folder_uid": params.get("folder_uid") or folder_now}, model,
                       overwrite=params["overwrite"])
    return {"changed": True, "action": "update", "dashboard": dashboard_view(found, answer),
            "diff": {"before": before, "after": after}}


def run_dashboard_info(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    checked_uid(params.get("uid"), "uid")
    checked_uid(params.get("folder_uid"), "folder_uid")
    client = client or GrafanaClient.from_params(params, secrets)
    if params.get("uid"):
        found = client.dashboard(params["uid"])
        if found is None:
            return {"changed": False, "dashboards": []}
        return {"changed": False, "dashboards": [{**(dashboard_view(found) or {}), "model": found.get("dashboard")}]}
    hits = client.search_dashboards(params.get("query"), [params["folder_uid"]] if params.get("folder_uid") else None)
    return {"changed": False, "dashboards": [
        {"uid": hit.get("uid"), "title": hit.get("title"), "url": hit.get("url"), "version": None,
         "folder_uid": hit.get("folderUid") or None, "tags": hit.get("tags") or []} for hit in hits]}
