# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml parses a phase's role (its play and its Preflight entry) only when the run's tags select the
phase (playbooks/rollout.yml: launchkit_phase_tasks, launchkit_preflight_entry): a run of one phase parses
one phase role, and what a run runs is exactly what it runs with every phase role parsed."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
# Extra vars win over the play's vars: every phase role parsed whatever the tags, as before the choice.
EVERY_ROLE = ("-e", "launchkit_phase_tasks=tasks/phase.yml", "-e", "launchkit_preflight_entry=tasks/preflight.yml")


def list_tasks(*args: str, collections: Path = ROOT / "playbooks" / "collections",
               playbook: Path = ROOT / "playbooks" / "site.yml") -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_COLLECTIONS_PATH": str(collections),
           "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run([str(PLAYBOOK), "-i", str(ROOT / "inventories" / "sandbox"), str(playbook), "--list-tasks",
                           *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def selected(result: subprocess.CompletedProcess) -> list[str]:
    """The plays and tasks --list-tasks printed, each tag list sorted (Ansible prints a play's tags in set order)."""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [re.sub(r"TAGS: \[(.*)\]", lambda m: "TAGS: " + ",".join(sorted(m.group(1).split(","))), line.strip())
            for line in result.stdout.splitlines() if "TAGS:" in line]


@pytest.mark.parametrize("tags", [(), ("--tags", "redis,database"), ("--tags", "tagged"),
                                  ("--tags", "rollback_database")], ids=["every phase", "two phases", "tagged",
                                                                         "a rollback"])
def test_the_tags_select_the_same_tasks_as_with_every_phase_role_parsed(tags):
    lazy = selected(list_tasks(*tags))
    assert lazy == selected(list_tasks(*tags, *EVERY_ROLE))
    assert any(": " in task for task in lazy)  # role tasks are listed, not only the plays


def test_a_run_of_one_phase_never_parses_another_phases_role(tmp_path):
    # A copy of the collection whose worker role cannot be parsed, neither its phase nor its preflight.
    copy = tmp_path / "ansible_collections" / "launchkit" / "paas"
    copy.mkdir(parents=True)
    for part in ("galaxy.yml", "meta", "plugins", "roles", "playbooks"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("collections", "__pycache__"))
        else:
            shutil.copy2(source, copy / part)
    for broken in ("main.yml", "preflight.yml"):
        (copy / "roles" / "worker" / "tasks" / broken).write_text("- name: [not yaml\n", encoding="utf-8")

    redis = list_tasks("--tags", "redis", collections=tmp_path, playbook=copy / "playbooks" / "site.yml")
    assert any(task.startswith("launchkit.paas.redis : ") for task in selected(redis))
    worker = list_tasks("--tags", "worker", collections=tmp_path, playbook=copy / "playbooks" / "site.yml")
    assert worker.returncode != 0
    assert "roles/worker/tasks/preflight.yml" in worker.stdout + worker.stderr
