"""The redis phase on Upstash with a Redis eviction policy asked for (the SyncKairos plan asks for allkeys-lru):
Upstash has only an eviction switch, so the policy turns it on, with one Ansible warning per host and run that
says Upstash evicts with its own algorithm instead; a queue with an evicting policy is refused before any write.

Run (with the sandbox up and .sandbox/env loaded, or under xdist):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_upstash_eviction.py
"""
from __future__ import annotations

import json

import pytest

from conftest import assert_ok, control, log_summary, recap, run_site, state

KINDLE = ("--limit", "rekindlepro_staging")
WARNING = ("Upstash database rekindlepro-staging-redis: maxmemory_policy allkeys-lru asked for, but Upstash has only "
           "an eviction switch: eviction is on, and Upstash evicts with optimistic-volatile (volatile-random and "
           "allkeys-random combined) rather than allkeys-lru.")


def warnings_in(text: str) -> int:
    """How many times the warning was printed (Ansible may wrap a long warning over lines)."""
    return " ".join(text.split()).count(" ".join(WARNING.split()))


def upstash_databases() -> list[dict]:
    return state()["vendors"]["upstash"]["databases"]


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys_lru"])
def test_an_lru_policy_turns_upstash_eviction_on_with_one_warning_per_run(quick_sandbox, tmp_path, policy):
    given = ("-e", json.dumps({"redis_use": "cache", "redis_maxmemory_policy": policy}))
    first = run_site("--tags", "redis", *KINDLE, *given, state_dir=tmp_path / "state")
    assert_ok(first, f"the redis phase on Upstash with {policy}")
    [database] = upstash_databases()
    assert database["eviction"] is True
    assert warnings_in(first.stdout + first.stderr) == 1, (first.stdout + first.stderr)[-6000:]

    control("DELETE", "/log")
    second = run_site("--tags", "redis", *KINDLE, *given, state_dir=tmp_path / "state")
    assert_ok(second, "second run")
    assert log_summary()["writes"] == 0 and recap(second)["rekindlepro_staging"]["changed"] == 0
    assert warnings_in(second.stdout + second.stderr) == 1


@pytest.mark.parametrize("host, provider", [("rekindlepro_staging", "upstash"), ("scoop_production", "render")])
def test_a_queue_with_an_evicting_policy_is_refused_before_any_write(quick_sandbox, tmp_path, host, provider):
    result = run_site("--tags", "redis", "--limit", host, "-e",
                      json.dumps({"redis_use": "queue", "redis_maxmemory_policy": "allkeys_lru"}),
                      state_dir=tmp_path / "state")
    assert result.returncode != 0, result.stdout[-4000:]
    assert ("redis: redis_use is queue, which needs noeviction (an evicting Redis silently drops queued jobs when "
            "memory fills), but the asked policy is allkeys_lru") in result.stdout, (provider, result.stdout[-4000:])
    assert log_summary()["writes"] == 0
    assert upstash_databases() == [] and state()["vendors"]["render"]["key_values"] == []
