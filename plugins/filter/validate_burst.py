# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_burst
short_description: The requests of each app's burst against a rate-limited route, and their judgement
version_added: 0.4.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - An app of O(launchkit.paas.validate_targets#filter) may carry a C(burst) - C(path), C(method) (default C(POST)),
    C(count) (at least 2), C(expect_status_after) (default 429), C(allowed) (the limit, optional), C(headers) and
    C(body) - the same request sent C(count) times in a row, as a client over the limit would.
  - With O(requests=true) the filter gives the loop's items, one per request (C(service), C(base_url), C(index),
    C(burst)). Otherwise it judges the registered loop results into one check per app - passed when the answers
    are successes (2xx) and then only C(expect_status_after), at least one of those; with C(allowed), the run of
    successes must be exactly C(allowed) long (unless the window was used up before the burst, when every answer
    is the refusal). In check mode a request that was not sent makes the check pending.
  - A fixed-window limiter (as C(@upstash/ratelimit)'s fixedWindow) starts a new window at a fixed time, and a
    burst sent across that moment is split between two windows, so it may never reach the limit. The burst's
    C(window_header) (default C(X-RateLimit-Reset); empty for none) names the answer header that tells the window
    apart. When every answer succeeded and that header changed during the burst, O(resend=true) gives the requests
    of the burst again for that app, and O(again) takes their results - the app is then judged on the answers in
    the new window, the first burst's and the second's together. A passed check then says what a burst inside one
    window says (the new window's first requests, up to the first refusal), so the report does not change with
    where the window boundary fell; a failed one says that the window changed.
positional: targets
options:
  _input:
    description: The registered result of the burst loop (its C(results)), or anything when O(requests=true).
    type: raw
    required: true
  targets:
    description: The targets of the validate phase (reachable ones).
    type: list
    elements: dict
    required: true
  requests:
    description: Give the loop's items instead of judging.
    type: bool
    default: false
  resend:
    description:
      - With O(requests=true) and the first burst's registered results as input, give the loop's items of the
        apps whose burst a window change split (and none for the others).
    type: bool
    default: false
  again:
    description: The registered result of the second burst (O(resend=true)), when it was sent.
    type: raw
  check_mode:
    description: The run is in check mode.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Send each burst
  launchkit.paas.http_check:
    url: "{{ item.base_url }}{{ item.burst.path }}"
    method: "{{ item.burst.method }}"
    status_code: "{{ [200, 201, 202, 204, item.burst.expect_status_after] }}"
  loop: "{{ none | launchkit.paas.validate_burst(targets, requests=true) }}"
  register: burst

- name: Judge them
  ansible.builtin.set_fact:
    checks: "{{ burst | launchkit.paas.validate_burst(targets, check_mode=ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description: The loop's items (O(requests=true)), or one check per app with a burst (C(app), C(check), C(component), C(status), C(message)).
  type: list
  elements: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

LOOP_VAR = "validate_burst_request"
KEYS = {"path", "method", "count", "expect_status_after", "allowed", "headers", "body", "window_header"}
WINDOW_HEADER = "X-RateLimit-Reset"


def burst_spec(where: str, given: Any) -> dict[str, Any] | None:
    """The burst of an app, checked and with its defaults; None when it has none."""
    if given is None:
        return None
    if not isinstance(given, dict):
        raise AnsibleFilterError(f"validate_targets: {where} must be a mapping of {sorted(KEYS)}")
    unknown = sorted(set(given) - KEYS)
    if unknown:
        raise AnsibleFilterError(f"validate_targets: {where} has unknown keys {unknown}; it takes {sorted(KEYS)}")
    path = given.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise AnsibleFilterError(f"validate_targets: {where}.path must be a path starting with /")
    numbers = {}
    for key, default, low in (("count", None, 2), ("expect_status_after", 429, 100), ("allowed", None, 1)):
        value = given.get(key, default)
        if value is None and key != "count":
            numbers[key] = None
            continue
        try:
            numbers[key] = int(value)
        except (TypeError, ValueError):
            numbers[key] = low - 1
        if numbers[key] < low:
            raise AnsibleFilterError(f"validate_targets: {where}.{key} must be a whole number of at least {low}")
    if numbers["allowed"] is not None and numbers["allowed"] >= numbers["count"]:
        raise AnsibleFilterError(f"validate_targets: {where}.count must be more than allowed, so the limit is passed")
    window_header = given.get("window_header", WINDOW_HEADER)
    if window_header is not None and not isinstance(window_header, str):
        raise AnsibleFilterError(f"validate_targets: {where}.window_header must be a header name (or empty for none)")
    return {"path": path, "method": str(given.get("method") or "POST").upper(), "headers": given.get("headers") or {},
            "body": given.get("body"), "window_header": window_header or None, **numbers}


def _requests(targets: list[dict], only: set[str] | None = None) -> list[dict]:
    return [{"service": target["service"], "base_url": target["base_url"], "index": index, "burst": target["burst"]}
            for target in targets or [] if target.get("reachable") and target.get("burst")
            and (only is None or target["service"] in only)
            for index in range(target["burst"]["count"])]


def _statuses(answers: list[dict]) -> list[Any]:
    return [answer.get("status") for answer in answers]


def new_window_start(burst: dict, answers: list[dict]) -> int | None:
    """Where the last window the burst reached began (the index of its first answer), when the burst's window
    header changed during it; None when it did not (or the app sends no such header)."""
    if not burst.get("window_header"):
        return None
    values = [(answer.get("headers") or {}).get(burst["window_header"]) for answer in answers]
    starts = [index for index in range(1, len(values))
              if values[index] is not None and values[index - 1] is not None and values[index] != values[index - 1]]
    return starts[-1] if starts else None


def split_by_window(burst: dict, answers: list[dict]) -> int | None:
    """new_window_start, for a burst sent whole whose every answer succeeded: the burst to send again."""
    if len(answers) < burst["count"] or any(answer.get("skipped") for answer in answers):
        return None
    if not all(isinstance(status, int) and 200 <= status < 300 for status in _statuses(answers)):
        return None
    return new_window_start(burst, answers)


def _check(service: str, burst: dict, status: str, message: str) -> dict:
    return {"app": service, "check": "burst", "component": f"{burst['method']} {burst['path']}", "status": status,
            "message": message}


def judge(service: str, burst: dict, answers: list[dict], check_mode: bool) -> dict:
    """One check of an app's burst from its answers, in the order they were sent."""
    if any(answer.get("skipped") for answer in answers) or len(answers) < burst["count"]:
        return _check(service, burst, "pending" if check_mode else "failed",
                      f"{len(answers)} of {burst['count']} requests sent"
                      + (" (check mode: a request that writes is not sent)" if check_mode else ""))
    statuses = _statuses(answers)
    refused = burst["expect_status_after"]
    ok = sum(1 for status in statuses if isinstance(status, int) and 200 <= status < 300)
    shape = f"{len(statuses)} requests: {ok} answered 2xx, then {statuses.count(refused)} answered {refused}"
    if None in statuses or statuses != [s for s in statuses if s != refused] + [refused] * statuses.count(refused) \
            or ok + statuses.count(refused) != len(statuses):
        return _check(service, burst, "failed", f"expected 2xx, then {refused} once over the limit; got {statuses}")
    if not statuses.count(refused):
        return _check(service, burst, "failed", f"{shape}: the limit was never reached (no {refused})")
    if burst["allowed"] is not None and ok and ok != burst["allowed"]:
        return _check(service, burst, "failed", f"{shape}: the limit is {ok}, not {burst['allowed']}")
    if not ok:
        return _check(service, burst, "passed", f"{shape}: the window was used up before the burst")
    return _check(service, burst, "passed", f"{shape} (request {ok + 1} onwards)")


def _answers_by_app(results: Any) -> dict[str, list[dict]]:
    """The registered loop results, app by app, in the order they were sent."""
    loop = (results or {}).get("results") or [] if isinstance(results, dict) else []
    by_app: dict[str, list[dict]] = {}
    for item in loop:
        request = item.get(LOOP_VAR) or item.get("item") or {}
        if isinstance(request, dict) and request.get("service"):
            by_app.setdefault(request["service"], []).append(item)
    return {service: sorted(answers, key=lambda item: (item.get(LOOP_VAR) or item.get("item"))["index"])
            for service, answers in by_app.items()}


def _with_bursts(targets: list[dict]) -> list[dict]:
    return [target for target in targets or [] if target.get("reachable") and target.get("burst")]


def validate_burst(results: Any, targets: list[dict], requests: bool = False, check_mode: bool = False,
                   resend: bool = False, again: Any = None) -> list[dict]:
    """launchkit.paas.validate_burst"""
    first = _answers_by_app(results)
    if boolean(requests, strict=False):
        if not boolean(resend, strict=False):
            return _requests(targets)
        return _requests(targets, {target["service"] for target in _with_bursts(targets)
                                   if split_by_window(target["burst"], first.get(target["service"], [])) is not None})
    check_mode = boolean(check_mode, strict=False)
    second = _answers_by_app(again)
    checks = []
    for target in _with_bursts(targets):
        service, burst = target["service"], target["burst"]
        answers = first.get(service, [])
        start = split_by_window(burst, answers)
        if start is None or not second.get(service):
            checks.append(judge(service, burst, answers, check_mode))
            continue
        # The first burst straddled a window change: judge the window it ended in, its answers and the second burst's.
        window = answers[start:] + second[service]
        check = judge(service, burst, window, check_mode)
        if check["status"] == "passed":
            # Passed, it reads as a burst inside one window would: the new window's first requests, up to the
            # first refusal (at least the burst's count). So the report of a run whose burst a window change split
            # says what any other run's says, and a second run does not rewrite it; the run's output shows the
            # second burst.
            leading = next((index for index, status in enumerate(_statuses(window))
                            if status == burst["expect_status_after"]), len(window))
            check = judge(service, burst, window[:max(burst["count"], leading + 1)], check_mode)
        else:
            check["message"] += (f"; the limiter's window changed at request {start + 1} of the first burst, so the "
                                 f"burst was sent again and the requests of the new window are judged")
        checks.append(check)
    return checks


class FilterModule:
    """launchkit.paas.validate_burst"""

    def filters(self) -> dict:
        return {"validate_burst": validate_burst}
