# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of the http_check module (one HTTP request with assertions).

Not a public API; it may change between any two releases.

The request is sent, its status and body are checked; with ``retries`` it is sent again after
``delay`` seconds until every check passes (an app still starting). Nothing here changes anything.
"""
from __future__ import annotations

import itertools
import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ansible_collections.launchkit.paas.plugins.module_utils.core.data import compact
from ansible_collections.launchkit.paas.plugins.module_utils.core.libraries import optional_import
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets, url_password
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ConnectTo, new_session
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll

requests = optional_import("requests")[0]
jmespath, JMESPATH_IMPORT_ERROR = optional_import("jmespath")

TESTS = ("equals", "contains", "exists", "matches", "gte", "lte")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_LIMIT = 64 * 1024
# query parameters whose values are treated as secrets (masked in messages, hidden in output)
SECRET_QUERY_KEYS = re.compile(r"token|key|secret|pass|sig|auth|code|credential", re.IGNORECASE)

ARGUMENT_SPEC = {
    "url": {"type": "str", "required": True},
    "method": {"type": "str", "default": "GET"},
    "headers": {"type": "dict", "no_log": True},
    "body": {"type": "raw"},
    "body_format": {"type": "str", "choices": ["json", "raw"], "default": "json"},
    "status_code": {"type": "list", "elements": "int", "default": [200]},
    "json": {"type": "list", "elements": "dict", "options": {
        "query": {"type": "str", "required": True},
        "equals": {"type": "raw"}, "contains": {"type": "raw"}, "exists": {"type": "bool"},
        "matches": {"type": "str"}, "gte": {"type": "raw"}, "lte": {"type": "raw"},
    }, "mutually_exclusive": [TESTS], "required_one_of": [TESTS]},
    "contains": {"type": "list", "elements": "str"},
    "capture": {"type": "list", "elements": "dict", "options": {
        "name": {"type": "str", "required": True}, "query": {"type": "str", "required": True},
        "secret": {"type": "bool", "default": False},
    }},
    "timeout": {"type": "float", "default": 10.0},
    "retries": {"type": "int", "default": 0},
    "delay": {"type": "float", "default": 2.0},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "run_in_check_mode": {"type": "bool"},
    "connect_to": {"type": "list", "elements": "str"},
    "return_headers": {"type": "list", "elements": "str", "default": []},
}


def required_libraries(params: dict) -> dict[str, BaseException | None]:
    """The libraries this run needs beyond requests: jmespath only evaluates the json assertions and captures."""
    return {"jmespath": JMESPATH_IMPORT_ERROR if params.get("json") or params.get("capture") else None}


@dataclass(frozen=True)
class Assertion:
    """One check of the JSON body: ``query`` (JMESPath) and one test with its expected value."""

    query: str
    test: str
    expected: Any
    compiled: Any = None

    def evaluate(self, document: Any) -> dict[str, Any]:
        actual = self.compiled.search(document) if document is not None else None
        return {"query": self.query, "test": self.test, "expected": self.expected, "actual": actual,
                "passed": passes(self.test, actual, self.expected)}


def parse_assertions(items: list | None) -> list[Assertion]:
    """Validate the ``json`` option: each item has a ``query`` and exactly one test (a test set to
    None counts as absent, as Ansible fills unset suboptions with None)."""
    assertions = []
    for index, item in enumerate(items or []):
        where = f"json[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be a mapping with a query and one of {', '.join(TESTS)}")
        item = compact(item)
        unknown = sorted(set(item) - {"query", *TESTS})
        if unknown:
            raise ValueError(f"{where} has unknown keys {unknown}; allowed: query, {', '.join(TESTS)}")
        query = item.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ValueError(f"{where}.query must be a JMESPath expression")
        tests = [name for name in TESTS if name in item]
        if len(tests) != 1:
            raise ValueError(f"{where} needs exactly one of {', '.join(TESTS)} (got {len(tests)})")
        test, expected = tests[0], item[tests[0]]
        _check_expected(where, test, expected)
        assertions.append(Assertion(query, test, expected, compile_query(where, query)))
    return assertions


CAPTURE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Capture:
    """A value to take from the JSON answer: ``name``, ``query`` (JMESPath), and whether it is a secret."""

    name: str
    query: str
    secret: bool
    compiled: Any = None


def parse_captures(items: list | None) -> list[Capture]:
    """Validate the ``capture`` option: each item names the value (a word) and its JMESPath query."""
    captures = []
    for index, item in enumerate(items or []):
        where = f"capture[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be a mapping with a name and a query")
        name, query = item.get("name"), item.get("query")
        if not isinstance(name, str) or not CAPTURE_NAME.match(name):
            raise ValueError(f"{where}.name must be a word (letters, digits, _), not {name!r}")
        if not isinstance(query, str) or not query.strip():
            raise ValueError(f"{where}.query must be a JMESPath expression")
        captures.append(Capture(name, query, bool(item.get("secret")), compile_query(where, query)))
    return captures


def found_values(captures: list[Capture], document: Any) -> dict[str, Any]:
    """{name: value} for each capture whose query finds something in the JSON document."""
    values = {capture.name: capture.compiled.search(document) if document is not None else None
              for capture in captures}
    return {name: value for name, value in values.items() if value is not None}


def take_captures(captures: list[Capture], result: dict, secrets: Secrets) -> dict[str, Any]:
    """{name: value} for each capture from the answer's JSON; secret values registered. Fails on a miss."""
    taken = found_values(captures, result.get("json"))
    secrets.add(*secret_texts(captures, taken))
    missing = next((capture for capture in captures if capture.name not in taken), None)
    if missing is not None:
        raise ResourceError(f"capture {missing.name}: {missing.query} found nothing in the answer", **result)
    return taken


