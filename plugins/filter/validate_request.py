# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_request
short_description: A smoke request of the validate phase with the values its app captured filled in
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Replaces each C(${name}) in the request's C(path), C(body) and C(headers) with the value an earlier request
    of the same app captured under that name (see the C(capture) of a smoke request in the validate role).
  - A string that is only C(${name}) takes the captured value as it is (a number stays a number in a JSON body);
    inside a longer string the value is written as text.
  - The answer has C(missing), the names used that nothing captured (an earlier request failed or was not sent);
    the role does not send such a request.
  - Captured values may be secrets; the task that uses the answer sets C(no_log).
positional: captured
options:
  _input:
    description: The smoke request (C(name), C(method), C(path), C(body), C(headers), ...).
    type: dict
    required: true
  captured:
    description: The values the app's earlier requests captured, by name.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The read-back request with the id the create request captured
  ansible.builtin.set_fact:
    request: "{{ {'path': '/items/${item_id}'} | launchkit.paas.validate_request({'item_id': 42}) }}"
  # request.path == '/items/42', request.missing == []
"""

RETURN = r"""
_value:
  description: The request with every captured value filled in, and C(missing) (a list of names).
  type: dict
"""

import json
from typing import Any

from ansible_collections.launchkit.paas.plugins.filter.validate_targets import PLACEHOLDER


def _fill(value: Any, captured: dict, missing: list[str]) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, captured, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, captured, missing) for item in value]
    if not isinstance(value, str):
        return value
    whole = PLACEHOLDER.fullmatch(value)
    if whole and whole.group(1) in captured:
        return captured[whole.group(1)]

    def text(match: Any) -> str:
        if match.group(1) not in captured:
            missing.append(match.group(1))
            return match.group(0)
        found = captured[match.group(1)]
        return found if isinstance(found, str) else json.dumps(found)

    return PLACEHOLDER.sub(text, value)


def validate_request(request: dict, captured: dict | None = None) -> dict[str, Any]:
    """The request with ${name} filled in from `captured`, and the names that were not captured."""
    missing: list[str] = []
    filled = dict(request or {})
    for key in ("path", "body", "headers"):
        if key in filled:
            filled[key] = _fill(filled[key], captured or {}, missing)
    filled["missing"] = list(dict.fromkeys(missing))
    return filled


class FilterModule:
    """launchkit.paas.validate_request"""

    def filters(self) -> dict:
        return {"validate_request": validate_request}
