# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Grafana HTTP API client, the only place Grafana's paths, query
parameters, headers and body fields are written.

Not a public API; it may change between any two releases. Paths and payloads follow Grafana's Swagger 2
document (``api-merged.json``, basePath ``/api``); the one call used here that it does not hold (testing
contact points) and every behaviour relied on beyond it are confirmed in Grafana's source, as listed in
docs/grafana.md. One method per operation; the files beside this one never build a URL or a body.
"""
from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import quote

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError, HttpClient, Vendor

#: the API below the instance URL (the spec's basePath)
API_PATH = "/api"
#: the header that keeps what a provisioning write makes editable in the UI (api_provisioning.go
#: determineProvenance: its presence, whatever its value, means provenance "none")
DISABLE_PROVENANCE = "X-Disable-Provenance"
#: page size of /folders and /search (the spec caps search at 5000)
PAGE_SIZE = 1000
#: the value Grafana shows in place of a secure setting it keeps (contact points); sent back, it keeps the value
REDACTED = "[REDACTED]"
TEST_PATH = "/alertmanager/grafana/config/api/v1/receivers/test"


def _parse_error(body: Any) -> tuple[str | None, str]:
    # ErrorResponseBody: {"message", "error"?, "status"?}; "status" says why (a 412's version-mismatch, ...)
    if isinstance(body, dict):
        code = body.get("status") if isinstance(body.get("status"), str) else None
        message = str(body.get("message") or body.get("error") or "") or str(body)[:500]
        if body.get("error") and body.get("message") and body["error"] != body["message"]:
            message = f"{body['message']}: {body['error']}"
        return code, message
    return None, str(body)[:500] if body is not None else ""


VENDOR = Vendor("Grafana", parse_error=_parse_error,
                auth_hint="Check api_key (or GRAFANA_TOKEN): a service account token of this Grafana instance "
                          "with the Editor or Admin role; or username and password (GRAFANA_USER, GRAFANA_PASSWORD).")


class DashboardConflict(ApiError):
    """Grafana refused a dashboard save with 412: it changed since it was read, or its title is taken."""


def credentials(params: dict) -> tuple[dict[str, str], tuple[str, str] | None]:
    """The Authorization header or the basic-auth pair of `params`; exactly one way must be given."""
    token = params.get("api_key")
    user, password = params.get("username"), params.get("password")
    if token and (user or password):
        raise ValueError("give Grafana either api_key (GRAFANA_TOKEN) or username and password "
                         "(GRAFANA_USER, GRAFANA_PASSWORD), not both: unset one of them")
    if token:
        return {"Authorization": f"Bearer {token}"}, None
    if user and password:
        return {}, (user, password)
    if user or password:
        raise ValueError("basic auth needs both username (GRAFANA_USER) and password (GRAFANA_PASSWORD)")
    raise ValueError("no Grafana credentials: set api_key (or GRAFANA_TOKEN) to a service account token, "
                     "or username and password (GRAFANA_USER, GRAFANA_PASSWORD)")


def base_url(params: dict) -> str:
    url = (params.get("api_url") or "").rstrip("/")
    if not url:
        raise ValueError("api_url is required: the Grafana instance URL, e.g. https://<stack>.grafana.net "
                         "(option api_url or GRAFANA_URL)")
    return url if url.endswith(API_PATH) else url + API_PATH


def check_connection(params: dict) -> None:
    """Refuse a missing URL and missing or doubled credentials before any call."""
    base_url(params)
    credentials(params)


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def _provenance(disable: bool) -> dict[str, str] | None:
    return {DISABLE_PROVENANCE: "true"} if disable else None


class GrafanaClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def from_params(cls, params: dict, secrets: Secrets | None = None, **overrides: Any) -> "GrafanaClient":
        secrets = secrets or Secrets()
        headers, auth = credentials(params)
        secrets.add(params.get("api_key"), params.get("password"))
        http = HttpClient(base_url(params), VENDOR, headers=headers, auth=auth, timeout=params["timeout"],
                          validate_certs=params["validate_certs"], secrets=secrets, **overrides)
        return cls(http)

    def _get_or_none(self, path: str, params: dict | None = None) -> Any:
        try:
            return self.http.get(path, params=params)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def _pages(self, path: str, params: dict) -> Iterator[dict]:
        page = 1
        while True:
            found = self.http.get(path, params={**params, "limit": PAGE_SIZE, "page": page}) or []
            yield from found
            if len(found) < PAGE_SIZE:
                return
            page += 1

    # -- organization
    def org(self) -> dict:
        """The organization of the credentials (its ``id`` is a rule's orgID)."""
        return self.http.get("/org") or {}

    # -- folders
    def folders(self, parent_uid: str | None = None) -> list[dict]:
        return list(self._pages("/folders", compact({"parentUid": parent_uid}) or {}))

    def folder(self, uid: str) -> dict | None:
        return self._get_or_none(f"/folders/{_segment(uid)}")

    def create_folder(self, uid: str, title: str, parent_uid: str | None = None) -> dict:
        return self.http.request("POST", "/folders", json_body=compact(
            {"uid": uid, "title": title, "parentUid": parent_uid})).body or {}

    def update_folder(self, uid: str, title: str, version: int | None) -> dict:
        body = compact({"title": title, "version": version})
        return self.http.request("PUT", f"/folders/{_segment(uid)}", json_body=body).body or {}

    def delete_folder(self, uid: str, force_delete_rules: bool = False) -> None:
        self.http.request("DELETE", f"/folders/{_segment(uid)}", ok=(200, 204, 404),
                          params={"forceDeleteRules": "true" if force_delete_rules else "false"})

    # -- dashboards
    def dashboard(self, uid: str) -> dict | None:
        """``{"dashboard": <the stored JSON model>, "meta": {"folderUid", "url", ...}}``."""
        return self._get_or_none(f"/dashboards/uid/{_segment(uid)}")

    def save_dashboard(self, dashboard: dict, folder_uid: str | None = None, message: str | None = None,
                       overwrite: bool = False) -> dict:
        """Create or update by the model's uid; the model's ``version`` must be the stored one unless
        `overwrite`. A 412 (changed since read, or title taken in the folder) is DashboardConflict."""
        body = compact({"dashboard": dashboard, "folderUid": folder_uid, "message": message, "overwrite": overwrite})
        try:
            return self.http.request("POST", "/dashboards/db", json_body=body).body or {}
        except ApiError as exc:
            if exc.status == 412 and not isinstance(exc, DashboardConflict):
                raise DashboardConflict(exc.status, exc.message, code=exc.code, request_id=exc.request_id,
                                        method=exc.method, path=exc.path, vendor=exc.vendor) from None
            raise

    def delete_dashboard(self, uid: str) -> None:
        self.http.request("DELETE", f"/dashboards/uid/{_segment(uid)}", ok=(200, 204, 404))

    def search_dashboards(self, query: str | None = None, folder_uids: list[str] | None = None) -> list[dict]:
        params = compact({"type": "dash-db", "query": query, "folderUIDs": folder_uids or None})
        return list(self._pages("/search", params or {}))

    # -- alert rules (provisioning)
    def alert_rules(self) -> list[dict]:
        return self.http.get("/v1/provisioning/alert-rules") or []

    def alert_rule_group(self, folder_uid: str, group: str) -> dict | None:
        return self._get_or_none(f"/v1/provisioning/folder/{_segment(folder_uid)}/rule-groups/{_segment(group)}")

    def put_alert_rule_group(self, folder_uid: str, group: str, interval: int, rules: list[dict],
                             disable_provenance: bool = False) -> dict:
        """Replace the whole group: rules missing from `rules` are deleted from it."""
        body = {"title": group, "folderUid": folder_uid, "interval": interval, "rules": rules}
        path = f"/v1/provisioning/folder/{_segment(folder_uid)}/rule-groups/{_segment(group)}"
        return self.http.request("PUT", path, json_body=body, headers=_provenance(disable_provenance)).body or {}

    def delete_alert_rule_group(self, folder_uid: str, group: str) -> None:
        self.http.request("DELETE", f"/v1/provisioning/folder/{_segment(folder_uid)}/rule-groups/{_segment(group)}",
                          ok=(200, 204, 404))

    def delete_alert_rule(self, uid: str, disable_provenance: bool = False) -> None:
        self.http.request("DELETE", f"/v1/provisioning/alert-rules/{_segment(uid)}", ok=(200, 204, 404),
                          headers=_provenance(disable_provenance))

    # -- contact points (provisioning)
    def contact_points(self, name: str | None = None) -> list[dict]:
        """Secure settings come back as REDACTED, never as values."""
        return self.http.get("/v1/provisioning/contact-points", params=compact({"name": name})) or []

    @staticmethod
    def _point_body(point: dict) -> dict:
        return compact({key: point.get(key) for key in ("uid", "name", "type", "settings", "disableResolveMessage")}) or {}

    def create_contact_point(self, point: dict, disable_provenance: bool = False) -> dict:
        return self.http.request("POST", "/v1/provisioning/contact-points", json_body=self._point_body(point),
                                 headers=_provenance(disable_provenance)).body or {}

    def update_contact_point(self, uid: str, point: dict, disable_provenance: bool = False) -> None:
        self.http.request("PUT", f"/v1/provisioning/contact-points/{_segment(uid)}", json_body=self._point_body(point),
                          headers=_provenance(disable_provenance))

    def delete_contact_point(self, uid: str) -> None:
        self.http.request("DELETE", f"/v1/provisioning/contact-points/{_segment(uid)}", ok=(200, 202, 204, 404))

    def test_contact_point(self, name: str, integrations: list[dict], labels: dict | None = None,
                           annotations: dict | None = None) -> dict:
        """Send a test notification through `integrations` (each: uid, name, type, settings; Grafana loads the
        saved secure settings of a known uid).

        Not in the saved spec: route and shapes from grafana/grafana api_alertmanager.go
        RoutePostTestReceivers and tooling/definitions/alertmanager.go (docs/grafana.md). Grafana answers
        200 (all sent), 207 (some failed), 400 (all invalid) or 408 (all timed out), each with the
        per-integration result; never repeated (it sends a message).
        """
        configs = [compact({"uid": item.get("uid"), "name": item.get("name") or name, "type": item.get("type"),
                            "settings": item.get("settings") or {}, "secureSettings": item.get("secureSettings"),
                            "disableResolveMessage": item.get("disableResolveMessage")}) for item in integrations]
        body = {"receivers": [{"name": name, "grafana_managed_receiver_configs": configs}],
                "alert": {"labels": labels or {}, "annotations": annotations or {}}}
        response = self.http.request("POST", TEST_PATH, json_body=body, ok=(200, 207, 400, 408))
        result = response.body if isinstance(response.body, dict) else {}
        if response.status != 200 and not result.get("receivers"):
            code, message = _parse_error(response.body)
            raise ApiError(response.status, self.http.secrets.redact(message or "(no message)"), code=code,
                           method="POST", path=TEST_PATH, vendor=VENDOR.name)
        return result

    # -- notification policies (provisioning)
    def policy_tree(self) -> dict:
        return self.http.get("/v1/provisioning/policies") or {}

    def put_policy_tree(self, tree: dict, disable_provenance: bool = False) -> None:
        """Replace the whole tree."""
        self.http.request("PUT", "/v1/provisioning/policies", json_body=tree, headers=_provenance(disable_provenance))

    # -- data sources
    def datasources(self) -> list[dict]:
        return self.http.get("/datasources") or []

    def datasource(self, uid: str) -> dict | None:
        return self._get_or_none(f"/datasources/uid/{_segment(uid)}")

    def create_datasource(self, body: dict) -> dict:
        return self.http.request("POST", "/datasources", json_body=compact(body)).body or {}

    def update_datasource(self, uid: str, body: dict) -> dict:
        return self.http.request("PUT", f"/datasources/uid/{_segment(uid)}", json_body=compact(body)).body or {}

    def delete_datasource(self, uid: str) -> None:
        self.http.request("DELETE", f"/datasources/uid/{_segment(uid)}", ok=(200, 204, 404))

    # -- queries
    def query(self, queries: list[dict], time_from: str, time_to: str) -> dict:
        """POST /ds/query: it reads only, so it is repeated like a GET; 207 is a partial success. A query that
        fails (a PromQL syntax error) makes Grafana answer 400 with every query's result, the failed one's
        ``error`` included (pkg/api/ds_query.go): that answer is returned with ``failed`` true, for the caller to
        name the query; a 400 without results (a body Grafana could not read) is an ApiError."""
        body = {"from": time_from, "to": time_to, "queries": queries}
        response = self.http.request("POST", "/ds/query", json_body=body, ok=(200, 207, 400), repeatable=True)
        answer = response.body if isinstance(response.body, dict) else {}
        if response.status == 400:
            if not isinstance(answer.get("results"), dict):
                code, message = _parse_error(response.body)
                raise ApiError(400, self.http.secrets.redact(message or "(no message)"), code=code, method="POST",
                               path="/ds/query", vendor=VENDOR.name)
            return {**answer, "failed": True}
        return answer
