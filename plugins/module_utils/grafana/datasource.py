# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of grafana_datasource and grafana_datasource_info.

Not a public API; it may change between any two releases. A data source is found by uid when given,
else by name. Only the options a task sets are compared (``json_data`` key by key); the values of
``secure_json_data`` are write-only (Grafana shows ``secureJsonFields``, names only) and are compared
by kept digests (secure.py). An update sends the stored ``version``.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ResourceError, create_once, unique
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import GrafanaClient
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import checked_uid, kept_options
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.secure import UPDATE_SECURE, KeptSecure, secure_diff

#: option -> field of Grafana's data source (AddDataSourceCommand / UpdateDataSourceCommand)
FIELDS = {"type": "type", "url": "url", "access": "access", "is_default": "isDefault",
          "basic_auth": "basicAuth", "basic_auth_user": "basicAuthUser"}


def options() -> dict[str, dict]:
    return {
        "name": {"type": "str"},
        "uid": {"type": "str"},
        "type": {"type": "str"},
        "url": {"type": "str"},
        "access": {"type": "str", "choices": ["proxy", "direct"]},
        "is_default": {"type": "bool"},
        "json_data": {"type": "dict"},
        "secure_json_data": {"type": "dict", "default": {}, "no_log": True},
        "basic_auth": {"type": "bool"},
        "basic_auth_user": {"type": "str"},
        "basic_auth_password": {"type": "str", "no_log": True},
        "update_secure": {"type": "str", "choices": UPDATE_SECURE, "default": "on_digest_change"},
        **kept_options(),
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }


INFO_OPTIONS: dict[str, dict] = {"name": {"type": "str"}, "uid": {"type": "str"}}


def validate(params: dict) -> None:
    checked_uid(params.get("uid"), "uid")
    if not params.get("name") and not params.get("uid"):
        raise ValueError("name or uid is required: the data source to manage")
    if params["state"] == "present" and not (params.get("name") and params.get("type")):
        raise ValueError("name and type (e.g. prometheus) are required with state=present")
    if "basicAuthPassword" in (params.get("secure_json_data") or {}) and params.get("basic_auth_password"):
        raise ValueError("give the basic auth password once: basic_auth_password or secure_json_data.basicAuthPassword")


def secure_values(params: dict) -> dict[str, str]:
    values = {str(k): str(v) for k, v in (params.get("secure_json_data") or {}).items() if v is not None}
    if params.get("basic_auth_password"):
        values["basicAuthPassword"] = params["basic_auth_password"]
    return values


class DataSource(Resource):
    kind = "Grafana data source"
    id_field = "uid"

    def __init__(self, client: GrafanaClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        if self.params.get("uid"):
            return self.client.datasource(self.params["uid"])
        matches = [ds for ds in self.client.datasources() if ds.get("name") == self.params["name"]]
        found = unique(matches, self.kind, self.params["name"], "uid")
        return self.client.datasource(found["uid"]) if found else None

    def body(self, stored: dict | None, secure: dict[str, str]) -> dict:
        p = self.params
        body: dict[str, Any] = {"name": p.get("name") or (stored or {}).get("name"), "uid": p.get("uid") or (stored or {}).get("uid")}
        for option, field in FIELDS.items():
            value = p.get(option)
            body[field] = value if value is not None else (stored or {}).get(field)
        body["jsonData"] = {**((stored or {}).get("jsonData") or {}), **(p.get("json_data") or {})} or None
        body["secureJsonData"] = secure or None
        if stored is not None:
            body["version"] = stored.get("version")
        return body

    def create(self) -> dict:
        answer = self.client.create_datasource(self.body(None, secure_values(self.params)))
        return answer.get("datasource") or self.find() or {}


def changes(params: dict, stored: dict) -> tuple[dict, dict]:
    before, after = {}, {}
    for option, field in FIELDS.items():
        if params.get(option) is not None and params[option] != stored.get(field):
            before[option], after[option] = stored.get(field), params[option]
    for key, value in (params.get("json_data") or {}).items():
        if (stored.get("jsonData") or {}).get(key) != value:
            before[f"json_data.{key}"], after[f"json_data.{key}"] = (stored.get("jsonData") or {}).get(key), value
    return before, after


def ds_view(ds: dict | None) -> dict | None:
    if ds is None:
        return None
    return {"uid": ds.get("uid"), "name": ds.get("name"), "type": ds.get("type"), "url": ds.get("url"),
            "access": ds.get("access"), "is_default": ds.get("isDefault"), "json_data": ds.get("jsonData") or {},
            "secure_fields": sorted(k for k, v in (ds.get("secureJsonFields") or {}).items() if v),
            "basic_auth": ds.get("basicAuth"), "basic_auth_user": ds.get("basicAuthUser") or None,
            "read_only": bool(ds.get("readOnly")), "version": ds.get("version")}


def run_datasource(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    validate(params)
    wanted_secure = secure_values(params)
    secrets.add(*wanted_secure.values())
    client = client or GrafanaClient.from_params(params, secrets)
    resource = DataSource(client, params)
    found = resource.find()
    kept = KeptSecure(params, "datasource", secrets)
    if params["state"] == "absent":
        if found is None:
            return {"changed": False, "action": "none", "datasource": None, "diff": {"before": {}, "after": {}}}
        if not check_mode:
            client.delete_datasource(found["uid"])
        return {"changed": True, "action": "delete", "datasource": None, "diff": {"before": ds_view(found), "after": {}}}
    if found is None:
        secure_after = secure_diff(sorted(wanted_secure), exists=False)[1]
        view = {"name": params["name"], "uid": params.get("uid"), "type": params["type"], "url": params.get("url")}
        if not check_mode:
            made = create_once(resource)
            kept.remember(made["uid"], wanted_secure)
            view = ds_view(made)  # type: ignore[assignment]
        return {"changed": True, "action": "create", "datasource": view,
                "diff": {"before": {}, "after": {**view, "secure_json_data": secure_after}}}
    kept.load(found["uid"])
    stale = kept.stale(wanted_secure, exists=True)
    before, after = changes(params, found)
    if stale:
        before["secure_json_data"], after["secure_json_data"] = secure_diff(stale, exists=True)
    changed = bool(after)
    warnings = []
    if stale and params["update_secure"] == "on_digest_change" and kept.unknown(wanted_secure):
        warnings.append(f"secure_json_data {', '.join(kept.unknown(wanted_secure))}: no digest is kept for them "
                        "(the file backend without state_dir, or the first run), so they are written again")
    if changed and found.get("readOnly"):
        raise ResourceError(f"data source '{found.get('name')}' is read-only in Grafana (provisioned or managed by "
                            f"Grafana Cloud): it cannot change {', '.join(sorted(after))}; manage it where it is provisioned")
    view = ds_view(found)
    if changed and not check_mode:
        answer = client.update_datasource(found["uid"], resource.body(found, {name: wanted_secure[name] for name in stale}))
        kept.remember(found["uid"], {name: wanted_secure[name] for name in stale})
        view = ds_view(answer.get("datasource") or client.datasource(found["uid"]) or found)
    return {"changed": changed, "action": "update" if changed else "none", "datasource": view, "warnings": warnings,
            "diff": {"before": before, "after": after}}


def run_datasource_info(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    checked_uid(params.get("uid"), "uid")
    client = client or GrafanaClient.from_params(params, secrets)
    if params.get("uid"):
        found = client.datasource(params["uid"])
        listed = [found] if found else []
    else:
        listed = [ds for ds in client.datasources() if not params.get("name") or ds.get("name") == params["name"]]
    return {"changed": False, "datasources": [ds_view(ds) for ds in listed]}
