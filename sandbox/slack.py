"""Slack incoming webhooks (``/slack/services/<T...>/<B...>/<secret>``), where alerts are delivered.

A webhook exists only once created (control ``POST /_sandbox/slack/webhooks`` ``{"channel": "#x"}``, or
the seed ``{"slack": {"webhooks": [{"channel", "url"?}]}}`` with a fixed URL an inventory can name).
``POST`` with a JSON message (``text``, ``blocks`` or ``attachments``) answers ``200 ok`` in plain text and
records the post (``GET /_sandbox/slack/posts[?channel=]``); a body that is not such a message answers
``400 invalid_payload``, an unknown webhook ``404 no_service``, a webhook whose channel was archived
(``POST /_sandbox/slack/archive``) ``410 channel_is_archived``. The URL is the secret: the request log
shows its last segment as ``<redacted>``.
"""
from __future__ import annotations

import re
import secrets
import string
import time
from typing import Any

from .errors import BadRequest
from .routing import Handler, Request, Response, parse_json
from .vendor import VendorAPI, register_vendor

HOOK = re.compile(r"^/services/(T[A-Z0-9]{8,})/(B[A-Z0-9]{8,})/([A-Za-z0-9]{24})$")
SECRET_IN_PATH = re.compile(r"(/slack/services/T[A-Z0-9]+/B[A-Z0-9]+/)[^/?\s]+")
_UPPER = string.ascii_uppercase + string.digits
_MIXED = string.ascii_letters + string.digits
TEAM = "T0SANDBOX1"


def redact_path(text: str) -> str:
    """``text`` with the secret segment of every Slack webhook path in it replaced by ``<redacted>``."""
    return SECRET_IN_PATH.sub(r"\1<redacted>", text)


class Text(Response):
    """A plain-text answer, as Slack's webhooks give."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(status, text, {"Content-Type": "text/plain; charset=utf-8"})

    def encode(self) -> bytes:
        return str(self.body).encode()


@register_vendor
class SlackWebhooks(VendorAPI):
    name = "slack"
    prefix = "/slack"

    def register_routes(self) -> None:
        self.router.add("POST", "/services/{team}/{bot}/{secret}", self.post)

    def reset(self) -> None:
        self.hooks: dict[str, dict[str, Any]] = {}  # path below /slack -> {"channel", "archived"}
        self.posts: list[dict[str, Any]] = []

    def authenticate(self, request: Request) -> bool:
        return True  # the URL is the credential

    def error_body(self, status: int, message: str) -> Any:
        return message

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return Text(status, {401: "invalid_token", 404: "no_service", 429: "rate_limited"}.get(status, message))

    def decode_body(self, request: Request) -> Any:
        return None  # read by the handler: a body that is not JSON is Slack's invalid_payload, not a 400 of ours

    def log_path(self, path: str) -> str:
        return redact_path(path)

    def post(self, request: Request) -> Response:
        hook = self.hooks.get(request.path)
        if hook is None:
            return Text(404, "no_service")
        if hook["archived"]:
            return Text(410, "channel_is_archived")
        try:
            message = parse_json(request.raw_body)
        except BadRequest:
            message = None
        if not isinstance(message, dict) or not any(message.get(key) for key in ("text", "blocks", "attachments")):
            return Text(400, "invalid_payload")
        self.posts.append({"channel": hook["channel"], "time": time.time(), "message": message})
        return Text(200, "ok")

    # --- control and seed ----------------------------------------------------------------------------
    def control_routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/webhooks", self.control_create), ("GET", "/webhooks", self.control_list),
                ("GET", "/posts", self.control_posts), ("POST", "/archive", self.control_archive)]

    def _base(self, request: Request) -> str:
        host = request.header("Host") or "127.0.0.1"
        return f"http://{host}{self.prefix}"

    def create(self, channel: Any, url: Any = None) -> str:
        """Register a webhook for ``channel``: the path of ``url`` when given (``.../services/T../B../<24>``),
        else a new one. The answer is the path below ``/slack``."""
        if not isinstance(channel, str) or not channel.startswith("#") or len(channel) < 2:
            raise BadRequest('a webhook is {"channel": "#name"} (and optionally a fixed "url")')
        if url is None:
            path = (f"/services/{TEAM}/B{''.join(secrets.choice(_UPPER) for _i in range(10))}/"
                    f"{''.join(secrets.choice(_MIXED) for _i in range(24))}")
        else:
            found = re.search(r"/services/[^?#]+$", str(url))
            path = found[0] if found else ""
            if not HOOK.match(path):
                raise BadRequest("a webhook url ends in /services/T<id>/B<id>/<24 letters or digits>")
        self.hooks[path] = {"channel": channel, "archived": False}
        return path

    def control_create(self, request: Request) -> Response:
        body = request.body if isinstance(request.body, dict) else {}
        path = self.create(body.get("channel"), body.get("url"))
        return Response(200, {"channel": body["channel"], "url": self._base(request) + path})

    def control_list(self, request: Request) -> Response:
        return Response(200, {"webhooks": [{"channel": hook["channel"], "url": self._base(request) + path,
                                            "archived": hook["archived"]} for path, hook in self.hooks.items()]})

    def control_posts(self, request: Request) -> Response:
        channel = request.arg("channel")
        return Response(200, {"posts": [post for post in self.posts if channel is None or post["channel"] == channel]})

    def control_archive(self, request: Request) -> Response:
        channel = (request.body or {}).get("channel") if isinstance(request.body, dict) else None
        for hook in self.hooks.values():
            if hook["channel"] == channel:
                hook["archived"] = True
        return Response(200, {"archived": channel})

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        hooks = data.get("webhooks") if isinstance(data, dict) else None
        if not isinstance(hooks, list) or set(data) - {"webhooks"}:
            raise BadRequest('slack takes {"webhooks": [{"channel": "#name", "url": "<fixed url>"}]}')
        seeded = []
        for hook in hooks:
            if not isinstance(hook, dict) or set(hook) - {"channel", "url"}:
                raise BadRequest('a webhook is {"channel": "#name", "url": "<fixed url>"}')
            seeded.append({"channel": hook.get("channel"), "path": self.create(hook.get("channel"), hook.get("url"))})
        return {"webhooks": [{"channel": item["channel"]} for item in seeded]}

    def dump(self) -> dict[str, Any]:
        """Channels and post counts; never a webhook URL."""
        return {"webhooks": sorted(hook["channel"] for hook in self.hooks.values()), "posts": len(self.posts)}
