# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils.in_process: which module an action runs, and the environment it sees."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module
from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import (
    ActionModule, load_module, module_name, task_environment)

ROOT = Path(__file__).resolve().parents[4]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("action, name", [("launchkit.paas.render_service", "render_service"),
                                          ("render_service", "render_service")])
def test_module_name_is_the_short_name(action, name):
    assert module_name(action) == name


def test_task_environment_is_seen_inside_and_restored_after(monkeypatch):
    monkeypatch.setenv("LK_KEPT", "before")
    monkeypatch.delenv("LK_ADDED", raising=False)
    with task_environment({"LK_KEPT": "during", "LK_ADDED": 5}):
        assert os.environ["LK_KEPT"] == "during" and os.environ["LK_ADDED"] == "5"
    assert os.environ["LK_KEPT"] == "before" and "LK_ADDED" not in os.environ


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_an_action_plugin_from_the_one_base(name):
    action = importlib.import_module(f"ansible_collections.launchkit.paas.plugins.action.{name}")
    assert action.ActionModule is ActionModule
    assert isinstance(load_module(name), Module)