def secret_texts(captures: list[Capture], taken: dict[str, Any]) -> list[str]:
    """The secret captured values as the text they are masked by."""
    return [value if isinstance(value, str) else json.dumps(value)
            for capture in captures if capture.secret and (value := taken.get(capture.name)) is not None]


def _check_expected(where: str, test: str, expected: Any) -> None:
    if test == "exists" and not isinstance(expected, bool):
        raise ValueError(f"{where}.exists must be true or false")
    if test == "matches":
        if not isinstance(expected, str):
            raise ValueError(f"{where}.matches must be a regular expression")
        try:
            re.compile(expected)
        except re.error as exc:
            raise ValueError(f"{where}.matches is not a valid regular expression: {exc}") from None
    if test in ("gte", "lte") and number(expected) is None:
        raise ValueError(f"{where}.{test} must be a number")


def compile_query(where: str, query: str) -> Any:
    if jmespath is None:
        return None  # the module reports the missing library before anything runs
    try:
        return jmespath.compile(query)
    except jmespath.exceptions.JMESPathError as exc:
        raise ValueError(f"{where}.query is not a valid JMESPath expression: {' '.join(str(exc).split())}") from None


def number(value: Any) -> float | None:
    """``value`` as a number (ints, floats, numeric text); None for anything else, booleans included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def passes(test: str, actual: Any, expected: Any) -> bool:
    if test == "equals":
        return actual == expected
    if test == "exists":
        return (actual is not None) is expected
    if test == "contains":
        if isinstance(actual, str):
            return isinstance(expected, str) and expected in actual
        if isinstance(actual, list | dict):
            return expected in actual
        return False
    if test == "matches":
        scalar = isinstance(actual, str | int | float) and not isinstance(actual, bool)
        return scalar and re.search(expected, str(actual)) is not None
    left, right = number(actual), number(expected)
    if left is None or right is None:
        return False
    return left >= right if test == "gte" else left <= right


def body_checks(texts: list[str] | None, content: str) -> list[dict[str, Any]]:
    return [{"query": None, "test": "body_contains", "expected": text, "actual": text in content,
             "passed": text in content} for text in texts or []]


# --------------------------------------------------------------------------------------- safe URL
def safe_url(url: str) -> str:
    """The URL without its userinfo, and with secret-looking query values masked, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    query = [(key, MASK if SECRET_QUERY_KEYS.search(key) else value)
             for key, value in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, host, parts.path, urlencode(query, safe="*"), ""))


