"""Request/response value objects and a path-template router (templates use the specs' syntax)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from .errors import BadRequest

_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass
class Request:
    """One API request, with ``path`` relative to the vendor prefix."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: Any = None
    raw_body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    template: str = ""
    # the query values as the spec's parameters read them (arrays split per style/explode); None
    # when the route is not in a spec
    read: dict[str, list[str]] | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.read.get(name) if self.read is not None else self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """A multi-valued query parameter, as the spec declares it (``a=1,2`` for Render's
        ``explode: false`` filters, ``a=1&a=2`` for Sentry's). Outside a spec: both forms."""
        if self.read is not None:
            return [value for value in self.read.get(name, []) if value]
        values: list[str] = []
        for raw in self.query.get(name, []):
            values.extend(part for part in raw.split(",") if part)
        return values

    def header(self, name: str) -> str:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return ""


@dataclass
class Response:
    """An answer. ``body`` None means no body at all (e.g. 204)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


def parse_json(raw: bytes) -> Any:
    """The JSON body, None when empty; BadRequest when it is not JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from exc


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]


def compile_template(template: str) -> re.Pattern[str]:
    pieces: list[str] = []
    last = 0
    for match in _PARAM.finditer(template):
        pieces.append(re.escape(template[last:match.start()]))
        pieces.append(f"(?P<{match.group(1)}>[^/]+)")
        last = match.end()
    pieces.append(re.escape(template[last:]))
    return re.compile("^" + "".join(pieces) + "/?$")


class Router:
    """Maps (method, path) to a handler; literal templates win over templated ones."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        self._routes.append(Route(method.upper(), template, handler, compile_template(template)))
        self._routes.sort(key=lambda route: route.template.count("{"))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method != method.upper():
                continue
            found = route.pattern.match(path)
            if found:
                return route, {key: unquote(value) for key, value in found.groupdict().items()}
        return None

    @property
    def routes(self) -> list[Route]:
        return list(self._routes)
