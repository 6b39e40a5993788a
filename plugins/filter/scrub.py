# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: scrub
short_description: Mask secrets and URL passwords in every string of a structure
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Returns the input with every string (in dicts, keys included, and lists, at any depth) scrubbed -
    each of O(secrets) replaced by C(********), longest first, then the password of any URL
    (C(scheme://user:password@)) replaced by C(********).
  - Values that are not strings are kept as they are.
positional: secrets
options:
  _input:
    description: The data to scrub.
    type: raw
    required: true
  secrets:
    description: Values that must never be shown (non-string and empty entries are ignored).
    type: list
    elements: raw
    default: []
"""

EXAMPLES = r"""
- name: Scrub the results before anything shows them
  ansible.builtin.set_fact:
    results: "{{ checks | launchkit.paas.scrub(secrets_read_from_env) }}"
    report: "{{ phase_state | launchkit.paas.scrub }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The input with its strings scrubbed.
  type: raw
"""

import re
from typing import Any, Callable, Iterable

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK

# user:password@ inside any URL
URL_PASSWORD = re.compile(r'([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s"]*:)[^@/\s"]+@')


def _cleaner(secrets: Iterable[Any]) -> Callable[[str], str]:
    values = sorted({value for value in secrets if isinstance(value, str) and value}, key=len, reverse=True)

    def clean(text: str) -> str:
        for value in values:
            text = text.replace(value, MASK)
        return URL_PASSWORD.sub(lambda match: f"{match.group(1)}{MASK}@", text)
    return clean


def _scrubbed(data: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return clean(data)
    if isinstance(data, dict):
        return {_scrubbed(key, clean): _scrubbed(value, clean) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_scrubbed(value, clean) for value in data]
    return data


def scrub(data: Any, secrets: Iterable[Any] | None = None) -> Any:
    """DATA with every string's SECRETS and URL passwords replaced by the mask."""
    return _scrubbed(data, _cleaner(secrets or []))


class FilterModule:
    """launchkit.paas.scrub"""

    def filters(self) -> dict:
        return {"scrub": scrub}
