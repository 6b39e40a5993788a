# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of grafana_contact_point, grafana_contact_point_info and
grafana_contact_point_test.

Not a public API; it may change between any two releases.

A contact point is found by its uid when given, else by its name (one integration per name here).
Grafana shows each secure setting as ``[REDACTED]`` and, on update, keeps the stored value of a secure
field sent as ``[REDACTED]`` (provisioning/contactpoints.go UpdateContactPoint): so a write that need
not change a secret sends that placeholder, and the secret values themselves are compared by kept
digests (secure.py).
"""
from __future__ import annotations

import re
import time
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import Resource, ResourceError, create_once, unique
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import REDACTED, GrafanaClient
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import checked_uid, kept_options
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.secure import UPDATE_SECURE, KeptSecure, secure_diff

#: the secure settings of each type this module manages (Grafana's channels_config secret keys)
SECURE_FIELDS: dict[str, tuple[str, ...]] = {
    "email": (),
    "slack": ("url", "token"),
    "webhook": ("password", "authorization_credentials"),
}
#: a URL in an integration's error: its path and query may be the secret (a Slack webhook URL is)
URL = re.compile(r"(https?://[^/\s\"']+)[^\s\"']*")
#: how many times a test notification is sent before its failure is reported
TEST_ATTEMPTS = 5
#: seconds before the second attempt, doubled before each one after it
TEST_BACKOFF = 0.25
REQUIRED_SETTINGS: dict[str, tuple[str, ...]] = {"email": ("addresses",), "slack": (), "webhook": ("url",)}


def options() -> dict[str, dict]:
    return {
        "name": {"type": "str"},
        "uid": {"type": "str"},
        "type": {"type": "str", "choices": sorted(SECURE_FIELDS)},
        "settings": {"type": "dict", "default": {}},
        "secure_settings": {"type": "dict", "default": {}, "no_log": True},
        "disable_resolve_message": {"type": "bool"},
        "disable_provenance": {"type": "bool", "default": False},
        "update_secure": {"type": "str", "choices": UPDATE_SECURE, "default": "on_digest_change"},
        **kept_options(),
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    }


INFO_OPTIONS: dict[str, dict] = {"name": {"type": "str"}}
TEST_OPTIONS: dict[str, dict] = {
    "name": {"type": "str"},
    "uid": {"type": "str"},
    "labels": {"type": "dict", "default": {}},
    "annotations": {"type": "dict", "default": {}},
}


def validate(params: dict) -> None:
    checked_uid(params.get("uid"), "uid")
    if not params.get("name") and not params.get("uid"):
        raise ValueError("name or uid is required: the contact point to manage")
    if params["state"] == "absent":
        return
    if not params.get("name") or not params.get("type"):
        raise ValueError("name and type are required with state=present")
    secure = SECURE_FIELDS[params["type"]]
    in_plain = sorted(set(params["settings"]) & set(secure))
    if in_plain:
        raise ValueError(f"settings.{', settings.'.join(in_plain)} is secret for a {params['type']} contact point: "
                         "move it to secure_settings (never shown, compared by a kept digest)")
    unknown = sorted(set(params["secure_settings"]) - set(secure))
    if unknown:
        allowed = ", ".join(secure) or "none"
        raise ValueError(f"secure_settings {', '.join(unknown)}: not a secure setting of a {params['type']} "
                         f"contact point (secure settings: {allowed}); put it in settings")
    given = set(params["settings"]) | set(params["secure_settings"])
    missing = [key for key in REQUIRED_SETTINGS[params["type"]] if key not in given]
    if params["type"] == "slack" and not ({"url", "token"} & given):
        missing.append("url (secure_settings.url, the webhook URL) or token")
    if missing:
        raise ValueError(f"a {params['type']} contact point needs {', '.join(missing)}")


def scrub_urls(text: str | None) -> str | None:
    """The text with every URL cut to its scheme and host: Grafana's delivery errors quote the URL they
    posted to, and a Slack or webhook URL is a secret."""
    return URL.sub(lambda found: found.group(1) + "/<redacted>", text) if text else text


def secure_values(params: dict) -> dict[str, str]:
    return {str(k): str(v) for k, v in (params.get("secure_settings") or {}).items() if v is not None}


def plain_settings(point: dict) -> dict:
    """The settings of a stored contact point without its secure fields."""
    secure = SECURE_FIELDS.get(point.get("type") or "", ())
    return {k: v for k, v in (point.get("settings") or {}).items() if k not in secure}


class ContactPoint(Resource):
    kind = "Grafana contact point"
    id_field = "uid"

    def __init__(self, client: GrafanaClient, params: dict) -> None:
        self.client = client
        self.params = params

    def find(self) -> dict | None:
        p = self.params
        if p.get("uid"):
            return next((cp for cp in self.client.contact_points() if cp.get("uid") == p["uid"]), None)
        matches = self.client.contact_points(name=p["name"])
        return unique([cp for cp in matches if cp.get("name") == p["name"]], self.kind, p["name"], "uid")

    def body(self, secure: dict[str, str]) -> dict:
        p = self.params
        settings = dict(p["settings"])
        for name in SECURE_FIELDS[p["type"]]:
            if name in secure:
                settings[name] = secure[name]
        return {"uid": p.get("uid"), "name": p["name"], "type": p["type"], "settings": settings,
                "disableResolveMessage": p.get("disable_resolve_message")}

    def create(self) -> dict:
        made = self.client.create_contact_point(self.body(secure_values(self.params)), self.params["disable_provenance"])
        return made if made.get("uid") else (self.find() or made)


def point_view(point: dict | None) -> dict[str, Any] | None:
    if point is None:
        return None
    secure = SECURE_FIELDS.get(point.get("type") or "", ())
    return {"uid": point.get("uid"), "name": point.get("name"), "type": point.get("type"),
            "settings": plain_settings(point), "secure_fields": sorted(k for k in (point.get("settings") or {}) if k in secure),
            "disable_resolve_message": bool(point.get("disableResolveMessage")), "provenance": point.get("provenance") or None}


def plain_changes(params: dict, found: dict) -> tuple[dict, dict]:
    """Before and after of the plain values the task sets that differ from the stored ones."""
    before, after = {}, {}
    stored = plain_settings(found)
    for key, value in params["settings"].items():
        if stored.get(key) != value:
            before[f"settings.{key}"], after[f"settings.{key}"] = stored.get(key), value
    for option, field in (("name", "name"), ("type", "type"), ("disable_resolve_message", "disableResolveMessage")):
        now = bool(found.get(field)) if field == "disableResolveMessage" else found.get(field)
        if params.get(option) is not None and params[option] != now:
            before[option], after[option] = found.get(field), params[option]
    return before, after


def run_contact_point(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    validate(params)
    wanted_secure = secure_values(params)
    secrets.add(*wanted_secure.values())
    client = client or GrafanaClient.from_params(params, secrets)
    resource = ContactPoint(client, params)
    found = resource.find()
    kept = KeptSecure(params, "contact_point", secrets)
    warnings: list[str] = []
    if params["state"] == "absent":
        if found is None:
            return {"changed": False, "action": "none", "contact_point": None, "diff": {"before": {}, "after": {}}}
        if not check_mode:
            client.delete_contact_point(found["uid"])
        return {"changed": True, "action": "delete", "contact_point": None,
                "diff": {"before": point_view(found), "after": {}}}
    if found is None:
        before, after = secure_diff(sorted(wanted_secure), exists=False)
        view = {"uid": params.get("uid"), "name": params["name"], "type": params["type"], "settings": params["settings"],
                "secure_fields": sorted(wanted_secure), "disable_resolve_message": bool(params.get("disable_resolve_message")),
                "provenance": None}
        if not check_mode:
            made = create_once(resource)
            kept.remember(made["uid"], wanted_secure)
            view = point_view(made)
        return {"changed": True, "action": "create", "contact_point": view, "warnings": warnings,
                "diff": {"before": {}, "after": {**view, **{"secure_settings": after}}}}
    if params.get("type") and found.get("type") != params["type"]:
        raise ResourceError(f"contact point '{found.get('name')}' is of type {found.get('type')}, not {params['type']}: "
                            "a contact point's type is not changed here; delete it or choose another name")
    kept.load(found["uid"])
    stale = kept.stale(wanted_secure, exists=True)
    unknown = [name for name in kept.unknown(wanted_secure) if name in stale]
    if unknown and params["update_secure"] == "on_digest_change":
        warnings.append(f"secure_settings {', '.join(unknown)}: Grafana does not show secure values and no digest is "
                        "kept for them (the file backend without state_dir, or the first run), so they are written again")
    before, after = plain_changes(params, found)
    secure_before, secure_after = secure_diff(stale, exists=True)
    if secure_after:
        before["secure_settings"], after["secure_settings"] = secure_before, secure_after
    changed = bool(after)
    view = point_view(found)
    if changed and not check_mode:
        sent = {name: (wanted_secure[name] if name in stale else REDACTED) for name in SECURE_FIELDS[params["type"]]
                if name in wanted_secure or (found.get("settings") or {}).get(name) is not None}
        client.update_contact_point(found["uid"], {**resource.body(sent), "uid": found["uid"]}, params["disable_provenance"])
        kept.remember(found["uid"], {name: wanted_secure[name] for name in stale})
        view = point_view(resource.find() or found)
    return {"changed": changed, "action": "update" if changed else "none", "contact_point": view, "warnings": warnings,
            "diff": {"before": before, "after": after}}


def run_contact_point_info(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    client = client or GrafanaClient.from_params(params, secrets)
    found = client.contact_points(name=params.get("name"))
    return {"changed": False, "contact_points": [point_view(point) for point in found]}


def run_contact_point_test(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    checked_uid(params.get("uid"), "uid")
    if not params.get("name") and not params.get("uid"):
        raise ValueError("name or uid is required: the contact point to send the test notification through")
    client = client or GrafanaClient.from_params(params, secrets)
    points = client.contact_points()
    chosen = [cp for cp in points if (params.get("uid") and cp.get("uid") == params["uid"])
              or (not params.get("uid") and cp.get("name") == params["name"])]
    if not chosen and check_mode:
        # A plan: the task that creates the contact point comes earlier in the same run.
        wanted = params.get("uid") or params.get("name")
        return {"changed": True, "contact_point": params.get("name") or wanted, "results": [], "sent": False,
                "msg": f"would send a test notification through contact point '{wanted}'",
                "warnings": [f"check mode: contact point '{wanted}' does not exist yet; a real run fails unless an "
                             "earlier task creates it"]}
    if not chosen:
        raise ResourceError(f"no contact point {params.get('uid') or params.get('name')!r} in Grafana: create it first "
                            "(grafana_contact_point)")
    name = chosen[0].get("name")
    integrations = [{"uid": cp.get("uid"), "name": name, "type": cp.get("type"),
                     "settings": plain_settings(cp), "disableResolveMessage": cp.get("disableResolveMessage")}
                    for cp in chosen]
    targets = [{"uid": cp.get("uid"), "type": cp.get("type")} for cp in chosen]
    if check_mode:
        return {"changed": True, "contact_point": name, "results": [], "sent": False,
                "msg": f"would send a test notification through contact point '{name}' ({len(chosen)} integration(s))"}
    # A test notification is safe to send again: a lost answer, or an integration the receiving end refused
    # once (a Slack 5xx, a reset), is tried again, so it may arrive more than once.
    for attempt in range(TEST_ATTEMPTS):
        try:
            result = client.test_contact_point(name, integrations, params["labels"], params["annotations"])
        except ApiError as exc:
            transient = exc.status is None or exc.status == 429 or exc.status >= 500
            if transient and attempt + 1 < TEST_ATTEMPTS:
                time.sleep(TEST_BACKOFF * 2 ** attempt)
                continue
            if exc.status is not None:
                raise
            raise ResourceError(f"the test notification through '{name}' may or may not have been sent "
                                f"({exc.message}); check the receiving end before running again") from None
        results = [{"uid": config.get("uid"), "name": config.get("name"), "status": config.get("status"),
                    "error": scrub_urls(config.get("error")) or None}
                   for receiver in result.get("receivers") or []
                   for config in receiver.get("grafana_managed_receiver_configs") or []]
        failed = [item for item in results if item["status"] != "ok"]
        if not failed or attempt + 1 == TEST_ATTEMPTS:
            break
        time.sleep(TEST_BACKOFF * 2 ** attempt)
    outcome = {"changed": True, "contact_point": name, "results": results, "sent": True, "targets": targets,
               "notified_at": result.get("notified_at"), "attempts": attempt + 1}
    if failed:
        raise ResourceError("the test notification failed for " + "; ".join(
            f"integration {item['uid']} ({item['name']}): {item['error'] or item['status']}" for item in failed)
            + (f" ({TEST_ATTEMPTS} attempts)" if TEST_ATTEMPTS > 1 else ""), results=results)
    return outcome
