"""Render Postgres (``/render/v1/postgres``): each instance is a real database and login role on the
sandbox's PostgreSQL (see pg_databases.py); plans, disks, high availability and replicas are records."""
from __future__ import annotations

import itertools
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .common import iso_at, parse_time, prefixed_id, random_alnum, random_secret
from .errors import ApiError, BadRequest, NotFound
from .pg_databases import PgLogin, PgServer, PgUnavailable
from .render_models import matches_filter, paginate
from .routing import Handler, Request, Response
from .vendor import SandboxContext, provision_delay

NO_POSTGRES = ("the sandbox has no PostgreSQL: start the sandbox server with --pg-url "
               "postgresql://<admin>@127.0.0.1:<port>/postgres (or SANDBOX_PG_URL), e.g. through scripts/sandbox-up.sh")
FREE_LIFETIME = timedelta(days=30)
NAME_LIMIT = 63  # PostgreSQL identifiers
SUFFIX_LENGTH = 4
# PATCH fields that restart the database (datadogAPIKey: "Restarts Postgres on change" per the spec)
RESTARTING_FIELDS = ("plan", "diskSizeGB", "enableHighAvailability", "parameterOverrides", "datadogAPIKey")
# POST-only fields: not in postgresPATCHInput
CREATE_ONLY_FIELDS = ("version", "region", "databaseName", "databaseUser", "ownerId", "environmentId")
TIME_FILTERS = (("createdBefore", "created", False), ("createdAfter", "created", True),
                ("updatedBefore", "updated", False), ("updatedAfter", "updated", True))
SEED_DEFAULTS = {"plan": "basic_256mb", "version": "16"}
# A PostgreSQL identifier a user can be created under without quoting (Render's rule is not published;
# the sandbox takes no more than a plain lowercase name).
USERNAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def stamp() -> float:
    """Now, to the microsecond the documents show (so a timestamp filter given a document's own time
    excludes that document)."""
    return parse_time(iso_at(time.time()))


def database_base(name: str) -> str:
    """Render's generated database name: the instance name in lowercase with underscores."""
    cleaned = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "db"
    if cleaned[0].isdigit():
        cleaned = f"db_{cleaned}"
    return cleaned[:NAME_LIMIT - SUFFIX_LENGTH - len("_") - len("_user")]


@dataclass
class PgUser:
    """One database user (credential) of an instance: a login role on the sandbox PostgreSQL."""

    name: str
    password: str
    created: float


@dataclass
class PostgresInstance:
    id: str
    name: str
    owner: dict[str, Any]
    plan: str
    region: str
    version: str
    login: PgLogin
    host: str
    port: int
    status: str = "creating"
    suspended: bool = False
    disk_size_gb: int | None = None
    high_availability: bool = False
    disk_autoscaling: bool = False
    ip_allow_list: list[dict[str, Any]] = field(default_factory=list)
    parameter_overrides: dict[str, str] | None = None
    read_replicas: list[dict[str, Any]] = field(default_factory=list)
    datadog_api_key: str = ""
    environment_id: str | None = None
    created: float = 0.0
    updated: float = 0.0
    # Its database users, oldest first; the newest is the default (Render: a new user "becomes the
    # database's new default user"). The first is the role the instance was created with.
    users: list[PgUser] = field(default_factory=list)

    @property
    def default_login(self) -> PgLogin:
        """The database with its default user: what connection-info hands out."""
        user = self.users[-1] if self.users else PgUser(self.login.user, self.login.password, self.created)
        return PgLogin(self.login.database, user.name, user.password)

    def user(self, name: str) -> PgUser | None:
        return next((user for user in self.users if user.name == name), None)

    def summary(self) -> dict[str, Any]:
        """The ``postgres`` schema (list items)."""
        doc: dict[str, Any] = {
            "id": self.id, "ipAllowList": list(self.ip_allow_list), "createdAt": iso_at(self.created),
            "updatedAt": iso_at(self.updated), "databaseName": self.login.database,
            "databaseUser": self.login.user, "highAvailabilityEnabled": self.high_availability,
            "name": self.name, "owner": dict(self.owner), "plan": self.plan, "region": self.region,
            "readReplicas": [dict(replica) for replica in self.read_replicas], "role": "primary",
            "status": self.status, "version": self.version,
            "suspended": "suspended" if self.suspended else "not_suspended",
            "suspenders": ["user"] if self.suspended else [],
            "dashboardUrl": f"https://dashboard.render.com/d/{self.id}",
            "diskAutoscalingEnabled": self.disk_autoscaling,
        }
        if self.plan == "free":
            doc["expiresAt"] = iso_at(self.created + FREE_LIFETIME.total_seconds())
        if self.environment_id:
            doc["environmentId"] = self.environment_id
        if self.disk_size_gb is not None:
            doc["diskSizeGB"] = self.disk_size_gb
        return doc

    def detail(self) -> dict[str, Any]:
        """The ``postgresDetail`` schema (get, create, update)."""
        doc = {**self.summary(), "project": None}
        if self.parameter_overrides is not None:
            doc["parameterOverrides"] = dict(self.parameter_overrides)
        return doc

    def connection_info(self) -> dict[str, str]:
        login = self.default_login
        url = login.url(self.host, self.port)
        return {"password": login.password, "internalConnectionString": url, "externalConnectionString": url,
                "psqlCommand": f"PGPASSWORD={login.password} psql -h {self.host} -p {self.port} "
                               f"-U {login.user} {login.database}"}

    def touch(self) -> None:
        self.updated = max(stamp(), self.updated)