def url_secrets(url: str) -> list[str | None]:
    parts = urlsplit(url)
    secret_values = [value for key, value in parse_qsl(parts.query) if SECRET_QUERY_KEYS.search(key)]
    return [url_password(url), *secret_values]


# -------------------------------------------------------------------------------------- the request
@dataclass
class Answer:
    status: int | None
    elapsed_ms: float
    content: str = ""
    document: Any = None
    is_json: bool = False
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # the answer's headers, names in lower case


def request_kwargs(params: dict) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "headers": dict(params.get("headers") or {}), "timeout": params["timeout"],
        "verify": params["ca_path"] if params["validate_certs"] and params.get("ca_path") else params["validate_certs"],
    }
    body = params.get("body")
    if body is not None:
        if params["body_format"] == "json":
            kwargs["json"] = body
        elif isinstance(body, str | bytes):
            kwargs["data"] = body
        else:
            raise ValueError("body must be text when body_format is raw")
    return kwargs


def send(session: Any, method: str, url: str, kwargs: dict[str, Any]) -> Answer:
    started = time.perf_counter()
    try:
        raw = session.request(method, url, **kwargs)
    except requests.exceptions.RequestException as exc:
        return Answer(None, _elapsed(started), error=unreachable_reason(exc, kwargs["timeout"]))
    text = raw.text or ""
    answer = Answer(raw.status_code, _elapsed(started), content=text,
                    headers={name.lower(): value for name, value in (raw.headers or {}).items()})
    if text.strip():
        try:
            answer.document, answer.is_json = json.loads(text), True
        except ValueError:
            pass
    return answer


