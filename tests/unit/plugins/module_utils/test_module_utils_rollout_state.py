# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollout.state: records sealed with the state key (round trip, wrong key, moved record), the file backend with
a key, and the postgresql backend against a real PostgreSQL: its tables created when missing (schema version),
records as sealed rows, the run lock as a row (contention between real connections, a holder that is gone, the
TTL), and a run without a key refused before anything is written.

The PostgreSQL tests need the sandbox's server: SANDBOX_PG_URL (make sandbox-up writes it to .sandbox/env); each
test module gets a database of its own, dropped at the end. Without SANDBOX_PG_URL they are skipped, unless
LAUNCHKIT_REQUIRE_PG=1 (then they fail).
"""
from __future__ import annotations

import json
import threading

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.rollout import state
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.lock import (
    PostgresRunLock, System, release_noted, run_lock)
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import run_record, run_record_info
from ansible_collections.launchkit.paas.plugins.modules.rollback_record_info import MODULE as RECORD_INFO

from launchkit_fakes import FakeClock
from state_pg import fixture_admin_url, fixture_dsn, rows  # noqa: F401  pylint: disable=unused-import

STACK = "scoop_production"
KEY = "a-long-random-state-key-0123456789abcdef"
SECRET = "redis://:previous-secret-password@old-redis:6379"
RESULTS = [{"item": "scoop-web", "changed": True, "previous": {"REDIS_URL": SECRET, "NEW_KEY": None}}]


# ------------------------------------------------------------------------------------------- cipher
def test_a_sealed_record_opens_with_its_key_and_holds_no_plaintext():
    cipher = state.Cipher(KEY)
    sealed = cipher.seal(json.dumps({"REDIS_URL": SECRET}), state.context_of(STACK, "redis"))
    envelope = json.loads(sealed)
    assert envelope["cipher"] == "aes-256-gcm" and envelope["kdf"] == {"name": "scrypt", "n": 16384, "r": 8, "p": 1}
    assert "previous-secret-password" not in sealed and "REDIS_URL" not in sealed
    assert json.loads(state.Cipher(KEY).open(envelope, state.context_of(STACK, "redis"), "here")) == {"REDIS_URL": SECRET}
    # one salt and nonce per record: the same text sealed twice differs
    assert cipher.seal("same", "ctx") != cipher.seal("same", "ctx")


def test_a_wrong_key_fails_saying_the_key_does_not_match_and_shows_nothing_of_the_record():
    envelope = json.loads(state.Cipher(KEY).seal(json.dumps({"REDIS_URL": SECRET}), state.context_of(STACK, "redis")))
    with pytest.raises(ValueError, match="does not match the key it was sealed with") as caught:
        state.Cipher("another key entirely").open(envelope, state.context_of(STACK, "redis"), "the record")
    assert SECRET not in str(caught.value) and caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_record_moved_to_another_stack_does_not_open():
    envelope = json.loads(state.Cipher(KEY).seal("{}", state.context_of(STACK, "redis")))
    with pytest.raises(ValueError, match="does not match"):
        state.Cipher(KEY).open(envelope, state.context_of("other_stack", "redis"), "the record")


def test_a_damaged_envelope_fails_with_what_to_do():
    envelope = json.loads(state.Cipher(KEY).seal("{}", "ctx"))
    with pytest.raises(ValueError, match="sealed but damaged: restore it from a backup or remove it"):
        state.Cipher(KEY).open({**envelope, "nonce": "%%%"}, "ctx", "the record")
    with pytest.raises(ValueError, match="sealed with 'rot13', which this release of launchkit.paas does not know"):
        state.Cipher(KEY).open({**envelope, "cipher": "rot13"}, "ctx", "the record")


# ---------------------------------------------------------------------------------- file backend
def record_params(base: dict, phase="redis", **more) -> dict:
    return {"stack": STACK, "phase": phase, "state": "present", "results": RESULTS, "extra": {"provider": "render"},
            "keep": [], **base, **more}


def info_params(base: dict, **more) -> dict:
    return {"stack": STACK, "phases": ["redis"], "return_secrets": True, **base, **more}


def test_without_a_key_the_file_backend_writes_the_plain_record_as_before(tmp_path):
    result = run_record(record_params({"state_dir": str(tmp_path)}), False, Secrets())
    assert result["path"] == str(tmp_path / STACK / "redis.json")
    assert json.loads((tmp_path / STACK / "redis.json").read_text())["services"]["scoop-web"]["REDIS_URL"] == SECRET


def test_with_a_key_the_file_backend_seals_and_reads_back(tmp_path):
    base = {"state_dir": str(tmp_path), "state_key": KEY}
    run_record(record_params(base), False, Secrets())
    text = (tmp_path / STACK / "redis.json").read_text()
    assert "previous-secret-password" not in text and json.loads(text)["launchkit_sealed"] == 1
    found = run_record_info(info_params(base), False, Secrets())
    assert found["records"]["redis"]["services"]["scoop-web"] == {"REDIS_URL": SECRET, "NEW_KEY": None}
    assert found["summary"]["redis"]["services"] == {"scoop-web": ["NEW_KEY", "REDIS_URL"]}


def test_a_sealed_file_record_without_its_key_or_with_another_fails_naming_the_key(tmp_path):
    run_record(record_params({"state_dir": str(tmp_path), "state_key": KEY}), False, Secrets())
    with pytest.raises(ValueError, match=r"is sealed: give the key it was written with \(launchkit_state_key"):
        run_record_info(info_params({"state_dir": str(tmp_path)}), False, Secrets())
    with pytest.raises(ValueError, match="the state key .* does not match"):
        run_record_info(info_params({"state_dir": str(tmp_path), "state_key": "wrong"}), False, Secrets())


def test_the_module_fails_on_a_wrong_key_with_the_message_and_no_traceback(tmp_path):
    run_record(record_params({"state_dir": str(tmp_path), "state_key": KEY}), False, Secrets())
    result = RECORD_INFO.run_in_process("launchkit.paas.rollback_record_info",
                                        info_params({"state_dir": str(tmp_path), "state_key": "not the key"}),
                                        check_mode=False, diff=False)
    assert result["failed"] is True and "does not match" in result["msg"]
    assert "Traceback" not in json.dumps(result, default=str) and SECRET not in json.dumps(result, default=str)


def test_a_plain_record_is_read_with_a_key_and_sealed_when_next_written(tmp_path):
    run_record(record_params({"state_dir": str(tmp_path)}), False, Secrets())
    base = {"state_dir": str(tmp_path), "state_key": KEY}
    assert run_record_info(info_params(base), False, Secrets())["records"]["redis"]["provider"] == "render"
    run_record(record_params(base, extra={"name": "scoop-redis"}), False, Secrets())
    assert "previous-secret-password" not in (tmp_path / STACK / "redis.json").read_text()
    assert run_record_info(info_params(base), False, Secrets())["records"]["redis"]["name"] == "scoop-redis"


# ---------------------------------------------------------------------------------- PostgreSQL
def tables(dsn: str) -> list[str]:
    return sorted(name for (name,) in rows(dsn, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'launchkit_%'"))


def pg(dsn: str, **more) -> dict:
    return {"state_backend": "postgresql", "state_dsn": dsn, "state_key": KEY, **more}


def test_the_tables_are_created_when_missing_with_their_schema_version(dsn):
    assert tables(dsn) == []
    run_record(record_params(pg(dsn)), False, Secrets())
    assert tables(dsn) == ["launchkit_state_locks", "launchkit_state_records", "launchkit_state_schema"]
    assert rows(dsn, "SELECT version FROM launchkit_state_schema") == [(1,)]
    run_record(record_params(pg(dsn), phase="email"), False, Secrets())  # again: nothing created twice
    assert rows(dsn, "SELECT version FROM launchkit_state_schema") == [(1,)]


def test_first_runs_at_once_create_the_tables_once(dsn):
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def first(phase: str) -> None:
        try:
            barrier.wait()
            run_record(record_params(pg(dsn), phase=phase), False, Secrets())
        except BaseException as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)

    threads = [threading.Thread(target=first, args=(f"phase{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rows(dsn, "SELECT count(*) FROM launchkit_state_records") == [(6,)]


def test_a_schema_newer_than_this_release_is_refused(dsn):
    run_record(record_params(pg(dsn)), False, Secrets())
    rows(dsn, "UPDATE launchkit_state_schema SET version = 99 RETURNING version")
    with pytest.raises(ValueError, match="schema version 99, newer than this release of launchkit.paas knows"):
        run_record_info(info_params(pg(dsn)), False, Secrets())


def test_postgresql_without_a_key_is_refused_before_anything_is_written(dsn):
    with pytest.raises(ValueError, match=r"needs launchkit_state_key \(or LAUNCHKIT_STATE_KEY\).*Nothing was written"):
        run_record(record_params(pg(dsn, state_key=None)), False, Secrets())
    with pytest.raises(ValueError, match="needs launchkit_state_key"):
        run_lock({"stack": STACK, "state": "acquired", "timeout": 0.0, "ttl": 60.0, "tags": [], "pid": 1,
                  "controller": None, **pg(dsn, state_key="")}, False, Secrets())
    assert tables(dsn) == []


def test_a_dsn_that_is_no_url_or_cannot_be_reached_fails_without_its_password(dsn):
    with pytest.raises(ValueError, match="is not a postgresql:// URL"):
        run_record(record_params(pg("host=x password=hunter22")), False, Secrets())
    unreachable = "postgresql://ops:hunter22@127.0.0.1:1/ops"
    secrets = Secrets()
    with pytest.raises(ValueError, match="the state database postgresql://ops@127.0.0.1:1/ops cannot be reached") as caught:
        run_record(record_params(pg(unreachable)), False, secrets)
    assert "hunter22" not in str(caught.value) and "hunter22" in secrets.values


def test_records_are_sealed_rows_read_back_with_the_key_and_forgotten(dsn):
    written = run_record(record_params(pg(dsn)), False, Secrets())
    assert written["changed"] is True and "launchkit_state_records (stack scoop_production, phase redis)" in written["path"]
    (body,) = rows(dsn, "SELECT body FROM launchkit_state_records WHERE stack = %s AND phase = %s", (STACK, "redis"))[0]
    assert "previous-secret-password" not in body and "REDIS_URL" not in body and json.loads(body)["launchkit_sealed"]
    again = run_record(record_params(pg(dsn)), False, Secrets())
    assert again["changed"] is False
    found = run_record_info(info_params(pg(dsn)), False, Secrets())
    assert found["records"]["redis"]["services"]["scoop-web"]["REDIS_URL"] == SECRET
    with pytest.raises(ValueError, match="does not match the key it was sealed with") as caught:
        run_record_info(info_params(pg(dsn, state_key="not the key")), False, Secrets())
    assert SECRET not in str(caught.value)
    kept = run_record(record_params(pg(dsn), state="absent", keep=["provider"]), False, Secrets())
    assert kept["changed"] is True
    assert run_record_info(info_params(pg(dsn)), False, Secrets())["records"]["redis"] == {
        "provider": "render", "services": {}}
    run_record(record_params(pg(dsn), state="absent"), False, Secrets())
    assert rows(dsn, "SELECT count(*) FROM launchkit_state_records") == [(0,)]


class Machine:
    """A controller: a fake clock (wall time), a host name and the processes that run there."""

    def __init__(self, host: str = "ctl-a", running: tuple[int, ...] = (100, 200), clock: FakeClock | None = None):
        self.clock = clock or FakeClock(start=1_800_000_000.0)
        self.running = set(running)
        self.system = System(Clock(self.clock.now, self.clock.sleep), host,
                             alive=lambda pid: pid in self.running, started=lambda pid: f"start-{pid}")


def lock_params(dsn: str, state_="acquired", pid=100, **more) -> dict:
    return {"stack": STACK, "state": state_, "timeout": 10.0, "ttl": 3600.0, "tags": ["redis"], "pid": pid,
            "controller": None, **pg(dsn), **more}


def held(dsn: str) -> list[dict]:
    return [holder for (holder,) in rows(dsn, "SELECT holder FROM launchkit_state_locks WHERE stack = %s", (STACK,))]


def test_the_lock_row_names_its_holder_and_a_second_run_fails_naming_it(dsn):
    machine = Machine()
    taken = run_lock(lock_params(dsn), False, Secrets(), system=machine.system)
    assert taken["taken_over"] is None and "launchkit_state_locks (stack scoop_production)" in taken["path"]
    (holder,) = held(dsn)
    assert holder["controller"] == "ctl-a" and holder["pid"] == 100 and holder["tags"] == ["redis"]
    ((acquired, expires),) = rows(dsn, "SELECT extract(epoch FROM acquired_at), extract(epoch FROM expires_at) "
                                       "FROM launchkit_state_locks")
    assert float(expires) - float(acquired) == 3600.0
    # The same run takes it again without waiting.
    assert run_lock(lock_params(dsn), False, Secrets(), system=machine.system)["waited"] == 0
    with pytest.raises(ResourceError) as caught:
        run_lock(lock_params(dsn, pid=200), False, Secrets(), system=machine.system)
    assert ("is locked by the run on ctl-a (pid 100, since 2027-01-15T08:00:00Z, tags: redis); waited 10 s"
            in str(caught.value))
    assert "DELETE FROM launchkit_state_locks WHERE stack = 'scoop_production'" in str(caught.value)
    assert held(dsn)[0]["pid"] == 100


def test_a_holder_whose_process_ended_is_taken_over_and_another_controllers_after_its_ttl(dsn):
    machine = Machine()
    run_lock(lock_params(dsn), False, Secrets(), system=machine.system)
    machine.running.discard(100)
    taken = run_lock(lock_params(dsn, pid=200), False, Secrets(), system=machine.system)
    assert taken["taken_over"]["pid"] == 100 and "no longer runs on this controller" in taken["warnings"][0]
    other = Machine(host="awx-job-7", clock=machine.clock)
    with pytest.raises(ResourceError, match="is locked by the run on ctl-a"):
        run_lock(lock_params(dsn, timeout=60.0), False, Secrets(), system=other.system)
    machine.clock.sleep(3600)
    late = run_lock(lock_params(dsn, timeout=60.0), False, Secrets(), system=other.system)
    assert late["taken_over"]["controller"] == "ctl-a" and "longer than the TTL of 3600 s" in late["warnings"][-1]
    assert held(dsn)[0]["controller"] == "awx-job-7"


def test_release_gives_back_only_its_own_lock_and_check_mode_takes_nothing(dsn):
    machine = Machine()
    run_lock(lock_params(dsn), False, Secrets(), system=machine.system)
    checked = run_lock(lock_params(dsn, pid=200), True, Secrets(), system=machine.system)
    assert checked["holder"]["pid"] == 100 and "check mode takes no run lock" in checked["warnings"][0]
    other = run_lock(lock_params(dsn, state_="released", pid=200), False, Secrets(), system=machine.system)
    assert other["released"] is False and "left as it is" in other["warnings"][0] and held(dsn)
    mine = run_lock(lock_params(dsn, state_="released"), False, Secrets(), system=machine.system)
    assert mine["released"] is True and held(dsn) == []
    assert run_lock(lock_params(dsn, pid=200), True, Secrets(), system=machine.system)["holder"] is None
    assert held(dsn) == []


def test_runs_at_once_on_real_connections_take_the_lock_exactly_once(dsn):
    pids = tuple(range(300, 312))
    machine = Machine(running=pids)
    run_lock(lock_params(dsn, pid=1, state_="released"), False, Secrets(), system=machine.system)  # the tables
    barrier = threading.Barrier(len(pids))
    outcomes: dict[int, bool] = {}

    def attempt(pid: int) -> None:
        me = {"controller": "ctl-a", "pid": pid, "acquired": machine.clock.now(), "since": "x", "tags": []}
        lock = PostgresRunLock(state.PostgresStore(dsn), STACK, me, 3600.0, machine.system)
        barrier.wait()
        outcomes[pid] = lock.try_acquire()[0]

    threads = [threading.Thread(target=attempt, args=(pid,)) for pid in pids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [pid for pid, taken in outcomes.items() if taken]
    assert len(outcomes) == len(pids) and len(winners) == 1
    assert [holder["pid"] for holder in held(dsn)] == winners


def test_locks_noted_by_a_run_are_given_back_as_it_exits(dsn):
    machine = Machine()
    run_lock(lock_params(dsn), False, Secrets(), system=machine.system)
    # The note holds no key: giving a lock back reads no record.
    note = {"state_backend": "postgresql", "state_dsn": dsn, "state_dir": None, "stack": STACK}
    assert release_noted([note], 200, machine.system) == []
    released = release_noted([note], 100, machine.system)
    assert len(released) == 1 and held(dsn) == []
