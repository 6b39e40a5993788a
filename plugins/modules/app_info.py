#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: app_info
short_description: What an app's services are and what they run, on the app's platform
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The read side of the platform seam (the write side is M(launchkit.paas.app_env)). For each service
    of O(services) it returns what every platform can say - id, name, type, public URL, whether it is
    suspended, the names of its env keys (never their values) - and its deploys - the live (running)
    deploy and the latest deploy.
  - When the latest deploy is not the live one, the service does not run what was last deployed (a newer
    deploy failed, was canceled or is still building).
  - A service that does not exist is listed under RV(missing); the task does not fail for it.
  - Nothing is written.
  - The answer has the same shape on every platform (O(platform)). On C(fly) a service is a Fly.io app; on C(vercel) a
    Vercel project, whose URL is its production URL, whose env keys are those of its entries for O(vercel_targets),
    and whose latest deploy, when the production env changed after the newest production deployment was made, is
    that change (no deployment runs it yet; a deployment takes the env it is made with).
extends_documentation_fragment:
  - launchkit.paas.platform
  - launchkit.paas.http_client
  - launchkit.paas.attributes.info
options:
  services:
    description: The app's services, by name (unique in the workspace) or id (C(srv-...)).
    type: list
    elements: str
    required: true
  env_keys:
    description: Return the names of each service's env keys.
    type: bool
    default: true
  env_values:
    description:
      - Also return the values of these env keys under RV(services[].env). Values are secrets (connection
        strings, API keys); set C(no_log) on a task that asks for them. Keys a service lacks are left out.
    type: list
    elements: str
    default: []
  deploys:
    description: Return each service's live and latest deploy (one more read per service).
    type: bool
    default: true
seealso:
  - module: launchkit.paas.app_env
  - module: launchkit.paas.render_service_info
  - module: launchkit.paas.render_deploy
"""

EXAMPLES = r"""
- name: Where the web app is and whether it runs its latest deploy
  launchkit.paas.app_info:
    services: [scoop-web]
  register: app

- name: Fail when a newer deploy did not go live
  ansible.builtin.assert:
    that: app.services[0].deploys.live.id == app.services[0].deploys.latest.id
    fail_msg: >-
      deploy {{ app.services[0].deploys.latest.id }} is {{ app.services[0].deploys.latest.status }}

- name: Read the Redis URL the app is given (a secret)
  launchkit.paas.app_info:
    services: [scoop-web]
    env_values: [REDIS_URL]
    deploys: false
  register: app_env
  no_log: true
"""

RETURN = r"""
platform:
  description: The platform read.
  returned: always
  type: str
  sample: render
services:
  description: Each service found, in the order of O(services).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The service's id on its platform.
      type: str
      sample: srv-d0a1b2c3d4e5f6g7h8i9
    name:
      description: The service's name.
      type: str
    type:
      description: The service's type as its platform names it (C(web_service), C(background_worker), ...).
      type: str
    url:
      description: The service's public URL; null when it has none (a worker, a private service). On Vercel the
        production URL (C(https://<project>.vercel.app), or the first production domain).
      type: str
      sample: https://scoop-web.onrender.com
    env_changed_at:
      description: On Vercel, when the project's production env last changed (ISO 8601); null when it has none.
      type: str
      returned: on O(platform=vercel)
    deploy_older_than_env:
      description:
        - On Vercel, whether the deployment production serves was made before the last production env change, so
          that it runs an older env (a deployment takes the env it is made with); null when nothing is deployed.
      type: bool
      returned: on O(platform=vercel)
    suspended:
      description: Whether the service is suspended.
      type: bool
    env_keys:
      description: The names of its env keys (never values).
      type: list
      elements: str
      returned: when O(env_keys=true) or O(env_values) is not empty
    env:
      description: The values of the keys of O(env_values) the service has. Secrets.
      type: dict
      returned: when O(env_values) is not empty
    deploys:
      description: The live deploy and the latest deploy, each null when there is none.
      type: dict
      returned: when O(deploys=true)
      contains:
        live:
          description: The deploy the service runs now.
          type: dict
          contains:
            id: {description: "Deploy id.", type: str}
            status: {description: "Its status (C(live)).", type: str}
            reason: {description: "On Vercel, for a latest deploy that is an env change no deployment runs yet, why.", type: str}
            commit: {description: "Commit id, where the platform gives one.", type: str}
            commit_message: {description: "Commit message, where the platform gives one.", type: str}
            created_at: {description: "When it was created (ISO 8601).", type: str}
            finished_at: {description: "When it finished (ISO 8601), null while in progress.", type: str}
        latest:
          description: The newest deploy, whatever its status; the same fields as RV(services[].deploys.live).
          type: dict
          sample: {"id": "dep-d0a1b2c3", "status": "build_failed", "commit": "4f2a9c1",
                   "commit_message": "Add workers", "created_at": "2026-12-06T05:00:00Z",
                   "finished_at": "2026-12-06T05:02:10Z"}
missing:
  description: Services of O(services) that do not exist.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.platform.info import run_app_info
from ansible_collections.launchkit.paas.plugins.module_utils.platform.options import platform_options

ARGUMENT_SPEC = platform_options(
    services=dict(type="list", elements="str", required=True),
    env_keys=dict(type="bool", default=True, no_log=False),
    env_values=dict(type="list", elements="str", default=[], no_log=False),
    deploys=dict(type="bool", default=True),
)

MODULE = Module(ARGUMENT_SPEC, run_app_info)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
