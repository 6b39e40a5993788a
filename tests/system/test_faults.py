"""Vendor faults: the redis phase and the whole rollout must finish, converge to one of each resource, and stay
idempotent.

Run: make test-faults   (or, with the sandbox up and .sandbox/env loaded:
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_faults.py)
"""
from __future__ import annotations

import time

import pytest

from conftest import (OUTPUT, WHOLE_ROLLOUT, assert_ok, control, env_of, fixture_data, log_summary, recap, reset_and_seed,
                      run_site, state)

# 30 % of all vendor calls fault; a fixed seed, and one fork so the calls come in a fixed order,
# make the run reproducible (the same calls fault every time).
FAULTS = {"rate": 0.3, "kinds": ["429", "503", "drop", "drop_after"], "retry_after": 1, "seed": 7}
SERIAL = {"ANSIBLE_FORKS": "1"}

# Under pytest-xdist these tests stay on one worker: they share tests/output/phase-calls.txt, which
# the module's first test empties, and the whole rollout's reference joins the session's whole rollout
# (conftest.whole_rollout), which runs on that group's worker (make test-system runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group(WHOLE_ROLLOUT)

SCOOP_SERVICES = ["scoop-web"]
REKINDLE_SERVICES = ["rekindlepro-api", "rekindlepro-worker"]


def seeded_env(name: str) -> dict[str, str]:
    return next(s["env_vars"] for s in fixture_data()["render"]["services"] if s["name"] == name)


def assert_converged(snapshot: dict) -> None:
    """Exactly one Key Value and one Upstash database, wired into the services, other keys untouched."""
    render, upstash = snapshot["vendors"]["render"], snapshot["vendors"]["upstash"]
    kv_names = [kv["name"] for kv in render["key_values"]]
    db_names = [db["database_name"] for db in upstash["databases"]]
    assert kv_names == ["scoop-redis"], f"Render Key Values: {kv_names}"
    assert sorted(db_names) == ["rekindlepro-staging-redis", "synckairos-staging-redis"], f"Upstash databases: {db_names}"

    kv = render["key_values"][0]
    assert kv["options"]["maxmemoryPolicy"] == "noeviction"
    for name in SCOOP_SERVICES:
        env = env_of(snapshot, name)
        assert env.get("REDIS_URL") == kv["connectionInfo"]["internalConnectionString"], name
        assert {k: v for k, v in env.items() if k != "REDIS_URL"} == seeded_env(name), name

    db = next(db for db in upstash["databases"] if db["database_name"] == "rekindlepro-staging-redis")
    assert db["eviction"] is False
    rest_keys = {"REDIS_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"}
    for name in REKINDLE_SERVICES:
        env = env_of(snapshot, name)
        assert env.get("REDIS_URL", "").startswith("rediss://"), name
        assert f":{db['password']}@" in env["REDIS_URL"] and env["REDIS_URL"].endswith(f":{db['port']}"), name
        assert env.get("UPSTASH_REDIS_REST_TOKEN") == db["rest_token"], name
        assert env.get("UPSTASH_REDIS_REST_URL"), name
        assert {k: v for k, v in env.items() if k not in rest_keys} == seeded_env(name), name


