# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_links
short_description: The monitoring phase's folder, dashboards and alert rules with links into Grafana
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - From the plan (P(launchkit.paas.monitoring_plan#filter)), what the rollout report lists - the folder, each
    dashboard and each alert rule with its Grafana link, and the contact point.
positional: grafana_url
options:
  _input:
    description: The plan.
    type: dict
    required: true
  grafana_url:
    description: Grafana's URL, as people open it.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The report's monitoring section
  ansible.builtin.set_fact:
    links: "{{ plan | launchkit.paas.monitoring_links('https://example.grafana.net') }}"
"""

RETURN = r"""
_value:
  description: C(folder) (C(title), C(url)), C(dashboards) and C(alerts) (each with its C(url)), C(contact_point).
  type: dict
"""

from typing import Any


def monitoring_links(plan: dict[str, Any], grafana_url: str) -> dict[str, Any]:
    base = (grafana_url or "").rstrip("/")
    folder = plan.get("folder") or {}
    return {"folder": {"title": folder.get("title"), "url": f"{base}/dashboards/f/{folder.get('uid')}"},
            "dashboards": [{"title": d["title"], "url": f"{base}/d/{d['uid']}"} for d in plan.get("dashboards") or []],
            "alerts": [{"name": a["name"], "threshold": a["threshold"], "op": a["op"], "expr": a["expr"],
                        "url": f"{base}/alerting/grafana/{a['uid']}/view"} for a in plan.get("alert_checks") or []],
            "contact_point": plan.get("contact_point")}


class FilterModule:
    """launchkit.paas.monitoring_links"""

    def filters(self) -> dict:
        return {"monitoring_links": monitoring_links}
