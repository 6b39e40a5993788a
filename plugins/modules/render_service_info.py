#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_service_info
short_description: Find Render services by name or type
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - List the services of a Render workspace, filtered by name and type, or read one by id.
  - Names are matched exactly.
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  name:
    description: Only services with one of these names.
    type: list
    elements: str
  type:
    description: Only services of these types.
    type: list
    elements: str
    choices: [static_site, web_service, private_service, background_worker, cron_job]
  id:
    description: Only the service with this id.
    type: str
  env_keys:
    description: Also return the names (never the values) of each service's environment variables.
    type: bool
    default: false
  env_values:
    description:
      - Also return the values of these environment variables of each service, under RV(services[].env).
      - Env values are secrets (connection strings, API keys). Set C(no_log) on the task that asks for them;
        the module returns them as they are.
      - Keys a service does not have are left out of its RV(services[].env).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Find the web service and the worker of the stack
  launchkit.paas.render_service_info:
    name: [scoop-web, scoop-worker]
  register: found

- name: All cron jobs of the workspace
  launchkit.paas.render_service_info:
    type: [cron_job]

- name: Read the URLs the web service connects to (secrets, so no_log)
  launchkit.paas.render_service_info:
    name: [scoop-web]
    env_values: [REDIS_URL, DATABASE_URL]
  register: web
  no_log: true

- name: Tell whether it has a REDIS_URL without printing it
  ansible.builtin.debug:
    msg: "REDIS_URL set: {{ 'REDIS_URL' in web.services[0].env }}"
"""

RETURN = r"""
services:
  description: The services found.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: "Service id.", type: str, sample: srv-d0a1b2c3d4e5f6g7h8i9}
    name: {description: "Service name.", type: str}
    type: {description: "Service type.", type: str}
    owner_id: {description: "Workspace id.", type: str}
    slug: {description: "Service slug.", type: str}
    suspended: {description: "Whether the service is suspended.", type: bool}
    repo: {description: "'Git repository, if any.'", type: str}
    branch: {description: "'Git branch, if any.'", type: str}
    url: {description: "Public URL of web services and static sites.", type: str}
    region: {description: "Region.", type: str}
    plan: {description: "Plan.", type: str}
    runtime: {description: "Runtime.", type: str}
    dashboard_url: {description: "Dashboard link.", type: str}
    service_details: {description: "The type-specific details as Render returns them.", type: dict}
    env_keys:
      description: Names of the service's environment variables.
      type: list
      elements: str
      returned: when O(env_keys=true)
    env:
      description:
        - The values of the keys named in O(env_values) that the service has, by key. Secrets.
      type: dict
      returned: when O(env_values) is not empty
      sample: {"REDIS_URL": "redis://red-d0a1b2c3:6379"}
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.service_info import run_service_info


MODULE = Module(options.service_info(), run_service_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
