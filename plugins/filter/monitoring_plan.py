# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_plan
short_description: The monitoring phase's Grafana objects, built from an app's metric names
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Turns the C(launchkit.paas.monitoring) role's settings into what the phase writes - a folder, the
    latency, throughput and errors dashboards (a panel only for the metrics the app has), one alert rule
    group (each rule a query C(A), its last value C(B) and a threshold C(C)), the integrations of the app's
    contact point (email and Slack) and one notification-policy route matching the rules'
    C(app) label.
  - Also every PromQL expression of the panels and rules (C(expressions), for
    M(launchkit.paas.promql_check) before any write), the alert queries with their thresholds
    (C(alert_checks)) and the panel queries (C(panel_checks)) for the validation.
  - Fails naming every mistake in the settings (an unknown alert kind, a missing metric, a threshold that is
    no number, a bad duration) so that nothing is written.
options:
  _input:
    description:
      - The settings (the role's C(monitoring_settings)) - C(app), C(title), C(uid_prefix), C(folder_uid),
        C(folder_title), C(datasource_uid), C(selector), C(rate_window), C(interval), C(rule_group),
        C(requests_metric), C(status_label), C(latency_histograms), C(gauges), C(error_counters), C(alerts),
        C(contact_point), C(email_addresses), C(slack), C(slack_channel), C(group_by),
        C(no_data_state), C(exec_err_state).
    type: dict
    required: true
  strict:
    description:
      - Fail on a mistake in the settings. With C(false), a plan that cannot be built comes back as
        C({problems}) with empty lists, for a check that names every problem itself.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: What the phase writes
  ansible.builtin.set_fact:
    monitoring_built: "{{ monitoring_settings | launchkit.paas.monitoring_plan }}"
"""

RETURN = r"""
_value:
  description: >-
    C(folder), C(dashboards) (Grafana JSON models), C(rule_group) (C(name), C(interval), C(rules)),
    C(contact_point) (its name, or null without integrations), C(contact_points), C(route), C(expressions),
    C(alert_checks), C(panel_checks) and C(problems) (empty, unless O(strict=false) and the settings have
    mistakes).
  type: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.module_utils.monitoring.plan import PlanError, build


def monitoring_plan(settings: dict[str, Any], strict: bool = True) -> dict[str, Any]:
    try:
        return {**build(dict(settings)), "problems": []}
    except PlanError as error:
        if strict:
            raise AnsibleFilterError(f"monitoring settings: {error}") from None
        return {"problems": [str(error)], "dashboards": [], "expressions": [], "alert_checks": [], "panel_checks": []}


class FilterModule:
    """launchkit.paas.monitoring_plan"""

    def filters(self) -> dict:
        return {"monitoring_plan": monitoring_plan}
