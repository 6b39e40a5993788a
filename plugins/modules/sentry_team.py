#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sentry_team
short_description: Manage a Sentry team
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, rename or delete a team of a Sentry organization, found by its O(slug).
  - Sentry deletes teams asynchronously; the slug is released at once.
extends_documentation_fragment:
  - launchkit.paas.sentry
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  slug:
    description:
      - Team slug, unique in the organization; lowercase letters, digits, V(-) and V(_), at most 50 characters.
    type: str
    required: true
  name:
    description:
      - Display name. Sentry derives it from the slug when not set; set it to rename the team.
    type: str
  state:
    description: Whether the team should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The team that owns the app's projects
  launchkit.paas.sentry_team:
    slug: scoop
    name: Scoop
"""

RETURN = r"""
team:
  description: The team; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Team id.", type: str}
    slug: {description: "Team slug.", type: str}
    name: {description: "Team name.", type: str}
    date_created: {description: "When the team was created.", type: str}
action:
  description: What the module did, V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sentry import options
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.team import run_team


MODULE = Module(options.team(), run_team)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
