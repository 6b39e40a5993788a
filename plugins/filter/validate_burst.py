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
KEYS = {"path", "method", "count", "expect_status_after", "allowed", "headers", "body"}


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
    return {"path": path, "method": str(given.get("method") or "POST").upper(), "headers": given.get("headers") or {},
            "body": given.get("body"), **numbers}


def _requests(targets: list[dict]) -> list[dict]:
    return [{"service": target["service"], "base_url": target["base_url"], "index": index, "burst": target["burst"]}
            for target in targets or [] if target.get("reachable") and target.get("burst")
            for index in range(target["burst"]["count"])]


def _check(service: str, burst: dict, status: str, message: str) -> dict:
    return {"app": service, "check": "burst", "component": f"{burst['method']} {burst['path']}", "status": status,
            "message": message}


def judge(service: str, burst: dict, answers: list[dict], check_mode: bool) -> dict:
    """One check of an app's burst from its answers, in the order they were sent."""
    if any(answer.get("skipped") for answer in answers) or len(answers) < burst["count"]:
        return _check(service, burst, "pending" if check_mode else "failed",
                      f"{len(answers)} of {burst['count']} requests sent"
                      + (" (check mode: a request that writes is not sent)" if check_mode else ""))
    statuses = [answer.get("status") for answer in answers]
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


def validate_burst(results: Any, targets: list[dict], requests: bool = False, check_mode: bool = False) -> list[dict]:
    """launchkit.paas.validate_burst"""
    if boolean(requests, strict=False):
        return _requests(targets)
    check_mode = boolean(check_mode, strict=False)
    loop = (results or {}).get("results") or [] if isinstance(results, dict) else []
    by_app: dict[str, list[dict]] = {}
    for item in loop:
        request = item.get(LOOP_VAR) or item.get("item") or {}
        if isinstance(request, dict) and request.get("service"):
            by_app.setdefault(request["service"], []).append(item)
    checks = []
    for target in targets or []:
        if target.get("reachable") and target.get("burst"):
            answers = sorted(by_app.get(target["service"], []),
                             key=lambda item: (item.get(LOOP_VAR) or item.get("item"))["index"])
            checks.append(judge(target["service"], target["burst"], answers, check_mode))
    return checks


class FilterModule:
    """launchkit.paas.validate_burst"""

    def filters(self) -> dict:
        return {"validate_burst": validate_burst}
