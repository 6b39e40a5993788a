#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_service
short_description: Create, update, suspend, resume or delete a Render service of any type
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Manages web services, private services, background workers, cron jobs and static sites.
  - The service is found by O(id) or by its O(name), which Render keeps unique in a workspace.
  - Only the options you set are compared; the differing ones are changed with one C(PATCH), the
    instance count through C(/scale) and autoscaling through C(/autoscaling).
  - O(type) and O(region) cannot be changed after create; asking to is an error that says so,
    never a silent no-op.
  - With O(record_phase), the name of a service about to be created is added to the phase's rollback record
    (under C(created)) before the create is sent, so a rollback knows what the rollout made (and suspends or
    deletes only that) and what existed before (adopted, never suspended). M(launchkit.paas.app_env) with the
    same record treats the services listed there as owned.
  - A cron job's O(schedule) is checked before any call. Render runs schedules in UTC; the result
    says so in RV(schedule_note).
  - Creating a service starts its first deploy (RV(deploy_id)); use M(launchkit.paas.render_deploy)
    with C(state=live) to wait for it.
  - A service with runtime V(docker) (or V(image)) has Render's docker details. O(start_command) is sent as
    its C(dockerCommand), O(docker_context) and O(dockerfile_path) choose the Dockerfile, and O(build_command)
    is refused. To make a worker or cron job from the same repository as a docker web service, pass the web
    service's C(dockerContext) and C(dockerfilePath) as O(docker_context) and O(dockerfile_path).
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
  - launchkit.paas.rollback_record.WRITE
  - launchkit.paas.rollback_record.STATE
