#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_contact_point
short_description: Manage a Grafana contact point (email, Slack, webhook)
author:
  - launchkit.paas maintainers (@launchkit)
version_added: 0.1.0
description:
  - Creates, updates or deletes one contact point through Grafana's provisioning API, found by O(uid) when given,
    else by O(name).
  - Secure settings (a Slack webhook URL or token, a webhook's password or authorization credentials) are write-only;
    Grafana shows them as C([REDACTED]). They are compared by a digest the module keeps (O(state_backend), O(state_dir)) and written
    as O(update_secure) says. A write that does not change them sends Grafana's placeholder, which keeps the stored value.
  - Settings are compared key by key for the keys given; a write sends the settings given.
  - The diff shows settings and the names of secure settings that change, never a secure value.
extends_documentation_fragment:
  - launchkit.paas.grafana
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
  - launchkit.paas.grafana.provenance
  - launchkit.paas.grafana.state_dir
  - launchkit.paas.rollback_record.STATE
options:
  name:
    description: The contact point's name (what notification policies route to). Required with O(state=present).
    type: str
  uid:
    description: The contact point's uid; unset lets Grafana choose one at create.
    type: str
  type:
    description: The integration. Required with O(state=present).
    type: str
    choices: [email, slack, webhook]
  settings:
    description:
      - The integration's plain settings, for example C(addresses) (email), C(recipient), C(title), C(text)
        (Slack), C(url), C(httpMethod), C(username) (webhook).
    type: dict
    default: {}
  secure_settings:
    description:
      - The integration's secret settings; Slack C(url) (the incoming webhook URL) and C(token), webhook C(password)
        and C(authorization_credentials). Never shown.
    type: dict
    default: {}
  disable_resolve_message:
    description: Do not send a message when the alert resolves.
    type: bool
  state:
    description: Whether the contact point should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Slack channel of the on-call team
  launchkit.paas.grafana_contact_point:
    name: scoop-oncall-slack
    uid: scoop-oncall-slack
    type: slack
    settings:
      recipient: "#scoop-alerts"
    secure_settings:
      url: "{{ vault_slack_webhook_url }}"
    disable_provenance: true
    state_dir: "{{ launchkit_state_dir }}"

- name: E-mail to the team
  launchkit.paas.grafana_contact_point:
    name: scoop-oncall-email
    type: email
    settings:
      addresses: oncall@example.com
"""

RETURN = r"""
contact_point:
  description: The contact point; null once deleted.
  returned: always
  type: dict
  contains:
    uid: {description: Contact point uid., type: str}
    name: {description: Contact point name., type: str}
    type: {description: Integration type., type: str}
    settings: {description: Plain settings (secure ones left out)., type: dict}
    secure_fields: {description: Names of the secure settings Grafana holds., type: list, elements: str}
    disable_resolve_message: {description: Whether resolve messages are off., type: bool}
    provenance: {description: Grafana's provenance of the contact point (null when editable in the UI)., type: str}
action:
  description: What the module did, V(create), V(update), V(delete), V(adopt) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import contact_point
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import module_options, precheck


MODULE = Module(module_options(**contact_point.options()), contact_point.run_contact_point, precheck=precheck)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
