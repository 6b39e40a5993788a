#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sentry_test_event
short_description: Send a test error to a Sentry DSN and confirm it arrived
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Sends one C(ZeroDivisionError) event to the project of O(dsn), the check a person makes with
    C(1 / 0) in the app's console after wiring Sentry. No Sentry SDK is needed - the module posts a
    Sentry envelope to the DSN's ingest endpoint (C(<scheme>://<host>/api/<project id>/envelope/)).
  - The event carries the tag C(launchkit_check) with a fresh UUID (returned as RV(check_id)).
  - Sending is retried on HTTP 429, 500, 502, 503 and 504 and on connection errors; repeating is safe,
    as Sentry drops a second event with the same id. Any other refusal (for example an inactive key) fails
    the task.
  - With O(confirm=true), the module then asks the web API for the event
    (C(GET /projects/{org}/{project}/events/{event_id}/)) until it is visible or O(wait_timeout) passes.
    An event not seen in time is a warning, with RV(confirmed=false), not a failure.
  - Always reports a change. In check mode nothing is sent.
extends_documentation_fragment:
  - launchkit.paas.sentry
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  dsn:
    description: The public DSN to send to (the app's C(SENTRY_DSN)).
    type: str
    required: true
  auth_token:
    description:
      - Sentry auth token with C(event:read), to confirm the event. Needed only with O(confirm=true).
      - If not set, the environment variable E(SENTRY_AUTH_TOKEN) is used.
    type: str
    required: false
  organization:
    description:
      - Organization slug, to confirm the event. Needed only with O(confirm=true).
      - If not set, the environment variable E(SENTRY_ORG) is used.
    type: str
    required: false
  project:
    description: Project slug to look the event up in. Default the numeric project id of O(dsn).
    type: str
  confirm:
    description: Wait until the event is visible through the web API.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the event with O(confirm=true).
    type: float
    default: 60
  environment:
    description: Environment of the event.
    type: str
    default: production
  release:
    description: Release of the event, if any.
    type: str
"""

EXAMPLES = r"""
- name: Send a test error and wait until Sentry shows it
  launchkit.paas.sentry_test_event:
    dsn: "{{ sentry_dsn }}"
    project: scoop-production
  register: test_event

- name: The error arrived
  ansible.builtin.assert:
    that: test_event.confirmed
"""

RETURN = r"""
event_id:
  description: Id of the event sent; null in check mode.
  returned: always
  type: str
check_id:
  description: Value of the C(launchkit_check) tag of the event.
  returned: always
  type: str
sent:
  description: Whether the event was sent (false in check mode).
  returned: always
  type: bool
confirmed:
  description: Whether the event was seen through the web API.
  returned: always
  type: bool
issue_id:
  description: Id of the issue the event was grouped into, once confirmed.
  returned: always
  type: str
project_id:
  description: Numeric project id of the DSN.
  returned: always
  type: str
dsn:
  description: The DSN, its key masked.
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sentry import options
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.test_event import run_test_event


MODULE = Module(options.test_event(), run_test_event)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
