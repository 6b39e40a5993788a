# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_captured
short_description: The values the smoke requests of the validate phase captured, by app, and the secret ones
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Reads the answers of the validate phase's smoke requests (each a registered loop result item with the app
    under C(validate_target) and, when the request captured values, C(captured)) and returns the values by app
    and name, for P(launchkit.paas.validate_request#filter) to fill into the app's later requests.
  - The answers are gathered round after round (the first request of every app, then the second, ...), so an
    app's n-th answer is the answer to its n-th request; the request's C(capture) says which values are secret.
  - The values may be secrets; use the answer under C(no_log) and scrub C(secrets) from anything shown.
options:
  _input:
    description: The smoke answers of every round so far, in order.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: The values captured so far (secret ones among them)
  ansible.builtin.set_fact:
    captured: "{{ smoke_answers | launchkit.paas.validate_captured }}"
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(values), the values by app and then by name, and C(secrets), the text of every value captured with
      C(secret=true).
  type: dict
"""

import json
from typing import Any


LOOP_VAR = "validate_target"


def smoke_answers(answers: Any) -> dict[str, list[dict]]:
    """{app: its smoke answers in request order} from the smoke loop's results (loop var validate_target),
    gathered round after round: an app's n-th answer is the answer to its n-th request."""
    grouped: dict[str, list[dict]] = {}
    for item in answers or []:
        target = item.get(LOOP_VAR) if isinstance(item, dict) else None
        if isinstance(target, dict) and target.get("service"):
            grouped.setdefault(target["service"], []).append(item)
    return grouped


def validate_captured(answers: Any) -> dict[str, Any]:
    """What the smoke requests captured: {"values": {app: {name: value}}, "secrets": [texts never to show]}."""
    values: dict[str, dict[str, Any]] = {}
    secrets: list[str] = []
    for app, items in smoke_answers(answers).items():
        for position, item in enumerate(items):
            requests = item[LOOP_VAR].get("smoke") or []
            request = requests[position] if position < len(requests) else {}
            taken = item.get("captured") if isinstance(item.get("captured"), dict) else {}
            values.setdefault(app, {}).update(taken)
            for capture in request.get("capture") or []:
                if capture.get("secret") and capture.get("name") in taken:
                    value = taken[capture["name"]]
                    secrets.append(value if isinstance(value, str) else json.dumps(value))
    return {"values": values, "secrets": secrets}


class FilterModule:
    """launchkit.paas.validate_captured"""

    def filters(self) -> dict:
        return {"validate_captured": validate_captured}
