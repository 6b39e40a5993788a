"""The Upstash REST API of each Upstash database (``/upstash-rest/<endpoint>/...``), on the same real
redis-server the database's Redis URL reaches.

Upstash serves it at ``https://<endpoint>``; in the sandbox it is ``http://<sandbox>/upstash-rest/<endpoint>``,
which the Developer API (and the Vercel integration's control route) hand out as ``rest_url``. Semantics,
from Upstash's docs (redis/features/restapi):

- a command as path segments, ``GET /set/k/v``, ``/set/k/v/EX/100``; query parameters are appended as
  further arguments (``?EX=100``) and a POST body as the last one (``POST /set/k`` with the value);
- a whole command as a JSON array in a POST body to ``/`` (``["SET", "k", "v", "EX", "10"]``);
- ``POST /pipeline`` (an array of commands) answers an array of ``{"result"}`` / ``{"error"}``;
  ``POST /multi-exec`` runs them in one MULTI/EXEC transaction;
- ``Authorization: Bearer <rest_token>`` or ``?_token=``; the ``read_only_rest_token`` logs in as a
  Redis ACL user allowed only ``@read`` commands, so a write (or EVAL) is Redis's own
  ``NOPERM this user has no permissions to run the '<cmd>' command``;
- ``{"result": ...}`` with 200, ``{"error": "..."}`` with 400 (a failing command), 401 (missing or wrong
  token: ``WRONGPASS invalid or missing auth token``), 405 for a method other than HEAD, GET, POST, PUT.
"""
from __future__ import annotations

import json
import re
import socket
from typing import Any
from urllib.parse import unquote

from .apps import released
from .errors import ApiError
from .redis_servers import HOST, RedisInstance, RespError, resp_encode, resp_read
from .routing import Request, Response, Route, Router
from .vendor import VendorAPI, register_vendor

PREFIX = "/upstash-rest"
READONLY_USER = "upstash-readonly"
ALLOWED_METHODS = ("HEAD", "GET", "POST", "PUT")
UNAUTHORIZED = "WRONGPASS invalid or missing auth token"


class RestRouter(Router):
    """``/<endpoint>/<command path...>`` for every method, to one handler."""

    PATTERN = re.compile(r"^/(?P<endpoint>[^/]+)(?P<path>/.*)?$")

    def __init__(self, handler: Any) -> None:
        super().__init__()
        self._route = Route("*", "/{endpoint}/{path}", handler, self.PATTERN)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        found = self.PATTERN.match(path)
        if found is None:
            return None
        return self._route, {"endpoint": unquote(found["endpoint"]), "path": found["path"] or "/"}


class Session:
    """One connection to a database's redis-server, logged in as the token's user; errors are values."""

    def __init__(self, instance: RedisInstance, user: str | None, password: str) -> None:
        raw = socket.create_connection((HOST, instance.port), timeout=5)
        self.conn = instance.tls.client_context().wrap_socket(raw, server_hostname=HOST) if instance.tls else raw
        self.stream = self.conn.makefile("rb")
        self.run("AUTH", *((user,) if user else ()), password)

    def run(self, *args: str) -> Any:
        self.conn.sendall(resp_encode(*args))
        reply = resp_read(self.stream, errors_as_values=True)
        if isinstance(reply, RespError):
            raise reply
        return reply

    def close(self) -> None:
        self.stream.close()
        self.conn.close()


def result(session: Session, command: list[str]) -> dict[str, Any]:
    try:
        return {"result": session.run(*command)}
    except RespError as exc:
        return {"error": str(exc)}


def as_command(value: Any) -> list[str]:
    plain = all(isinstance(a, str | int | float) and not isinstance(a, bool) for a in value or [])
    if not isinstance(value, list) or not value or not plain:
        raise ApiError(400, "ERR a command is a non-empty JSON array of strings and numbers")
    return [json.dumps(a) if isinstance(a, float) else str(a) for a in value]


