#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_contact_point_test
short_description: Send a test notification through a Grafana contact point
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Sends a test alert through an existing contact point (by O(uid) or O(name)) with
    C(POST /api/alertmanager/grafana/config/api/v1/receivers/test). Grafana uses the contact point's stored secure
    settings, so none is needed here.
  - Reports a change (a message is sent). In check mode nothing is sent; the module says it would send, with a
    warning when the contact point does not exist yet (a real run fails unless an earlier task creates it).
  - A test is safe to send again - one whose answer is lost, or that an integration refused (a Slack 5xx, a
    reset, a 5xx from Grafana), is sent again after a short pause, five attempts in all; so a test notification may arrive more than once.
  - Fails naming each integration that still failed, with Grafana's error; URLs in errors are cut to their host.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  name:
    description: The contact point's name.
    type: str
  uid:
    description: The contact point's uid (takes precedence over O(name)).
    type: str
  labels:
    description: Labels of the test alert.
    type: dict
    default: {}
  annotations:
    description: Annotations of the test alert (C(summary), C(description)).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Tell the on-call channel that alerting is wired
  launchkit.paas.grafana_contact_point_test:
    name: scoop-oncall-slack
    annotations:
      summary: launchkit rollout test of the scoop-production alerts
"""

RETURN = r"""
contact_point:
  description: The contact point's name.
  returned: always
  type: str
sent:
  description: Whether the test was sent (false in check mode).
  returned: always
  type: bool
results:
  description: Per integration, C(uid), C(name), C(status) (V(ok) or V(failed)) and C(error).
  returned: always
  type: list
  elements: dict
attempts:
  description: How many times the test was sent (more than one when an attempt failed).
  returned: when sent
  type: int
  sample: 1
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import contact_point
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**contact_point.TEST_OPTIONS), contact_point.run_contact_point_test, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
