# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: known_after_apply
short_description: A value, or in check mode the stand-in for a value only the real run can know
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Returns the value when it is not empty. An empty value (a Redis, a database, a Sentry project or an
    API key that check mode does not create has no URL, DSN or secret yet) becomes, in check mode, the
    text C((known after apply)); an env key given it is planned as set and shown so, a check given it
    is skipped with a note. In a real run an empty value stays empty.
  - The modules refuse the stand-in in a real run, so it can never be written.
positional: check_mode
options:
  _input:
    description: The value, empty (or undefined through C(default)) when not known.
    type: raw
    required: true
  check_mode:
    description: Whether the run is a check run (C(ansible_check_mode)).
    type: bool
    required: true
  changing:
    description: Whether the run creates or changes the thing the value stands for first (a check of it
      in check mode would see the state before the run). Then the stand-in is returned in check mode
      even when the value is known.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Put the Redis URL into the services (in check mode, a Redis about to be created has no URL yet)
  launchkit.paas.app_env:
    services: [web]
    env:
      REDIS_URL: "{{ redis.key_value.connection.internal_connection_string | default('') | launchkit.paas.known_after_apply(ansible_check_mode) }}"

- name: Check the Redis (skipped with a note in check mode when the run changes it first)
  launchkit.paas.redis_check:
    url: "{{ redis_url | launchkit.paas.known_after_apply(ansible_check_mode, changing=redis is changed) }}"
"""

RETURN = r"""
_value:
  description: The value; in check mode C((known after apply)) in place of an empty one, or of any one with O(changing).
  type: raw
"""

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY


def known_after_apply(value: Any, check_mode: bool, changing: bool = False) -> Any:
    """VALUE, or in check mode the stand-in when VALUE is empty (or CHANGING)."""
    if check_mode and (changing or value in (None, "")):
        return KNOWN_AFTER_APPLY
    return value


class FilterModule:
    """launchkit.paas.known_after_apply"""

    def filters(self) -> dict:
        return {"known_after_apply": known_after_apply}
