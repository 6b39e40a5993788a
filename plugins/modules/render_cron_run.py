#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: render_cron_run
short_description: Run a Render cron job now and report how it ended
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Triggers a run of a cron job (Render cancels a run still active), waits for it and fails when
    it ends C(unsuccessful) or C(canceled). This is the "trigger a run to test the cron job" step of a rollout.
  - When someone else triggers the job while the run is active (a person, another rollout), Render cancels the
    run. The newest run started after it tests the same job, so it is waited for and judged instead, and the
    canceled run is returned in RV(superseded). A run follows at most three newer runs, each canceled in turn.
  - Render has no endpoint to read a run; its end is read from the service's C(cron_job_run_ended) event.
  - Every run is a change. In check mode nothing is triggered.
extends_documentation_fragment:
  - launchkit.paas.render
  - launchkit.paas.http_client
  - launchkit.paas.attributes.actions
attributes:
  diff_mode:
    support: none
options:
  service:
    description: Cron job id or name.
    type: str
    required: true
  wait:
    description: Wait for the run to end.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the run.
    type: int
    default: 900
"""

EXAMPLES = r"""
- name: Run the daily job once now and make sure it succeeds
  launchkit.paas.render_cron_run:
    service: scoop-recurring-jobs
  register: run

- name: Show when it runs by itself
  ansible.builtin.debug:
    msg: "{{ run.schedule }} ({{ run.schedule_timezone }})"
"""

RETURN = r"""
run:
  description: The run; null in check mode.
  returned: always
  type: dict
  contains:
    id: {description: "Run id.", type: str}
    status: {description: "V(successful), V(unsuccessful), V(canceled) or V(pending) when not waited for.", type: str}
    started_at: {description: "Start time.", type: str}
    finished_at: {description: "End time.", type: str}
    triggered_by: {description: "Who triggered it.", type: str}
    reason: {description: "Why it failed (exit code, eviction), as Render reports it.", type: dict}
superseded:
  description:
    - The runs this module triggered or followed that a newer run canceled, oldest first; RV(run) is the newer
      run that was judged. Empty when the run it triggered ended by itself.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "crn-run-1", "status": "canceled", "started_at": "2026-01-01T03:00:00Z",
            "finished_at": "2026-01-01T03:00:04Z", "triggered_by": "ci@example.com", "reason": null}]
schedule:
  description: The cron job's schedule.
  returned: always
  type: str
schedule_timezone:
  description: Always V(UTC).
  returned: always
  type: str
schedule_note:
  description: A reminder that Render runs schedules in UTC.
  returned: always
  type: str
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.render import options
from ansible_collections.launchkit.paas.plugins.module_utils.render.deploy import run_cron_run


MODULE = Module(options.cron_run(), run_cron_run)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
