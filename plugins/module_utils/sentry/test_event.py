# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the sentry_test_event logic (send one error event, wait until Sentry shows it).

Not a public API; it may change between any two releases.

The event goes to the DSN's ingest endpoint as an envelope, built here without the sentry-sdk; it is
confirmed through the web API.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import is_unknown, refuse_unknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import RETRY_STATUSES, ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    SDK_NAME, SDK_VERSION, Dsn, IngestClient, SentryClient, parse_dsn)

#: the first wait between two looks for the event; it doubles up to POLL_INTERVAL
FIRST_DELAY = 0.5
POLL_INTERVAL = 2.0


def iso_now(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_test_event(event_id: str, check_id: str, params: dict, now: float | None = None) -> dict:
    """The ZeroDivisionError event the Scoop plan asks for, tagged so it can be found again."""
    return {
        "event_id": event_id, "timestamp": iso_now(now), "platform": "python", "level": "error",
        "logger": SDK_NAME, "environment": params.get("environment") or "production",
        "release": params.get("release"),
        "message": {"formatted": f"launchkit.paas test event (launchkit_check={check_id})"},
        "exception": {"values": [{"type": "ZeroDivisionError", "value": "division by zero",
                                  "mechanism": {"type": "generic", "handled": True}}]},
        "tags": {"launchkit_check": check_id},
        "sdk": {"name": SDK_NAME, "version": SDK_VERSION},
    }


def _line(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def build_envelope(dsn: Dsn, event: dict, now: float | None = None) -> bytes:
    """Envelope header line, item header line, event JSON (newline separated)."""
    payload = _line(compact(event))
    header = {"event_id": event["event_id"], "dsn": dsn.raw, "sent_at": iso_now(now)}
    item = {"type": "event", "content_type": "application/json", "length": len(payload)}
    return b"\n".join([_line(header), _line(item), payload]) + b"\n"


def parse_envelope(data: bytes) -> tuple[dict, list[tuple[dict, Any]]]:
    """The inverse of build_envelope (used by tests): (header, [(item header, item payload)])."""
    lines = data.split(b"\n")
    header = json.loads(lines[0])
    items = []
    index = 1
    while index < len(lines) and lines[index].strip():
        items.append((json.loads(lines[index]), json.loads(lines[index + 1])))
        index += 2
    return header, items


def send_envelope(ingest: IngestClient, dsn: Dsn, envelope: bytes) -> dict:
    """Send, saying what went wrong in the module's words and never with the DSN's key."""
    try:
        return ingest.send_envelope(envelope)
    except ApiError as exc:
        if exc.status is None or exc.status in RETRY_STATUSES | {500}:
            reason = f"HTTP {exc.status}" if exc.status else exc.message
            raise ResourceError(f"could not send the test event to {dsn.masked}: {reason}") from None
        raise ResourceError(f"Sentry ingest at {dsn.masked} refused the test event (HTTP {exc.status}): "
                            f"{exc.message[:300]}; check the DSN (is the key active?)", status=exc.status) from None


def wait_for_event(client: SentryClient, project: str, event_id: str, timeout: float,
                   clock: Clock | None = None) -> dict | None:
    """Look the event up until it is visible; None after `timeout` seconds."""
    polled = poll(lambda: client.event(project, event_id), lambda event: event is not None, timeout, clock,
                  interval=POLL_INTERVAL, first_delay=FIRST_DELAY)
    return polled.value


def check_params(params: dict) -> None:
    if params.get("confirm", True) and not (params.get("auth_token") and params.get("organization")):
        raise ValueError("confirm: true needs organization and auth_token (or SENTRY_ORG and SENTRY_AUTH_TOKEN) "
                         "to look the event up; set them, or confirm: false to only send it")


def run_test_event(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None,
                   ingest: IngestClient | None = None, clock: Clock | None = None) -> dict:
    if is_unknown(params["dsn"]):  # a project check mode does not create: the real run sends to its DSN
        if not check_mode:
            refuse_unknown("dsn", params["dsn"])
        return {"changed": True, "sent": False, "confirmed": False, "event_id": None, "warnings": [],
                "msg": "check mode: no test event sent; the real run sends one to the new project's DSN"}
    dsn = parse_dsn(params["dsn"])
    secrets.add(dsn.raw, dsn.public_key)
    check_params(params)
    check_id = str(uuid.uuid4())
    result: dict[str, Any] = {"changed": True, "event_id": None, "check_id": check_id, "sent": False,
                              "confirmed": False, "project_id": dsn.project_id, "issue_id": None,
                              "dsn": dsn.masked, "warnings": []}
    if check_mode:
        return result
    clock = clock or Clock()
    event_id = uuid.uuid4().hex
    ingest = ingest or IngestClient.from_dsn(dsn, params, secrets, clock)
    send_envelope(ingest, dsn, build_envelope(dsn, build_test_event(event_id, check_id, params)))
    result.update(event_id=event_id, sent=True)
    if params.get("confirm", True):
        client = client or SentryClient.from_params(params, secrets)
        event = wait_for_event(client, params.get("project") or dsn.project_id, event_id, params["wait_timeout"],
                               clock)
        if event is None:
            result["warnings"].append(
                f"the test event {event_id} was sent but not visible in Sentry after {params['wait_timeout']:g} s; "
                f"look for tag launchkit_check:{check_id}, or raise wait_timeout")
        else:
            result.update(confirmed=True, issue_id=event.get("groupID"))
    return result
