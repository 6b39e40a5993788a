#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: promql_check
short_description: Check PromQL expressions before dashboards and alert rules use them
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Checks that each expression of O(expressions) is valid PromQL as Prometheus itself reads it, with
    C(promtool check rules), and that it names only metrics the app exposes on its C(/metrics) page, so that no
    alert rule pages anyone for nothing and no dashboard panel stays empty.
  - The page is fetched from O(metrics_url) as M(launchkit.paas.http_check) fetches a page (the same O(headers),
    O(ca_path), O(validate_certs), O(connect_to), O(retries)), or read from O(metrics_text).
  - A metric name counts as exposed when the page holds a family that Prometheus stores under that name; a
    histogram C(x) gives C(x_bucket), C(x_sum) and C(x_count); a summary C(x), C(x_sum) and C(x_count); a
    counter C(x_total) (and C(x) when its C(# TYPE) line names it without C(_total)). A family with labels but
    no sample yet counts too. Names Prometheus makes itself (C(up), C(ALERTS), recording rules) go into
    O(allow_metrics).
  - The names an expression selects are those of its vector and matrix selectors, including C({__name__="x"}).
    A selector by a regular expression on C(__name__) (C({__name__=~"http_.*"})) cannot be checked; it is
    accepted with a warning.
  - Fails listing every expression that is not valid PromQL, with its O(expressions[].name) and promtool's
    message, and every expression that names a metric the page lacks, with the closest exposed names.
  - Never reports a change; it only reads, and runs the same in check mode.
extends_documentation_fragment:
  - launchkit.paas.attributes.info
  - launchkit.paas.http_fetch
options:
  expressions:
    description: The expressions to check.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: What the expression is, as messages name it, for example V(alert high_latency) or
          V(dashboard Latency / panel p95). Each name is used once.
        type: str
        required: true
      expr:
        description: The PromQL expression.
        type: str
        required: true
  metrics_url:
    description:
      - The app's Prometheus metrics URL, for example V(https://scoop-web.onrender.com/metrics).
      - Exactly one of O(metrics_url) and O(metrics_text) is set.
    type: str
  metrics_text:
    description: The metrics page already fetched, in the Prometheus text format (or OpenMetrics).
    type: str
  promtool:
    description:
      - The promtool to run, a path or a name on E(PATH). Default C(promtool) on E(PATH).
      - On Debian and Ubuntu it comes with the package C(prometheus) (C(apt-get install prometheus)).
    type: str
  allow_metrics:
    description:
      - Metric names known to exist though the app's page does not expose them, for example C(up),
        C(ALERTS), C(scrape_duration_seconds) (which Prometheus makes) or a recording rule's name.
    type: list
    elements: str
    default: [up]
requirements:
  - python >= 3.10
  - promtool (Debian/Ubuntu package C(prometheus))
  - requests (for O(metrics_url))
"""

EXAMPLES = r"""
- name: The alert rules and panels name only metrics the app exposes
  launchkit.paas.promql_check:
    metrics_url: "https://synckairos-api.onrender.com/metrics"
    expressions:
      - name: alert high_latency
        expr: >-
          histogram_quantile(0.95, sum by (le) (rate(synckairos_switch_cycle_duration_ms_bucket[5m]))) > 50
      - name: alert error_rate
        expr: >-
          sum(rate(synckairos_http_requests_total{status_code=~"5.."}[5m]))
          / sum(rate(synckairos_http_requests_total[5m])) > 0.01
      - name: alert queue_backup
        expr: synckairos_db_write_queue_size > 1000
      - name: dashboard Overview / panel targets up
        expr: sum(up{job="synckairos"})

- name: A metrics page behind a token, served by a certificate of our own CA
  launchkit.paas.promql_check:
    metrics_url: "https://api.example.com/metrics"
    headers:
      Authorization: "Bearer {{ metrics_token }}"
    ca_path: /etc/ssl/private-ca.pem
    retries: 5
    delay: 3
    allow_metrics: [up, ALERTS]
    expressions: "{{ monitoring_expressions }}"  # a list of {name, expr}

- name: A page read earlier
  launchkit.paas.promql_check:
    metrics_text: "{{ metrics_page.content }}"
    promtool: /usr/bin/promtool
    expressions:
      - {name: dashboard Requests / panel rate, expr: 'sum by (path) (rate(http_requests_total[5m]))'}
"""

RETURN = r"""
expressions:
  description: Each expression by its O(expressions[].name).
  returned: always
  type: dict
  sample:
    alert queue_backup:
      expr: synckairos_db_write_queue_size > 1000
      metrics: [synckairos_db_write_queue_size]
      unchecked: []
      ok: true
  contains:
    expr: {description: "The expression.", type: str}
    metrics: {description: "The metric names it selects, in order.", type: list, elements: str}
    unchecked:
      description: Its selectors by a pattern on C(__name__) (C(__name__=~"http_.*")), whose names are not checked.
      type: list
      elements: str
    ok: {description: "Whether it is valid PromQL and names only exposed or allowed metrics.", type: bool}
    error: {description: "promtool's message, when it is not valid PromQL.", type: str, returned: when promtool rejects it}
    unknown:
      description: The metric names it selects that the page does not expose and O(allow_metrics) does not list.
      type: list
      elements: str
      returned: when it names such a metric
    closest:
      description: For each name of RV(expressions.unknown), the closest exposed names (at most 3).
      type: dict
      returned: when it names such a metric
      sample: {"http_request_total": ["http_requests_total"]}
metrics:
  description: The metric family names the page exposes (from its C(# TYPE) lines and its samples).
  returned: always
  type: list
  elements: str
  sample: [app_up, http_requests_total, process_start_time_seconds]
promtool_version:
  description: The version of the promtool that checked the syntax.
  returned: always
  type: str
  sample: 2.42.0+ds
"""

from ansible_collections.launchkit.paas.plugins.module_utils.promql.check import (
    ARGUMENT_SPEC, CHECKS, precheck, required_libraries, run_promql_check)
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module


MODULE = Module(ARGUMENT_SPEC, run_promql_check, needs_requests=False, requires=required_libraries,
                precheck=precheck, **CHECKS)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
