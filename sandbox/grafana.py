"""Grafana HTTP API (``/grafana/api``): folders, dashboards, search, data sources and queries; the alerting
provisioning API lives in sandbox/grafana_alerting.py, ``/ds/query`` in sandbox/grafana_query.py.

``GRAFANA_URL`` is ``http://<sandbox>/grafana``; clients call ``$GRAFANA_URL/api/...`` as they would call
a Grafana Cloud stack. Requests are checked against Grafana's own Swagger 2 spec, turned into the
OpenAPI 3 shape the sandbox reads (``spec_adapt.swagger2_to_openapi3``). One organization (id 1); a
Prometheus data source modelling Grafana Cloud's (uid ``grafanacloud-prom``) exists from the start and
after every reset, pointing at the sandbox's real Prometheus (``--prometheus-url``).
"""
from __future__ import annotations

import base64
import itertools
import os
import secrets
from typing import Any

from .common import iso_now, random_alnum, slugify
from .errors import ApiError, BadRequest, NotFound
from .grafana_alerting import Alerting
from .grafana_query import Query
from .routing import Request, Response
from .spec_adapt import swagger2_to_openapi3
from .vendor import SandboxContext, VendorAPI, register_vendor

GRAFANA_TOKEN = os.environ.get("SANDBOX_GRAFANA_TOKEN", "glsa_sandbox_grafana_token")
GRAFANA_USER = "admin"
GRAFANA_PASSWORD = os.environ.get("SANDBOX_GRAFANA_PASSWORD", "sandbox-grafana-admin")
CLOUD_DATASOURCE = {"uid": "grafanacloud-prom", "name": "grafanacloud-launchkit-prom", "type": "prometheus"}
ORG_ID = 1


class Conflict412(ApiError):
    """A dashboard write Grafana refuses with 412 and a ``status`` naming why."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(412, message)
        self.kind = status


class PublicError(ApiError):
    """Grafana's errutil answer: ``{"message", "messageId", "statusCode"}``."""

    def __init__(self, status: int, message_id: str, message: str) -> None:
        super().__init__(status, message)
        self.message_id = message_id


class EmptyError(ApiError):
    """An error answered with no body (the provisioning API's ``response.Empty(404)``)."""


def page_of(items: list[Any], request: Request, default_limit: int) -> list[Any]:
    """One page of ``items`` (``limit`` and ``page`` query parameters, pages from 1)."""
    limit = int(request.arg("limit") or default_limit)
    page = max(int(request.arg("page") or 1), 1)
    if limit <= 0:
        return items
    return items[(page - 1) * limit:page * limit]


