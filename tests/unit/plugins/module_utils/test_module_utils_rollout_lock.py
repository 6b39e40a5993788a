# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollout.lock: one run at a time per stack; a waiting run fails naming the holder; a holder that is gone
(its process ended on this controller, its TTL passed on another) is taken over with a warning; check mode
takes nothing. Time comes from an injected clock: no test sleeps."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.lock import (
    System, describe, lock_path, process_alive, process_start, release_all, run_lock)
from ansible_collections.launchkit.paas.plugins.modules.run_lock import MODULE as RUN_LOCK

from launchkit_fakes import FakeClock

STACK = "scoop_production"


class Machine:
    """This controller: a fake clock (wall time), a host name and the processes that run."""

    def __init__(self, host: str = "ctl-a", running: tuple[int, ...] = (100, 200), clock: FakeClock | None = None):
        self.clock = clock or FakeClock(start=1_800_000_000.0)
        self.running = set(running)
        self.starts: dict[int, str] = {pid: f"start-{pid}" for pid in running}
        self.system = System(Clock(self.clock.now, self.clock.sleep), host,
                             alive=lambda pid: pid in self.running, started=self.starts.get)


def params(tmp_path, state="acquired", pid=100, **more):
    return {"state_dir": str(tmp_path), "stack": STACK, "state": state, "timeout": 30.0, "ttl": 3600.0,
            "tags": ["redis", "database"], "pid": pid, "controller": None, **more}


def lock(tmp_path, p, machine, check_mode=False):
    return run_lock(p, check_mode, Secrets(), system=machine.system)


def holder_file(tmp_path) -> dict:
    with open(lock_path(str(tmp_path), STACK), encoding="utf-8") as handle:
        return json.load(handle)


# ------------------------------------------------------------------------------------------- acquire
def test_a_free_lock_is_taken_at_once_and_names_its_holder(tmp_path):
    machine = Machine()
    result = lock(tmp_path, params(tmp_path), machine)
    assert result["changed"] is False and result["waited"] == 0 and result["taken_over"] is None
    held = holder_file(tmp_path)
    assert held["controller"] == "ctl-a" and held["pid"] == 100 and held["tags"] == ["redis", "database"]
    assert held["since"] == "2027-01-15T08:00:00Z" and held["pid_start"] == "start-100"
    mode = stat.S_IMODE(os.stat(lock_path(str(tmp_path), STACK)).st_mode)
    assert mode == 0o600 and machine.clock.slept == 0


def test_the_holder_takes_it_again_without_waiting(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path), machine)
    again = lock(tmp_path, params(tmp_path), machine)
    assert again["waited"] == 0 and not again.get("warnings")


def test_a_live_run_is_waited_for_then_the_task_fails_naming_it(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200, tags=["email"]), machine)
    with pytest.raises(ResourceError) as failure:
        lock(tmp_path, params(tmp_path, pid=100), machine)
    message = str(failure.value)
    assert "ctl-a (pid 200, since 2027-01-15T08:00:00Z, tags: email)" in message and "wrote nothing" in message
    assert 30 <= machine.clock.slept < 33
    assert failure.value.details["holder"]["pid"] == 200
    assert holder_file(tmp_path)["pid"] == 200  # still the other run's


def test_a_waiting_run_takes_the_lock_once_the_holder_releases_it(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200), machine)
    sleep = machine.clock.sleep

    def release_after_a_while(seconds):
        sleep(seconds)
        if machine.clock.slept > 5:
            lock(tmp_path, params(tmp_path, state="released", pid=200), machine)

    machine.system.clock = Clock(machine.clock.now, release_after_a_while)
    result = lock(tmp_path, params(tmp_path, pid=100), machine)
    assert 5 < result["waited"] < 10 and result["waited_for"]["pid"] == 200
    assert result["warnings"] == [f"waited {result['waited']:g} s for the run on ctl-a (pid 200, since "
                                  f"2027-01-15T08:00:00Z, tags: redis, database) to give the stack {STACK} back"]
    assert holder_file(tmp_path)["pid"] == 100


def test_a_lock_whose_process_ended_on_this_controller_is_taken_over_with_a_warning(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200), machine)
    machine.running.discard(200)
    result = lock(tmp_path, params(tmp_path, pid=100), machine)
    assert result["taken_over"]["pid"] == 200 and machine.clock.slept == 0
    assert "no longer runs on this controller" in result["warnings"][0] and "pid 200" in result["warnings"][0]


def test_a_reused_pid_is_not_the_holder(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200), machine)
    machine.starts[200] = "a-later-process"
    result = lock(tmp_path, params(tmp_path, pid=100), machine)
    assert result["taken_over"]["pid"] == 200 and "another process has its pid" in result["warnings"][0]


