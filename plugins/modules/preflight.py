#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: preflight
short_description: Check every phase's inputs and the services they name before the first write of a run
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - A run of the rollout checks all of its phases before any of them writes. Each phase role has a
    C(tasks/preflight.yml) with one task of this module that gives the phase's entry; the C(Preflight) play at
    the start of C(playbooks/rollout.yml) runs them for every phase the run will run (its switch is on and the
    run's tags select it), then one task with O(finish=true) checks them together and fails once, naming every
    problem of every phase, with nothing written.
  - 'An entry holds: the problems of the phase''s own rules (O(rules)) and checks (O(problems)); its role''s
    argument spec checked against the variables (types, choices, required, a string where a list belongs); the
    arguments the phase will give to the modules it calls (O(modules)), checked with each module''s own argument
    spec and input checks (schedules, alert thresholds, plans, regions, a missing token); the services it names
    (O(services)) and the services it creates (O(creates)).'
  - With O(finish=true), every service named by any phase is looked up on the platform in one list call (ids
    one by one); a service that an earlier phase of the same run creates counts as there. A name that is
    missing is reported with the closest existing name.
  - Entries are kept in the host fact C(launchkit_preflight_checks). A phase role used on its own (not after the
    C(Preflight) play) checks itself at its start with O(finish=true). After a passed preflight the fact
    C(launchkit_preflight_passed) lists the phases checked, and each phase's own check is skipped.
  - It makes no write; it runs in check mode the same way.
extends_documentation_fragment:
  - launchkit.paas.platform
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  phase:
    description: The phase whose entry this is. Without it, only O(checks) are checked.
    type: str
  services:
    description:
      - The services the phase names, by the variable that names them (its key, used in the messages) and a list
        of names or ids (C(srv-...), C(crn-...)) as value. A string where the list belongs is a problem.
    type: dict
    default: {}
  service_types:
    description:
      - 'The type a service named under an option of O(services) must have, by option (C(web_service: web_service)).'
    type: dict
    default: {}
  creates:
    description: The names of the services this phase creates; later phases may name them.
    type: list
    elements: str
    default: []
  rules:
    description: The phase's own rules, as a message and the condition that must hold (a boolean or C(true)/C(false) text).
    type: dict
    default: {}
  problems:
    description: Problems the phase found itself (from the collection's check filters, say), as messages.
    type: list
    elements: str
    default: []
  modules:
    description:
      - The arguments the phase will pass to the collection's modules, each checked with the module's argument spec,
        cross-option checks and input checks, without a call. Checked in the controller only.
      - The vendor connection is taken as the module would take it (task, inventory variables, environment), so a
        missing token is a problem here too.
    type: list
    elements: dict
    default: []
    suboptions:
      module:
        description: The module's short name (C(sentry_alert_rule)) or full name.
        type: str
        required: true
      args:
        description: Its arguments, as the phase's task will give them.
        type: dict
        required: true
      where:
        description: What to call it in a message (the variable and the entry, say).
        type: str
  filters:
    description:
      - The collection's check filters the phase runs on its inputs (C(smtp_env), C(app_secrets_env), ...), each
        called here with its arguments; the error one raises is a problem. Checked in the controller only.
    type: list
    elements: dict
    default: []
    suboptions:
      filter:
        description: The filter's short name (C(smtp_env)) or full name.
        type: str
        required: true
      args:
        description: Its arguments in order (the first is the value the filter is applied to).
        type: list
        elements: raw
        default: []
      kwargs:
        description: Its keyword arguments.
        type: dict
        default: {}
  checks:
    description: The entries of the phases checked before this one (the fact C(launchkit_preflight_checks)).
    type: list
    elements: dict
    default: []
  finish:
    description: Check all entries now (look the services up) and fail naming every problem.
    type: bool
    default: true
notes:
  - The action plugin adds the phase's role argument spec check and reads the run's tags (a phase not selected by
    them is skipped), so the module runs in the controller (a local connection).
seealso:
  - module: launchkit.paas.app_env
"""

EXAMPLES = r"""
# roles/redis/tasks/preflight.yml: the redis phase's entry
- name: Check the redis phase's inputs and the services it names
  launchkit.paas.preflight:
    phase: redis
    finish: "{{ not launchkit_preflight_collect | default(false) }}"
    services:
      redis_services: "{{ redis_services }}"
    modules:
      - module: render_key_value
        where: redis_render_plan/redis_render_region
        args: {name: "{{ redis_name }}", plan: "{{ redis_render_plan }}", region: "{{ redis_render_region }}"}
  when: redis_enabled | bool

# The last task of the Preflight play: every entry at once
- name: Check every phase before the first write
  launchkit.paas.preflight:
    checks: "{{ launchkit_preflight_checks | default([]) }}"
"""

RETURN = r"""
phases:
  description: The phases checked.
  returned: always
  type: list
  elements: str
  sample: [redis, worker, cron, validate]
problems:
  description: Every problem found, each starting with its phase.
  returned: always
  type: list
  elements: str
  sample: ["redis: redis_services names 'scoop-wrker', which does not exist (did you mean 'scoop-worker'?)"]
checks:
  description: The entries gathered so far (this phase's included).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.platform.options import platform_options
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.preflight import run_preflight

ARGUMENT_SPEC = platform_options(
    phase=dict(type="str"),
    services=dict(type="dict", default={}),
    service_types=dict(type="dict", default={}),
    creates=dict(type="list", elements="str", default=[]),
    rules=dict(type="dict", default={}),
    problems=dict(type="list", elements="str", default=[]),
    modules=dict(type="list", elements="dict", default=[], options=dict(
        module=dict(type="str", required=True),
        args=dict(type="dict", required=True),
        where=dict(type="str"),
    )),
    filters=dict(type="list", elements="dict", default=[], options=dict(
        filter=dict(type="str", required=True),
        args=dict(type="list", elements="raw", default=[]),
        kwargs=dict(type="dict", default={}),
    )),
    checks=dict(type="list", elements="dict", default=[]),
    finish=dict(type="bool", default=True),
)

MODULE = Module(ARGUMENT_SPEC, run_preflight)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