@register_vendor
class UpstashRestAPI(VendorAPI):
    name = "upstash-rest"
    prefix = PREFIX
    # A command to a database is data, not the vendor's configuration: the request log does not count it as a
    # write, as the Redis protocol's commands (never logged) are not.
    counts_writes = False

    def register_routes(self) -> None:
        self.router = RestRouter(self.serve)

    def reset(self) -> None:
        self._readonly_ready: dict[str, str] = {}  # database id -> the read-only token its ACL user has

    def authenticate(self, request: Request) -> bool:
        return True  # per database, in serve()

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message}

    def decode_body(self, request: Request) -> Any:
        return None  # the body is a command, a pipeline, or a raw value: read by serve()

    def log_path(self, path: str) -> str:
        return path

    # --- serving -------------------------------------------------------------------------------
    def serve(self, request: Request) -> Response:
        if request.method not in ALLOWED_METHODS:
            return Response(405, {"error": f"ERR method {request.method} is not allowed"})
        upstash: Any = self.context.vendors.get("upstash")
        database = upstash.rest_database(request.params["endpoint"]) if upstash is not None else None
        if database is None:
            return Response(404, {"error": f"no Upstash database at endpoint {request.params['endpoint']}"})
        token = self._token(request)
        if token and token == database["rest_token"]:
            user, password = None, database["password"]
        elif token and token == database["read_only_rest_token"]:
            user, password = READONLY_USER, token
        else:
            return Response(401, {"error": UNAUTHORIZED})
        instance = self.context.redis.get(database["database_id"])
        if instance is None or not instance.running:
            return Response(503, {"error": "ERR the database is not running"})
        commands, shape = self._commands(request)
        if user is not None:
            self._ensure_readonly_user(database, instance, token)
        with released(self.context.lock):
            try:
                session = Session(instance, user, password)
            except (OSError, ConnectionError, RespError) as exc:
                return Response(503, {"error": f"ERR the database is not reachable: {exc}"})
            try:
                return self._run(session, commands, shape)
            finally:
                session.close()

    @staticmethod
    def _token(request: Request) -> str:
        scheme, _space, token = request.header("Authorization").partition(" ")
        if scheme == "Bearer" and token:
            return token
        return (request.query.get("_token") or [""])[-1]

    @staticmethod
    def _commands(request: Request) -> tuple[list[list[str]], str]:
        path = request.params["path"]
        raw = request.raw_body.decode("utf-8", errors="replace")
        if path in ("/pipeline", "/multi-exec"):
            if request.method not in ("POST", "PUT"):
                raise ApiError(400, f"ERR {path[1:]} takes a POST body")
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise ApiError(400, f"ERR the body is not a JSON array: {exc}") from exc
            if not isinstance(body, list) or not body:
                raise ApiError(400, "ERR the body must be a JSON array of commands")
            return [as_command(item) for item in body], path[1:]
        if path == "/" and request.method in ("POST", "PUT"):
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise ApiError(400, f"ERR the body is not a JSON array: {exc}") from exc
            return [as_command(body)], "single"
        segments = [unquote(part) for part in path.strip("/").split("/") if part != ""]
        if not segments:
            raise ApiError(400, "ERR no command given")
        if request.method in ("POST", "PUT") and request.raw_body:
            segments.append(raw)  # the body is the command's last argument
        for name, values in request.query.items():
            if name != "_token":
                for value in values:
                    segments += [name, value] if value else [name]
        return [segments], "single"

    def _run(self, session: Session, commands: list[list[str]], shape: str) -> Response:
        if shape == "single":
            answer = result(session, commands[0])
            return Response(400 if "error" in answer else 200, answer)
        if shape == "pipeline":
            return Response(200, [result(session, command) for command in commands])
        try:  # multi-exec: queue everything, then EXEC (EXECABORT when a command was refused while queued)
            session.run("MULTI")
            queued = [result(session, command) for command in commands]
            replies = session.run("EXEC")
        except RespError as exc:
            errors = [item["error"] for item in locals().get("queued", []) if "error" in item]
            return Response(400, {"error": errors[0] if errors else str(exc)})
        answers = []
        for reply in replies or []:
            answers.append({"error": str(reply)} if isinstance(reply, RespError) else {"result": reply})
        return Response(200, answers)

    def _ensure_readonly_user(self, database: dict[str, Any], instance: RedisInstance, token: str) -> None:
        """The read-only token logs in as a Redis ACL user allowed ``@read`` (and PING) only."""
        if self._readonly_ready.get(database["database_id"]) == token:
            return
        try:
            instance.command("ACL", "SETUSER", READONLY_USER, "reset", "on", f">{token}", "~*", "&*",
                             "+@read", "+ping", "+echo")
        except (OSError, ConnectionError, RespError) as exc:
            raise ApiError(503, f"ERR the database is not reachable: {exc}") from exc
        self._readonly_ready[database["database_id"]] = token


def rest_url(request: Request | None, endpoint: str) -> str:
    """``http://<the sandbox the client called>/upstash-rest/<endpoint>``."""
    host = (request.header("Host") if request is not None else "") or "127.0.0.1"
    return f"http://{host}{PREFIX}/{endpoint}"
