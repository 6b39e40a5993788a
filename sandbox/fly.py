"""Fly.io Machines API (``/fly/v1``): apps, secrets, Machines running the stand-in app, leases,
certificates; Fly's rate limits and capacity failures.

App names are global across Fly.io [NOTES quirk 8]: names registered through the control API as
another organization's are refused with ``422 {"status": "name_taken"}`` and are invisible otherwise.
An app is served at ``https://<app>.fly.dev`` by one of its started Machines (see sandbox/apps.py and
sandbox/apps_tls.py), with the env that Machine was launched with.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .apps import AppView
from .common import iso_at, new_uuid, random_alnum
from .errors import ApiError, BadRequest, NotFound
from .fly_certs import CertificateAPI
from .fly_machine_api import MachineAPI
from .fly_machines import CHECK_TTL, Machine, check_paths, check_region, generated_name, new_machine_id, require_image
from .fly_settings import FlySettings, NameTaken, RateLimiter
from .routing import Handler, Request, Response
from .vendor import VendorAPI, register_vendor

FLY_API_TOKEN = os.environ.get("SANDBOX_FLY_API_TOKEN", "fm2_sandbox_fly_token")
FLY_ORG = os.environ.get("SANDBOX_FLY_ORG", "launchkit-sandbox")
FLY_REGION = os.environ.get("SANDBOX_FLY_REGION", "iad")
APP_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FLY_DEV = ".fly.dev"


def digest(value: str) -> str:
    """A secret's digest. Fly's algorithm is undocumented (UNCONFIRMED): compare digests, never compute one."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@dataclass
class Secret:
    value: str
    created: float
    updated: float

    def document(self, name: str, *, show: bool = False) -> dict[str, Any]:
        doc = {"name": name, "digest": digest(self.value), "created_at": iso_at(self.created),
               "updated_at": iso_at(self.updated)}
        if show:
            doc["value"] = self.value
        return doc


@dataclass
class FlyApp:
    name: str
    org: str
    network: str
    numeric_id: int
    created: float
    id: str = field(default_factory=lambda: random_alnum(16))
    secrets: dict[str, Secret] = field(default_factory=dict)
    secrets_version: int = 0

    def document(self, machine_count: int) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "internal_numeric_id": self.numeric_id,
                "machine_count": machine_count, "volume_count": 0, "network": self.network,
                "status": "deployed" if machine_count else "pending",
                "organization": {"name": self.org, "slug": self.org, "internal_numeric_id": org_number(self.org)}}


def org_number(slug: str) -> int:
    return int(hashlib.sha256(slug.encode()).hexdigest()[:8], 16)


