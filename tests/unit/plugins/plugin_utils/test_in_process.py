# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils.in_process: which module an action runs, and the environment it sees."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core import progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import SECRET_RESULT, Module
from ansible_collections.launchkit.paas.plugins.plugin_utils import in_process
from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import (
    CONNECTION_VARS, STATE_MODULES, InProcessAction, hide_secret_result, module_groups, module_name, progress_line, task_environment,
    with_connection_vars)

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
def test_every_module_has_an_action_plugin_from_the_one_base_bound_to_its_module(name):
    action = importlib.import_module(f"ansible_collections.launchkit.paas.plugins.action.{name}")
    module = importlib.import_module(f"ansible_collections.launchkit.paas.plugins.modules.{name}")
    assert issubclass(action.ActionModule, InProcessAction)
    assert isinstance(module.MODULE, Module)
    assert action.ActionModule.module is module.MODULE


def test_the_run_cache_is_on_for_the_task_only_and_can_be_turned_off():
    from ansible import constants as C
    from ansible_collections.launchkit.paas.plugins.module_utils.core import cache
    from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import run_cache

    with run_cache({}):
        assert cache.DIRECTORY == os.path.join(C.DEFAULT_LOCAL_TMP, "launchkit-cache")
    assert cache.DIRECTORY is None
    with run_cache({"launchkit_api_cache": "false"}):
        assert cache.DIRECTORY is None


def test_modules_are_in_the_action_groups_of_meta_runtime():
    assert module_groups("app_env") == ("render", "platform")
    assert module_groups("preflight") == ("render", "platform")
    assert module_groups("fly_secrets") == ("fly",)
    assert module_groups("render_service") == ("render",)
    assert module_groups("upstash_redis_info") == ("upstash",)
    assert module_groups("sentry_team") == ("sentry",)
    assert module_groups("http_check") == ()
    assert module_groups("grafana_agent_config") == ()  # writes files: no Grafana connection


@pytest.mark.parametrize("name", MODULES)
def test_every_connection_variable_names_an_option_of_each_module_of_its_group(name):
    module = importlib.import_module(f"ansible_collections.launchkit.paas.plugins.modules.{name}")
    for group in module_groups(name):
        assert set(CONNECTION_VARS[group]) <= set(module.MODULE.argument_spec), (name, group)


@pytest.mark.parametrize("name", MODULES)
def test_the_state_variables_reach_exactly_the_modules_that_take_the_state_options(name):
    """Every module that keeps rollback records, run locks or kept digests reads launchkit_state_backend, _dsn and
    _key from the inventory; a module without those options never gets them (Ansible would refuse them)."""
    module = importlib.import_module(f"ansible_collections.launchkit.paas.plugins.modules.{name}")
    takes = set(CONNECTION_VARS["state"]) <= set(module.MODULE.argument_spec)
    assert takes == (name in STATE_MODULES), name
    added = with_connection_vars(name, {}, {"launchkit_state_backend": "postgresql"}, lambda value: value)
    assert added == ({"state_backend": "postgresql"} if takes else {})


def test_the_platform_and_fly_connection_come_from_the_inventory_for_the_seam_modules():
    task_vars = {"launchkit_platform": "fly", "launchkit_fly_api_token": "fm2_inventory", "launchkit_fly_org": "acme"}
    args = with_connection_vars("app_env", {"services": ["web"]}, task_vars, lambda value: value)
    assert args["platform"] == "fly" and args["fly_api_token"] == "fm2_inventory" and args["fly_org"] == "acme"
    # A task that names its platform keeps it.
    args = with_connection_vars("app_info", {"platform": "render"}, task_vars, lambda value: value)
    assert args["platform"] == "render"


def test_the_vercel_connection_targets_and_type_come_from_the_inventory_for_the_seam_modules():
    task_vars = {"launchkit_platform": "vercel", "launchkit_vercel_token": "vercel-inventory",
                 "launchkit_vercel_api_url": "http://127.0.0.1:1/vercel", "launchkit_vercel_team_id": "team_x",
                 "launchkit_vercel_targets": ["production", "preview"], "launchkit_vercel_env_type": "sensitive"}
    args = with_connection_vars("preflight", {"phase": "redis"}, task_vars, lambda value: value)
    assert args == {"phase": "redis", "platform": "vercel", "vercel_token": "vercel-inventory",
                    "vercel_api_url": "http://127.0.0.1:1/vercel", "vercel_team_id": "team_x",
                    "vercel_targets": ["production", "preview"], "vercel_env_type": "sensitive"}


def test_connection_variables_fill_only_the_options_a_task_left_unset():
    task_vars = {"launchkit_render_api_key": "{{ vaulted }}", "launchkit_render_owner": "tea-inventory",
                 "launchkit_render_api_url": "", "launchkit_sentry_org": "not-this-group"}
    templated = []

    def template(value):
        templated.append(value)
        return "rnd_from_vault" if value == "{{ vaulted }}" else value

    args = {"name": "web", "owner": "tea-task", "api_url": None}
    assert with_connection_vars("render_service", args, task_vars, template) == {
        "name": "web", "owner": "tea-task", "api_url": None, "api_key": "rnd_from_vault"}
    # The task's own owner wins; an empty variable counts as unset (the environment fallback applies);
    # variables of other vendors and of set options are never templated.
    assert templated == ["{{ vaulted }}", ""]
    assert args == {"name": "web", "owner": "tea-task", "api_url": None}


def test_modules_outside_the_groups_get_no_connection_variables():
    args = {"url": "https://example.test/health"}
    assert with_connection_vars("http_check", args, {"launchkit_render_api_key": "x"}, str) is args


def test_a_result_that_returns_secrets_is_hidden_from_the_output_and_a_failure_is_not():
    def reveal(params, check_mode, secrets):
        secrets.add("rediss://default:pw-123456@host:6379")
        return {"changed": False, "url": "rediss://default:pw-123456@host:6379",
                "_unmasked": ("rediss://default:pw-123456@host:6379",)}

    def refuse(params, check_mode, secrets):
        raise ValueError("Render answered 401 Unauthorized: check the API key")

    shown = hide_secret_result(Module({}, reveal, needs_requests=False).run_in_process("x.y.z", {}, False, False))
    assert shown["_ansible_no_log"] is True and shown["url"].startswith("rediss://")
    assert SECRET_RESULT not in shown
    failed = hide_secret_result(Module({}, refuse, needs_requests=False).run_in_process("x.y.z", {}, False, False))
    assert "_ansible_no_log" not in failed and failed["msg"] == "Render answered 401 Unauthorized: check the API key"


def test_a_long_wait_speaks_through_the_display_at_verbosity_one(monkeypatch):
    heard = []
    monkeypatch.setattr(in_process._display, "v", lambda line, host=None: heard.append((host, line)))
    with progress.listening(progress_line("scoop_production")):
        progress.say("scoop-web: deploy dep-1 live")
    progress.say("nobody listens now")
    assert heard == [("scoop_production", "scoop-web: deploy dep-1 live")]