options:
  name:
    description: Service name, unique in the workspace.
    type: str
    required: true
  id:
    description: Service id (C(srv-...), C(crn-...)); takes precedence over O(name) when looking it up.
    type: str
  state:
    description:
      - V(present) makes sure the service exists and runs (a suspended service is resumed).
      - V(suspended) makes sure it exists and is suspended. V(absent) deletes it.
    type: str
    choices: [present, suspended, absent]
    default: present
  type:
    description: Service type. Needed to create; cannot change afterwards.
    type: str
    choices: [web_service, private_service, background_worker, cron_job, static_site]
  runtime:
    description: Runtime. Needed to create anything but a static site.
    type: str
    choices: [docker, elixir, go, node, python, ruby, rust, image]
  repo:
    description: Git repository URL (without branch). Either this or O(image) to create.
    type: str
  branch:
    description: Git branch; the repository's default branch when unset.
    type: str
  image:
    description: Prebuilt image path, for example C(docker.io/library/nginx:latest), for O(runtime=image).
    type: str
  registry_credential_id:
    description: Registry credential for a private O(image).
    type: str
  root_dir:
    description: Directory of the app inside the repository.
    type: str
  auto_deploy:
    description: Deploy on every push to O(branch).
    type: bool
  build_command:
    description:
      - Build command, for example C(bundle install). Needed to create with a native runtime.
      - Not for runtimes V(docker) and V(image), which Render builds from a Dockerfile or does not build;
        setting it there is an error raised before any call.
    type: str
  start_command:
    description:
      - Start command, for example C(bundle exec sidekiq -C config/sidekiq.yml). Needed to create with a native runtime.
      - With runtime V(docker) or V(image) it is the command that overrides the image's (Render's C(dockerCommand));
        the service is compared with its C(dockerCommand), so a second run changes nothing.
    type: str
    aliases: [docker_command]
  docker_context:
    description:
      - Directory the Docker build runs in, relative to the repository root, for example V(.). Only for runtime V(docker).
      - Render uses the repository root when unset; a cron job created with a command is sent V(.) then, since
        Render takes a cron job's docker details only whole.
    type: str
  dockerfile_path:
    description:
      - Path of the Dockerfile, relative to the repository root, for example V(./Dockerfile). Only for runtime V(docker).
      - Render uses C(./Dockerfile) when unset (sent as such when a cron job is created with a command).
    type: str
  pre_deploy_command:
    description: Command run before each deploy (migrations), not for cron jobs and static sites.
    type: str
  plan:
    description: Instance type.
    type: str
    choices: [free, starter, standard, pro, pro_plus, pro_max, pro_ultra, custom]
  region:
    description: Region; cannot change after create.
    type: str
    choices: [frankfurt, oregon, ohio, singapore, virginia]
  num_instances:
    description: Number of instances (web, private services and workers). Ignored by Render while autoscaling is on.
    type: int
  autoscaling:
    description: Autoscaling of web services, private services and workers.
    type: dict
    suboptions:
      enabled:
        description: Whether autoscaling is on.
        type: bool
        required: true
      min:
        description: Minimum instances.
        type: int
        default: 1
      max:
        description: Maximum instances.
        type: int
        default: 3
      cpu_percent:
        description: Target CPU utilisation in percent; unset leaves CPU out of the criteria.
        type: int
      memory_percent:
        description: Target memory utilisation in percent; unset leaves memory out of the criteria.
        type: int
  health_check_path:
    description: Health check path of a web service, for example C(/health).
    type: str
  schedule:
    description:
      - Five-field cron schedule of a cron job (minute hour day-of-month month day-of-week), in UTC.
        For 06:00 in New York (UTC-5 in winter), write C(0 11 * * *).
      - Read with the C(cronsim) library, which also refuses a schedule that never fires (C(0 10 31 2 *));
        only standard cron syntax is accepted (no C(L), C(W), C(#) or C(?)).
    type: str
  display_timezone:
    description:
      - An IANA time zone (for example C(America/New_York)) in which RV(schedule_next_runs) also shows each
        run of a cron job. Render still runs the schedule in UTC; this changes nothing on Render.
    type: str
  publish_path:
    description: Directory a static site publishes.
    type: str
  environment_id:
    description: Render environment to create the service in.
    type: str
  create_env:
    description:
      - Env vars to give the service when it is created (so its first deploy has them). Ignored for an
        existing service; manage those with M(launchkit.paas.render_env_vars).
    type: dict
  create_env_from:
    description:
      - At create, copy every env var of this service (id or name), like Render's "Add from Service".
        O(create_env) wins on shared keys. The values never leave the module.
    type: str
"""

EXAMPLES = r"""
- name: A Sidekiq worker beside the web service, with its environment from the start
  launchkit.paas.render_service:
    name: scoop-sidekiq
    type: background_worker
    runtime: ruby
    repo: https://github.com/example/scoop
    branch: main
    region: oregon
    plan: starter
    build_command: bundle install
    start_command: bundle exec sidekiq -C config/sidekiq.yml
    create_env_from: scoop-web

- name: A daily cron job at 10:00 UTC
  launchkit.paas.render_service:
    name: scoop-recurring-jobs
    type: cron_job
    runtime: ruby
    repo: https://github.com/example/scoop
    build_command: bundle install
    start_command: bundle exec rails recurring_cleanups:generate_jobs
    schedule: "0 10 * * *"

- name: A worker built from the same Dockerfile as a docker web service, with its own command
  launchkit.paas.render_service:
    name: scoop-sidekiq
    type: background_worker
    runtime: docker
    repo: https://github.com/example/scoop
    docker_context: .
    dockerfile_path: ./Dockerfile
    start_command: bundle exec sidekiq

- name: Rollback plan of the worker phase
  launchkit.paas.render_service:
    name: scoop-sidekiq
    state: suspended
"""

RETURN = r"""
service:
  description: The service after the change (see M(launchkit.paas.render_service_info)); null once deleted or before a check-mode create.
  returned: always
  type: dict
deploy_id:
  description: The first deploy Render started when it created the service.
  returned: always
  type: str
action:
  description: V(create), V(update), V(suspend), V(resume), V(delete) or V(none).
  returned: always
  type: str
schedule_timezone:
  description: Always V(UTC) for cron jobs.
  returned: for cron jobs
  type: str
schedule_note:
  description: A reminder that Render runs schedules in UTC.
  returned: for cron jobs
  type: str
schedule_description:
  description: The schedule as a sentence (C(cron-descriptor)), in UTC.
  returned: for cron jobs
  type: str
  sample: At 10:00, UTC
schedule_next_runs:
  description: The next three runs of a cron job, each in UTC and, with O(display_timezone), in that zone.
  returned: for cron jobs
  type: list
  elements: dict
  contains:
    utc: {description: "The run time in UTC (ISO 8601).", type: str, sample: "2026-12-07T10:00:00Z"}
    local: {description: "The same time in O(display_timezone) (ISO 8601 with its offset).", type: str,
            returned: with O(display_timezone)}
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.service import libraries, run_service, validate


MODULE = Module(options.service(), run_service, requires=libraries, precheck=validate, required_by={"record_phase": ["record_stack"]})


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
