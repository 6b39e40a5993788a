"""Grafana's alerting provisioning API (``/v1/provisioning/...``) and the contact point test
(``POST /alertmanager/grafana/config/api/v1/receivers/test``, outside the saved spec), for sandbox/grafana.py.

What each rule follows is in docs/sandbox.md (Grafana), with the grafana/grafana source file it comes
from. Provenance: a write without the ``X-Disable-Provenance`` header (any value) marks what it writes
``api``; with it, ``""``.
"""
from __future__ import annotations

import copy
import json
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from .apps import released
from .common import iso_now, random_alnum
from .errors import ApiError, BadRequest, NotFound
from .routing import Request, Response

if TYPE_CHECKING:
    from .grafana import GrafanaAPI

REDACTED = "[REDACTED]"
# the settings Grafana stores encrypted, per integration type (never shown again on GET)
SECURE_SETTINGS = {"slack": ("url", "token"), "webhook": ("password", "authorization_credentials")}
EXPRESSION = "__expr__"
DEFAULT_RECEIVER = "grafana-default-email"
DEFAULT_INTERVAL = 60
BASE_INTERVAL = 10  # the scheduler's base interval: group intervals are multiples of it
TEST_ALERT = {"annotations": {"summary": "Notification test",
                              "__value_string__": "[ metric='foo' labels={instance=bar} value=10 ]"},
              "labels": {"alertname": "TestAlert", "instance": "Grafana"}}
DELIVERY_TIMEOUT = 10


def provenance_of(request: Request) -> str:
    """``""`` when the request carries ``X-Disable-Provenance`` (any value), else ``api``."""
    return "" if any(name.lower() == "x-disable-provenance" for name in request.headers) else "api"


def invalid_provenance(stored: str, wanted: str) -> ApiError:
    from .grafana import PublicError
    return PublicError(403, "alerting.notifications.invalidProvenance",
                       f"Resource with provenance status '{stored or 'none'}' cannot be changed to "
                       f"'{wanted or 'none'}'. You must use appropriate API and permissions to manage this resource")


def provenance_mismatch(operation: str, stored: str, wanted: str) -> ApiError:
    from .grafana import PublicError
    return PublicError(409, "alerting.provenanceMismatch",
                       f"cannot {operation} with provided provenance '{wanted}', needs '{stored}'")


def not_found() -> ApiError:
    """A rule or group that does not exist: 404 without a body (``response.Empty``, as the spec declares)."""
    from .grafana import EmptyError
    return EmptyError(404, "not found")


