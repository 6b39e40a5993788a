#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_query
short_description: Run PromQL queries through a Grafana data source
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Runs queries through a Prometheus data source with C(POST /api/ds/query) and returns, per query, its series
    with their labels, values and last value. It only reads (never reports a change) and runs in check mode too.
  - When Grafana refuses a query (a PromQL syntax error, which Grafana answers with HTTP 400 and every query's
    result), the module fails naming the query, its expression and the error; the results are in the failure too.
  - A query error in an answer Grafana gives as a success stays in that query's C(error); the module then fails
    only with O(require_series).
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  datasource_uid:
    description: The uid of the Prometheus data source.
    type: str
    required: true
  queries:
    description: The queries to run.
    type: list
    elements: dict
    required: true
    suboptions:
      ref_id:
        description: The query's name in the result (unique).
        type: str
        required: true
      expr:
        description: The PromQL expression.
        type: str
        required: true
      instant:
        description: An instant query (the value at O(to)); false runs a range query over O(from) to O(to).
        type: bool
        default: true
  from:
    description: Start of the time range, relative (V(now-5m)) or epoch milliseconds.
    type: str
    default: now-5m
  to:
    description: End of the time range.
    type: str
    default: now
  require_series:
    description: Fail naming each query that returned no series.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The alert queries evaluate
  launchkit.paas.grafana_query:
    datasource_uid: grafanacloud-prom
    require_series: true
    queries:
      - ref_id: up
        expr: up{job="scoop-production"}
      - ref_id: errors
        expr: sum(rate(http_requests_total{status=~"5.."}[5m]))
  register: alert_queries
"""

RETURN = r"""
results:
  description: Per ref_id, C(expr), C(series) (each with C(name), C(labels), C(values) as C([time, value]) pairs and C(last)) and C(error).
  returned: always
  type: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import query
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**query.OPTIONS), query.run_query, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
