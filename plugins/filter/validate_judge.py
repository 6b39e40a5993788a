# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_judge
short_description: Judge every step of the validate phase, for every app, into checks
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Takes the targets (P(launchkit.paas.validate_targets#filter)) and the registered results of the
    validate phase's loops over them, and judges each app's steps with
    P(launchkit.paas.validate_check#filter) - the service itself and whether it runs its latest deploy; then,
    for an app that can be reached, its health answer and each expected component, its readiness and metrics
    pages and its smoke requests; then its Redis and Postgres as checked from the controller.
  - A loop's result belongs to the app its loop item names (C(validate_target.service)). The smoke answers are
    gathered round after round (the first request of every app, then the second, ...), so an app's n-th smoke
    answer is the answer to its n-th request. A step that was skipped or not asked for gives no check.
  - Messages may quote what an app answered; scrub them (P(launchkit.paas.scrub#filter)) before they are shown.
positional: results
options:
  _input:
    description: The targets, as P(launchkit.paas.validate_targets#filter) gives them.
    type: list
    elements: dict
    required: true
  results:
    description:
      - The registered loop results by step - C(health), C(ready), C(metrics), C(smoke), C(redis), C(postgres).
        A missing step counts as skipped. C(smoke) is a dict whose C(results) are the answers of every round, in order.
    type: dict
    required: true
  check_mode:
    description: The run is in check mode (C(ansible_check_mode)).
    type: bool
    default: false
  redis_key:
    description: Env key of the Redis URL, the name of the Redis check.
    type: str
    default: REDIS_URL
  database_key:
    description: Env key of the Postgres URL, the name of the Postgres check.
    type: str
    default: DATABASE_URL
"""

EXAMPLES = r"""
- name: Judge every answer
  ansible.builtin.set_fact:
    checks: >-
      {{ targets | launchkit.paas.validate_judge({'health': health, 'ready': ready, 'metrics': metrics,
                                                  'smoke': {'results': smoke_answers}, 'redis': redis,
                                                  'postgres': postgres},
                                                 check_mode=ansible_check_mode) }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The checks, app by app, each a dict of C(app), C(check), C(component), C(status) and C(message).
  type: list
  elements: dict
"""

from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.launchkit.paas.plugins.filter.validate_check import validate_check
from ansible_collections.launchkit.paas.plugins.filter.validate_captured import smoke_answers

LOOP_VAR = "validate_target"


def _by_app(result: Any) -> dict[str, dict]:
    """{app: its result} from a loop over the targets (loop var validate_target)."""
    found = {}
    for item in (result or {}).get("results") or [] if isinstance(result, dict) else []:
        target = item.get(LOOP_VAR) if isinstance(item, dict) else None
        if isinstance(target, dict) and target.get("service"):
            found[target["service"]] = item
    return found


def validate_judge(targets: list[dict], results: dict, check_mode: bool = False,
                   redis_key: str = "REDIS_URL", database_key: str = "DATABASE_URL") -> list[dict]:
    """Every check of every app, in order: service, deploy, health, components, ready, metrics, smoke, redis, postgres."""
    check_mode = boolean(check_mode, strict=False)
    steps = {step: _by_app(results.get(step)) for step in ("health", "ready", "metrics", "redis", "postgres")}
    smoke = smoke_answers((results.get("smoke") or {}).get("results") if isinstance(results.get("smoke"), dict) else [])
    checks: list[dict] = []
    for target in targets or []:
        name = target["service"]
        checks += validate_check(target, "service", check_mode=check_mode)
        checks += validate_check(target, "deploy", check_mode=check_mode)
        if target.get("reachable"):
            health = steps["health"].get(name, {})
            checks += validate_check(health, "health", target)
            checks += validate_check(health, "components", target, check_mode=check_mode)
            checks += validate_check(steps["ready"].get(name, {}), "ready", target)
            checks += validate_check(steps["metrics"].get(name, {}), "metrics", target)
            checks += validate_check({"results": smoke.get(name, [])}, "smoke", target, requests=target.get("smoke") or [],
                                     check_mode=check_mode)
        if target.get("found"):
            checks += validate_check(steps["redis"].get(name, {}), "redis", target, check=redis_key,
                                     check_mode=check_mode)
            checks += validate_check(steps["postgres"].get(name, {}), "postgres", target, check=database_key)
    return checks


class FilterModule:
    """launchkit.paas.validate_judge"""

    def filters(self) -> dict:
        return {"validate_judge": validate_judge}
