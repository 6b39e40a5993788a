#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_notification_policy
short_description: Manage one route of Grafana's notification policy tree
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Grafana takes the notification policy tree whole (C(PUT /api/v1/provisioning/policies)). This module owns one
    route, a child of the root policy, known by its set of matchers; it reads the tree, updates that route in place
    (keeping its position and nested routes), appends it when missing, or removes it, and writes the tree back only
    when it changed. Other routes and the root's receiver and settings are sent back as they were read.
  - Returns the route before the change (RV(previous_route)) so a rollback can put it back.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
  - launchkit.paas.grafana.provenance
options:
  matchers:
    description:
      - The route's identity, a list of matchers, each C([label, op, value]) or a string C(label=value) (also
        C(label!=value), C(label=~regex), C(label!~regex); the value may be double-quoted). A new route is written
        with C(object_matchers).
    type: list
    elements: raw
    required: true
  receiver:
    description: The contact point the route sends to. Required with O(state=present).
    type: str
  group_by:
    description: Labels alerts are grouped by.
    type: list
    elements: str
  group_wait:
    description: Wait before the first notification of a group (V(30s)).
    type: str
  group_interval:
    description: Wait before notifying about new alerts of a group (V(5m)).
    type: str
  repeat_interval:
    description: Wait before repeating a notification (V(4h)).
    type: str
  continue:
    description: Go on matching the following routes after this one.
    type: bool
  mute_time_intervals:
    description: Mute timings that silence the route.
    type: list
    elements: str
  state:
    description: Whether the route should be in the tree.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Critical alerts of the stack go to the on-call Slack channel
  launchkit.paas.grafana_notification_policy:
    matchers:
      - stack=scoop-production
      - [severity, "=", critical]
    receiver: scoop-oncall-slack
    group_by: [alertname]
    repeat_interval: 4h
  register: policy

- name: Put the route back as it was (rollback)
  launchkit.paas.grafana_notification_policy:
    matchers: [stack=scoop-production, severity=critical]
    state: absent
  when: policy.previous_route is none
"""

RETURN = r"""
route:
  description: The route after this run; null when absent.
  returned: always
  type: dict
previous_route:
  description: The route before this run, as Grafana held it; null when it was not in the tree.
  returned: always
  type: dict
position:
  description: The route's index among the root's routes; null when absent.
  returned: always
  type: int
receiver:
  description: The root policy's (default) receiver, unchanged by this module.
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import policy
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**policy.OPTIONS), policy.run_policy, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
