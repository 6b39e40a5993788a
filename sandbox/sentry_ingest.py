"""Sentry ingestion: decode what an SDK posts to ``/api/<project>/envelope/`` or ``/store/`` and
group the events into issues (by exception type and message, else by the message)."""
from __future__ import annotations

import gzip
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from .common import iso_now, new_uuid
from .errors import ApiError
from .routing import Request

try:  # sentry-sdk compresses with brotli when the module is installed
    import brotli
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None

_AUTH_PAIR = re.compile(r"(\w+)=([^,\s]+)")


def decompress(raw: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    try:
        if encoding in ("", "identity"):
            return raw
        if encoding == "gzip":
            return gzip.decompress(raw)
        if encoding == "deflate":
            return zlib.decompress(raw)
        if encoding == "br" and brotli is not None:
            return brotli.decompress(raw)
    except (OSError, zlib.error, EOFError) as exc:
        raise ApiError(400, f"invalid {encoding} body: {exc}") from exc
    raise ApiError(415, f"unsupported content encoding: {encoding}")


def sentry_key(request: Request, envelope_header: dict[str, Any] | None = None) -> str | None:
    """The public key from ``X-Sentry-Auth``, ``?sentry_key=`` or the envelope header's ``dsn``."""
    for header in ("X-Sentry-Auth", "Authorization"):
        pairs = dict(_AUTH_PAIR.findall(request.header(header)))
        if "sentry_key" in pairs:
            return pairs["sentry_key"]
    if request.arg("sentry_key"):
        return request.arg("sentry_key")
    dsn = (envelope_header or {}).get("dsn")
    if isinstance(dsn, str) and "://" in dsn and "@" in dsn:
        return dsn.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
    return None


def parse_envelope(body: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    """Split an envelope into its header and ``(item header, payload)`` pairs."""
    header_line, rest = _line(body, 0)
    header = _json(header_line)
    items: list[tuple[dict[str, Any], bytes]] = []
    position = rest
    while position < len(body):
        line, position = _line(body, position)
        if not line.strip():
            continue
        item_header = _json(line)
        length = item_header.get("length")
        if isinstance(length, int):
            payload, position = body[position:position + length], position + length
            position += 1 if body[position:position + 1] == b"\n" else 0
        else:
            payload, position = _line(body, position)
        items.append((item_header, payload))
    return header, items


def _line(body: bytes, start: int) -> tuple[bytes, int]:
    end = body.find(b"\n", start)
    return (body[start:], len(body)) if end < 0 else (body[start:end], end + 1)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"invalid envelope: {exc}") from exc


def events_in(request: Request, body: bytes) -> tuple[str | None, list[dict[str, Any]]]:
    """The sentry key and the error events in a request body (envelope or legacy store JSON)."""
    if request.path.endswith("/store/"):
        event = _json(body)
        return sentry_key(request), [event] if isinstance(event, dict) else []
    header, items = parse_envelope(body)
    events = [_json(payload) for item_header, payload in items if item_header.get("type") == "event"]
    for event in events:
        event.setdefault("event_id", header.get("event_id"))
    return sentry_key(request, header), [event for event in events if isinstance(event, dict)]


# --- events -> issues ---------------------------------------------------------------------------
def exception_of(event: dict[str, Any]) -> dict[str, Any] | None:
    values = (event.get("exception") or {}).get("values") if isinstance(event.get("exception"), dict) else None
    return values[-1] if values else None


def message_of(event: dict[str, Any]) -> str:
    message = event.get("logentry") or event.get("message") or ""
    if isinstance(message, dict):
        return str(message.get("formatted") or message.get("message") or "")
    return str(message)


def title_of(event: dict[str, Any]) -> str:
    exception = exception_of(event)
    if exception is not None:
        kind, value = exception.get("type") or "Error", exception.get("value")
        return f"{kind}: {value}" if value else str(kind)
    return message_of(event) or "<unlabeled event>"


def culprit_of(event: dict[str, Any]) -> str:
    exception = exception_of(event) or {}
    frames = ((exception.get("stacktrace") or {}).get("frames")) or []
    in_app = [frame for frame in frames if frame.get("in_app")] or frames
    if in_app:
        frame = in_app[-1]
        return f"{frame.get('module') or frame.get('filename') or '?'} in {frame.get('function') or '?'}"
    return str(event.get("transaction") or event.get("culprit") or "")


def is_unhandled(event: dict[str, Any]) -> bool:
    mechanism = (exception_of(event) or {}).get("mechanism") or {}
    return mechanism.get("handled") is False


@dataclass
class Issue:
    """One group of events, the source of an issue document."""

    id: str
    short_id: str
    project_id: str
    title: str
    culprit: str
    level: str
    platform: str | None
    metadata: dict[str, Any]
    unhandled: bool
    first_seen: str
    last_seen: str
    event_ids: list[str] = field(default_factory=list)


def group_key(event: dict[str, Any]) -> str:
    exception = exception_of(event)
    if exception is not None:
        return f"exception:{exception.get('type')}:{exception.get('value')}"
    return f"message:{message_of(event)}"


def metadata_of(event: dict[str, Any]) -> dict[str, Any]:
    exception = exception_of(event)
    if exception is not None:
        return {"type": exception.get("type"), "value": exception.get("value"), "in_app_frame_mix": "in-app-only"}
    return {"title": title_of(event)}


def stored_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as recorded: the SDK's payload plus when it arrived."""
    return {**event, "event_id": event.get("event_id") or new_uuid().replace("-", ""), "received": iso_now()}


def query_terms(query: str | None) -> list[str]:
    """Free-text words of an issue search (``key:value`` filters such as ``is:unresolved`` are ignored)."""
    return [term.lower() for term in (query or "").split() if ":" not in term]


def issue_query_matches(issue: Issue, query: str | None) -> bool:
    text = f"{issue.title} {issue.culprit}".lower()
    return all(term in text for term in query_terms(query))


def issue_document(issue: Issue, project: dict[str, Any], web_base: str) -> dict[str, Any]:
    """An issue as ``GET /organizations/{org}/issues/`` lists it."""
    count = len(issue.event_ids)
    return {
        "id": issue.id, "shareId": None, "shortId": issue.short_id, "title": issue.title, "culprit": issue.culprit,
        "permalink": f"{web_base}/issues/{issue.id}/", "logger": None, "level": issue.level,
        "status": "unresolved", "statusDetails": {}, "substatus": "new" if count == 1 else "ongoing",
        "isPublic": False, "platform": issue.platform, "priority": "high", "priorityLockedAt": None,
        "seerFixabilityScore": None, "seerAutofixLastTriggered": None, "seerExplorerAutofixLastTriggered": None,
        "project": {"id": project["id"], "name": project["name"], "slug": project["slug"],
                    "platform": project["platform"]},
        "type": "error", "issueType": "error", "issueCategory": "error", "metadata": dict(issue.metadata),
        "numComments": 0, "assignedTo": None, "isBookmarked": False, "isSubscribed": False,
        "subscriptionDetails": None, "hasSeen": False, "annotations": [], "isUnhandled": issue.unhandled,
        "count": str(count), "userCount": 0, "firstSeen": issue.first_seen, "lastSeen": issue.last_seen,
        "derivedData": {"blocker": "", "hasOpenFixPr": False, "hasRootCause": False, "isAssigned": False,
                        "lastCompletedAutofixStep": "", "lastProgressedAt": None, "progress": "", "status": "",
                        "viewCount": 0},
        "stats": {}, "lifetime": {}, "filtered": None, "sessionCount": 0,
        "inbox": {"date_added": issue.first_seen, "reason": 0, "reason_details": None},
        "owners": {"type": "", "owner": "", "date_added": issue.first_seen},
        "integrationIssues": [], "sentryAppIssues": [], "latestEventHasAttachments": False,
        "matchingEventId": issue.event_ids[-1], "matchingEventEnvironment": None,
    }


def event_detail(event: dict[str, Any], issue: Issue) -> dict[str, Any]:
    """An event as ``GET /projects/{org}/{project}/events/{event_id}/`` answers it (the spec's required fields)."""
    listed = event_document(event, issue)
    sdk = event.get("sdk") or {}
    return {
        "_meta": {}, "context": None, "contexts": event.get("contexts") or None,
        "dateReceived": event["received"], "dist": None, "entries": [], "errors": [],
        "eventID": listed["eventID"], "groupID": listed["groupID"], "id": listed["id"], "location": None,
        "message": listed["message"], "metadata": listed["metadata"], "nextEventID": None, "occurrence": None,
        "packages": {}, "platform": listed["platform"] or "other", "previousEventID": None,
        "projectID": listed["projectID"], "release": None, "resolvedWith": [],
        "sdk": {"name": sdk.get("name"), "version": sdk.get("version")} if sdk else None, "sdkUpdates": [],
        "size": None, "tags": [dict(tag, query=f"{tag['key']}:{tag['value']}") for tag in listed["tags"]],
        "title": listed["title"], "type": "error", "user": listed["user"], "userReport": None,
    }


def event_document(event: dict[str, Any], issue: Issue) -> dict[str, Any]:
    """An event as ``GET /projects/{org}/{project}/events/`` lists it."""
    tags = event.get("tags") or {}
    pairs = tags.items() if isinstance(tags, dict) else [tuple(pair) for pair in tags if len(pair) == 2]
    return {
        "id": event["event_id"], "event.type": "error", "groupID": issue.id, "eventID": event["event_id"],
        "projectID": issue.project_id, "message": message_of(event) or issue.title, "title": issue.title,
        "location": None, "culprit": issue.culprit, "user": event.get("user") or None,
        "tags": [{"key": str(key), "value": str(value)} for key, value in pairs],
        "platform": event.get("platform"), "dateCreated": event["received"], "crashFile": None,
        "metadata": dict(issue.metadata),
    }