@register_vendor
class FlyAPI(VendorAPI):
    name = "fly"
    prefix = "/fly/v1"
    spec_file = "fly/machines-api.openapi3.json"
    default_region = FLY_REGION

    def register_routes(self) -> None:
        self.machine_api = MachineAPI(self)
        self.certs = CertificateAPI(self)
        routes = [
            ("GET", "/apps", self.list_apps), ("POST", "/apps", self.create_app),
            ("GET", "/apps/{app_name}", self.get_app), ("DELETE", "/apps/{app_name}", self.delete_app),
            ("GET", "/apps/{app_name}/secrets", self.list_secrets),
            ("POST", "/apps/{app_name}/secrets", self.update_secrets),
            ("GET", "/apps/{app_name}/secrets/{secret_name}", self.get_secret),
            ("POST", "/apps/{app_name}/secrets/{secret_name}", self.set_secret),
            ("DELETE", "/apps/{app_name}/secrets/{secret_name}", self.delete_secret),
        ]
        for method, template, handler in [*routes, *self.machine_api.routes(), *self.certs.routes()]:
            self.route(method, template, handler)

    # --- vendor conventions ------------------------------------------------------------------
    def reset(self) -> None:
        self._numbers = itertools.count(1)
        self.orgs: set[str] = {FLY_ORG}
        self.apps: dict[str, FlyApp] = {}
        self.foreign: set[str] = set()  # app names owned by organizations the sandbox's token cannot see
        self.machines: dict[str, Machine] = {}
        self.settings = FlySettings()
        self.limiter = RateLimiter()
        self.certs.reset()
        self._turn = itertools.count()

    def authenticate(self, request: Request) -> bool:
        """``Bearer <token>``, or ``FlyV1 <macaroon[,macaroon...]>`` as fly-go sends macaroon tokens."""
        scheme, _space, credentials = request.header("Authorization").partition(" ")
        if scheme == "Bearer":
            return credentials == FLY_API_TOKEN
        if scheme == "FlyV1":
            tokens = [part.strip() for part in credentials.split(",")]
            return FLY_API_TOKEN in tokens or f"FlyV1 {FLY_API_TOKEN}" in tokens
        return False

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message}

    def api_error(self, exc: ApiError, request: Request) -> Response:
        response = self.error(exc.status, exc.message)
        kind = getattr(exc, "kind", None)
        if kind:
            response.body["status"] = kind
        return response

    def finalize(self, response: Response) -> None:
        response.headers["fly-request-id"] = new_uuid().replace("-", "")[:26]

    @staticmethod
    def adapt_spec(document: dict[str, Any]) -> None:
        """What the vendor accepts beyond the saved spec, each from NOTES.md:
        ``status: name_taken`` (fly-go flaps_error.go); ``null`` deletes a secret in ``values`` (quirk 1);
        ``app_name`` as well as ``name`` on app create (quirk 9); ``?wait=`` on app create (fly-go) and
        ``?force=`` on app delete (vendor-doc)."""
        schemas = document["components"]["schemas"]
        schemas["main.statusCode"]["enum"].append("name_taken")
        schemas["AppSecretsUpdateRequest"]["properties"]["values"]["additionalProperties"]["nullable"] = True
        schemas["CreateAppRequest"]["properties"]["app_name"] = {"type": "string"}
        boolean = {"in": "query", "schema": {"type": "boolean"}}
        paths = document["paths"]
        paths["/apps"]["post"].setdefault("parameters", []).append({"name": "wait", **boolean})
        paths["/apps/{app_name}"]["delete"].setdefault("parameters", []).append({"name": "force", **boolean})

    def before(self, request: Request) -> None:
        if self.settings.rate_limit:
            self.limiter.check(request)

    # --- control: /_sandbox/fly/... -------------------------------------------------------------
    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/settings", self.control_settings), ("POST", "/settings", self.control_settings),
                ("GET", "/dns", self.control_dns), ("POST", "/dns", self.control_dns),
                ("GET", "/foreign-apps", self.control_foreign), ("POST", "/foreign-apps", self.control_foreign),
                ("GET", "/apps/{app_name}/machines/{machine_id}/env", self.control_machine_env)]

    def control_settings(self, request: Request) -> Response:
        if request.method == "POST":
            self.settings.update(request.body)
            for machine in self.machines.values():
                machine.checked_at = 0.0  # a failure switched on shows in the next check
        return Response(200, self.settings.describe())

    def control_dns(self, request: Request) -> Response:
        if request.method == "POST":
            self.certs.dns.update(request.body)
        return Response(200, self.certs.dns.describe())

    def control_foreign(self, request: Request) -> Response:
        """``{"names": [...]}``: app names another organization owns (a create of one is ``name_taken``)."""
        if request.method == "POST":
            names = (request.body or {}).get("names") if isinstance(request.body, dict) else None
            if not isinstance(names, list) or not all(isinstance(name, str) and APP_NAME.match(name) for name in names):
                raise ValueError('the body must be {"names": ["<app name>", ...]}')
            self._register_foreign(names)
        return Response(200, {"names": sorted(self.foreign)})

    def control_machine_env(self, request: Request) -> Response:
        """What a Machine's stand-in app runs with (values included: for tests, never logged)."""
        app = self._own_app(request.params["app_name"])
        machine = self.machines.get(request.params["machine_id"])
        if machine is None or machine.app != app.name:
            raise NotFound("machine not found")
        return Response(200, {"env": dict(machine.env), "secrets_version": machine.secrets_version,
                              "instance_id": machine.instance_id, "state": machine.state})

    def _register_foreign(self, names: list[str]) -> None:
        mine = sorted(set(names) & set(self.apps))
        if mine:
            raise ValueError(f"already apps of the sandbox's organizations: {mine}")
        self.foreign.update(names)

    # --- state -------------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """Names, digests and versions; never a secret value."""
        apps = []
        for app in self.apps.values():
            machines = []
            for machine in self.machines_of(app.name, include_deleted=True):
                machine.settle(time.time())
                machines.append({"id": machine.id, "name": machine.name, "region": machine.region,
                                 "state": machine.state, "instance_id": machine.instance_id,
                                 "image": machine.config.get("image"), "secrets_version": machine.secrets_version,
                                 "env_keys": sorted(machine.env), "metadata": dict(machine.config.get("metadata") or {})})
            apps.append({"name": app.name, "org": app.org, "network": app.network,
                         "secrets_version": app.secrets_version,
                         "secrets": [secret.document(name) for name, secret in app.secrets.items()],
                         "machines": machines})
        return {"orgs": sorted(self.orgs), "apps": apps, "foreign_apps": sorted(self.foreign),
                "certificates": self.certs.dump(), "dns_present": self.certs.dns.describe()["present"],
                "settings": self.settings.describe()}

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """``{"orgs": [...], "foreign_apps": [...], "dns": {"<host>": true}, "apps": [{"name", "org", "network",
        "secrets": {...}, "machines": [{"count", "name", "region", "config", "state"}]}]}``; an app that
        exists is left as it is."""
        if not isinstance(data, dict) or set(data) - {"orgs", "foreign_apps", "dns", "apps"}:
            raise BadRequest('fly takes {"orgs", "foreign_apps", "dns", "apps"}')
        self.orgs.update(data.get("orgs") or [])
        self._register_foreign(list(data.get("foreign_apps") or []))
        if data.get("dns"):
            self.certs.dns.update({"records": data["dns"]})
        seeded = []
        for spec in data.get("apps") or []:
            seeded.append(self._seed_app(spec))
        return {"apps": seeded}

    def _seed_app(self, spec: dict[str, Any]) -> dict[str, Any]:
        name = spec.get("name")
        if name in self.apps:
            return {"name": name, "action": "exists", "machines": [m.id for m in self.machines_of(name)]}
        app = self._create_app(str(name), str(spec.get("org") or FLY_ORG), str(spec.get("network") or ""))
        self.orgs.add(app.org)
        if spec.get("secrets"):
            self._write_secrets(app, {key: str(value) for key, value in spec["secrets"].items()})
        ids = []
        for item in spec.get("machines") or []:
            for _index in range(int(item.get("count", 1))):
                ids.append(self._seed_machine(app, item).id)
        return {"name": app.name, "action": "created", "machines": ids}

    def _seed_machine(self, app: FlyApp, item: dict[str, Any]) -> Machine:
        """A Machine already deployed: launched with the app's secrets of now, started at once."""
        config = require_image(item.get("config"))
        now = time.time()
        name = item.get("name") if int(item.get("count", 1)) == 1 and item.get("name") else generated_name()
        machine = Machine(new_machine_id(), app.name, name, check_region(item.get("region") or self.default_region),
                          dict(config), now, updated=now)
        machine.env, machine.secrets_version = self.launch_env(app, machine.config, False)
        machine.versions.insert(0, (machine.instance_id, dict(config)))
        started = item.get("state", "started") == "started"
        machine.state, machine.started_at = ("started", now) if started else ("stopped", None)
        machine.event(machine.state, "launch", now, "user")
        self.machines[machine.id] = machine
        return machine

    # --- what machines and the stand-in apps need -------------------------------------------------
    def app_of(self, request: Request) -> FlyApp:
        return self._own_app(request.params["app_name"])

    def _own_app(self, name: str) -> FlyApp:
        app = self.apps.get(name)
        if app is None:
            raise NotFound(f"Could not find App \"{name}\"")
        return app

    def machines_of(self, app_name: str, *, include_deleted: bool = False) -> list[Machine]:
        return [machine for machine in self.machines.values()
                if machine.app == app_name and (include_deleted or machine.state != "destroyed")]

    def launch_env(self, app: FlyApp, config: dict[str, Any], skip_secrets: bool) -> tuple[dict[str, str], int | None]:
        """The env a Machine launched now runs with: its config env, then the app's current secrets."""
        env = {key: str(value) for key, value in (config.get("env") or {}).items()}
        if skip_secrets:
            return env, None
        return {**env, **{key: secret.value for key, secret in app.secrets.items()}}, app.secrets_version

    def observe(self, machine: Machine) -> None:
        """Bring a Machine's state and (at most once per CHECK_TTL) its checks up to date."""
        now = time.time()
        machine.settle(now)
        if now - machine.checked_at < CHECK_TTL:
            return
        machine.checked_at = now
        failing = self.settings.failure(machine.id, machine.name) == "checks"
        checks = []
        for name, kind, path in check_paths(machine.config):
            status, output = self._probe(machine, kind, path, failing)
            checks.append({"name": name, "status": status, "output": output, "updated_at": iso_at(now)})
        machine.checks = checks

    def _probe(self, machine: Machine, kind: str, path: str, failing: bool) -> tuple[str, str]:
        if machine.state != "started":
            return "critical", f"the machine is {machine.state}"
        if failing:
            return "critical", "sandbox: this machine is set to fail its checks"
        if kind != "http":
            return "passing", "Success"
        apps: Any = self.context.vendors.get("apps")
        status = apps.probe(self.machine_view(machine), path)
        return ("passing" if 200 <= status < 400 else "critical"), f"GET {path}: HTTP {status}"

    def machine_view(self, machine: Machine) -> AppView:
        return AppView(machine.app, False, dict(machine.env), machine.instance_id,
                       "live" if machine.state == "started" else machine.state, machine.started_at, machine.id)

    def app_view(self, name: str) -> AppView | None:
        """The stand-in app of Fly app ``name`` (``<app>.fly.dev``): one of its started Machines, those
        passing their checks first, in turn; None when there is no such app."""
        app = self.apps.get(name)
        if app is None:
            return None
        started = []
        for machine in self.machines_of(app.name):
            self.observe(machine)
            if machine.state == "started":
                started.append(machine)
        healthy = [m for m in started if all(check["status"] == "passing" for check in m.checks)
                   and self.settings.failure(m.id, m.name) != "checks"]
        pool = healthy or started
        if not pool:
            return AppView(app.name, False, {}, None, None, None, down=f"app {app.name} has no started machine")
        return self.machine_view(pool[next(self._turn) % len(pool)])

    def served_app(self, host: str) -> str | None:
        """The app served over HTTPS at ``host``: ``<app>.fly.dev``, or an issued certificate's hostname."""
        if host.endswith(FLY_DEV) and host[:-len(FLY_DEV)] in self.apps:
            return host[:-len(FLY_DEV)]
        return self.certs.issued_app(host)

    # --- apps --------------------------------------------------------------------------------------
    def list_apps(self, request: Request) -> Response:
        org = request.arg("org_slug") or ""
        org = FLY_ORG if org == "personal" else org
        if org not in self.orgs:
            raise NotFound(f"Could not find Organization \"{org}\"")
        apps = [app.document(len(self.machines_of(app.name))) for app in self.apps.values() if app.org == org]
        return Response(200, {"apps": apps, "total_apps": len(apps)})

    def create_app(self, request: Request) -> Response:
        body = request.body or {}
        names = {body[key] for key in ("name", "app_name") if key in body}
        if len(names) != 1:
            raise BadRequest("give the app's name once, as name (or app_name)")
        org = body.get("org_slug") or ""
        org = FLY_ORG if org == "personal" else org
        if org not in self.orgs:
            raise NotFound(f"Could not find Organization \"{org}\"")
        self._create_app(names.pop(), org, body.get("network") or "")
        return Response(201)

    def _create_app(self, name: str, org: str, network: str) -> FlyApp:
        if not APP_NAME.match(name):
            raise ApiError(422, f"Validation failed: Name {name!r} may only contain lowercase letters, numbers and "
                                "dashes, and must start and end with a letter or number")
        if name in self.apps or name in self.foreign:
            raise NameTaken(name)
        app = FlyApp(name, org, network or "default", next(self._numbers), time.time())
        self.apps[name] = app
        return app

    def get_app(self, request: Request) -> Response:
        app = self.app_of(request)
        return Response(200, app.document(len(self.machines_of(app.name))))

    def delete_app(self, request: Request) -> Response:
        app = self.app_of(request)
        active = [m.id for m in self.machines_of(app.name) if m.state not in ("stopped", "created", "failed")]
        if active and request.arg("force") != "true":
            raise ApiError(412, f"app {app.name} has machines that are not stopped ({', '.join(active)}); "
                                "stop them or delete with force=true")
        self.machines = {key: m for key, m in self.machines.items() if m.app != app.name}
        self.certs.forget(app)
        del self.apps[app.name]
        return Response(202)

    # --- secrets -----------------------------------------------------------------------------------
    def _show(self, request: Request, app: FlyApp) -> bool:
        minimum = request.arg("min_version")
        if minimum is not None and (not minimum.isdigit() or int(minimum) > app.secrets_version):
            raise BadRequest(f"secrets version {minimum} is not available (the app's is {app.secrets_version})")
        show = request.arg("show_secrets") == "true"
        if show and not self.settings.show_secrets:
            raise ApiError(403, "this token is not allowed to read secret values (show_secrets)")
        return show

    def list_secrets(self, request: Request) -> Response:
        app = self.app_of(request)
        show = self._show(request, app)
        return Response(200, {"secrets": [secret.document(name, show=show) for name, secret in app.secrets.items()]})

    def get_secret(self, request: Request) -> Response:
        app = self.app_of(request)
        show = self._show(request, app)
        name = request.params["secret_name"]
        if name not in app.secrets:
            raise NotFound(f"secret {name} not found")
        return Response(200, app.secrets[name].document(name, show=show))

    def update_secrets(self, request: Request) -> Response:
        """Set the given keys and delete those set to null [NOTES quirk 1]; running Machines are untouched."""
        app = self.app_of(request)
        values = (request.body or {}).get("values") or {}
        self._write_secrets(app, values)
        return Response(200, {"version": app.secrets_version,
                              "secrets": [secret.document(name) for name, secret in app.secrets.items()]})

    def set_secret(self, request: Request) -> Response:
        app = self.app_of(request)
        name = request.params["secret_name"]
        self._write_secrets(app, {name: str((request.body or {}).get("value", ""))})
        return Response(201, {**app.secrets[name].document(name), "version": app.secrets_version})

    def delete_secret(self, request: Request) -> Response:
        app = self.app_of(request)
        name = request.params["secret_name"]
        if name not in app.secrets:
            raise NotFound(f"secret {name} not found")
        self._write_secrets(app, {name: None})
        return Response(200, {"version": app.secrets_version})

    @staticmethod
    def _write_secrets(app: FlyApp, values: dict[str, str | None]) -> None:
        bad = sorted(name for name in values if not SECRET_NAME.match(name))
        if bad:
            raise BadRequest(f"invalid secret names {bad}: letters, digits and underscores, not starting with a digit")
        if not values:
            return
        now = time.time()
        for name, value in values.items():
            if value is None:
                app.secrets.pop(name, None)
            elif name in app.secrets:
                app.secrets[name] = Secret(value, app.secrets[name].created, now)
            else:
                app.secrets[name] = Secret(value, now, now)
        app.secrets_version += 1
