#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: run_lock
short_description: Take or give back a stack's run lock, so that one run at a time writes to it
version_added: 0.1.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - A stack's run lock is the file C(<state_dir>/<stack>/run.lock), beside the stack's rollback records
    (see M(launchkit.paas.rollback_record)). It names its holder - the controller host, the process id of the
    C(ansible-playbook) run, when it took the lock and the tags it runs - and is read and replaced only under an
    C(fcntl) lock of its directory, so two runs that try at the same moment never both take it.
  - With O(state_backend=postgresql) it is the stack's row of the C(launchkit_state_locks) table instead (its
    holder, when it took the lock and when its O(ttl) ends), read and replaced only in a transaction that holds
    the stack's transaction-level advisory lock, so every controller that names the same database shares it.
    That backend needs O(state_key) (the records are sealed with it), so a run without one fails here, before
    it writes anything.
  - With O(state=acquired), takes the lock. While another run holds it, waits for it, up to O(timeout) seconds,
    then fails naming the holder. The run that holds it already takes it again without waiting.
  - A holder that is gone does not block for ever. A lock whose process no longer runs on this controller (the run
    failed or was stopped) is taken over with a warning; so is a lock that another controller has held for longer
    than O(ttl) seconds. A lock file that cannot be read is taken over with a warning too.
  - With O(state=released), removes the lock when this run holds it; a lock held by another run is left as it
    is, with a warning.
  - The lock is the run's bookkeeping, not a change to the stack, so the module never reports C(changed).
  - Check mode takes no lock (a check run writes nothing), but warns when another run holds it.
  - The playbooks of this collection take the lock in their first play and give it back in their last one
    (C(launchkit_lock), C(launchkit_lock_timeout), C(launchkit_lock_ttl)); when the run ends otherwise (a task
    failed, the run was stopped), the action plugin gives back the locks the run still holds as
    C(ansible-playbook) exits.
  - This module runs on the controller only (C(ansible_connection=local)).
extends_documentation_fragment:
  - launchkit.paas.rollback_record
  - launchkit.paas.rollback_record.STATE
  - launchkit.paas.attributes
attributes:
  check_mode:
    support: full
    details: Takes no lock and writes nothing; warns when another run holds the lock.
  diff_mode:
    support: none
options:
  state:
    description: V(acquired) takes the lock (waiting for it); V(released) gives it back.
    type: str
    choices: [acquired, released]
    default: acquired
  timeout:
    description: How long to wait, in seconds, for a lock another run holds; then the task fails naming the holder.
    type: float
    default: 300
  ttl:
    description:
      - After how many seconds a lock held by another controller counts as abandoned and is taken over (with a
        warning). A lock held by this controller is taken over as soon as its process has ended.
      - Make it longer than the longest run.
    type: float
    default: 7200
  tags:
    description: The tags the run was started with (C(ansible_run_tags)), kept in the lock to name the holder.
    type: list
    elements: str
    default: []
  pid:
    description:
      - The process that holds the lock. Defaults to the C(ansible-playbook) process that runs the task (the parent
        of the process that runs the module).
    type: int
  controller:
    description: The name of this controller in the lock. Defaults to its host name.
    type: str
seealso:
  - module: launchkit.paas.rollback_record
"""

EXAMPLES = r"""
- name: Take the stack's run lock (waits up to 5 minutes for another run)
  launchkit.paas.run_lock:
    state_dir: "{{ launchkit_state_dir }}"
    stack: "{{ inventory_hostname }}"
    timeout: 300
    tags: "{{ ansible_run_tags }}"

- name: Give it back at the end of the run
  launchkit.paas.run_lock:
    state_dir: "{{ launchkit_state_dir }}"
    stack: "{{ inventory_hostname }}"
    state: released
"""

RETURN = r"""
path:
  description: Where the lock is - its file, or with O(state_backend=postgresql) the database (no password), table and stack.
  returned: always
  type: str
  sample: /home/ops/.launchkit/state/scoop_production/run.lock
holder:
  description:
    - With O(state=acquired), this run as the lock names it. With O(state=released) and in check mode, the holder
      found (null when nobody held the lock).
  returned: always
  type: dict
  sample:
    controller: ops-laptop
    pid: 41230
    pid_start: "8812345"
    acquired: 1796544000.0
    since: "2026-12-06T10:00:00Z"
    tags: [redis, database]
waited:
  description: How long the task waited for another run, in seconds.
  returned: when O(state=acquired), not in check mode
  type: float
  sample: 12.5
waited_for:
  description: The run this one waited for (the holder it last saw), when it waited.
  returned: when the task waited
  type: dict
taken_over:
  description: The holder whose lock was taken over (its process had ended, or its TTL had passed), else null.
  returned: when O(state=acquired), not in check mode
  type: dict
released:
  description: Whether this run held the lock and gave it back.
  returned: when O(state=released), not in check mode
  type: bool
"""

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.lock import DEFAULT_TIMEOUT, DEFAULT_TTL, run_lock
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import record_options

ARGUMENT_SPEC = dict(
    **record_options(),
    state=dict(type="str", choices=["acquired", "released"], default="acquired"),
    timeout=dict(type="float", default=DEFAULT_TIMEOUT),
    ttl=dict(type="float", default=DEFAULT_TTL),
    tags=dict(type="list", elements="str", default=[]),
    pid=dict(type="int"),
    controller=dict(type="str"),
)

MODULE = Module(ARGUMENT_SPEC, run_lock, needs_requests=False)


def main() -> None:
    MODULE.main()


if __name__ == "__main__":
    main()