def test_another_controllers_lock_is_waited_for_until_its_ttl_then_taken_over(tmp_path):
    other, mine = Machine(host="ctl-b"), Machine(host="ctl-a", running=(100,))
    lock(tmp_path, params(tmp_path, pid=200), other)  # pid 200 does not run here: it is ctl-b's
    mine.clock.time = other.clock.time + 600
    with pytest.raises(ResourceError, match="ctl-b"):
        lock(tmp_path, params(tmp_path, pid=100), mine)
    mine.clock.time = other.clock.time + 3601
    result = lock(tmp_path, params(tmp_path, pid=100), mine)
    assert result["taken_over"]["controller"] == "ctl-b" and "longer than the TTL of 3600 s" in result["warnings"][0]


def test_an_unreadable_lock_file_is_taken_over(tmp_path):
    path = lock_path(str(tmp_path), STACK)
    os.makedirs(os.path.dirname(path))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{cut sh")
    result = lock(tmp_path, params(tmp_path), Machine())
    assert "cannot be read" in result["warnings"][0] and holder_file(tmp_path)["pid"] == 100


def test_locks_of_other_stacks_are_independent(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200), machine)
    result = lock(tmp_path, {**params(tmp_path, pid=100), "stack": "synckairos_staging"}, machine)
    assert result["waited"] == 0


def test_a_stack_that_cannot_name_a_file_fails(tmp_path):
    with pytest.raises(ValueError, match="stack"):
        lock(tmp_path, {**params(tmp_path), "stack": "../x"}, Machine())


# ------------------------------------------------------------------------------------------- release
def test_release_removes_only_this_runs_lock(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200), machine)
    other = lock(tmp_path, params(tmp_path, state="released", pid=100), machine)
    assert other["released"] is False and "not by this run" in other["warnings"][0]
    assert holder_file(tmp_path)["pid"] == 200
    mine = lock(tmp_path, params(tmp_path, state="released", pid=200), machine)
    assert mine["released"] is True and mine["changed"] is False
    assert not os.path.exists(lock_path(str(tmp_path), STACK))


def test_releasing_a_free_lock_does_nothing(tmp_path):
    result = lock(tmp_path, params(tmp_path, state="released"), Machine())
    assert result == {"changed": False, "path": lock_path(str(tmp_path), STACK), "released": False, "holder": None}


def test_release_all_gives_back_what_the_exiting_run_holds(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=100), machine)
    other = {**params(tmp_path, pid=200), "stack": "other"}
    lock(tmp_path, other, machine)
    paths = [lock_path(str(tmp_path), STACK), lock_path(str(tmp_path), "other")]
    assert release_all(paths, 100, machine.system) == [paths[0]]
    assert os.path.exists(paths[1]) and not os.path.exists(paths[0])


# ---------------------------------------------------------------------------------------- check mode
def test_check_mode_takes_no_lock(tmp_path):
    result = lock(tmp_path, params(tmp_path), Machine(), check_mode=True)
    assert result == {"changed": False, "path": lock_path(str(tmp_path), STACK), "holder": None}
    assert not os.path.exists(os.path.dirname(lock_path(str(tmp_path), STACK)))


def test_check_mode_says_when_another_run_holds_the_lock(tmp_path):
    machine = Machine()
    lock(tmp_path, params(tmp_path, pid=200), machine)
    result = lock(tmp_path, params(tmp_path, pid=100), machine, check_mode=True)
    assert "held by the run on ctl-a (pid 200" in result["warnings"][0] and "would wait" in result["warnings"][0]
    assert machine.clock.slept == 0 and holder_file(tmp_path)["pid"] == 200
    machine.running.discard(200)
    stale = lock(tmp_path, params(tmp_path, pid=100), machine, check_mode=True)
    assert "would take over" in stale["warnings"][0]


# ------------------------------------------------------------------------------------- the real system
def test_this_process_is_alive_and_has_a_start_time():
    assert process_alive(os.getpid())
    assert process_start(os.getpid()) == process_start(os.getpid())
    assert System.real().host


def test_describe_names_all_tags_when_none_were_given():
    assert describe({"controller": "c", "pid": 1, "since": "s", "tags": []}) == "the run on c (pid 1, since s, tags: all)"


def test_the_module_validates_its_arguments_and_runs_in_process(tmp_path):
    args = {"state_dir": str(tmp_path), "stack": STACK, "pid": os.getpid()}
    result = RUN_LOCK.run_in_process("launchkit.paas.run_lock", args, check_mode=False, diff=False)
    assert result["changed"] is False and result["holder"]["pid"] == os.getpid()
    released = RUN_LOCK.run_in_process("launchkit.paas.run_lock", {**args, "state": "released"},
                                       check_mode=False, diff=False)
    assert released["released"] is True
