# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: redis_capacity
short_description: The Redis connections the app's processes open, against the plan's connection limit
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Each client is a service with C(concurrency) (a worker's threads, e.g. Sidekiq's C(:concurrency:)) or
    C(pool) (a web service's connection pool per instance, e.g. Puma workers x threads), C(instances)
    (default 1) and C(extra) (connections per instance besides those, default 0).
  - The total is the sum of (C(concurrency) or C(pool)) + C(extra), times C(instances).
  - The limit is O(limit) when given, else the known limit of the provider's plan, else unknown.
  - Fails, naming the entry, on a figure that is not a whole number or on both or neither of
    C(concurrency) and C(pool).
positional: provider, plan, limit
options:
  _input:
    description: The clients.
    type: list
    elements: dict
    required: true
  provider:
    description: C(render), C(upstash) or C(external) (a Redis given by URL; its limit is unknown unless given).
    type: str
    required: true
  plan:
    description: The Redis plan.
    type: str
  limit:
    description: The plan's connection limit, when the user knows it (it wins).
    type: int
"""

EXAMPLES = r"""
- name: Scoop's budget
  ansible.builtin.debug:
    msg: "{{ clients | launchkit.paas.redis_capacity('render', 'free') }}"
  vars:
    clients:
      - {service: scoop-web, pool: 10}
      - {service: scoop-sidekiq, concurrency: 5}
"""

RETURN = r"""
_value:
  description: >-
    C({total, limit, limit_source, over, rows, figures}): C(rows) one per client
    (C(service, per_instance, instances, connections)), C(figures) one line of arithmetic.
  type: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError

# Connection limits that a source here states. Render's free Key Value: 30 connections
# (reference plan scoop-implementation-plan.md, step 1.1). No other plan's limit is stated in the
# vendors' specs or notes; an unknown one is given with redis_connection_limit.
KNOWN_LIMITS: dict[tuple[str, str], tuple[int, str]] = {
    ("render", "free"): (30, "Render Key Value free plan (30 connections)"),
}


def _whole(where: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise AnsibleFilterError(f"{where} must be a whole number of at least {least}, not {value!r}")
    return value


def _row(index: int, client: Any) -> dict:
    where = f"redis_capacity_clients[{index}]"
    if not isinstance(client, dict) or not client.get("service"):
        raise AnsibleFilterError(f"{where} needs a service and its concurrency (worker) or pool (web)")
    where = f"{where} ({client['service']})"
    if ("concurrency" in client) == ("pool" in client):
        raise AnsibleFilterError(f"{where} needs exactly one of concurrency (a worker's threads) and pool (a web "
                                 "service's connections per instance)")
    kind = "concurrency" if "concurrency" in client else "pool"
    figure = _whole(f"{where}.{kind}", client[kind], 1)
    extra = _whole(f"{where}.extra", client.get("extra", 0), 0)
    instances = _whole(f"{where}.instances", client.get("instances", 1), 1)
    return {"service": client["service"], "kind": kind, "per_instance": figure + extra, "instances": instances,
            "connections": (figure + extra) * instances}


def redis_capacity(clients: list[dict] | None, provider: str, plan: str | None = None, limit: int | None = None) -> dict:
    """The connection budget: every client's connections, their total and the limit they meet."""
    rows = [_row(index, client) for index, client in enumerate(clients or [])]
    total = sum(row["connections"] for row in rows)
    if limit not in (None, ""):
        limit, source = _whole("redis_connection_limit", limit, 1), "redis_connection_limit"
    else:
        limit, source = KNOWN_LIMITS.get((provider, plan or ""), (None, None))
    figures = " + ".join(f"{row['service']} {row['kind']} {row['per_instance']} x {row['instances']}" for row in rows)
    return {"total": total, "limit": limit, "limit_source": source, "rows": rows,
            "over": limit is not None and total > limit,
            "figures": f"{figures} = {total} connections" if rows else "no clients given"}


class FilterModule:
    """launchkit.paas.redis_capacity"""

    def filters(self) -> dict:
        return {"redis_capacity": redis_capacity}
