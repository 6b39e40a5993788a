"""Run every integration target (tests/integration/targets/<module>/main.yml) against the sandbox.

Each target asserts its own behaviour with ansible.builtin.assert: create, idempotent re-run,
update, check mode with zero writes (from the sandbox's request log), diff content, delete and
error paths. A target fails the test when the playbook fails.
"""
from __future__ import annotations

import pytest

from conftest import TARGETS, control, run_playbook

TARGET_NAMES = sorted(p.name for p in TARGETS.iterdir() if (p / "main.yml").is_file())


@pytest.mark.parametrize("target", TARGET_NAMES)
def test_target(target: str, clean_sandbox) -> None:
    result = run_playbook(TARGETS / target / "main.yml", "--diff")
    assert result.returncode == 0, f"target {target} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    summary = control("GET", "/_sandbox/log/summary")
    assert summary["response_invalid"] == 0, "the sandbox answered outside the vendor's spec"
