#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sentry_project
short_description: Manage a Sentry project
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Create, update or delete a Sentry project.
  - The project is found by O(slug) when set, else by its exact O(name) (several projects with that name
    make the module fail).
  - A new project is created under O(team) with C(default_rules=false), so Sentry does not add its
    "alert on every new issue" rule unasked; manage alerts with M(launchkit.paas.sentry_alert_rule), or set
    O(default_rules=true).
  - A changed O(platform) or O(name) is updated in place. A O(team) the project does not belong to yet is
    added; the teams it already has keep their access.
  - Sentry makes a client key (DSN) with each new project; M(launchkit.paas.sentry_client_key) adopts it.
extends_documentation_fragment:
  - launchkit.paas.sentry
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  name:
    description:
      - Project name (at most 50 characters at create). Required to create a project unless O(slug) is set,
        in which case the slug is also the name.
    type: str
  slug:
    description:
      - Project slug, unique in the organization. When not set at create, Sentry derives it from O(name).
    type: str
  team:
    description:
      - Slug of the team that owns the project. Required to create it.
    type: str
  platform:
    description:
      - Platform, for example V(ruby-rails), V(node), V(node-express), V(python-django), V(python).
    type: str
  default_rules:
    description:
      - At create only, let Sentry add its default "alert on every new issue" rule.
    type: bool
    default: false
  state:
    description:
      - Whether the project should exist.
      - V(absent) deletes the project with B(all its events, issues and client keys); every DSN of the
        project stops working. Nothing else in this module deletes a project.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The Rails app's project, without Sentry's default alert rule
  launchkit.paas.sentry_project:
    name: scoop-production
    slug: scoop-production
    team: scoop
    platform: ruby-rails
  register: project
"""

RETURN = r"""
project:
  description: The project; null once deleted or when it would be created in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Project id.", type: str}
    slug: {description: "Project slug.", type: str}
    name: {description: "Project name.", type: str}
    platform: {description: "Platform.", type: str}
    teams: {description: "Slugs of the teams with access.", type: list, elements: str}
    status: {description: "Project status.", type: str}
    date_created: {description: "When the project was created.", type: str}
action:
  description: What the module did, V(create), V(update), V(delete) or V(none).
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.sentry import options
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.project import run_project


MODULE = Module(options.project(), run_project, required_one_of=[("name", "slug")])


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
