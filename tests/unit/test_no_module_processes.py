# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rollout starts no module process: every task of the roles and of the rollout's playbooks is either one
of Ansible's actions that run in the controller (set_fact, debug, assert, ...) or a launchkit.paas module
with its in-process action plugin (docs/design.md, "Module logic on the controller").

A module that Ansible runs as a process of its own (ansible.builtin.file, template, copy, uri, command, ...)
costs a Python start and its imports per host, which in one task (the agent configs' file and template) was
more than any other step of a second run. This test keeps such a task from coming back unnoticed."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# Ansible's actions that run in the controller's worker, without a module process.
CONTROLLER_ACTIONS = {
    "ansible.builtin.set_fact", "ansible.builtin.debug", "ansible.builtin.assert", "ansible.builtin.fail",
    "ansible.builtin.set_stats", "ansible.builtin.meta", "ansible.builtin.include_role",
    "ansible.builtin.import_role", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks",
    "ansible.builtin.import_playbook", "ansible.builtin.add_host", "ansible.builtin.group_by",
}
# The AWX configuration playbook drives an AWX server with awx.awx's modules: an admin's one-off, no rollout.
NOT_A_ROLLOUT = {"awx_configure.yml"}
NESTED = ("block", "rescue", "always")


def task_files() -> list[Path]:
    files = sorted((ROOT / "roles").glob("*/tasks/*.yml")) + sorted((ROOT / "roles").glob("*/handlers/*.yml"))
    files += [p for p in sorted((ROOT / "playbooks").glob("*.yml")) if p.name not in NOT_A_ROLLOUT]
    return files


def tasks_of(data) -> list[dict]:
    """Every task in a tasks file or a playbook, blocks opened."""
    found: list[dict] = []
    for item in data or []:
        if not isinstance(item, dict):
            continue
        if "hosts" in item or "import_playbook" in item or "ansible.builtin.import_playbook" in item:
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                found += tasks_of(item.get(section))
            continue
        if any(key in item for key in NESTED):
            for key in NESTED:
                found += tasks_of(item.get(key))
            continue
        found.append(item)
    return found


def actions(task: dict) -> list[str]:
    """The task's action: the house style names every one by its FQCN."""
    return [key for key in task if "." in key]


def in_process(action: str) -> bool:
    if action in CONTROLLER_ACTIONS:
        return True
    namespace, _dot, name = action.rpartition(".")
    return namespace == "launchkit.paas" and (ROOT / "plugins" / "action" / f"{name}.py").is_file()


def test_the_rollout_files_are_found():
    files = task_files()
    assert any(p.parts[-3:] == ("validate", "tasks", "report.yml") for p in files)
    assert any(p.name == "site.yml" for p in files)
    assert sum(len(tasks_of(yaml.safe_load(p.read_text(encoding="utf-8")))) for p in files) > 300


@pytest.mark.parametrize("path", task_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_task_runs_in_the_controller(path: Path):
    outside = []
    for task in tasks_of(yaml.safe_load(path.read_text(encoding="utf-8"))):
        named = actions(task)
        assert len(named) == 1, f"{path.name}: task {task.get('name')!r} has no single FQCN action: {named}"
        if not in_process(named[0]):
            outside.append(f"{task.get('name')!r} ({named[0]})")
    assert not outside, (f"{path.relative_to(ROOT)}: tasks that would start a module process: {outside}; write what "
                         "they do with a launchkit.paas module (it runs in the controller) or a controller action")


def test_a_module_process_is_told_apart():
    assert not in_process("ansible.builtin.template")
    assert not in_process("ansible.builtin.uri")
    assert not in_process("launchkit.paas.no_such_module")
    assert in_process("launchkit.paas.grafana_agent_config") and in_process("ansible.builtin.set_fact")
