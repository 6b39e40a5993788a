# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: check_summary
short_description: Sum up the validate phase's checks - the result, the counts, a line per failure
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The result is C(failed) when any check failed, else C(pending) when any is pending, else C(passed), or
    C(passed with pending actions) when O(pending_actions) lists something a person must still do.
  - A failure line names the app, the check and, where the message does not already say it and it
    is not the app, Render or the metrics page, the component.
options:
  _input:
    description: The checks (scrubbed), as P(launchkit.paas.validate_check#filter) returns them.
    type: list
    elements: dict
    required: true
  with_checks:
    description: Return the checks themselves too, under C(checks), so one evaluation gives all a report needs.
    type: bool
    default: false
  pending_actions:
    description: What a person must still do (DNS records to create, a sender to verify), one sentence each.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Sum up
  ansible.builtin.set_fact:
    summary: "{{ judged.summary }}"
    failures: "{{ judged.failures }}"
  vars:
    judged: "{{ results | launchkit.paas.check_summary }}"
"""

RETURN = r"""
_value:
  description:
    - C(summary) (C(result), C(checks), C(passed), C(failed), C(pending), C(pending_actions), their
      count); C(failures), a line per
      failed check; C(lines), a line per check (C(STATUS | app | check | component | message)); with
      O(with_checks), C(checks), the input.
  type: dict
"""

from typing import Any

# Components a failure line does not repeat: they are clear from the check's name.
IMPLIED_COMPONENTS = ("app", "render", "metrics")


def _failure(check: dict[str, Any]) -> str:
    component, message = check["component"], str(check["message"])
    named = f"{component}: " if component not in IMPLIED_COMPONENTS and not message.startswith(str(component)) else ""
    return f"{check['app']} {check['check']}: {named}{message}"


def _line(check: dict[str, Any]) -> str:
    fields = (str(check["status"]).upper(), check["app"], check["check"], check["component"], check["message"])
    return " | ".join(str(field) for field in fields)


def _result(failed: int, pending: int, actions: int) -> str:
    if failed:
        return "failed"
    if pending:
        return "pending"
    return "passed with pending actions" if actions else "passed"


def check_summary(checks: list[dict[str, Any]], with_checks: bool = False,
                  pending_actions: list[str] | None = None) -> dict[str, Any]:
    """{summary, failures, lines} of CHECKS (and the checks themselves under `checks` when `with_checks`)."""
    statuses = [check["status"] for check in checks]
    failed, pending, actions = statuses.count("failed"), statuses.count("pending"), len(pending_actions or [])
    judged = {
        "summary": {"result": _result(failed, pending, actions), "checks": len(checks),
                    "passed": statuses.count("passed"), "failed": failed, "pending": pending,
                    "pending_actions": actions},
        "failures": [_failure(check) for check in checks if check["status"] == "failed"],
        "lines": [_line(check) for check in checks],
    }
    return {"checks": checks, **judged} if with_checks else judged


class FilterModule:
    """launchkit.paas.check_summary"""

    def filters(self) -> dict:
        return {"check_summary": check_summary}
