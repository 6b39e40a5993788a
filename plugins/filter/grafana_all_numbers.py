# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: grafana_all_numbers
short_description: Whether every query of launchkit.paas.grafana_query answered with numbers
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - True when every query returned a series and the last value of each is a number, not NaN (as a quantile
    of a histogram without observations in its window is).
options:
  _input:
    description: The C(results) of M(launchkit.paas.grafana_query).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Ask again until the values are numbers
  launchkit.paas.grafana_query:
    datasource_uid: grafanacloud-prom
    queries: [{ref_id: a0, expr: 'histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))', instant: true}]
  register: answers
  until: answers.results | launchkit.paas.grafana_all_numbers
  retries: 10
  delay: 1
"""

RETURN = r"""
_value:
  description: Whether every series' last value is a number.
  type: bool
"""

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.monitoring.plan import number_or_none


def grafana_all_numbers(results: dict[str, Any]) -> bool:
    return all(result.get("series") and all(number_or_none(s.get("last")) is not None for s in result["series"])
               for result in (results or {}).values())


class FilterModule:
    """launchkit.paas.grafana_all_numbers"""

    def filters(self) -> dict:
        return {"grafana_all_numbers": grafana_all_numbers}
