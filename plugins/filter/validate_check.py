# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_check
short_description: Judge one step of the validate phase into checks (passed, failed or pending)
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Turns what a step of the validate phase found (a registered result) into a list of checks, each
    with C(app), C(check), C(component), C(status) (C(passed), C(failed) or C(pending)) and C(message).
  - C(service) judges the app's target itself (found on its platform, not suspended, reachable at a base URL);
    C(deploy) whether the service runs its latest deploy (its live deploy is the latest, since a newer deploy
    that failed or is still building means the app does not run what the rollout wrote; on Vercel the latest
    is the production env change when no deployment was made after it, with the platform's reason); C(health) the health
    answer (HTTP 200); C(components) each component of the target, its JMESPath query over the health answer
    equal to the value expected; C(ready) and C(metrics) those pages (metrics by the names a Prometheus text
    page exposes); C(smoke) each smoke request, with the names (never the values) of what it captured;
    C(redis) and C(postgres) the backend checks from the controller.
  - In check mode what the rollout has not created yet is C(pending), not C(failed).
  - A step that was not asked for (no ready or metrics path, no expected component, a backend check
    skipped for lack of a URL) gives no check. Messages may quote what an app answered; scrub them
    (P(launchkit.paas.scrub#filter)) before they are shown.
positional: kind, target
options:
  _input:
    description:
      - The registered result of the step (for C(smoke), of the loop over the smoke requests).
      - For C(service), the app's target (as O(target)).
    type: raw
    required: true
  kind:
    description: Which step the result comes from.
    type: str
    required: true
    choices: [service, deploy, health, components, ready, metrics, smoke, redis, postgres]
  target:
    description:
      - The app being checked, as P(launchkit.paas.validate_targets#filter) gives it - C(service), C(found),
        C(suspended), C(deploys), C(base_url), C(health_path), C(ready_path), C(metrics_path),
        C(components), C(expect_metrics), C(smoke). Defaults to the input.
    type: dict
  check_mode:
    description: The run is in check mode (C(ansible_check_mode)).
    type: bool
    default: false
  check:
    description: Name of the check for C(redis) and C(postgres) (the env key the URL came from).
    type: str
  requests:
    description: The smoke requests, for C(smoke), in the order of the loop.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Judge the health answer and each component it must report
  ansible.builtin.set_fact:
    validate_checks: >-
      {{ validate_checks
         + (validate_health | launchkit.paas.validate_check('health', validate_this))
         + (validate_health | launchkit.paas.validate_check('components', validate_this, check_mode=ansible_check_mode)) }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The checks, each a dict of C(app), C(check), C(component), C(status) and C(message).
  type: list
  elements: dict
"""

import json
import re
from typing import Any, Callable

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.launchkit.paas.plugins.module_utils.http_check.check import JMESPATH_IMPORT_ERROR, compile_query, passes

Check = dict[str, Any]
# How the report names a platform (the key of app_info's platform option otherwise)
PLATFORM_NAMES = {"render": "Render", "fly": "Fly.io", "vercel": "Vercel"}
# A metric is there when a sample line starts with its name (Prometheus text format).
METRIC_NAME = re.compile(r"(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)")


def _check(target: dict, check: Any, component: Any, status: str, message: Any) -> Check:
    return {"app": target.get("service"), "check": check, "component": component, "status": status,
            "message": str(message).strip()}


def _failed(result: dict) -> bool:
    return bool(result.get("failed"))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _answered(result: dict, good: str) -> tuple[str, str]:
    """(status, message) of a request: failed with its error, or passed with GOOD."""
    return ("failed", result.get("msg", "")) if _failed(result) else ("passed", good)


def _service(_result: dict, target: dict, check_mode: bool = False, **_: Any) -> list[Check]:
    found, suspended = boolean(target.get("found"), strict=False), boolean(target.get("suspended"), strict=False)
    if found and not suspended:
        status = "passed"
    else:
        # In check mode a service the rollout has not made yet is pending, not failed.
        status = "pending" if check_mode and not found else "failed"
    platform = PLATFORM_NAMES.get(target.get("platform") or "render", target.get("platform"))
    if found:
        message = f"suspended on {platform}: resume it" if suspended else f"found on {platform}"
    else:
        message = f"no {platform} service of that name"
    checks = [_check(target, "service", target.get("platform") or "render", status, message)]
    if found and not target.get("base_url"):
        checks.append(_check(target, "base_url", "app", "failed",
                             "the service has no public URL; give base_url in its validate_apps entry"))
    return checks


def _deploy(_result: dict, target: dict, check_mode: bool = False, **_: Any) -> list[Check]:
    deploys = target.get("deploys")
    if not boolean(target.get("found"), strict=False) or not isinstance(deploys, dict):
        return []
    live, latest = _dict(deploys.get("live")), _dict(deploys.get("latest"))
    platform = target.get("platform") or "render"
    if live and live.get("id") == latest.get("id"):
        commit = f", commit {live['commit']}" if live.get("commit") else ""
        return [_check(target, "deploy", platform, "passed", f"runs its latest deploy {live['id']}{commit}")]
    if not latest:
        status, message = ("pending" if check_mode else "failed"), "no deploy yet: the service runs nothing"
    else:
        running = f"runs deploy {live['id']}" if live else "runs no deploy"
        # A platform may say why the latest is not running (Vercel: env changed after the deployment was made).
        message = (f"{running}, but {latest['reason']}" if latest.get("reason") else
                   f"{running}, but the latest deploy {latest.get('id')} is {latest.get('status')}: the app does not "
                   "run what the rollout wrote (fix the deploy, then deploy again)")
        status = "failed"
    return [_check(target, "deploy", platform, status, message)]


def _health(result: dict, target: dict, **_: Any) -> list[Check]:
    status = "passed" if result.get("status") == 200 else "failed"
    message = result.get("msg", "") if _failed(result) else (
        f"HTTP {result.get('status')}, status {_dict(result.get('json')).get('status', 'not given')}")
    return [_check(target, target.get("health_path"), "app", status, message)]


def _search(query: str, document: Any) -> Any:
    if JMESPATH_IMPORT_ERROR is not None:
        raise AnsibleFilterError("validate_check: the components need the Python library jmespath on the controller")
    return compile_query("components", query).search(document) if document is not None else None


def _component(result: dict, target: dict, component: dict, check_mode: bool) -> Check:
    document = result.get("json")
    actual = _search(component["query"], document)
    name, expected = component["name"], component.get("equals")
    if passes("equals", actual, expected):
        status, message = "passed", f"{name} {_text(actual)}"
    elif actual is None:
        # Absent before the phase that wires it has run (check mode) is pending; absent after it is a failure.
        status = "pending" if check_mode else "failed"
        message = "no answer" if _failed(result) and document is None else (
            f"absent from the health answer ({component['query']}); is its URL in the service env?")
    else:
        status = "failed"
        detail = _search(component["detail"], document) if component.get("detail") else None
        message = f"{name} {_text(actual)}, expected {_text(expected)}" + (f": {detail}" if detail else "")
    return _check(target, target.get("health_path"), name, status, message)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _components(result: dict, target: dict, check_mode: bool = False, **_: Any) -> list[Check]:
    return [_component(result, target, component, check_mode) for component in target.get("components") or []]


def _ready(result: dict, target: dict, **_: Any) -> list[Check]:
    if not target.get("ready_path"):
        return []
    status, message = _answered(result, f"HTTP {result.get('status')}")
    return [_check(target, target["ready_path"], "app", status, message)]


def _metrics(result: dict, target: dict, **_: Any) -> list[Check]:
    if not target.get("metrics_path"):
        return []
    expected = list(target.get("expect_metrics") or [])
    exposed = set(METRIC_NAME.findall(str(result.get("content") or "")))
    missing = [name for name in expected if name not in exposed]
    status, message = _answered(result, f"missing {', '.join(missing)}" if missing else f"exposes {', '.join(expected)}")
    return [_check(target, target["metrics_path"], "metrics", "failed" if missing else status, message)]


def _captured(request: dict, answer: dict) -> str:
    """The names a request captured, for the report. Never a value: a secret stays out of it, and a value
    that changes from run to run (an id) would make a second run over an unchanged stack rewrite it."""
    taken = _dict(answer.get("captured"))
    parts = [f"{capture['name']} (secret)" if boolean(capture.get("secret", False), strict=False) else capture["name"]
             for capture in request.get("capture") or [] if capture.get("name") in taken]
    return f", captured {', '.join(parts)}" if parts else ""


def _smoke_check(target: dict, request: dict, answer: dict, check_mode: bool = False) -> Check:
    if _failed(answer):
        status, message = "failed", answer.get("msg", "")
    elif answer.get("skipped") and "false_condition" in answer and not check_mode:
        # The role skips a request whose ${name} an earlier request did not capture.
        status, message = "failed", "not sent: a value it uses was not captured (an earlier request failed)"
    elif answer.get("skipped"):
        status, message = "pending", "not sent in check mode"
    else:
        status, message = "passed", f"HTTP {answer.get('status')}{_captured(request, answer)}"
    name = request["name"] if "name" in request else request.get("path")
    component = f"{request.get('method', 'GET')} {request.get('path')}"
    return _check(target, f"smoke {name}", component, status, message)


def _smoke(result: dict, target: dict, requests: list[dict] | None = None, check_mode: bool = False,
           **_: Any) -> list[Check]:
    answers = result.get("results") or []
    return [_smoke_check(target, request, _dict(answers[index]) if index < len(answers) else {}, check_mode)
            for index, request in enumerate(requests or [])]


def _redis(result: dict, target: dict, check: str | None = None, check_mode: bool = False, **_: Any) -> list[Check]:
    if not result or result.get("skipped"):
        return []
    info = _dict(result.get("redis"))
    writes = "" if check_mode else "SET/GET, TTL, "
    status, message = _answered(result, f"PING, {writes}pub/sub ok; Redis {info.get('server_version', '?')}, "
                                        f"policy {info.get('maxmemory_policy', 'unknown')}")
    return [_check(target, check, "redis", status, message)]


def _postgres(result: dict, target: dict, check: str | None = None, **_: Any) -> list[Check]:
    if not result or result.get("skipped"):
        return []
    info = _dict(result.get("postgres"))
    status, message = _answered(result, f"PostgreSQL {info.get('server_version', '?')}, "
                                        f"database {info.get('database', '?')}, write ok")
    return [_check(target, check, "database", status, message)]


JUDGES: dict[str, Callable[..., list[Check]]] = {
    "service": _service, "deploy": _deploy, "health": _health, "components": _components, "ready": _ready,
    "metrics": _metrics, "smoke": _smoke, "redis": _redis, "postgres": _postgres,
}


def validate_check(result: Any, kind: str, target: dict | None = None, check_mode: bool = False,
                   check: str | None = None, requests: list[dict] | None = None) -> list[Check]:
    """The checks that KIND's RESULT amounts to, for the app TARGET."""
    if kind not in JUDGES:
        raise AnsibleFilterError(f"validate_check: unknown kind '{kind}'; one of {', '.join(JUDGES)}")
    return JUDGES[kind](_dict(result), _dict(target) or _dict(result), check_mode=boolean(check_mode, strict=False),
                        check=check, requests=requests)


class FilterModule:
    """launchkit.paas.validate_check"""

    def filters(self) -> dict:
        return {"validate_check": validate_check}
