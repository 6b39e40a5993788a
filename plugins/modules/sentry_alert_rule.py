#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sentry_alert_rule
short_description: Manage the Sentry alert rules a launch needs
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Make sure a project has an alert rule of one of two kinds, found by its exact O(name) -
    V(new_issue) (notify when an issue is seen for the first time) or V(event_frequency) (notify when one
    issue is seen more than O(threshold) times within O(interval), the "error spike" alert).
  - Only what is set is compared; a difference updates the rule with a complete body (PUT).
  - O(api=workflows) (the default) manages an organization "Alert" (C(/organizations/{org}/workflows/)),
    connected to the project's monitors (C(/detectors/)) of O(detector_types). This is the API of the current
    sentry.io and of self-hosted releases that have monitors and alerts; the rule is found by name among
    the alerts connected to the project.
  - O(api=legacy_rules) manages a project issue alert rule (C(/projects/{org}/{project}/rules/)). Use it with
    self-hosted or older Sentry releases without monitors. Sentry deprecated these endpoints and removed
    them from its public API spec on 2026-05-08; it is UNCONFIRMED whether sentry.io still answers them.
extends_documentation_fragment:
  - launchkit.paas.sentry
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  name:
    description: Rule name, unique among the project's rules.
    type: str
    required: true
  project:
    description: Slug of the project.
    type: str
    required: true
  api:
    description: Which Sentry API holds the rule (see the description).
    type: str
    choices: [workflows, legacy_rules]
    default: workflows
  kind:
    description: The alert. Required unless O(state=absent).
    type: str
    choices: [new_issue, event_frequency]
  threshold:
    description: With O(kind=event_frequency), the number of events of one issue within O(interval) that fires it.
    type: int
  interval:
    description: With O(kind=event_frequency), the window the events are counted in.
    type: str
    choices: [1m, 5m, 15m, 1h, 1d, 1w, 30d]
    default: 1h
  frequency:
    description:
      - Minutes before the same issue notifies again. At create V(30) when not set.
      - With O(api=workflows) one of V(0), V(5), V(10), V(30), V(60), V(180), V(720), V(1440); with
        O(api=legacy_rules) from V(5) to V(43200).
    type: int
  environment:
    description: Only events of this environment, for example V(production). Not set means all, or as it is.
    type: str
  enabled:
    description: With O(api=workflows), whether the alert is enabled. New alerts are enabled.
    type: bool
  detector_types:
    description:
      - With O(api=workflows), the types of the project's monitors to connect the alert to.
      - Sentry makes an V(issue_stream) monitor (all issues of the project) and an V(error) monitor for every
        project, and connects its own default alerts to V(issue_stream).
    type: list
    elements: str
    default: [issue_stream]
  notify:
    description: Who is notified. Required unless O(state=absent).
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(team) or V(member) - an e-mail to the team's members or to one member;
            V(issue_owners) - the issue's suggested assignees; V(slack) - a Slack channel through
            Sentry's Slack integration.
        type: str
        required: true
        choices: [team, member, issue_owners, slack]
      target:
        description:
          - Team slug (V(team)), member e-mail or numeric user id (V(member)), channel name such as
            V(#alerts) (V(slack)).
        type: str
      integration_id:
        description: With V(slack), the id of the Slack integration installed in the organization.
        type: str
      fallthrough:
        description: Who gets the mail when the target has no one to mail.
        type: str
        choices: [ActiveMembers, AllMembers, NoOne]
  state:
    description: Whether the rule should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Mail the team about every new issue
  launchkit.paas.sentry_alert_rule:
    name: New issue
    project: scoop-production
    kind: new_issue
    frequency: 30
    notify:
      - type: team
        target: scoop

- name: Error spike - one issue seen more than 100 times in an hour
  launchkit.paas.sentry_alert_rule:
    name: Error spike
    project: scoop-production
    kind: event_frequency
    threshold: 100
    interval: 1h
    environment: production
    notify:
      - type: slack
        target: "#scoop-alerts"
        integration_id: "123456"

- name: The same on a self-hosted Sentry without monitors
  launchkit.paas.sentry_alert_rule:
    name: New issue
    project: scoop-production
    api: legacy_rules
    kind: new_issue
    notify:
      - type: member
        target: ops@example.com
"""

RETURN = r"""
alert_rule:
  description: The rule; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Rule id (a workflow id or a legacy rule id).", type: str}
    name: {description: "Rule name.", type: str}
    api: {description: "V(workflows) or V(legacy_rules).", type: str}
    conditions: {description: "Conditions as C({type, value, interval}).", type: list, elements: dict}
    actions: {description: "Notifications as C({type, target_type, target_identifier}) or C({type, integration_id, channel}).", type: list, elements: dict}
    frequency: {description: "Minutes between notifications for one issue.", type: int}
    environment: {description: "Environment filter, or null.", type: str}
    enabled: {description: "Whether the alert is enabled (workflows only).", type: bool}
    detectors: {description: "Ids of the monitors it is connected to (workflows only).", type: list, elements: str}
action:
  description: What the module did, V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sentry import options
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.alert_rule import run_alert_rule, validate_alert_rule


MODULE = Module(options.alert_rule(), run_alert_rule, precheck=validate_alert_rule)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
