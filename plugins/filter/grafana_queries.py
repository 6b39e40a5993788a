# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: grafana_queries
short_description: PromQL expressions as the queries of launchkit.paas.grafana_query
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Each expression becomes C({ref_id, expr, instant}), its C(ref_id) the O(prefix) and its index.
positional: prefix, instant
options:
  _input:
    description: The expressions.
    type: list
    elements: str
    required: true
  prefix:
    description: The start of each C(ref_id).
    type: str
    required: true
  instant:
    description: Instant queries (the value now) rather than range queries.
    type: bool
    required: true
"""

EXAMPLES = r"""
- name: The alert queries, now
  launchkit.paas.grafana_query:
    datasource_uid: grafanacloud-prom
    queries: "{{ ['up', 'app_up'] | launchkit.paas.grafana_queries('a', true) }}"
"""

RETURN = r"""
_value:
  description: The queries, C(ref_id) V(a0), V(a1), ... in the order of the expressions.
  type: list
  elements: dict
"""

from typing import Any


def grafana_queries(exprs: list[str], prefix: str, instant: bool) -> list[dict[str, Any]]:
    return [{"ref_id": f"{prefix}{n}", "expr": expr, "instant": bool(instant)} for n, expr in enumerate(exprs)]


class FilterModule:
    """launchkit.paas.grafana_queries"""

    def filters(self) -> dict:
        return {"grafana_queries": grafana_queries}
