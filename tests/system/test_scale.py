"""Several stacks in one run with forks: each ends as if it had run alone (no cross-talk).

The inventory is scripts/scale-inventory.py's: two copies each of RekindlePro (Render, Upstash, an
external Postgres) and SyncKairos (Fly.io, Upstash, a pooled Postgres), renamed per stack, seeded on
a fresh sandbox and rolled out whole in one `ansible-playbook -f 4`. `make bench-scale` measures the
same with 20 stacks against one alone.

Run (with the sandbox up and .sandbox/env loaded, or under xdist with a worker's own sandbox):
      .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/system/test_scale.py
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import (BUILD_SECONDS, ROOT, RUN_SECONDS, assert_ok, control, recap, reset_and_seed, site_command,
                      state)
from tests.worker_sandbox import load_script

STACKS = 4
SCALE = load_script("scale-inventory.py")


@pytest.fixture(name="inventory")
def fixture_inventory(tmp_path):
    """The scale inventory of STACKS stacks, seeded on a reset sandbox with quick deploys and Machine starts."""
    inventory = tmp_path / "inventory"
    SCALE.write(inventory, STACKS, list(SCALE.DEFAULT_TEMPLATES))
    reset_and_seed(json.loads((inventory / "seed.json").read_text(encoding="utf-8")))
    control("POST", "/render/deploys", {"build_seconds": BUILD_SECONDS, "fail": {}})
    control("POST", "/render/cron", {"run_seconds": RUN_SECONDS, "fail": {}})
    control("POST", "/fly/settings", {"start_seconds": 0.1})
    yield inventory
    control("POST", "/fly/settings", {"fail": {}})
    control("POST", "/render/deploys", {"fail": {}})
    control("POST", "/render/cron", {"fail": {}})


def test_stacks_in_one_run_keep_to_their_own_objects(inventory, tmp_path):
    rows = SCALE.stacks(STACKS, list(SCALE.DEFAULT_TEMPLATES))
    hosts = [host for host, _template, _token, _copy in rows]
    reports = tmp_path / "reports"
    command, env = site_command("-f", str(STACKS), state_dir=tmp_path / "state",
                                extra_env={"LAUNCHKIT_REPORT_DIR": str(reports)})
    command[command.index("inventories/sandbox")] = str(inventory)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=900, check=False)
    assert_ok(result, f"{STACKS} stacks in one run")
    assert sorted(recap(result)) == sorted(hosts)
    assert all(row["failed"] == 0 and row["unreachable"] == 0 for row in recap(result).values()), recap(result)

    # Every stack's validation passed, in its own report.
    for host in hosts:
        report = json.loads((reports / host / "rollout-report.json").read_text(encoding="utf-8"))
        assert report["summary"]["failed"] == 0 and report["summary"]["result"].startswith("passed"), \
            (host, report["checks"])

    snapshot = state()
    vendors = snapshot["vendors"]
    views = {copy: SCALE.stack_view(snapshot, copy, token) for _host, _template, token, copy in rows}
    for template in SCALE.DEFAULT_TEMPLATES:
        copies = [copy for _host, each, _token, copy in rows if each == template]
        # Copies of one stack hold the same objects, env keys and settings, named for themselves.
        first = views[copies[0]]
        for copy in copies[1:]:
            assert views[copy] == first, SCALE.difference(first, views[copy])
    for copy, view in views.items():
        # Its env points at its own Redis, database, SendGrid key and Sentry project (Render's env is readable).
        assert all(view["wiring"].values()), (copy, view["wiring"])
        assert len(view["upstash"]) == 1 and len(view["grafana"]["folders"]) == 1, (copy, view)
    rekindle = [copy for _h, template, _t, copy in rows if template == "rekindlepro_staging"]
    assert all(set(views[copy]["wiring"]) == {"REDIS_URL is its own Redis", "REST token is its own",
                                              "DATABASE_URL is its own", "SendGrid key is its own",
                                              "Sentry DSN is its own"} for copy in rekindle), views
    # The one thing they share, Grafana's policy tree, holds each stack's route once (none was lost).
    tree = SCALE.policy_tree(dict(os.environ))
    assert all(SCALE.routes_of(tree, copy) == 1 for copy in views), tree
    # Exactly one Redis, one Sentry project and one SendGrid key per stack that has them, nothing else.
    assert len(vendors["upstash"]["databases"]) == STACKS
    assert len(vendors["sentry"]["projects"]) == len(vendors["sendgrid"]["keys"]) == len(rekindle)
    assert len(vendors["fly"]["apps"]) == STACKS - len(rekindle)

    # No stack's run lock or rollback record sits with another's: one folder per host, and each file of
    # the account-wide folders (Grafana contact points, Fly secret digests) names one stack only.
    state_dir = tmp_path / "state"
    assert {path.name for path in state_dir.iterdir() if path.name.endswith(("_staging", "_production"))} == set(hosts)
    for host in hosts:
        assert (state_dir / host / ".run.lock.guard").exists(), host
    for path in state_dir.rglob("*"):
        if path.is_file():
            named = {copy for _h, _t, _k, copy in rows if SCALE.owns(str(path.relative_to(state_dir)), copy)}
            assert len(named) == 1, (path, named)
