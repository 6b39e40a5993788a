#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_alert_rule_group
short_description: Manage alert rules of a Grafana rule group
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Writes the rules of one group (O(name) in folder O(folder_uid)) through Grafana's provisioning API, which takes
    the group whole (C(PUT /api/v1/provisioning/folder/{folder}/rule-groups/{group})) and deletes the rules
    missing from it.
  - The module owns the rules it is given, by uid. The group's other rules are sent back as they are stored, unless
    O(purge=true).
  - Each rule is in Grafana's provisioning shape. Before comparing, the module fills in what Grafana fills in on save
    (C(noDataState) V(NoData), C(execErrState) V(Error), C(for) V(0s), empty C(labels) and C(annotations), C(isPaused)
    false, C(relativeTimeRange) from 0 to 0, C(queryType) from the model, and C(maxDataPoints) 43200 and
    C(intervalMs) 1000 in each query model), so a second run changes nothing.
  - The diff lists the rules that change, by uid.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
  - launchkit.paas.grafana.provenance
options:
  folder_uid:
    description: The uid of the folder that holds the group.
    type: str
    required: true
  name:
    description: The group's title (unique within the folder).
    type: str
    required: true
  interval:
    description:
      - How often the group's rules are evaluated, in seconds or as a duration (V(1m), V(30s)).
      - Unset keeps the group's interval; a new group gets 60 seconds.
    type: raw
  rules:
    description:
      - The rules this task owns, each a dict with C(uid) (required, the rule's identity), C(title), C(condition)
        (the refId of the query that decides), C(data) (a list of queries, each with C(refId), C(relativeTimeRange)
        C({from, to}) in seconds, C(datasourceUid) (C(__expr__) for an expression), C(model), optional C(queryType)),
        C(for) (a duration such as V(5m)), C(labels), C(annotations), C(noDataState) (V(Alerting), V(NoData), V(OK)),
        C(execErrState) (V(OK), V(Alerting), V(Error)), C(isPaused).
      - With O(state=absent), only C(uid) is needed.
    type: list
    elements: dict
    default: []
  purge:
    description:
      - With O(state=present), also delete the group's rules that are not in O(rules).
      - With O(state=absent), delete the whole group.
    type: bool
    default: false
  state:
    description:
      - V(present) writes O(rules) into the group.
      - V(absent) deletes the rules of O(rules) from the group; the whole group when O(rules) is empty or O(purge=true).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The stack's latency and error-rate rules
  launchkit.paas.grafana_alert_rule_group:
    folder_uid: scoop-production
    name: scoop-production-slo
    interval: 1m
    disable_provenance: true
    rules:
      - uid: scoop-prod-error-rate
        title: Error rate above 5%
        condition: C
        for: 5m
        labels: {severity: critical, team: backend}
        annotations: {summary: More than 5% of requests fail}
        data:
          - refId: A
            relativeTimeRange: {from: 600, to: 0}
            datasourceUid: grafanacloud-prom
            model:
              expr: sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
              instant: true
          - refId: C
            datasourceUid: __expr__
            model:
              type: threshold
              expression: A
              conditions:
                - evaluator: {type: gt, params: [0.05]}
"""

RETURN = r"""
group:
  description: The group after this run (null when deleted), with the uids of its rules.
  returned: always
  type: dict
  contains:
    folder_uid: {description: Folder uid., type: str}
    name: {description: Group title., type: str}
    interval: {description: Evaluation interval in seconds., type: int}
    rules: {description: Uids of the group's rules., type: list, elements: str}
rules_added:
  description: Uids of the rules created (or that would be).
  returned: always
  type: list
  elements: str
rules_updated:
  description: Uids of the rules changed.
  returned: always
  type: list
  elements: str
rules_removed:
  description: Uids of the rules deleted.
  returned: always
  type: list
  elements: str
rules_kept:
  description: Uids of the group's rules this task does not own, sent back unchanged.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import alert_rules
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**alert_rules.OPTIONS), alert_rules.run_rule_group, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
