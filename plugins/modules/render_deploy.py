#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_deploy
short_description: Deploy Render services and wait until they are live, or roll them back
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Deploys one or several services in one batch. Every deploy is started first and then all are
    waited for together, so the task takes about as long as the slowest build, not the sum.
  - Fails when a deploy ends in C(build_failed), C(update_failed), C(pre_deploy_failed) or
    C(canceled), naming the service, the deploy id and its status.
  - Render may answer a deploy request with C(202 Queued) and no body; the module then finds the new
    deploy in the service's deploy list. A request whose answer is lost is not repeated before the
    module has looked for the deploy it may have started.
  - O(state=rolled_back) rolls back to the previous live deploy (or O(deploy_id)). Render keeps
    autodeploy on after a rollback, so the next push undoes it; the module warns.
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
attributes:
  diff_mode:
    support: none
options:
  services:
    description: Service ids or names to deploy together.
    type: list
    elements: str
    required: true
    aliases: [service]
  state:
    description:
      - V(deployed) starts a new deploy of each service (unless O(commit_id) is already live).
      - V(live) only makes sure each service is live. It waits for a deploy in progress, starts one
        only when there is none at all, and fails (naming the deploy and its status) when the newest
        deploy failed, rather than building again. Use it after creating a service.
      - V(rolled_back) rolls back to the previous live deploy, or to O(deploy_id).
    type: str
    choices: [deployed, live, rolled_back]
    default: deployed
  commit_id:
    description: Deploy this commit. Nothing happens when it is already live.
    type: str
  image_url:
    description: Deploy this image (image-backed services).
    type: str
  clear_cache:
    description: Clear the build cache first.
    type: bool
    default: false
  deploy_mode:
    description:
      - V(build_and_deploy) builds the service anew, then deploys it (Render's default).
      - V(deploy_only) deploys the last successful build without rebuilding, which is how env changes reach
        a running service in seconds. It cannot go with O(commit_id), O(image_url) or O(clear_cache=true).
    type: str
    choices: [build_and_deploy, deploy_only]
    default: build_and_deploy
  deploy_id:
    description: The deploy to roll back to, with O(state=rolled_back).
    type: str
  wait:
    description: Wait until every deploy is live (or failed).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for all deploys together.
    type: int
    default: 1200
"""

EXAMPLES = r"""
- name: Deploy the web service and the worker together
  launchkit.paas.render_deploy:
    services: [scoop-web, scoop-sidekiq]

- name: Wait for the first deploy of a new worker
  launchkit.paas.render_deploy:
    service: scoop-sidekiq
    state: live

- name: Roll the web service back to its previous live deploy
  launchkit.paas.render_deploy:
    service: scoop-web
    state: rolled_back
"""

RETURN = r"""
deploys:
  description: The deploy of each service that was started, waited for, or already live.
  returned: always
  type: list
  elements: dict
  contains:
    service: {description: "Service name.", type: str}
    id: {description: "Deploy id.", type: str}
    status: {description: "Deploy status, V(live) on success.", type: str}
    trigger: {description: "What started the deploy.", type: str}
    commit: {description: "Commit id.", type: str}
    commit_message: {description: "Commit message.", type: str}
    image: {description: "Image reference of image deploys.", type: str}
    created_at: {description: "When the deploy was created.", type: str}
    finished_at: {description: "When it finished.", type: str}
actions:
  description: What was done per service, V(trigger), V(wait), V(rollback) or V(none).
  returned: always
  type: dict
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.deploy import run_deploy


MODULE = Module(options.deploy(), run_deploy, mutually_exclusive=[("commit_id", "image_url")])


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
