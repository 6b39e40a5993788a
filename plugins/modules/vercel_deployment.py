#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vercel_deployment
short_description: Redeploy a Vercel project's production so env changes apply, and wait until it is ready
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - The apply step of a Vercel project. Env entries reach only new deployments, so with O(state=redeployed) the
    module redeploys production - a new build of the production deployment (O(deployment_id), by default the one
    production serves) with the project's current settings and env, through C(POST /v13/deployments) with
    C(deploymentId) and C(target=production) - and waits until it is C(READY) with the production aliases moved to
    it. C(ERROR), C(CANCELED) or an alias error fail, naming the deployment and its URL.
  - A redeploy is made only when an env entry of production was created or updated after the newest production
    deployment that did not fail was made, or with O(force=true); so a second run changes nothing, and a run after a
    failed build (C(ERROR), C(CANCELED)) redeploys again. Vercel keeps no trace of a removed entry, so after removals
    pass O(force=true) (an apply step passes the env task's C(changed)).
  - When no redeploy is needed the newest production deployment that did not fail is waited for (it may still be
    building).
  - With O(state=ready) nothing is written; the module waits for O(deployment_id), or the newest production deployment.
  - In check mode nothing is written and a needed redeploy is predicted; RV(deployment) then has no id yet.
extends_documentation_fragment:
  - launchkit.paas.vercel
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
options:
  deployment_id:
    description:
      - The deployment to redeploy (or, with O(state=ready), to wait for), by id (C(dpl_...)) or URL. By default
        the deployment production serves.
    type: str
  state:
    description: V(redeployed) redeploys production when needed and waits; V(ready) only waits.
    type: str
    choices: [redeployed, ready]
    default: redeployed
  force:
    description:
      - Redeploy even when no env entry of production changed since the newest production deployment that did not
        fail.
    type: bool
    default: false
  wait:
    description: Wait until the deployment is C(READY) (and, for production, its aliases assigned).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 900
"""

EXAMPLES = r"""
- name: Apply the env changes to production
  launchkit.paas.vercel_deployment:
    project: scoop-web
    team_id: team_abc123
    force: "{{ scoop_env.changed }}"
  register: scoop_deploy

- name: Only wait for the build a git push started
  launchkit.paas.vercel_deployment:
    project: scoop-web
    state: ready
"""

RETURN = r"""
project:
  description: The project.
  returned: always
  type: dict
  contains:
    id: {description: "Project id.", type: str}
    name: {description: "Project name.", type: str}
deployment:
  description:
    - The new deployment (with O(state=ready), or when no redeploy was needed, the one waited for). In check mode a
      planned redeploy has C((known after apply)) for its id and state.
  returned: success
  type: dict
  contains:
    id: {description: "Deployment id.", type: str}
    url: {description: "The deployment's own URL (https).", type: str}
    ready_state: {description: "Its C(readyState), C(READY) after a successful wait.", type: str}
    created_at: {description: "When it was made (milliseconds since the epoch).", type: int}
    target: {description: "C(production).", type: str}
source_deployment:
  description: The deployment that was (or would be) redeployed, same fields as RV(deployment).
  returned: success
  type: dict
env_changed:
  description:
    - Keys of production entries created or updated since the newest production deployment that did not fail was
      made.
  returned: success
  type: list
  elements: str
production_url:
  description: The first production URL (https), after the redeploy.
  returned: success
  type: str
production_urls:
  description: Every production URL (https).
  returned: success
  type: list
  elements: str
deployment_id:
  description: The deployment that failed or timed out.
  returned: failure
  type: str
url:
  description: Its URL.
  returned: failure
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.vercel import deployment
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.options import module_options


MODULE = Module(module_options(**deployment.OPTIONS), deployment.run_deployment, precheck=deployment.check_params)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
