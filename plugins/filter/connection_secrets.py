# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: connection_secrets
short_description: Every connection string, URL and token of Redis and Postgres instances
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Collects the values of each instance's C(connection) (Render Key Value, Render Postgres) and its
    C(redis_url) and C(rest_token) (Upstash Redis), so that they can be scrubbed from what is shown.
  - Instances that are null are skipped; empty values are left out.
options:
  _input:
    description: Instances as the info modules return them (with their secrets), or nulls.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Note the instances' connection strings (secret)
  ansible.builtin.set_fact:
    secrets: "{{ secrets + ([redis_instance, database_instance] | launchkit.paas.connection_secrets) }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The secret strings.
  type: list
  elements: str
"""

from typing import Any, Iterator


def _values(instance: dict[str, Any]) -> Iterator[Any]:
    yield from (instance.get("connection") or {}).values()
    yield instance.get("redis_url")
    yield instance.get("rest_token")


def connection_secrets(instances: list[dict[str, Any] | None]) -> list[str]:
    """The non-empty string secrets of INSTANCES."""
    return [value for instance in instances or [] if isinstance(instance, dict)
            for value in _values(instance) if isinstance(value, str) and value]


class FilterModule:
    """launchkit.paas.connection_secrets"""

    def filters(self) -> dict:
        return {"connection_secrets": connection_secrets}