class Alerting:
    def __init__(self, vendor: GrafanaAPI) -> None:
        self.vendor = vendor

    def routes(self) -> list[tuple[str, str, Any]]:
        rules, group = "/v1/provisioning/alert-rules", "/v1/provisioning/folder/{FolderUID}/rule-groups/{Group}"
        points, policies = "/v1/provisioning/contact-points", "/v1/provisioning/policies"
        return [("GET", rules, self.list_rules), ("POST", rules, self.create_rule),
                ("GET", rules + "/{UID}", self.get_rule), ("PUT", rules + "/{UID}", self.update_rule),
                ("DELETE", rules + "/{UID}", self.delete_rule),
                ("GET", group, self.get_group), ("PUT", group, self.put_group), ("DELETE", group, self.delete_group),
                ("GET", points, self.list_points), ("POST", points, self.create_point),
                ("PUT", points + "/{UID}", self.update_point), ("DELETE", points + "/{UID}", self.delete_point),
                ("GET", policies, self.get_policy), ("PUT", policies, self.put_policy),
                ("DELETE", policies, self.reset_policy),
                ("POST", "/alertmanager/grafana/config/api/v1/receivers/test", self.test_receivers)]

    def reset(self) -> None:
        self.rules: dict[str, dict[str, Any]] = {}
        self.intervals: dict[tuple[str, str], int] = {}
        self.points: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self._store_point({"name": DEFAULT_RECEIVER, "type": "email", "settings": {"addresses": "<example@email.com>"}}, "")
        self.reset_tree()

    def reset_tree(self) -> None:
        self.policy: dict[str, Any] = {"receiver": DEFAULT_RECEIVER, "group_by": ["grafana_folder", "alertname"]}
        self.policy_provenance = ""

    def dump(self) -> dict[str, Any]:
        return {"alert_rules": sorted(self.rules), "contact_points": sorted(p["name"] for p in self.points.values()),
                "notifications": len(self.notifications)}

    def control_notifications(self, request: Request) -> Response:
        """Every test notification the sandbox delivered or recorded (email ones are only recorded)."""
        return Response(200, {"notifications": self.notifications})

    # --- alert rules -------------------------------------------------------------------------------
    def _rule(self, uid: str) -> dict[str, Any]:
        found = self.rules.get(uid)
        if found is None:
            raise not_found()
        return found

    def _check_rule(self, body: dict[str, Any], uid: str) -> None:
        folder = body.get("folderUID")
        if folder not in self.vendor.folders:
            raise BadRequest(f"invalid alert rule: folder {folder} does not exist")
        data = body.get("data") or []
        if not data:
            raise BadRequest("invalid alert rule: no queries or expressions are found")
        refs = []
        for query in data:
            ref, source = query.get("refId") or "", query.get("datasourceUid") or ""
            if not ref:
                raise BadRequest("invalid alert rule: refId must be set for every query")
            if ref in refs:
                raise BadRequest(f"invalid alert rule: refId {ref} is used more than once")
            refs.append(ref)
            if source != EXPRESSION and source not in self.vendor.datasources:
                raise BadRequest(f"invalid alert rule: failed to build query '{ref}': data source not found")
            span = query.get("relativeTimeRange") or {}
            if source != EXPRESSION and not (span.get("from", 0) > span.get("to", 0)):
                raise BadRequest(f"invalid alert query {ref}: invalid relative time range "
                                 f"[From: {span.get('from', 0)}s, To: {span.get('to', 0)}s]")
        if body.get("condition") not in refs:
            raise BadRequest(f"invalid alert rule: condition {body.get('condition')} does not exist, must be one of {refs}")
        if any(r["title"] == body.get("title") and r["folderUID"] == folder and r["uid"] != uid
               for r in self.rules.values()):
            raise ApiError(409, "a conflicting alert rule is found: rule title under the same organisation and folder "
                                "should be unique")
        receiver = (body.get("notification_settings") or {}).get("receiver")
        if receiver and not self._point_named(receiver):
            raise BadRequest(f"invalid alert rule: receiver {receiver} does not exist")

    def _store_rule(self, body: dict[str, Any], provenance: str, uid: str = "") -> dict[str, Any]:
        uid = uid or body.get("uid") or random_alnum(14)
        self._check_rule(body, uid)
        stored = self.rules.get(uid)
        rule = {key: copy.deepcopy(value) for key, value in body.items() if key not in ("id", "updated", "provenance")}
        rule.update(uid=uid, orgID=1, id=stored["id"] if stored else self.vendor.next_id(), updated=iso_now(),
                    provenance=provenance, isPaused=bool(body.get("isPaused", False)),
                    annotations=body.get("annotations") or {}, labels=body.get("labels") or {})
        self.rules[uid] = rule
        self.intervals.setdefault((rule["folderUID"], rule["ruleGroup"]), DEFAULT_INTERVAL)
        return rule

    def list_rules(self, request: Request) -> Response:
        return Response(200, sorted(self.rules.values(), key=lambda rule: rule["id"]))

    def create_rule(self, request: Request) -> Response:
        body = request.body or {}
        if body.get("uid") in self.rules:
            raise ApiError(409, "a conflicting alert rule is found: rule UID under the same organisation should be unique")
        return Response(201, self._store_rule(body, provenance_of(request)))

    def get_rule(self, request: Request) -> Response:
        return Response(200, self._rule(request.params["UID"]))

    def update_rule(self, request: Request) -> Response:
        stored, wanted = self._rule(request.params["UID"]), provenance_of(request)
        if stored["provenance"] and stored["provenance"] != wanted:
            raise provenance_mismatch("update", stored["provenance"], wanted)
        return Response(200, self._store_rule(request.body or {}, wanted, stored["uid"]))

    def delete_rule(self, request: Request) -> Response:
        stored, wanted = self._rule(request.params["UID"]), provenance_of(request)
        if stored["provenance"] and stored["provenance"] != wanted:
            raise provenance_mismatch("delete", stored["provenance"], wanted)
        del self.rules[stored["uid"]]
        return Response(204)

    def _group_rules(self, folder: str, group: str) -> list[dict[str, Any]]:
        return sorted((r for r in self.rules.values() if r["folderUID"] == folder and r["ruleGroup"] == group),
                      key=lambda rule: rule["id"])

    def get_group(self, request: Request) -> Response:
        folder, group = request.params["FolderUID"], request.params["Group"]
        rules = self._group_rules(folder, group)
        if not rules:
            raise not_found()
        return Response(200, {"title": group, "folderUid": folder, "interval": self.intervals[(folder, group)],
                              "rules": rules})

    def put_group(self, request: Request) -> Response:
        """The whole group: rules missing from the body are deleted. A group write may reset ``api`` rules to
        no provenance (``CanUpdateProvenanceInRuleGroup``)."""
        folder, group, body = request.params["FolderUID"], request.params["Group"], request.body or {}
        interval = body.get("interval", 0)
        if interval <= 0 or interval % BASE_INTERVAL:
            raise BadRequest(f"invalid rule group: interval ({interval}s) should be non-zero and divided exactly by "
                             f"scheduler interval: {BASE_INTERVAL}s")
        if folder not in self.vendor.folders:
            raise BadRequest(f"invalid rule group: folder {folder} does not exist")
        provenance = provenance_of(request)
        wanted = body.get("rules") or []
        for rule in wanted:
            if rule.get("folderUID", folder) != folder or rule.get("ruleGroup", group) != group:
                raise BadRequest("invalid alert rule: rules of a group must name its folder and group")
        before = {r["uid"]: r for r in self._group_rules(folder, group)}
        kept = {rule.get("uid") for rule in wanted if rule.get("uid")}
        for uid in set(before) - kept:
            del self.rules[uid]
        stored = [self._store_rule({**rule, "folderUID": folder, "ruleGroup": group}, provenance, rule.get("uid", ""))
                  for rule in wanted]
        self.intervals[(folder, group)] = interval
        return Response(200, {"title": group, "folderUid": folder, "interval": interval, "rules": stored})

    def delete_group(self, request: Request) -> Response:
        folder, group = request.params["FolderUID"], request.params["Group"]
        rules = self._group_rules(folder, group)
        if not rules:
            raise not_found()
        for rule in rules:
            del self.rules[rule["uid"]]
        self.intervals.pop((folder, group), None)
        return Response(204)

    def folder_deleted(self, folder: str, force: bool) -> None:
        """Refuse (400) to delete a folder that holds alert rules unless ``force``; with it, drop them."""
        held = [uid for uid, rule in self.rules.items() if rule["folderUID"] == folder]
        if held and not force:
            raise BadRequest("folder cannot be deleted: folder contains alert rules "
                             "(set forceDeleteRules=true to delete them with it)")
        for uid in held:
            del self.rules[uid]
        for key in [key for key in self.intervals if key[0] == folder]:
            del self.intervals[key]

    # --- contact points ----------------------------------------------------------------------------
    def _point_named(self, name: str) -> bool:
        return any(point["name"] == name for point in self.points.values())

    @staticmethod
    def _check_settings(kind: str, settings: dict[str, Any], name: str, uid: str) -> None:
        needs = {"email": ("addresses", "could not find addresses in settings"),
                 "slack": ("url", "token must be specified when using the Slack chat API"),
                 "webhook": ("url", "could not find url property in settings")}.get(kind)
        if needs and not str(settings.get(needs[0]) or "").strip() and not (kind == "slack" and settings.get("token")):
            raise BadRequest(f'failed to validate integration "{name}" (UID {uid}) of type "{kind}": {needs[1]}')

    def _store_point(self, body: dict[str, Any], provenance: str, stored: dict[str, Any] | None = None) -> dict[str, Any]:
        kind = body.get("type", "")
        settings = dict(body.get("settings") or {})
        uid = (stored or {}).get("uid") or body.get("uid") or random_alnum(14)
        secure = {}
        for key in SECURE_SETTINGS.get(kind, ()):
            value = settings.pop(key, None)
            if value == REDACTED and stored is not None:
                value = stored["secure"].get(key)
            if value:
                secure[key] = value
        self._check_settings(kind, {**settings, **secure}, body.get("name") or "", uid)
        point = {"uid": uid, "name": body.get("name") or "", "type": kind, "settings": settings, "secure": secure,
                 "disableResolveMessage": bool(body.get("disableResolveMessage", False)), "provenance": provenance}
        self.points[uid] = point
        return point

    @staticmethod
    def point_doc(point: dict[str, Any]) -> dict[str, Any]:
        """What GET answers: every secure setting that has a value as ``[REDACTED]``."""
        settings = {**point["settings"], **{key: REDACTED for key in point["secure"]}}
        doc = {"uid": point["uid"], "name": point["name"], "type": point["type"], "settings": settings,
               "disableResolveMessage": point["disableResolveMessage"]}
        if point["provenance"]:
            doc["provenance"] = point["provenance"]
        return doc

    def _point(self, uid: str) -> dict[str, Any]:
        found = self.points.get(uid)
        if found is None:
            raise NotFound(f"contact point with uid '{uid}' not found")
        return found

    def list_points(self, request: Request) -> Response:
        name = request.arg("name")
        points = sorted((p for p in self.points.values() if name is None or p["name"] == name), key=lambda p: p["name"])
        return Response(200, [self.point_doc(point) for point in points])

    def create_point(self, request: Request) -> Response:
        body = request.body or {}
        if body.get("uid") in self.points:
            raise BadRequest(f"contact point with uid '{body['uid']}' already exists")
        return Response(202, self.point_doc(self._store_point(body, provenance_of(request))))

    def update_point(self, request: Request) -> Response:
        stored, wanted = self._point(request.params["UID"]), provenance_of(request)
        if stored["provenance"] and not wanted:
            raise invalid_provenance(stored["provenance"], wanted)
        old_name = stored["name"]
        point = self._store_point(request.body or {}, wanted, stored)
        if point["name"] != old_name and not self._point_named(old_name):
            self._rename_in_tree(self.policy, old_name, point["name"])
        return Response(202, {})

    def delete_point(self, request: Request) -> Response:
        from .grafana import PublicError
        point = self._point(request.params["UID"])
        last = sum(1 for p in self.points.values() if p["name"] == point["name"]) == 1
        if last and point["name"] in self._tree_receivers(self.policy):
            raise PublicError(409, "alerting.notifications.contact-points.referenced",
                              "Contact point is currently referenced by a notification policy.")
        if last and any((r.get("notification_settings") or {}).get("receiver") == point["name"]
                        for r in self.rules.values()):
            raise PublicError(409, "alerting.notifications.contact-points.used-by-rule",
                              "Contact point is currently used in the notification settings of one or many alert rules.")
        del self.points[point["uid"]]
        return Response(202)

    # --- notification policy tree --------------------------------------------------------------------
    def _tree_receivers(self, route: dict[str, Any]) -> set[str]:
        found = {route["receiver"]} if route.get("receiver") else set()
        for child in route.get("routes") or []:
            found |= self._tree_receivers(child)
        return found

    def _rename_in_tree(self, route: dict[str, Any], old: str, new: str) -> None:
        if route.get("receiver") == old:
            route["receiver"] = new
        for child in route.get("routes") or []:
            self._rename_in_tree(child, old, new)

    def get_policy(self, request: Request) -> Response:
        tree = copy.deepcopy(self.policy)
        if self.policy_provenance:
            tree["provenance"] = self.policy_provenance
        return Response(200, tree)

    def put_policy(self, request: Request) -> Response:
        tree, wanted = copy.deepcopy(request.body or {}), provenance_of(request)
        if self.policy_provenance and not wanted:
            raise invalid_provenance(self.policy_provenance, wanted)
        tree.pop("provenance", None)
        if not tree.get("receiver"):
            raise BadRequest("invalid object specification: root route must specify a default receiver")
        unknown = sorted(name for name in self._tree_receivers(tree) if not self._point_named(name))
        if unknown:
            raise BadRequest(f"invalid object specification: receiver '{unknown[0]}' does not exist")
        self.policy, self.policy_provenance = tree, wanted
        return Response(202, {})

    def reset_policy(self, request: Request) -> Response:
        self.reset_tree()
        return Response(202, {})

    # --- test notifications ----------------------------------------------------------------------------
    def test_receivers(self, request: Request) -> Response:
        """Send a test alert through each integration of each receiver, for real; the answer's status
        follows Grafana's ``statusForTestReceivers``: 200 all sent, 400 every receiver invalid, 207 otherwise."""
        body = request.body
        if not isinstance(body, dict) or not isinstance(body.get("receivers"), list) or not body["receivers"]:
            raise BadRequest("bad request data: at least one receiver is required")
        alert = copy.deepcopy(TEST_ALERT)
        for key in ("annotations", "labels"):
            alert[key].update((body.get("alert") or {}).get(key) or {})
        plans = [(receiver.get("name", ""), [self._plan(config) for config in receiver.get("grafana_managed_receiver_configs") or []])
                 for receiver in body["receivers"] if isinstance(receiver, dict)]
        with released(self.vendor.context.lock):
            results = [(name, [self._deliver(plan, alert) if plan["error"] is None else plan for plan in configs])
                       for name, configs in plans]
        invalid = sum(1 for _name, configs in results if configs and all(c["invalid"] for c in configs))
        failed = any(c["error"] for _name, configs in results for c in configs)
        status = 400 if invalid == len(results) else 207 if failed else 200
        return Response(status, {"alert": alert, "receivers": [
            {"name": name, "grafana_managed_receiver_configs": [
                {"name": c["name"], "uid": c["uid"], "status": "failed" if c["error"] else "ok",
                 **({"error": c["error"]} if c["error"] else {})} for c in configs]} for name, configs in results],
            "notified_at": iso_now()})

    def _plan(self, config: dict[str, Any]) -> dict[str, Any]:
        """The integration to test: the body's settings, completed by the stored contact point's secure
        settings when the config names an existing uid and leaves them out."""
        uid, kind, name = config.get("uid") or random_alnum(14), config.get("type", ""), config.get("name", "")
        settings = dict(config.get("settings") or {})
        settings.update(config.get("secureSettings") or {})
        stored = self.points.get(config.get("uid") or "")
        if stored is not None:
            for key, value in stored["secure"].items():
                if settings.get(key) in (None, "", REDACTED) or (config.get("secureFields") or {}).get(key):
                    settings[key] = value
        plan = {"uid": uid, "name": name, "type": kind, "settings": settings, "error": None, "invalid": False}
        try:
            self._check_settings(kind, settings, name, uid)
        except ApiError as exc:
            plan.update(error=exc.message, invalid=True)
        return plan

    def _deliver(self, plan: dict[str, Any], alert: dict[str, Any]) -> dict[str, Any]:
        settings, kind = plan["settings"], plan["type"]
        title = f"[FIRING:1]  ({alert['labels'].get('alertname', '')} {alert['labels'].get('instance', '')})"
        text = "\n".join(f"{k} = {v}" for k, v in sorted(alert["annotations"].items()) if not k.startswith("__"))
        record = {"type": kind, "name": plan["name"], "uid": plan["uid"], "title": title}
        try:
            if kind == "email":
                record["to"] = [a.strip() for a in re.split(r"[;,\n]", settings["addresses"]) if a.strip()]
            elif kind == "slack":
                post_json(settings["url"], {"text": title, "attachments": [{"title": title, "text": text,
                                                                           "color": "#D63232"}]})
            elif kind == "webhook":
                payload = {"receiver": plan["name"], "status": "firing", "alerts": [{"status": "firing", **alert}],
                           "title": title, "message": text, "version": "1", "groupKey": "test"}
                post_json(settings["url"], payload, (settings.get("username"), settings.get("password")))
            else:
                raise OSError(f"the sandbox does not deliver {kind} notifications")
        except (OSError, ValueError) as exc:
            plan["error"] = str(exc)
            record["error"] = plan["error"]
        self.notifications.append(record)
        return plan


def post_json(url: str, payload: Any, basic: tuple[str | None, str | None] = (None, None)) -> None:
    """POST ``payload`` as JSON; OSError naming the status and body when the answer is not 2xx."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if basic[0]:
        import base64
        token = base64.b64encode(f"{basic[0]}:{basic[1] or ''}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        raise OSError(f"unexpected status code {exc.code}: {exc.read().decode(errors='replace')[:200]}") from exc