def replicas_from(given: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``readReplicasInput`` as stored replicas; a replica keeps its id while its name stays."""
    known = {replica["name"]: replica["id"] for replica in current}
    replicas = []
    for item in given:
        replica: dict[str, Any] = {"id": known.get(item["name"]) or prefixed_id("dpg"), "name": item["name"]}
        if "parameterOverrides" in item:
            replica["parameterOverrides"] = dict(item["parameterOverrides"])
        replicas.append(replica)
    return replicas


class RenderPostgres:
    """Routes, state and PostgreSQL side of Render Postgres; ``owner`` looks a workspace up (404)."""

    def __init__(self, context: SandboxContext, owner: Callable[[str], dict[str, Any]]) -> None:
        self.context = context
        self.owner = owner
        self.instances: dict[str, tuple[int, PostgresInstance]] = {}
        self._seq = itertools.count(1)

    @property
    def server(self) -> PgServer | None:
        return self.context.postgres

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/postgres", self.list_postgres),
            ("POST", "/postgres", self.create_postgres),
            ("GET", "/postgres/{postgresId}", self.get_postgres),
            ("PATCH", "/postgres/{postgresId}", self.update_postgres),
            ("DELETE", "/postgres/{postgresId}", self.delete_postgres),
            ("GET", "/postgres/{postgresId}/connection-info", self.connection_info),
            ("POST", "/postgres/{postgresId}/suspend", self.suspend_postgres),
            ("POST", "/postgres/{postgresId}/resume", self.resume_postgres),
            ("POST", "/postgres/{postgresId}/restart", self.restart_postgres),
            ("GET", "/postgres/{postgresId}/credentials", self.list_users),
            ("POST", "/postgres/{postgresId}/credentials", self.create_user),
            ("DELETE", "/postgres/{postgresId}/credentials/{username}", self.delete_user),
        ]

    # --- sandbox conventions -----------------------------------------------------------------
    def reset(self) -> None:
        """Forget every instance and drop every database and role this sandbox created (also the
        leftovers of a previous run with the same state dir, or of a sandbox whose state dir is gone)."""
        self.instances = {}
        self._seq = itertools.count(1)
        if self.server is None:
            return
        try:
            self.server.drop_all()
        except PgUnavailable as exc:
            print(f"sandbox: WARNING: Render Postgres cleanup skipped: {exc}", file=sys.stderr, flush=True)

    def dump(self) -> dict[str, Any]:
        return {
            "postgres": [{**instance.detail(), "password": instance.default_login.password, "port": instance.port,
                          "connectionInfo": instance.connection_info(),
                          "users": [{"username": user.name, "password": user.password} for user in instance.users]}
                         for _seq, instance in self.instances.values()],
            "postgres_server": self.server.describe() if self.server else None,
        }

    def seed(self, specs: list[dict[str, Any]], owner_id: str) -> list[dict[str, str]]:
        created = [self._create({"ownerId": owner_id, **SEED_DEFAULTS, **spec}) for spec in specs]
        return [{"id": instance.id, "name": instance.name} for instance in created]

    # --- handlers ----------------------------------------------------------------------------
    def list_postgres(self, request: Request) -> Response:
        filters = {key: request.args(key) for key in ("name", "region", "ownerId", "environmentId", "suspended")}
        bounds = [(attribute, after, self._time_arg(request, key)) for key, attribute, after in TIME_FILTERS]
        rows = []
        for seq, instance in self.instances.values():
            doc = instance.summary()
            values = {**doc, "ownerId": instance.owner["id"]}
            if not all(matches_filter(values.get(key), wanted) for key, wanted in filters.items()):
                continue
            if all(self._within(getattr(instance, attribute), after, bound) for attribute, after, bound in bounds):
                rows.append((seq, doc))
        return paginate(request, rows, "postgres")

    def create_postgres(self, request: Request) -> Response:
        return Response(201, self._create(request.body).detail())

    def get_postgres(self, request: Request) -> Response:
        return Response(200, self._instance(request).detail())

    def update_postgres(self, request: Request) -> Response:
        instance, body = self._instance(request), request.body
        fixed = [key for key in CREATE_ONLY_FIELDS if key in body]
        if fixed:
            raise BadRequest(f"{', '.join(fixed)} cannot be changed on an existing Postgres instance")
        size = body.get("diskSizeGB")
        if size is not None and instance.disk_size_gb is not None and size < instance.disk_size_gb:
            raise BadRequest(f"diskSizeGB cannot be decreased (from {instance.disk_size_gb} to {size})")
        restart = [key for key in RESTARTING_FIELDS if key in body and body[key] != self._current(instance, key)]
        self._apply(instance, body)
        if restart and not instance.suspended:
            self._pg(lambda server: server.restart(instance.login.database))
            self._settle(instance, "config_restart")
        instance.touch()
        return Response(200, instance.detail())

    def delete_postgres(self, request: Request) -> Response:
        """Irreversible: the database (open connections included) and its role are dropped."""
        instance = self._instance(request)
        self._pg(lambda server: server.drop(instance.login, tuple(user.name for user in instance.users)))
        del self.instances[instance.id]
        return Response(204)

    def connection_info(self, request: Request) -> Response:
        return Response(200, self._instance(request).connection_info())

    def suspend_postgres(self, request: Request) -> Response:
        instance = self._instance(request)
        if not instance.suspended:
            self._pg(lambda server: server.allow_connections(instance.login.database, False))
            instance.suspended, instance.status = True, "suspended"
            instance.touch()
        return Response(202)

    def resume_postgres(self, request: Request) -> Response:
        instance = self._instance(request)
        if instance.suspended:
            self._pg(lambda server: server.allow_connections(instance.login.database, True))
            instance.suspended = False
            self._settle(instance, "updating_instance")
            instance.touch()
        return Response(202)

    def restart_postgres(self, request: Request) -> Response:
        instance = self._instance(request)
        if instance.suspended:
            raise BadRequest("cannot restart a suspended Postgres instance: resume it first")
        self._pg(lambda server: server.restart(instance.login.database))
        return Response(202)

    def list_users(self, request: Request) -> Response:
        instance = self._instance(request)
        default = instance.default_login.user
        names = [user.name for user in instance.users]
        sessions = self._pg(lambda server: server.open_connections(names)) if not instance.suspended else {}
        return Response(200, [{"username": user.name, "default": user.name == default,
                               "createdAt": iso_at(user.created), "openConnections": sessions.get(user.name, 0)}
                              for user in instance.users])

    def create_user(self, request: Request) -> Response:
        """A real login role with the default user's access; it becomes the default user."""
        instance, name = self._instance(request), request.body["username"]
        if instance.suspended:
            raise BadRequest("cannot create a user on a suspended Postgres instance: resume it first")
        if not USERNAME.match(name):
            raise BadRequest("username must be a lowercase PostgreSQL identifier of at most 63 characters "
                             "(letters, digits and underscores, not starting with a digit)")
        if instance.user(name) is not None or self._pg(lambda server: server.taken(user=name)):
            raise BadRequest(f"a user named {name!r} already exists")
        user = PgUser(name, random_secret(24), stamp())
        like = instance.default_login.user
        self._pg(lambda server: server.add_user(instance.login.database, name, user.password, like))
        instance.users.append(user)
        instance.touch()
        return Response(202)

    def delete_user(self, request: Request) -> Response:
        """The role is dropped (its sessions end, its password is refused); what it owned passes to the
        default user, or to the newest other user when it was the default, who then becomes the default."""
        instance, name = self._instance(request), request.params["username"]
        user = instance.user(name)
        if user is None:
            raise NotFound(f"user {name!r} not found")
        if len(instance.users) == 1:
            raise BadRequest(f"cannot delete {name!r}, the only user of this Postgres instance")
        heir = next(other.name for other in reversed(instance.users) if other.name != name)
        self._pg(lambda server: server.remove_user(instance.login.database, name, heir))
        instance.users.remove(user)
        instance.touch()
        return Response(200)

    # --- internals ---------------------------------------------------------------------------
    def _instance(self, request: Request) -> PostgresInstance:
        found = self.instances.get(request.params["postgresId"])
        if found is None:
            raise NotFound("postgres instance not found")
        return found[1]

    def _pg(self, action: Callable[[PgServer], Any]) -> Any:
        if self.server is None:
            raise BadRequest(NO_POSTGRES)
        try:
            return action(self.server)
        except PgUnavailable as exc:
            raise ApiError(503, str(exc)) from exc

    def _create(self, body: dict[str, Any]) -> PostgresInstance:
        owner = self.owner(body["ownerId"])
        if self.server is None:
            raise BadRequest(NO_POSTGRES)
        login = self._pg(lambda server: self._free_login(server, body))
        self._pg(lambda server: server.create(login))
        now = stamp()
        instance = PostgresInstance(
            id=prefixed_id("dpg"), name=body["name"], owner=dict(owner), plan=body["plan"],
            region=body.get("region", "oregon"), version=body["version"], login=login,
            host=self.server.host, port=self.server.port, environment_id=body.get("environmentId"),
            high_availability=body.get("enableHighAvailability", False),
            disk_autoscaling=body.get("enableDiskAutoscaling", False), disk_size_gb=body.get("diskSizeGB"),
            ip_allow_list=list(body.get("ipAllowList", [])), datadog_api_key=body.get("datadogAPIKey", ""),
            parameter_overrides=dict(body["parameterOverrides"]) if "parameterOverrides" in body else None,
            read_replicas=replicas_from(body.get("readReplicas", []), []), created=now, updated=now,
            users=[PgUser(login.user, login.password, now)],
        )
        self.instances[instance.id] = (next(self._seq), instance)
        self._settle(instance, "creating")
        return instance

    @staticmethod
    def _free_login(server: PgServer, body: dict[str, Any]) -> PgLogin:
        """The requested names (400 when the server already has them), or generated ones that are free."""
        password = random_secret(24)
        if "databaseName" in body or "databaseUser" in body:
            base = database_base(body["name"])
            database = body.get("databaseName") or f"{base}_{random_alnum(SUFFIX_LENGTH)}"
            user = body.get("databaseUser") or f"{database[:NAME_LIMIT - len('_user')]}_user"
            too_long = [key for key, value in (("databaseName", database), ("databaseUser", user))
                        if len(value.encode()) > NAME_LIMIT]
            if too_long:
                raise BadRequest(f"{' and '.join(too_long)} must be at most {NAME_LIMIT} bytes (PostgreSQL's limit)")
            clash = server.taken(database, user)
            if clash:
                raise BadRequest(f"{' and '.join(clash)} already exist(s) on the sandbox PostgreSQL, "
                                 "which all sandbox Postgres instances share: choose another name")
            return PgLogin(database, user, password)
        for _attempt in range(20):
            database = f"{database_base(body['name'])}_{random_alnum(SUFFIX_LENGTH)}"
            user = f"{database}_user"
            if not server.taken(database, user):
                return PgLogin(database, user, password)
        raise ApiError(500, "could not find a free database name on the sandbox PostgreSQL")

    def _settle(self, instance: PostgresInstance, status: str) -> None:
        """Show ``status`` for SANDBOX_PROVISION_DELAY seconds, then ``available`` (unless it changed)."""
        instance.status = status

        def settle() -> None:
            if instance.id in self.instances and instance.status == status and not instance.suspended:
                instance.status = "available"

        self.context.later(provision_delay(), settle)

    @staticmethod
    def _current(instance: PostgresInstance, key: str) -> Any:
        return {"plan": instance.plan, "diskSizeGB": instance.disk_size_gb,
                "enableHighAvailability": instance.high_availability,
                "parameterOverrides": instance.parameter_overrides, "datadogAPIKey": instance.datadog_api_key}[key]

    @staticmethod
    def _apply(instance: PostgresInstance, body: dict[str, Any]) -> None:
        instance.name = body.get("name", instance.name)
        instance.plan = body.get("plan", instance.plan)
        instance.disk_size_gb = body.get("diskSizeGB", instance.disk_size_gb)
        instance.high_availability = body.get("enableHighAvailability", instance.high_availability)
        instance.disk_autoscaling = body.get("enableDiskAutoscaling", instance.disk_autoscaling)
        instance.datadog_api_key = body.get("datadogAPIKey", instance.datadog_api_key)
        instance.ip_allow_list = list(body.get("ipAllowList", instance.ip_allow_list))
        if "parameterOverrides" in body:
            instance.parameter_overrides = dict(body["parameterOverrides"])
        if "readReplicas" in body:
            instance.read_replicas = replicas_from(body["readReplicas"], instance.read_replicas)

    @staticmethod
    def _time_arg(request: Request, key: str) -> float | None:
        raw = request.arg(key)
        if raw is None:
            return None
        try:
            return parse_time(raw)
        except ValueError as exc:
            raise BadRequest(f"{key} must be an ISO 8601 date-time") from exc

    @staticmethod
    def _within(value: float, after: bool, bound: float | None) -> bool:
        if bound is None:
            return True
        return value > bound if after else value < bound
