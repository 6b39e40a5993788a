#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: grafana_agent_config
short_description: Write the Grafana Alloy or Grafana Agent config that scrapes an app and remote-writes to Grafana Cloud
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Writes, into the directory O(path), the config of the agent that runs beside an app, scrapes its metrics and
    remote-writes them to Grafana Cloud's Prometheus, for the user to deploy there. With O(formats=[alloy]),
    C(config.alloy) for Grafana Alloy (its component label is O(app) with every character outside C([A-Za-z0-9_])
    made C(_)); with V(agent) also, or instead, C(grafana-agent.yaml) for Grafana Agent in static mode (run it with
    C(-config.expand-env)). The job is named after O(app).
  - The credentials are environment variables of the agent (C(GRAFANA_REMOTE_WRITE_URL),
    C(GRAFANA_REMOTE_WRITE_USER), C(GRAFANA_REMOTE_WRITE_TOKEN)), never values in the files, so the files hold no
    secret and the diff shows them whole.
  - Each file is replaced atomically (a temporary file in the same directory, on disk before it takes its name)
    with mode C(0644); O(path) is made with mode C(0755) when missing, and given that mode when it has another. A
    file whose text and mode are already right is left alone, so a second run with the same options changes
    nothing.
  - The first line of each file says it is managed here; edits made to the files are overwritten by the next run.
  - The options are checked before anything is read or written (O(scrape_interval) a duration both agents accept,
    values that the files can hold as they are); a mistake fails naming what to change, with nothing written.
  - Grafana is not called. The module writes on the machine it runs on; the roles of this collection run it on the
    controller (C(ansible_connection=local)), inside the controller's process.
extends_documentation_fragment:
  - launchkit.paas.attributes
  - launchkit.paas.attributes.ACTIONS
attributes:
  check_mode:
    details: Writes nothing; C(changed) and RV(files) say exactly what a real run would write or remove.
  diff_mode:
    details: Each file's text before and after (the files hold no secret), and the directory when it is made, changes
      mode or is removed.
options:
  path:
    description: The directory of the config files.
    type: path
    required: true
  app:
    description:
      - The app whose metrics the agent scrapes; the job's name and, made safe, the Alloy component's label.
      - Required with O(state=present).
    type: str
  formats:
    description:
      - Which configs to write (or remove) - V(alloy) (C(config.alloy), Grafana Alloy) and V(agent)
        (C(grafana-agent.yaml), Grafana Agent static mode; Grafana Agent reached its end of life on 2025-11-01, so
        prefer Alloy).
      - With none, nothing is done.
    type: list
    elements: str
    choices: [alloy, agent]
    default: [alloy]
  target:
    description: Where the agent reaches the app's metrics from beside it, as C(host:port).
    type: str
    default: localhost:3000
  metrics_path:
    description: The path of the app's metrics page.
    type: str
    default: /metrics
  scrape_interval:
    description:
      - How often the agent scrapes, as a Prometheus duration (C(15s), C(1m), C(1m30s)).
      - With V(alloy) in O(formats), only in C(h), C(m), C(s) and C(ms) (Alloy reads durations as Go does) and at
        least C(10s), Alloy's scrape timeout, which the config does not change.
    type: str
    default: 15s
  datasource_uid:
    description: The Grafana datasource of that Prometheus, named in the files' comments.
    type: str
    default: grafanacloud-prom
  state:
    description:
      - V(present) writes the files of O(formats).
      - V(absent) removes exactly the files of O(formats), and O(path) only when nothing else is left in it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - name: Grafana Alloy prometheus.scrape
    description: The component that config.alloy configures.
    link: https://grafana.com/docs/alloy/latest/reference/components/prometheus/prometheus.scrape/
"""

EXAMPLES = r"""
- name: The Alloy config beside the app
  launchkit.paas.grafana_agent_config:
    path: "{{ launchkit_state_dir }}/../monitoring/{{ inventory_hostname }}"
    app: scoop-web
    target: localhost:3000
    scrape_interval: 15s

- name: Both configs, Alloy and Grafana Agent (static mode)
  launchkit.paas.grafana_agent_config:
    path: /srv/launchkit/monitoring/synckairos_staging
    app: synckairos-api
    formats: [alloy, agent]
    metrics_path: /internal/metrics

- name: Remove the Grafana Agent config only
  launchkit.paas.grafana_agent_config:
    path: /srv/launchkit/monitoring/synckairos_staging
    formats: [agent]
    state: absent
"""

RETURN = r"""
path:
  description: The directory of the files.
  returned: always
  type: str
  sample: /home/ops/.launchkit/monitoring/scoop_production
files:
  description: One entry per format asked for, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    format:
      description: V(alloy) or V(agent).
      type: str
      sample: alloy
    path:
      description: The file.
      type: str
      sample: /home/ops/.launchkit/monitoring/scoop_production/config.alloy
    changed:
      description: Whether this run wrote (or removed) the file, or would in check mode.
      type: bool
      sample: true
diff:
  description:
    - With C(--diff), one entry per change - a file's text before and after (empty when there was or will be none),
      or the directory's state and mode.
  returned: in diff mode
  type: list
  elements: dict
  sample:
    - before: ""
      after: "// Managed by launchkit.paas (monitoring phase): edits here are overwritten.\n..."
      before_header: /home/ops/.launchkit/monitoring/scoop_production/config.alloy
      after_header: /home/ops/.launchkit/monitoring/scoop_production/config.alloy
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.monitoring.agent_config import (
    ARGUMENT_SPEC, CHECKS, check_params, run_agent_config)

MODULE = Module(ARGUMENT_SPEC, run_agent_config, needs_requests=False, precheck=check_params, **CHECKS)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
