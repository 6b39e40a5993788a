# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: plan
short_description: What a check run would do on a host - created, changed, deleted, env keys, deploys
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - In check mode every task of this collection that runs in the controller notes what it would do
    (names only, never a value) in the run's private temporary directory. This lookup sums up those
    notes for a host, in the order the run planned them.
  - C(created), C(changed) and C(deleted) name each resource (module and name) or task; C(env_keys) lists,
    per service, the env keys the run sets (a value that only a create makes shown as C((known after apply)),
    a key removed as C((deleted))); C(deploys) names the services the apply step deploys.
  - Outside a check run (or for a host that planned nothing) every list is empty.
options:
  _terms:
    description: The host (C(inventory_hostname)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Plan (check mode)
  ansible.builtin.debug:
    msg: "{{ lookup('launchkit.paas.plan', inventory_hostname) }}"
  when: ansible_check_mode
"""

RETURN = r"""
_raw:
  description: One summary per host asked for.
  type: list
  elements: dict
  contains:
    created: {description: "What the run creates (module and name, or the task).", type: list, elements: str}
    changed: {description: "What the run changes in place, or the tasks that report a change.", type: list, elements: str}
    deleted: {description: "What the run deletes.", type: list, elements: str}
    env_keys: {description: "Per service, the env keys the run sets or deletes (names only).", type: dict}
    deploys: {description: "The services the apply step deploys.", type: list, elements: str}
"""

import json
import os

from ansible.plugins.lookup import LookupBase

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import plan_summary
from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import plan_file


def read_plan(path: str) -> list[dict]:
    """The entries noted in PATH, in order ([] when the file does not exist)."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class LookupModule(LookupBase):
    """launchkit.paas.plan"""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [plan_summary(read_plan(plan_file(str(host)))) for host in terms]
