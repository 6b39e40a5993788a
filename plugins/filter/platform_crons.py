# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: platform_crons
short_description: Check the cron routes an app's own config declares (Vercel's vercel.json) and say what it must hold
version_added: 0.4.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Vercel Cron Jobs are declared in the app's C(vercel.json) (C(crons) - C([{path, schedule}])) and deployed with the
    app; no API this collection calls sets them. This filter takes the routes the inventory documents, checks each
    schedule with the cron phase's own checker (five fields, standard syntax, one that can fire; UTC), and gives
    one pending action per project - what its C(vercel.json) must hold.
  - A bad entry fails with what is wrong, so the run's preflight refuses it before any write.
positional: project
options:
  _input:
    description: The routes, each C(path) (starting with /) and C(schedule).
    type: list
    elements: dict
    required: true
  project:
    description: The Vercel project (or app) whose C(vercel.json) holds them.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: What vercel.json must hold
  ansible.builtin.debug:
    msg: "{{ [{'path': '/api/cron/process-jobs', 'schedule': '* * * * *'}] | launchkit.paas.platform_crons('cloudgreet') }}"
"""

RETURN = r"""
_value:
  description: The pending actions (one sentence, or none when there are no routes).
  type: list
  elements: str
"""

import json
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import CronError, validate_cron


def platform_crons(routes: Any, project: str) -> list[str]:
    """launchkit.paas.platform_crons"""
    if not routes:
        return []
    if not isinstance(routes, list):
        raise AnsibleFilterError("platform_crons: give a list of {path, schedule}")
    crons = []
    for index, route in enumerate(routes):
        where = f"validate_vercel_crons[{index}]"
        if not isinstance(route, dict) or set(route) - {"path", "schedule"}:
            raise AnsibleFilterError(f"{where} takes path and schedule only")
        path = route.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise AnsibleFilterError(f"{where}.path must be the route's path, starting with /")
        try:
            schedule = validate_cron(str(route.get("schedule") or ""))
        except CronError as exc:
            raise AnsibleFilterError(f"{where}: {exc}") from None
        crons.append({"path": path, "schedule": schedule})
    return [f"Vercel project {project}: its vercel.json must hold \"crons\": {json.dumps(crons)} (schedules in UTC; "
            "Vercel Cron Jobs deploy with the app, no API sets them): check it, then deploy"]


class FilterModule:
    """launchkit.paas.platform_crons"""

    def filters(self) -> dict:
        return {"platform_crons": platform_crons}