@register_vendor
class GrafanaAPI(VendorAPI):
    name = "grafana"
    prefix = "/grafana/api"
    spec_file = "grafana/api-merged.swagger2.json"

    def __init__(self, context: SandboxContext) -> None:
        self.prometheus_url = os.environ.get("SANDBOX_PROMETHEUS_URL", "")
        super().__init__(context)

    def register_routes(self) -> None:
        self.alerting = Alerting(self)
        self.query = Query(self)
        routes = [
            ("GET", "/org", self.current_org),
            ("GET", "/folders", self.list_folders), ("POST", "/folders", self.create_folder),
            ("GET", "/folders/{folder_uid}", self.get_folder), ("PUT", "/folders/{folder_uid}", self.update_folder),
            ("DELETE", "/folders/{folder_uid}", self.delete_folder),
            ("POST", "/dashboards/db", self.save_dashboard), ("GET", "/dashboards/uid/{uid}", self.get_dashboard),
            ("DELETE", "/dashboards/uid/{uid}", self.delete_dashboard), ("GET", "/search", self.search),
            ("GET", "/datasources", self.list_datasources), ("POST", "/datasources", self.create_datasource),
            ("GET", "/datasources/uid/{uid}", self.get_datasource),
            ("PUT", "/datasources/uid/{uid}", self.update_datasource),
            ("DELETE", "/datasources/uid/{uid}", self.delete_datasource),
        ]
        for method, template, handler in [*routes, *self.alerting.routes(), *self.query.routes()]:
            self.route(method, template, handler)

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self._ids = itertools.count(1)
        self.folders: dict[str, dict[str, Any]] = {}
        self.dashboards: dict[str, dict[str, Any]] = {}
        self.datasources: dict[str, dict[str, Any]] = {}
        self.alerting.reset()
        self._seed_cloud_datasource()

    def set_prometheus_url(self, url: str) -> None:
        self.prometheus_url = url
        seeded = self.datasources.get(CLOUD_DATASOURCE["uid"])
        if seeded is not None:
            seeded["url"] = url

    def _seed_cloud_datasource(self) -> None:
        self._store_datasource({**CLOUD_DATASOURCE, "url": self.prometheus_url, "access": "proxy", "isDefault": True,
                                "jsonData": {"httpMethod": "POST", "prometheusType": "Prometheus"}})

    def next_id(self) -> int:
        return next(self._ids)

    def authenticate(self, request: Request) -> bool:
        """A service-account token (``Bearer``), or Basic auth as the admin user."""
        scheme, _space, credentials = request.header("Authorization").partition(" ")
        if scheme == "Bearer":
            return secrets.compare_digest(credentials, GRAFANA_TOKEN)
        if scheme == "Basic":
            try:
                user, _colon, password = base64.b64decode(credentials).decode().partition(":")
            except ValueError:
                return False
            return user == GRAFANA_USER and secrets.compare_digest(password, GRAFANA_PASSWORD)
        return False

    def error_body(self, status: int, message: str) -> Any:
        return {"message": "Unauthorized" if status == 401 else message}

    def api_error(self, exc: ApiError, request: Request) -> Response:
        if isinstance(exc, EmptyError):
            return Response(exc.status)
        response = self.error(exc.status, exc.message)
        if isinstance(exc, Conflict412):
            response.body["status"] = exc.kind
        if isinstance(exc, PublicError):
            response.body.update(messageId=exc.message_id, statusCode=exc.status)
        return response

    @staticmethod
    def adapt_spec(document: dict[str, Any]) -> None:
        """Grafana's Swagger 2 in the OpenAPI 3 shape, and where the saved spec and the server disagree
        (each from grafana/grafana's source, see docs/sandbox.md):
        - a rule's ``for`` is a Prometheus duration string (``model.Duration``, "5m"), not the int64 of the
          ``Duration`` definition it shares with ``relativeTimeRange``;
        - the contact point ``type`` enum carries a leading space on every name but the first (a go-swagger
          artefact): the names are the ones without it;
        - a dashboard answer's ``dashboard`` is the stored JSON model (``panels`` is an array), not the
          ``Dashboard`` struct the spec names;
        - ``/ds/query`` answers 400 with the query results when a query failed (``pkg/api/ds_query.go``
          ``toJsonStreamingResponse``), besides the error body of a request it could not read."""
        swagger2_to_openapi3(document)
        definitions = document["definitions"]
        definitions["ProvisionedAlertRule"]["properties"]["for"] = {
            "type": "string", "pattern": r"^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$", "minLength": 1}
        kind = definitions["EmbeddedContactPoint"]["properties"]["type"]
        kind["enum"] = [name.strip() for name in kind["enum"]]
        definitions["DashboardFullWithMeta"]["properties"]["dashboard"] = {"type": "object"}
        failed = document["paths"]["/ds/query"]["post"]["responses"]["400"]["content"]["application/json"]
        failed["schema"] = {"anyOf": [failed["schema"], {"$ref": "#/definitions/QueryDataResponse"}]}

    # --- control: /_sandbox/grafana/... ----------------------------------------------------------
    def control_routes(self) -> list[tuple[str, str, Any]]:
        return [("GET", "/notifications", self.alerting.control_notifications)]

    def dump(self) -> dict[str, Any]:
        return {"folders": sorted(self.folders), "dashboards": sorted(self.dashboards),
                "datasources": sorted(self.datasources), **self.alerting.dump()}

    # --- organization ------------------------------------------------------------------------------
    def current_org(self, request: Request) -> Response:
        """``GET /org`` (getCurrentOrg): the one organization, as ``OrgDetailsDTO``."""
        return Response(200, {"id": ORG_ID, "name": "Main Org.", "address": {
            "address1": "", "address2": "", "city": "", "zipCode": "", "state": "", "country": ""}})

    # --- folders -----------------------------------------------------------------------------------
    def folder(self, uid: str) -> dict[str, Any]:
        found = self.folders.get(uid)
        if found is None:
            raise NotFound("folder not found")
        return found

    def _folder_doc(self, folder: dict[str, Any]) -> dict[str, Any]:
        doc = {key: folder[key] for key in ("id", "uid", "title", "version", "created", "updated")}
        doc.update(orgId=ORG_ID, url=f"/dashboards/f/{folder['uid']}/{slugify(folder['title'])}", hasAcl=False,
                   canSave=True, canEdit=True, canAdmin=True, canDelete=True, createdBy="admin", updatedBy="admin")
        if folder.get("parentUid"):
            doc["parentUid"] = folder["parentUid"]
        return doc

    def list_folders(self, request: Request) -> Response:
        parent = request.arg("parentUid") or ""
        hits = sorted((f for f in self.folders.values() if (f.get("parentUid") or "") == parent),
                      key=lambda f: f["title"].lower())
        docs = [{"id": f["id"], "uid": f["uid"], "title": f["title"], **({"parentUid": parent} if parent else {})}
                for f in hits]
        return Response(200, page_of(docs, request, 1000))

    def create_folder(self, request: Request) -> Response:
        body = request.body
        title = (body.get("title") or "").strip()
        if not title:
            raise BadRequest("folder title cannot be empty")
        uid = body.get("uid") or random_alnum(14)
        if uid in self.folders or uid in self.dashboards:
            raise ApiError(409, "a folder with the same uid already exists")
        parent = body.get("parentUid") or ""
        if parent:
            self.folder(parent)
        self._same_name(title, parent, uid)
        now = iso_now()
        self.folders[uid] = {"id": self.next_id(), "uid": uid, "title": title, "description": body.get("description", ""),
                             "parentUid": parent, "version": 1, "created": now, "updated": now}
        return Response(200, self._folder_doc(self.folders[uid]))

    def _same_name(self, title: str, parent: str, uid: str) -> None:
        if any(f["title"] == title and (f.get("parentUid") or "") == parent and f["uid"] != uid
               for f in self.folders.values()):
            raise ApiError(409, "a folder with the same name already exists in the current location")

    def get_folder(self, request: Request) -> Response:
        return Response(200, self._folder_doc(self.folder(request.params["folder_uid"])))

    def update_folder(self, request: Request) -> Response:
        folder = self.folder(request.params["folder_uid"])
        body = request.body
        if not body.get("overwrite") and body.get("version") != folder["version"]:
            raise ApiError(409, "the folder has been changed by someone else")
        title = (body.get("title") or folder["title"]).strip()
        self._same_name(title, folder.get("parentUid") or "", folder["uid"])
        folder.update(title=title, description=body.get("description", folder["description"]),
                      version=folder["version"] + 1, updated=iso_now())
        return Response(200, self._folder_doc(folder))

    def delete_folder(self, request: Request) -> Response:
        folder = self.folder(request.params["folder_uid"])
        force = request.arg("forceDeleteRules") == "true"
        self.alerting.folder_deleted(folder["uid"], force)
        for uid in [uid for uid, d in self.dashboards.items() if d["folderUid"] == folder["uid"]]:
            del self.dashboards[uid]
        del self.folders[folder["uid"]]
        return Response(200, {"id": folder["id"], "title": folder["title"], "message": f"Folder {folder['title']} deleted"})

    # --- dashboards --------------------------------------------------------------------------------
    def save_dashboard(self, request: Request) -> Response:
        """Create or update (``POST /dashboards/db``); 412 on a version or name conflict unless ``overwrite``."""
        body = request.body
        model = dict(body.get("dashboard") or {})
        title = str(model.get("title") or "").strip()
        if not title:
            raise BadRequest("Dashboard title cannot be empty")
        folder_uid = body.get("folderUid") or ""
        if folder_uid:
            if folder_uid not in self.folders:
                raise BadRequest("folder not found")
        overwrite = bool(body.get("overwrite"))
        uid = model.get("uid") or ""
        stored = self.dashboards.get(uid) if uid else None
        if stored is None and model.get("id"):
            raise NotFound("Dashboard not found")
        if stored is not None and not overwrite and model.get("version") != stored["version"]:
            raise Conflict412("The dashboard has been changed by someone else", "version-mismatch")
        same_name = next((d for d in self.dashboards.values()
                          if d["title"].lower() == title.lower() and d["folderUid"] == folder_uid and d["uid"] != uid), None)
        if same_name is not None:
            if not overwrite:
                raise Conflict412("A dashboard with the same name in the folder already exists", "name-exists")
            del self.dashboards[same_name["uid"]]
        uid = uid or random_alnum(14)
        now = iso_now()
        version = stored["version"] + 1 if stored else 1
        record = {"id": stored["id"] if stored else self.next_id(), "uid": uid, "title": title, "folderUid": folder_uid,
                  "version": version, "created": stored["created"] if stored else now, "updated": now,
                  "slug": slugify(title), "message": body.get("message", "")}
        record["model"] = {**model, "id": record["id"], "uid": uid, "title": title, "version": version}
        self.dashboards[uid] = record
        return Response(200, {"id": record["id"], "uid": uid, "url": self._dashboard_url(record), "status": "success",
                              "version": version, "slug": record["slug"], "title": record["slug"],
                              "folderUid": folder_uid})

    @staticmethod
    def _dashboard_url(record: dict[str, Any]) -> str:
        return f"/d/{record['uid']}/{record['slug']}"

    def _dashboard(self, uid: str) -> dict[str, Any]:
        found = self.dashboards.get(uid)
        if found is None:
            raise NotFound("Dashboard not found")
        return found

    def get_dashboard(self, request: Request) -> Response:
        record = self._dashboard(request.params["uid"])
        folder = self.folders.get(record["folderUid"])
        meta = {"type": "db", "slug": record["slug"], "url": self._dashboard_url(record), "version": record["version"],
                "folderUid": record["folderUid"], "folderTitle": folder["title"] if folder else "Dashboards",
                "folderUrl": self._folder_doc(folder)["url"] if folder else "", "provisioned": False,
                "provisionedExternalId": "", "created": record["created"], "updated": record["updated"],
                "createdBy": "admin", "updatedBy": "admin", "canSave": True, "canEdit": True, "canAdmin": True,
                "canStar": True, "canDelete": True, "hasAcl": False, "isFolder": False}
        return Response(200, {"dashboard": record["model"], "meta": meta})

    def delete_dashboard(self, request: Request) -> Response:
        record = self._dashboard(request.params["uid"])
        del self.dashboards[record["uid"]]
        return Response(200, {"id": record["id"], "title": record["title"],
                              "message": f"Dashboard {record['title']} deleted"})

    def search(self, request: Request) -> Response:
        kind = request.arg("type")
        text = (request.arg("query") or "").lower()
        folders, uids = set(request.args("folderUIDs")), set(request.args("dashboardUIDs"))
        hits: list[dict[str, Any]] = []
        if kind in (None, "dash-folder") and not uids:
            hits += [{"id": f["id"], "uid": f["uid"], "title": f["title"], "uri": f"db/{slugify(f['title'])}",
                      "url": self._folder_doc(f)["url"], "slug": "", "type": "dash-folder", "tags": [],
                      "isStarred": False, "sortMeta": 0}
                     for f in self.folders.values() if text in f["title"].lower()
                     and (not folders or (f.get("parentUid") or "general") in folders)]
        if kind in (None, "dash-db"):
            for d in self.dashboards.values():
                if text not in d["title"].lower() or (uids and d["uid"] not in uids):
                    continue
                if folders and (d["folderUid"] or "general") not in folders:
                    continue
                hit = {"id": d["id"], "uid": d["uid"], "title": d["title"], "uri": f"db/{d['slug']}",
                       "url": self._dashboard_url(d), "slug": "", "type": "dash-db",
                       "tags": list(d["model"].get("tags") or []), "isStarred": False, "sortMeta": 0}
                folder = self.folders.get(d["folderUid"])
                if folder:
                    hit.update(folderId=folder["id"], folderUid=folder["uid"], folderTitle=folder["title"],
                               folderUrl=self._folder_doc(folder)["url"])
                hits.append(hit)
        hits.sort(key=lambda hit: (hit["type"] != "dash-folder", hit["title"].lower()))
        return Response(200, page_of(hits, request, 1000))

    # --- data sources -------------------------------------------------------------------------------
    def datasource(self, uid: str) -> dict[str, Any]:
        found = self.datasources.get(uid)
        if found is None:
            raise NotFound("Data source not found")
        return found

    def _store_datasource(self, body: dict[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
        name, kind = body.get("name") or (existing or {}).get("name"), body.get("type") or (existing or {}).get("type")
        if not name or not kind:
            raise BadRequest("Validation error, need to specify name and type")
        uid = body.get("uid") or (existing or {}).get("uid") or random_alnum(14)
        for other in self.datasources.values():
            if other is not existing and (other["name"] == name or other["uid"] == uid):
                raise ApiError(409, "data source with the same name or uid already exists")
        record = existing if existing is not None else {"id": self.next_id(), "version": 0}
        if existing is not None and existing["uid"] != uid:
            del self.datasources[existing["uid"]]
        secure = dict(record.get("secure") or {})
        secure.update(body.get("secureJsonData") or {})
        record.update(uid=uid, name=name, type=kind, url=body.get("url", record.get("url", "")),
                      access=body.get("access", record.get("access", "proxy")),
                      isDefault=bool(body.get("isDefault", record.get("isDefault", False))),
                      jsonData=body.get("jsonData", record.get("jsonData", {})),
                      basicAuth=bool(body.get("basicAuth", record.get("basicAuth", False))),
                      basicAuthUser=body.get("basicAuthUser", record.get("basicAuthUser", "")),
                      user=body.get("user", record.get("user", "")), database=body.get("database", record.get("database", "")),
                      secure=secure, version=record["version"] + 1)
        self.datasources[uid] = record
        return record

    @staticmethod
    def _datasource_doc(record: dict[str, Any], *, listing: bool = False) -> dict[str, Any]:
        doc = {key: record[key] for key in ("id", "uid", "name", "type", "url", "access", "isDefault", "jsonData",
                                            "basicAuth", "user", "database")}
        doc.update(orgId=ORG_ID, typeLogoUrl=f"public/app/plugins/datasource/{record['type']}/img/logo.svg",
                   readOnly=False)
        if not listing:
            doc.update(basicAuthUser=record["basicAuthUser"], withCredentials=False, version=record["version"],
                       secureJsonFields={key: True for key in record["secure"]})
        return doc

    def list_datasources(self, request: Request) -> Response:
        records = sorted(self.datasources.values(), key=lambda r: r["name"].lower())
        return Response(200, [self._datasource_doc(record, listing=True) for record in records])

    def create_datasource(self, request: Request) -> Response:
        record = self._store_datasource(request.body)
        return Response(200, {"id": record["id"], "name": record["name"], "message": "Datasource added",
                              "datasource": self._datasource_doc(record)})

    def get_datasource(self, request: Request) -> Response:
        return Response(200, self._datasource_doc(self.datasource(request.params["uid"])))

    def update_datasource(self, request: Request) -> Response:
        record = self._store_datasource(request.body, self.datasource(request.params["uid"]))
        return Response(200, {"id": record["id"], "name": record["name"], "message": "Datasource updated",
                              "datasource": self._datasource_doc(record)})

    def delete_datasource(self, request: Request) -> Response:
        record = self.datasource(request.params["uid"])
        del self.datasources[record["uid"]]
        return Response(200, {"message": "Data source deleted"})
