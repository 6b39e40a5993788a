# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the one HTTP core every vendor client is built on.

Not a public API; it may change between any two releases.

What it guarantees:
- a timeout on every call;
- retries with jittered exponential backoff on 429, 502, 503, 504 and connection errors,
  honouring ``Retry-After`` and the vendor's rate-limit reset header;
- a create (POST) is never repeated blindly: when its outcome is unknown (the connection dropped
  or the gateway failed after the request was sent) ``WriteOutcomeUnknown`` is raised, and the
  resource engine looks the resource up before it tries again;
- every vendor error becomes one ``ApiError`` carrying the vendor's message, never a header and
  never a registered secret.
"""
from __future__ import annotations

import email.utils
import json
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.cache import for_client as run_cache_for
from ansible_collections.launchkit.paas.plugins.module_utils.core.cache import keyed_digest
from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.libraries import optional_import
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

requests, REQUESTS_IMPORT_ERROR = optional_import("requests")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# PATCH is retried like PUT: every PATCH this collection sends sets absolute values.
REPEATABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})


class ApiError(Exception):
    """A vendor answered with an error, or could not be reached."""

    def __init__(self, status: int | None, message: str, code: str | None = None,
                 request_id: str | None = None, method: str = "", path: str = "",
                 vendor: str = "", auth_hint: str | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        self.vendor = vendor
        self.auth_hint = auth_hint
        super().__init__(self.describe())

    def describe(self) -> str:
        where = f"{self.vendor} API {self.method} {self.path}".strip()
        status = f"HTTP {self.status}" if self.status else "no answer"
        text = f"{where} failed ({status}): {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        hint = self.auth_hint if self.status == 401 and self.auth_hint else _HINTS.get(self.status or 0)
        return f"{text}. {hint}" if hint else text


_HINTS = {
    401: "Check the API token (option or environment variable) and that it belongs to this account.",
    403: "The token lacks the permission for this call.",
    429: "The vendor's rate limit was still exceeded after retrying; run again later or with fewer forks.",
}


class WriteOutcomeUnknown(ApiError):
    """A non-repeatable write was sent but no answer came back; it may or may not have happened."""


@dataclass
class RetryPolicy:
    attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # Never sleep longer than this for one Retry-After or reset header.
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff: a random wait between half and all of the capped exponential."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        return ceiling * (0.5 + self.jitter() / 2)


@dataclass
class Vendor:
    """How one vendor speaks HTTP: its name, error body, request id and rate-limit headers."""

    name: str
    parse_error: Callable[[Any], tuple[str | None, str]]
    request_id_header: str | None = None
    reset_header: str | None = None
    reset_is_epoch: bool = False
    #: what to check when the vendor answers 401
    auth_hint: str | None = None
    #: the answers worth repeating a repeatable call for (a vendor whose 500 is transient adds it)
    retry_statuses: frozenset[int] = RETRY_STATUSES


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any
    text: str

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


def checked_base_url(url: str, vendor: str) -> str:
    """`url` without its trailing slash; a ValueError saying what to write when it is no http(s) URL.

    Refused before any call: a URL without a scheme (``api.render.com/v1``) would otherwise fail as a
    connection error and be retried for seconds.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"the {vendor} API URL '{url}' is not an http(s) URL with a host: "
                         "write it whole, for example https://host/path")
    if parts.username or parts.password:
        raise ValueError(f"the {vendor} API URL must not carry credentials: give the token in its own option")
    return url.rstrip("/")


