#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vercel_project_info
short_description: Read a Vercel project, its production URLs and deployments
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - One project by id or name, with its framework, its production URLs, the deployment production serves and the
    newest production deployment, and optionally its env entries (names, targets, types, branches; never values).
  - The production URLs are the host names aliased to the deployment production serves (the project's
    C(targets.production.alias)), then the project's production domains that do not redirect; without either, the
    production deployment's own URL.
extends_documentation_fragment:
  - launchkit.paas.vercel
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  env:
    description: Also list the project's env entries, without their values.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Where production answers
  launchkit.paas.vercel_project_info:
    project: scoop-web
    team_id: team_abc123
  register: scoop

- name: Show it
  ansible.builtin.debug:
    msg: "{{ scoop.projects[0].production_url }}"
"""

RETURN = r"""
projects:
  description: The project found (an empty list when there is none of that id or name).
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: "Project id.", type: str}
    name: {description: "Project name.", type: str}
    framework: {description: "The project's framework preset (null when none is set).", type: str}
    production_url: {description: "The first production URL (https), or null when the project has none yet.", type: str}
    production_urls: {description: "Every production URL (https).", type: list, elements: str}
    production_deployment:
      description: The deployment production serves (C(targets.production)), or null.
      type: dict
      contains:
        id: {description: "Deployment id.", type: str}
        url: {description: "The deployment's own URL.", type: str}
        ready_state: {description: "C(QUEUED), C(INITIALIZING), C(BUILDING), C(READY), C(ERROR), C(CANCELED), ...", type: str}
        created_at: {description: "When it was made (milliseconds since the epoch).", type: int}
        target: {description: "C(production).", type: str}
    latest_production_deployment:
      description: The newest production deployment whatever its state, or null; same fields as RV(projects[].production_deployment).
      type: dict
    env:
      description: The env entries, without values.
      returned: when O(env=true)
      type: list
      elements: dict
      contains:
        id: {description: "Entry id.", type: str}
        key: {description: "Variable name.", type: str}
        targets: {description: "Its targets.", type: list, elements: str}
        git_branch: {description: "Its git branch (preview only), or null.", type: str}
        type: {description: "C(plain), C(encrypted), C(sensitive) or C(system).", type: str}
        updated_at: {description: "When it last changed (milliseconds since the epoch).", type: int}
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.vercel import project
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.options import module_options


MODULE = Module(module_options(**project.INFO_OPTIONS), project.run_project_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