@pytest.fixture(scope="module", autouse=True)
def fresh_figures():
    """tests/output/phase-calls.txt holds this session's figures only."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "phase-calls.txt").write_text("# vendor calls per run under faults (tests/system/test_faults.py)\n",
                                            encoding="utf-8")


def record(lines: list[str]) -> None:
    with (OUTPUT / "phase-calls.txt").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


def describe(label: str, summary: dict, by_vendor: dict[str, dict], seconds: float) -> str:
    vendors = ", ".join(f"{vendor} {s['reads']}r/{s['writes']}w" for vendor, s in by_vendor.items())
    return (f"{label}: reads={summary['reads']} writes={summary['writes']} faults={summary['faults']} "
            f"({vendors}; {seconds:.1f} s)")


def run_phase(state_dir, extra_env=None):
    control("DELETE", "/log")
    started = time.monotonic()
    result = run_site("--tags", "redis", state_dir=state_dir, extra_env=extra_env)
    seconds = time.monotonic() - started
    by_vendor = {vendor: log_summary(vendor) for vendor in ("render", "upstash")}
    return result, log_summary(), by_vendor, seconds


def test_redis_phase_survives_faults(sandbox, tmp_path):
    control("POST", "/faults", FAULTS)
    result, summary, by_vendor, seconds = run_phase(tmp_path / "state", SERIAL)
    control("DELETE", "/faults")
    assert_ok(result, "redis phase with 30 % vendor faults")
    assert summary["faults"] > 0, f"no fault was injected: {summary}"
    assert summary["response_invalid"] == 0, summary
    record([describe("faulted run (30 %, seed 7)", summary, by_vendor, seconds)])

    assert_converged(state())

    result, summary, by_vendor, seconds = run_phase(tmp_path / "state")
    assert_ok(result, "redis phase re-run without faults")
    assert summary["writes"] == 0, f"re-run after the faulted run wrote: {summary}"
    assert summary["faults"] == 0
    record([describe("clean re-run after the faulted run", summary, by_vendor, seconds)])
    assert_converged(state())


@pytest.mark.parametrize(("host", "fault"), [
    ("scoop_production", {"vendor": "render", "path_contains": "/key-value"}),
    ("rekindlepro_staging", {"vendor": "upstash", "path_contains": "/redis/database"}),
], ids=["render-key-value", "upstash-database"])
def test_lost_create_answer_makes_no_duplicate(sandbox, tmp_path, host, fault):
    """The create is processed but its answer is lost (drop_after): the module must find it, not repeat it."""
    control("POST", "/faults", {"nth": 1, "methods": ["POST"], "kinds": ["drop_after"], **fault})
    control("DELETE", "/log")
    result = run_site("--tags", "redis", "--limit", host, state_dir=tmp_path / "state")
    described = control("GET", "/faults")
    control("DELETE", "/faults")
    assert_ok(result, f"redis phase for {host} with its create answer dropped")
    faults = [e for e in control("GET", "/log")["entries"] if e["fault"]]
    assert [(e["method"], e["fault"]) for e in faults] == [("POST", "drop_after")], (faults, described)

    vendors = state()["vendors"]
    if fault["vendor"] == "render":
        assert [kv["name"] for kv in vendors["render"]["key_values"]] == ["scoop-redis"]
    else:
        assert [db["database_name"] for db in vendors["upstash"]["databases"]] == ["rekindlepro-staging-redis"]


def test_clean_runs_reads_and_writes(tmp_path):
    """First and second clean run of the phase: the second writes nothing. Figures go to phase-calls.txt."""
    reset_and_seed()
    first, first_summary, first_vendors, first_s = run_phase(tmp_path / "state")
    assert_ok(first, "first clean run of the redis phase")
    second, second_summary, second_vendors, second_s = run_phase(tmp_path / "state")
    assert_ok(second, "second clean run of the redis phase")
    record([describe("clean run 1", first_summary, first_vendors, first_s),
            describe("clean run 2", second_summary, second_vendors, second_s)])
    assert first_summary["writes"] > 0
    assert second_summary["writes"] == 0, f"second clean run wrote: {second_summary}"
    assert first_summary["faults"] == second_summary["faults"] == 0
    assert_converged(state())


# The whole rollout: 20 % of every vendor call faulted (rate limits, 5xx, connections dropped before and
# after the vendor acted, lost create answers among them).
SITE_FAULTS = {"rate": 0.2, "kinds": ["429", "503", "drop", "drop_after"], "retry_after": 1, "seed": 11}

# What a rollout makes, by vendor collection, and the field that names each one.
NAMED_BY = {("render", "services"): "name", ("render", "key_values"): "name", ("render", "postgres"): "name",
            ("render", "custom_domains"): "name", ("upstash", "databases"): "database_name",
            ("sendgrid", "keys"): "name", ("sendgrid", "domains"): "domain", ("sendgrid", "verified_senders"): "from_email",
            ("sentry", "teams"): "slug", ("sentry", "projects"): "slug", ("sentry", "workflows"): "name"}


def resources(snapshot: dict) -> dict[str, list[str]]:
    """Every resource of the stacks by collection, as sorted names (a Sentry alert by project and name)."""
    found = {}
    for (vendor, collection), field in NAMED_BY.items():
        items = snapshot["vendors"][vendor][collection]
        if collection == "workflows":
            # Alerts by the detector they watch (ids are counters: a faulted run's differ, its grouping not).
            groups: dict[str, list[str]] = {}
            for workflow in items:
                groups.setdefault(str(workflow.get("detectorIds")), []).append(workflow[field])
            found[f"{vendor}.{collection}"] = sorted(", ".join(sorted(names)) for names in groups.values())
        else:
            found[f"{vendor}.{collection}"] = sorted(item[field] for item in items)
    # Fly.io: the apps' secrets by name, and their Machines (a lost update answer never makes a second one).
    apps = snapshot["vendors"]["fly"]["apps"]
    found["fly.secrets"] = sorted(f"{app['name']}:{secret['name']}" for app in apps for secret in app["secrets"])
    found["fly.machines"] = sorted(f"{app['name']}: {sum(m['state'] == 'started' for m in app['machines'])} of "
                                   f"{len(app['machines'])} Machines started" for app in apps)
    return found


@pytest.mark.long
def test_whole_rollout_survives_faults_with_one_of_each_resource(whole_rollout, sandbox, tmp_path):
    """site.yml for every stack with 20 % of vendor calls faulted: it completes, makes exactly what a clean
    rollout makes (the session's whole rollout, conftest.whole_rollout: one of each, no twin from a lost
    create answer), and a clean second run writes nothing."""
    expected = resources(whole_rollout["first"]["state"])
    assert all(len(names) == len(set(names)) for names in expected.values()), expected

    control("POST", "/faults", SITE_FAULTS)
    started = time.monotonic()
    faulted = run_site(state_dir=tmp_path / "state", extra_env=SERIAL)
    seconds = time.monotonic() - started
    described = control("GET", "/faults")
    control("DELETE", "/faults")
    summary = log_summary()
    entries = control("GET", "/log")["entries"]
    assert_ok(faulted, "whole rollout with 20 % vendor faults")
    lost_creates = [e for e in entries if e["fault"] == "drop_after" and e["method"] == "POST"]
    assert summary["faults"] > 20 and lost_creates, (summary, described)
    assert summary["response_invalid"] == 0, summary
    assert resources(state()) == expected

    control("DELETE", "/log")
    second = run_site(state_dir=tmp_path / "state")
    assert_ok(second, "clean second run after the faulted rollout")
    second_summary = log_summary()
    # A clean second run writes nothing (SendGrid's domain validation, asked on every run while the rehearsal's
    # DNS stays unpublished, is a DNS check the request log counts as a read).
    writes = [f"{e['method']} {e['path']}" for e in control("GET", "/log")["entries"] if e["write"]]
    assert writes == [], writes
    assert all(host["changed"] == 0 for host in recap(second).values()), recap(second)
    assert resources(state()) == expected
    record([f"whole rollout, 20 % faults (seed {SITE_FAULTS['seed']}): reads={summary['reads']} "
            f"writes={summary['writes']} faults={summary['faults']} lost creates={len(lost_creates)} "
            f"({seconds:.1f} s); clean second run: reads={second_summary['reads']} writes={len(writes)}"])