@dataclass
class HttpClient:
    base_url: str
    vendor: Vendor
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    timeout: float = 30.0
    validate_certs: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: Secrets = field(default_factory=Secrets)
    session: Any = None
    #: the run's answers shared between tasks (core/cache.py); None: every call goes to the vendor
    cache: Any = None
    _digest_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = checked_base_url(self.base_url, self.vendor.name)
        if self.session is None:
            self.session = new_session()
        for value in self.headers.values():
            self.secrets.add(value.split(" ", 1)[-1])
        if self.auth:
            self.secrets.add(self.auth[1])
        if self.cache is None:
            credential = repr(sorted(self.headers.items())) + repr(self.auth)
            self.cache = run_cache_for(self.vendor.name, self.base_url, credential)

    def request(self, method: str, path: str, *, params: dict | None = None, json_body: Any = None,
                ok: tuple[int, ...] = (200, 201, 202, 204), repeatable: bool | None = None,
                data: bytes | None = None, content_type: str | None = None, cache: bool = False,
                headers: dict[str, str] | None = None) -> Response:
        """Send one call, retrying what is safe to retry; raise ApiError on failure.

        The body is `json_body` (sent as JSON), or `data` as raw bytes of `content_type`; `headers` are
        sent with this call only (a lease's nonce, say). A GET with
        `cache` (an answer without a secret) is answered from the run's cache when a task of the run
        asked the same since the client's last write; every write makes the client's answers stale,
        before it is sent and again once it is done.
        """
        method = method.upper()
        if self.cache is None or (method == "GET" and not cache):
            return self._send(method, path, params, json_body, ok, repeatable, data, content_type, headers)
        if method != "GET":
            self.cache.invalidate()
            try:
                return self._send(method, path, params, json_body, ok, repeatable, data, content_type, headers)
            finally:
                self.cache.invalidate()
        hit, stored = self.cache.get(path, compact(params))
        if hit:
            return Response(status=200, headers=stored["headers"], body=stored["body"], text="")
        generation = self.cache.generation()
        response = self._send(method, path, params, json_body, ok, repeatable, data, content_type)
        if response.status == 200:
            # The pagination header (Link) is kept with the page; no other header is.
            headers = {key: value for key, value in response.headers.items() if key.lower() == "link"}
            self.cache.put(path, compact(params), generation, {"headers": headers, "body": response.body})
        return response

    def _send(self, method: str, path: str, params: dict | None, json_body: Any, ok: tuple[int, ...],
              repeatable: bool | None, data: bytes | None, content_type: str | None,
              extra_headers: dict[str, str] | None = None) -> Response:
        if repeatable is None:
            repeatable = method in REPEATABLE_METHODS
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                raw = self.session.request(
                    method, url, params=compact(params), json=json_body, data=data,
                    headers={**self._headers(json_body, content_type), **(extra_headers or {})},
                    auth=self.auth, timeout=self.timeout, verify=self.validate_certs)
            except requests.exceptions.RequestException as exc:
                unsent = _never_sent(exc)
                if attempt + 1 < self.retry.attempts and (repeatable or unsent):
                    self.retry.sleep(self.retry.backoff(attempt))
                    attempt += 1
                    continue
                self._raise_unreachable(method, path, exc, unsent or repeatable)
            response = self._wrap(raw)
            if response.status in ok:
                return response
            if response.status in self.vendor.retry_statuses:
                if response.status != 429 and not repeatable:
                    # The gateway failed after the write was sent, whatever the attempt number.
                    raise self._error(response, method, path, WriteOutcomeUnknown)
                if attempt + 1 < self.retry.attempts:
                    self.retry.sleep(self._wait_for(response, attempt))
                    attempt += 1
                    continue
            raise self._error(response, method, path)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).body

    def remember(self, name: str, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """(value, True) when the run keeps `name` (something derived from this client's answers, with
        no secret in it) since the last write, else (compute(), False), kept for the run's next task."""
        if self.cache is None:
            return compute(), False
        hit, stored = self.cache.get("#" + name, None)
        if hit:
            return stored["body"], True
        generation = self.cache.generation()
        value = compute()
        self.cache.put("#" + name, None, generation, {"headers": {}, "body": value})
        return value, False

    def digest(self, value: str) -> str:
        """A keyed digest of a secret value: equal values, equal digests, within a run (or this client)."""
        if self._digest_key is None:
            self._digest_key = self.cache.digest_key() if self.cache is not None else os.urandom(32)
        return keyed_digest(self._digest_key, value)

    def _headers(self, json_body: Any, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "launchkit.paas"}
        if content_type:
            headers["Content-Type"] = content_type
        elif json_body is not None:
            headers["Content-Type"] = "application/json"
        headers.update(self.headers)
        return headers

    def _wrap(self, raw: Any) -> Response:
        text = raw.text or ""
        try:
            body = raw.json() if text.strip() else None
        except ValueError:
            body = text
        return Response(status=raw.status_code, headers=dict(raw.headers), body=body, text=text)

    def _wait_for(self, response: Response, attempt: int) -> float:
        hinted = retry_after_seconds(response.header("Retry-After"))
        if hinted is None and response.status == 429 and self.vendor.reset_header:
            hinted = reset_seconds(response.header(self.vendor.reset_header), self.vendor.reset_is_epoch)
        if hinted is None:
            return self.retry.backoff(attempt)
        # A little jitter on top of the server's hint keeps parallel forks from waking together.
        return min(self.retry.max_wait, hinted) + self.retry.jitter() * self.retry.backoff_base

    def _error(self, response: Response, method: str, path: str, kind: type = ApiError) -> ApiError:
        try:
            code, message = self.vendor.parse_error(response.body)
        except Exception:  # a vendor answered with something unexpected: keep its text
            code, message = None, response.text[:500]
        request_id = response.header(self.vendor.request_id_header) if self.vendor.request_id_header else None
        return kind(response.status, self.secrets.redact(message or "(no message)"), code=code, request_id=request_id,
                    method=method, path=self.secrets.redact(path), vendor=self.vendor.name, auth_hint=self.vendor.auth_hint)

    def _raise_unreachable(self, method: str, path: str, exc: Exception, safe: bool) -> None:
        kind = ApiError if safe else WriteOutcomeUnknown
        reason = type(exc).__name__
        message = f"could not complete the call ({reason})"
        if not safe:
            message += "; the write may or may not have been applied"
        raise kind(None, message, method=method, path=self.secrets.redact(path), vendor=self.vendor.name) from None


def new_session(connect_to: list[ConnectTo] | None = None) -> Any:
    """A requests session that sends each request once: every retry is the caller's own decision.
    With ``connect_to`` (curl's --connect-to), requests for a listed host and port are sent to
    another address, still naming the original host (Host header, TLS SNI and certificate check)."""
    session = requests.Session()
    adapter = ConnectToAdapter(connect_to, max_retries=0) if connect_to else requests.adapters.HTTPAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ConnectTo:
    """One ``HOST:PORT:CONNECT_HOST:CONNECT_PORT`` rule, as curl's --connect-to reads it: an empty
    HOST or PORT matches any, an empty CONNECT_HOST or CONNECT_PORT keeps the request's own."""

    host: str
    port: int | None
    connect_host: str
    connect_port: int | None

    @classmethod
    def parse(cls, text: str) -> "ConnectTo":
        parts = str(text).split(":")
        if len(parts) != 4 or not all(p == "" or p.isdigit() for p in (parts[1], parts[3])):
            raise ValueError(f"connect_to entry {text!r} must be HOST:PORT:CONNECT_HOST:CONNECT_PORT "
                             "(curl's --connect-to; an empty part means any or unchanged), "
                             "for example api.example.com:443:127.0.0.1:8443")
        return cls(parts[0].lower(), int(parts[1]) if parts[1] else None, parts[2],
                   int(parts[3]) if parts[3] else None)

    def target(self, host: str, port: int) -> tuple[str, int] | None:
        """Where a request for host:port goes under this rule, or None when it does not apply."""
        if self.host not in ("", host.lower()) or self.port not in (None, port):
            return None
        return self.connect_host or host, self.connect_port or port


def connect_target(rules: list[ConnectTo], host: str, port: int) -> tuple[str, int] | None:
    """The first rule's address for host:port (curl uses the first that matches)."""
    return next((found for rule in rules if (found := rule.target(host, port)) is not None), None)


if requests is not None:
    class ConnectToAdapter(requests.adapters.HTTPAdapter):
        """Connects to the address a ConnectTo rule names; the request keeps its URL's host as its Host
        header, its TLS server name and the name the certificate must carry."""

        def __init__(self, rules: list[ConnectTo], **kwargs: Any) -> None:
            self.rules = list(rules)
            super().__init__(**kwargs)

        def _routed(self, url: str) -> tuple[Any, tuple[str, int]] | None:
            parts = requests.utils.urlparse(url)
            host = parts.hostname or ""
            found = connect_target(self.rules, host, parts.port or DEFAULT_PORTS.get(parts.scheme, 80))
            return (parts, found) if found else None

        def send(self, request: Any, **kwargs: Any) -> Any:
            routed = self._routed(request.url)
            if routed is not None:
                request.headers["Host"] = routed[0].netloc.rpartition("@")[2]
            return super().send(request, **kwargs)

        def get_connection_with_tls_context(self, request: Any, verify: Any, proxies: Any = None,
                                            cert: Any = None) -> Any:
            routed = self._routed(request.url)
            if routed is None:
                return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
            parts, (host, port) = routed
            pool_kwargs: dict[str, Any] = {}
            if parts.scheme == "https":
                pool_kwargs = tls_pool_kwargs(verify, cert)
                pool_kwargs.update(server_hostname=parts.hostname,
                                   assert_hostname=parts.hostname if verify is not False else False)
            return self.poolmanager.connection_from_host(host, port, scheme=parts.scheme, pool_kwargs=pool_kwargs)
else:  # pragma: no cover - the module reports the missing library first
    ConnectToAdapter = None  # type: ignore[assignment,misc]


def tls_pool_kwargs(verify: Any, cert: Any) -> dict[str, Any]:
    """urllib3's certificate settings for requests' ``verify`` (a bool or a CA bundle path) and ``cert``."""
    if verify is False:
        kwargs: dict[str, Any] = {"cert_reqs": "CERT_NONE"}
    else:
        bundle = verify if isinstance(verify, str) else requests.utils.DEFAULT_CA_BUNDLE_PATH
        kwargs = {"cert_reqs": "CERT_REQUIRED",
                  ("ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"): bundle}
    if isinstance(cert, tuple):
        kwargs.update(cert_file=cert[0], key_file=cert[1])
    elif cert:
        kwargs["cert_file"] = cert
    return kwargs


def _never_sent(exc: Exception) -> bool:
    """True when the request provably never reached the server (safe to repeat any method)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = repr(exc.args[0]) if exc.args else ""
        return "NewConnectionError" in reason or "Connection refused" in reason
    return False


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def reset_seconds(value: str | None, is_epoch: bool, now: float | None = None) -> float | None:
    """Seconds to wait from a rate-limit reset header (seconds from now, or an epoch time)."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if is_epoch:
        number -= time.time() if now is None else now
    return max(0.0, number)


def cursor_pages(fetch: Callable[[str | None], list], cursor_of: Callable[[Any], str | None],
                 page_size: int | None = None) -> Iterator[Any]:
    """Iterate items of a cursor-paginated list: fetch(cursor) returns one page.

    Stops at an empty page, or after a page shorter than `page_size` (the last one), which saves
    the call that would only fetch the empty page.
    """
    cursor = None
    seen: set[str] = set()
    while True:
        page = fetch(cursor)
        if not page:
            return
        yield from page
        if page_size and len(page) < page_size:
            return
        cursor = cursor_of(page[-1])
        if not cursor or cursor in seen:
            return
        seen.add(cursor)


def json_message(body: Any, *keys: str) -> str:
    """The first of `keys` found in a JSON object body, else the body as text."""
    if isinstance(body, dict):
        for key in keys:
            if body.get(key):
                return str(body[key])
        return json.dumps(body)[:500]
    return str(body)[:500] if body is not None else ""
