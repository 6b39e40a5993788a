# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test doubles shared by the unit tests: a fake ``requests`` session and a no-sleep retry policy.

The fake sits at the transport level (``HttpClient(session=...)``), so the real retry, parsing,
error and redaction code of the HTTP core runs in every test.
"""
from __future__ import annotations

import http.client
import inspect
import json
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
import urllib3

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import HttpClient, RetryPolicy, Vendor

BASE_URL = "https://api.test/v1"


class FakeResponse:
    """What HttpClient reads from a requests.Response: status_code, headers, text, json()."""

    def __init__(self, status: int = 200, body: Any = None, headers: dict | None = None,
                 text: str | None = None) -> None:
        self.status_code = status
        self.headers = dict(headers or {})
        self.text = text if text is not None else ("" if body is None else json.dumps(body))

    def json(self) -> Any:
        return json.loads(self.text)


def reply(status: int = 200, body: Any = None, headers: dict | None = None, text: str | None = None) -> FakeResponse:
    return FakeResponse(status, body, headers, text)


@dataclass
class Call:
    method: str
    path: str
    params: dict | None
    json: Any
    headers: dict
    kwargs: dict = field(repr=False)


class FakeSession:
    """Routes (METHOD, path) to scripted answers and records every call.

    Each route holds a list of answers used in turn; the last one repeats. An answer is a
    FakeResponse, an exception instance (raised, as requests would) or a callable(call) -> answer.
    """

    def __init__(self, base_url: str = BASE_URL) -> None:
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.routes: dict[tuple[str, str], list] = {}
        self.calls: list[Call] = []

    def on(self, method: str, path: str, *answers: Any) -> "FakeSession":
        self.routes[(method.upper(), path)] = list(answers)
        return self

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        assert len(self.calls) < 500, "runaway loop: 500 HTTP calls in one test"
        path = urlsplit(url).path[len(self.base_path):]
        call = Call(method, path, kwargs.get("params"), kwargs.get("json"), kwargs.get("headers") or {}, kwargs)
        self.calls.append(call)
        answers = self.routes.get((method, path))
        if not answers:
            return reply(404, {"id": "not_found", "message": f"no route {method} {path}"})
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(answer) and not isinstance(answer, FakeResponse):
            answer = answer(call)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def to(self, method: str, path: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (path is None or c.path == path)]

    @property
    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method not in ("GET", "HEAD", "OPTIONS")]


class SleepRecorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def no_sleep_policy(**overrides: Any) -> RetryPolicy:
    options = {"sleep": SleepRecorder(), "jitter": lambda: 0.5}
    options.update(overrides)
    return RetryPolicy(**options)


def plain_vendor(**overrides: Any) -> Vendor:
    options: dict[str, Any] = {"name": "Acme", "parse_error": lambda body: (None, str(body.get("error")))}
    options.update(overrides)
    return Vendor(**options)


def make_http(session: FakeSession, vendor: Vendor | None = None, **overrides: Any) -> HttpClient:
    options: dict[str, Any] = {"retry": no_sleep_policy()}
    options.update(overrides)
    return HttpClient(BASE_URL, vendor or plain_vendor(), session=session, **options)


# -- transport failures as requests raises them
def connection_dropped() -> requests.exceptions.ConnectionError:
    """The server accepted the request and closed the connection without answering."""
    cause = urllib3.exceptions.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection without response"))
    return requests.exceptions.ConnectionError(cause)


def connection_refused() -> requests.exceptions.ConnectionError:
    """Nothing listened: the request never left the machine."""
    cause = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/v1/things", cause))  # type: ignore[arg-type]


def read_timeout() -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout("HTTPSConnectionPool(host='api.test', port=443): Read timed out.")


def render_pages(wrapper: str, items: list[dict], page_size: int = 100) -> Callable[[Call], FakeResponse]:
    """A Render list endpoint: pages of {wrapper: item, cursor}; the next page starts after `cursor`."""
    def answer(call: Call) -> FakeResponse:
        params = call.params or {}
        cursors = [f"cur-{i}" for i in range(len(items))]
        start = cursors.index(params["cursor"]) + 1 if params.get("cursor") else 0
        size = min(page_size, int(params.get("limit") or page_size))  # a real server honours limit
        page = [{wrapper: item, "cursor": cursors[i]} for i, item in enumerate(items)][start:start + size]
        return reply(200, page)
    return answer


class FakeClock:
    """A monotonic clock that moves only when slept on: ``sleep(s)`` records ``s`` and advances ``now()``.

    Pass ``now`` and ``sleep`` wherever code takes a clock, so waiting loops run instantly and the
    total time they would have slept can be asserted.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.time = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    @property
    def slept(self) -> float:
        return sum(self.sleeps)


# -- checking a client's requests against the vendor's spec (the sandbox's own check)
def public_methods(cls: type) -> set[str]:
    """The operations a client offers: its public methods."""
    return {name for name, _member in inspect.getmembers(cls, inspect.isroutine) if not name.startswith("_")}


def sent_query(call: Call) -> str:
    """The query string exactly as requests puts it on the wire."""
    return urlsplit(requests.Request(call.method, BASE_URL + call.path, params=call.params).prepare().url).query


def refused_by_spec(vendor: str, calls: list[Call]) -> dict[str, list[str]]:
    """Each recorded request that the vendor's spec refuses, with what is wrong with it."""
    from sandbox.conformance import request_problems

    found = {f"{c.method} {c.path}?{sent_query(c)} {c.json}":
             request_problems(vendor, c.method, c.path, sent_query(c), c.json) for c in calls}
    return {request: problems for request, problems in found.items() if problems}
