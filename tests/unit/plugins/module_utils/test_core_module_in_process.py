# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.module.Module: the same result inside the controller as through AnsibleModule.

Each case runs one Module both ways: ``Module.main()`` (a real AnsibleModule, its arguments given
as Ansible gives them to a module process, its JSON answer read from stdout) and
``Module.run_in_process`` (what the collection's action plugins call). Both must return the same
result, masked the same way.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from ansible.module_utils.basic import env_fallback
from ansible.module_utils.testing import patch_module_args

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module, plain
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError

NAME = "launchkit.paas.example"
MODULES = sorted(p.stem for p in (Path(__file__).resolve().parents[4] / "plugins" / "modules").glob("*.py")
                 if p.stem != "__init__")


def as_module(module: Module, args: dict, capsys, check_mode: bool = False, diff: bool = False) -> dict:
    """The JSON a module process prints for `args`."""
    internal = {"_ansible_check_mode": check_mode, "_ansible_diff": diff, "_ansible_module_name": NAME}
    with patch_module_args({**args, **internal}), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def in_process(module: Module, args: dict, check_mode: bool = False, diff: bool = False) -> dict:
    return module.run_in_process(NAME, args, check_mode=check_mode, diff=diff)


def both(module: Module, args: dict, capsys, **mode) -> dict:
    """The in-process result, after asserting that it is the module process's result.

    Warnings are left out of the comparison: with the controller loaded (as under pytest),
    ansible-core 2.19 sends a module's warnings to the controller's display, not to its result.
    """
    expected = as_module(module, args, capsys, **mode)
    actual = in_process(module, args, **mode)
    assert {k: v for k, v in actual.items() if k != "warnings"} == {k: v for k, v in expected.items() if k != "warnings"}
    return actual


def example(logic, **checks) -> Module:
    spec = {
        "name": {"type": "str", "required": True},
        "size": {"type": "int", "default": 1, "choices": [1, 2, 3]},
        "api_key": {"type": "str", "required": True, "no_log": True,
                    "fallback": (env_fallback, ["EXAMPLE_API_KEY"])},
        "labels": {"type": "list", "elements": "str", "aliases": ["tags"]},
        "purge": {"type": "bool", "default": False},
    }
    return Module(spec, logic, needs_requests=False, **checks)


def echo(params, check_mode, secrets):
    secrets.add("the-token-" + params["name"])
    return {"changed": not check_mode, "seen": dict(params), "echo": "uses the-token-" + params["name"],
            "diff": {"before": {"size": 1}, "after": {"size": params["size"]}}}


@pytest.mark.parametrize("check_mode, diff", [(False, False), (True, True)])
def test_a_successful_run_is_the_same_both_ways_with_secrets_masked(capsys, check_mode, diff):
    result = both(example(echo), {"name": "web", "size": "2", "api_key": "s3cret-key", "tags": ("a", "b")},
                  capsys, check_mode=check_mode, diff=diff)
    assert result["changed"] is (not check_mode)
    assert result["seen"]["size"] == 2 and result["seen"]["labels"] == ["a", "b"]
    assert "s3cret-key" not in json.dumps(result) and "the-token-web" not in json.dumps(result)
    assert result["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert ("diff" in result) is diff


def test_the_token_falls_back_to_the_environment_both_ways(capsys, monkeypatch):
    monkeypatch.setenv("EXAMPLE_API_KEY", "from-env-key")
    result = both(example(echo), {"name": "web"}, capsys)
    assert "from-env-key" not in json.dumps(result) and result["changed"] is True


@pytest.mark.parametrize("args, words", [
    ({"size": 1, "api_key": "k3y-value"}, "missing required arguments: name"),
    ({"name": "web", "api_key": "k3y-value", "size": 7}, "value of size must be one of: 1, 2, 3"),
    ({"name": "web", "api_key": "k3y-value", "colour": "red"}, "Unsupported parameters for (launchkit.paas.example) module: colour"),
    ({"name": "web", "api_key": "k3y-value", "size": "big"}, "size"),
])
def test_invalid_arguments_fail_the_same_way_before_the_logic(capsys, args, words):
    ran = []
    module = example(lambda p, c, s: ran.append(1) or {"changed": True})
    result = both(module, args, capsys)
    assert result["failed"] is True and words in result["msg"] and ran == []
    assert "k3y-value" not in json.dumps(result)


def test_cross_option_checks_are_applied(capsys):
    module = example(echo, mutually_exclusive=[("labels", "purge")])
    result = both(module, {"name": "web", "api_key": "k3y-value", "labels": ["a"], "purge": True}, capsys)
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


def test_an_option_and_its_alias_together_warn_the_same_way(capsys):
    result = both(example(echo), {"name": "web", "api_key": "k3y-value", "labels": ["a"], "tags": ["a"]}, capsys)
    assert result["warnings"] == ["Both option labels and its alias tags are set."]


def test_a_vendor_error_fails_with_its_fields_and_without_its_secrets(capsys):
    def logic(params, check_mode, secrets):
        secrets.add("db-password-1")
        raise ApiError(404, "service srv-1 has no db-password-1", vendor="Render", method="GET", path="/services/srv-1")

    result = both(example(logic), {"name": "web", "api_key": "k3y-value"}, capsys)
    assert result["failed"] is True and result["status"] == 404
    assert "db-password-1" not in json.dumps(result)


def test_warnings_of_the_logic_are_returned(capsys):
    result = both(example(lambda p, c, s: {"changed": False, "warnings": ["slow plan"]}),
                  {"name": "web", "api_key": "k3y-value"}, capsys)
    assert result["warnings"] == ["slow plan"]


def test_a_missing_library_fails_before_the_logic(capsys):
    ran = []
    module = Module({"name": {"type": "str"}}, lambda p, c, s: ran.append(1) or {}, needs_requests=False,
                    requires={"jmespath": ImportError("No module named 'jmespath'")})
    result = both(module, {"name": "x"}, capsys)
    assert result["failed"] is True and "jmespath" in result["msg"] and ran == []


class Tagged(str):
    """What a templated task argument is on the controller: a str subclass."""


def test_plain_turns_controller_types_into_json_types():
    value = plain({"a": (Tagged("x"), 1, 2.5, True, None), Tagged("k"): {"set": frozenset([3])}})
    assert value == {"a": ["x", 1, 2.5, True, None], "k": {"set": [3]}}
    assert not isinstance(value["a"][0], Tagged) and not any(isinstance(key, Tagged) for key in value)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_a_module_that_refuses_bad_input_the_same_way_both_ways(capsys, name):
    module = importlib.import_module(f"ansible_collections.launchkit.paas.plugins.modules.{name}").MODULE
    assert isinstance(module, Module)
    result = both(module, {"no_such_option": "x"}, capsys)
    assert result["failed"] is True