def unreachable_reason(exc: Exception, timeout: float) -> str:
    """Why no answer came, in words that carry no URL (requests puts the URL in its messages)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate not trusted? set ca_path or validate_certs)"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        if "Connection refused" in text:
            return "connection refused"
        if "Name or service not known" in text or "NameResolutionError" in text or "nodename nor servname" in text:
            return "host name not found"
        return "connection failed"
    return type(exc).__name__


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# ---------------------------------------------------------------------------------------- the check
def evaluate(answer: Answer, params: dict, assertions: list[Assertion]) -> dict[str, Any]:
    checks = [assertion.evaluate(answer.document if answer.is_json else None) for assertion in assertions]
    checks += body_checks(params.get("contains"), answer.content)
    result: dict[str, Any] = {
        "status": answer.status, "elapsed_ms": answer.elapsed_ms, "content": answer.content[:CONTENT_LIMIT],
        "content_truncated": len(answer.content) > CONTENT_LIMIT, "assertions": checks,
        "failed_assertions": [check for check in checks if not check["passed"]],
    }
    if answer.is_json:
        result["json"] = answer.document
    if params.get("return_headers"):
        result["headers"] = returned_headers(answer, params["return_headers"])
    return result


def returned_headers(answer: Answer, names: list[str]) -> dict[str, str | None]:
    """The answer's headers that were asked for (no others: a Set-Cookie stays out), by the name as asked;
    null for one the answer did not carry."""
    return {name: answer.headers.get(name.lower()) for name in names}


def failure_message(method: str, url: str, answer: Answer, params: dict, result: dict, attempts: int) -> str | None:
    """None when the answer passes every check, else what failed."""
    where = f"{method} {safe_url(url)}"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if answer.status is None:
        return f"{where}: no answer{tries}: {answer.error}"
    problems = []
    if answer.status not in params["status_code"]:
        expected = ", ".join(str(code) for code in params["status_code"])
        problems.append(f"expected status {expected}, got {answer.status}")
    for check in result["failed_assertions"]:
        problems.append(describe_failure(check, answer))
    if not problems:
        return None
    return f"{where} failed{tries}: " + "; ".join(problems)


def describe_failure(check: dict[str, Any], answer: Answer) -> str:
    if check["test"] == "body_contains":
        return f"the body does not contain {check['expected']!r}"
    if not answer.is_json:
        return f"{check['query']} {check['test']} {_short(check['expected'])}: the body is not JSON"
    return f"{check['query']} {check['test']} {_short(check['expected'])}: got {_short(check['actual'])}"


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def check_numbers(params: dict) -> None:
    if params["timeout"] <= 0:
        raise ValueError("timeout must be greater than 0")
    for option in ("retries", "delay"):
        if params[option] < 0:
            raise ValueError(f"{option} must be 0 or more")


def sent_in_check_mode(method: str, params: dict) -> bool:
    """run_in_check_mode, defaulting to true for the methods that only read."""
    chosen = params.get("run_in_check_mode")
    return method in SAFE_METHODS if chosen is None else chosen


@dataclass
class Attempt:
    """One request and its checks: the answer, the result, and what failed (None when every check passed)."""

    number: int
    answer: Answer
    result: dict[str, Any]
    failure: str | None


def attempt_until_passed(session: Any, method: str, url: str, params: dict, assertions: list[Assertion],
                         clock: Clock | None = None) -> Attempt:
    """Send the request until every check passes or `params["retries"]` more attempts are spent, `delay`
    seconds apart (attempts are counted, not timed); the last attempt."""
    kwargs = request_kwargs(params)
    numbers = itertools.count(1)

    def attempt() -> Attempt:
        number = next(numbers)
        answer = send(session, method, url, kwargs)
        result = evaluate(answer, params, assertions)
        return Attempt(number, answer, result, failure_message(method, url, answer, params, result, number))

    return poll(attempt, lambda tried: tried.failure is None or tried.number > params["retries"], math.inf, clock,
                interval=params["delay"], first_delay=params["delay"]).value


#: The options of http_check that say how a page is fetched (other modules that read an app's page take them).
FETCH_OPTIONS = ("headers", "timeout", "retries", "delay", "validate_certs", "ca_path", "connect_to")
FETCH_ARGUMENT_SPEC = {name: ARGUMENT_SPEC[name] for name in FETCH_OPTIONS}


def fetch_text(url: str, params: dict, secrets: Secrets, session: Any = None, clock: Clock | None = None) -> str:
    """The whole body of ``GET url`` answered with 200, sent as http_check sends it (the FETCH_OPTIONS in
    `params`: headers, CA, connect_to, retries); a ResourceError naming the safe URL when it fails."""
    secrets.add(*url_secrets(url))
    params = {**{name: params.get(name) for name in FETCH_OPTIONS}, "status_code": [200], "contains": None}
    check_numbers(params)
    session = session or new_session([ConnectTo.parse(entry) for entry in params.get("connect_to") or []])
    last = attempt_until_passed(session, "GET", url, params, [], clock)
    if last.failure is not None:
        raise ResourceError(last.failure, attempts=last.number, url=safe_url(url), status=last.answer.status)
    return last.answer.content


def run_check(params: dict, check_mode: bool, secrets: Secrets, session: Any = None,
              clock: Clock | None = None) -> dict:
    method, url = params["method"].upper(), params["url"]
    secrets.add(*url_secrets(url))
    check_numbers(params)
    assertions = parse_assertions(params.get("json"))
    captures = parse_captures(params.get("capture"))
    request_kwargs(params)  # a body that cannot be sent fails before anything is skipped or sent
    rules = [ConnectTo.parse(entry) for entry in params.get("connect_to") or []]
    if check_mode and not sent_in_check_mode(method, params):
        return {"changed": False, "skipped": True,
                "msg": f"check mode: {method} {safe_url(url)} not sent (set run_in_check_mode to send it)"}
    last = attempt_until_passed(session or new_session(rules), method, url, params, assertions, clock)
    if last.failure is not None:
        # A secret the answer holds stays out of the failure (an assertion may quote it).
        secrets.add(*secret_texts(captures, found_values(captures, last.result.get("json"))))
        raise ResourceError(last.failure, attempts=last.number, url=safe_url(url), **last.result)
    result = {"changed": False, "attempts": last.number, "url": safe_url(url), **last.result}
    if captures:
        result["captured"] = take_captures(captures, last.result, secrets)
        # Returned as they are (the caller uses them in its next request): the task sets no_log for secrets.
        result["_unmasked"] = tuple(secret_texts(captures, result["captured"]))
    return result
