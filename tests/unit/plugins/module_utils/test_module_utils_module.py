# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.module (run) and core.secrets (mask_url, url_password)."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import SECRET_RESULT, Module, run
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import mask_url, url_password


# -------------------------------------------------------------------------------------------- mask_url
@pytest.mark.parametrize("url, expected", [
    ("rediss://default:pw123@host.example:6379/0", "rediss://default:********@host.example:6379/0"),
    ("redis://:pw123@host:6379", "redis://:********@host:6379"),
    ("postgres://app:p%40ss@db.internal/app?sslmode=require", "postgres://app:********@db.internal/app?sslmode=require"),
    ("redis://host:6379", "redis://host:6379"),
    ("https://example.test/path", "https://example.test/path"),
    (None, None),
    ("", ""),
])
def test_mask_url(url, expected):
    assert mask_url(url) == expected


def test_url_password():
    assert url_password("rediss://default:pw123@h:1") == "pw123"
    assert url_password("redis://h:1") is None


# ------------------------------------------------------------------------------------------------- run
class ModuleExit(Exception):
    def __init__(self, failed, result):
        super().__init__(result)
        self.failed = failed
        self.result = result


class FakeModule:
    def __init__(self, params=None, check_mode=False, diff=False):
        self.params = params or {}
        self.check_mode = check_mode
        self._diff = diff
        self.no_log_values = set()
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def exit_json(self, **result):
        raise ModuleExit(False, result)

    def fail_json(self, **result):
        raise ModuleExit(True, result)


def run_logic(logic, **module_options):
    module = FakeModule(**module_options)
    with pytest.raises(ModuleExit) as caught:
        run(module, Module({}, logic))
    return module, caught.value


def test_run_exits_with_the_result_and_registers_secrets_but_keeps_unmasked_ones():
    def logic(params, check_mode, secrets):
        secrets.add("hidden-value", "shown-value")
        return {"changed": True, "diff": {"before": {}, "after": {}}, "warnings": ["careful"],
                "_unmasked": ("shown-value",)}

    module, exit_ = run_logic(logic, diff=True)
    assert exit_.failed is False
    # The result returns a secret: it is marked for the action plugin to hide from the output.
    assert exit_.result == {"changed": True, "diff": {"before": {}, "after": {}}, SECRET_RESULT: True}
    assert module.no_log_values == {"hidden-value"}
    assert module.warnings == ["careful"]


def test_run_drops_the_diff_unless_asked():
    _module, exit_ = run_logic(lambda p, c, s: {"changed": False, "diff": {"before": {}, "after": {}}}, diff=False)
    assert "diff" not in exit_.result


def test_run_turns_an_api_error_into_fail_json_with_its_fields():
    def logic(params, check_mode, secrets):
        secrets.add("leaked-password")
        raise ApiError(401, "invalid API key", code="unauthorized", request_id="req-1", vendor="Render",
                       method="GET", path="/owners")

    module, exit_ = run_logic(logic)
    assert exit_.failed is True
    assert exit_.result["status"] == 401 and exit_.result["request_id"] == "req-1"
    assert exit_.result["error_code"] == "unauthorized"
    assert "invalid API key" in exit_.result["msg"] and "Check the API token" in exit_.result["msg"]
    assert "leaked-password" in module.no_log_values


def test_run_reports_an_unexpected_error_without_a_traceback():
    def logic(params, check_mode, secrets):
        raise KeyError("boom")

    _module, exit_ = run_logic(logic)
    assert exit_.failed is True
    assert exit_.result["msg"].startswith("unexpected error: KeyError")
    assert "Traceback" not in exit_.result["exception"]


def test_run_fails_before_the_logic_when_a_required_library_is_missing():
    ran = []
    module = FakeModule()
    with pytest.raises(ModuleExit) as caught:
        run(module, Module({}, lambda p, c, s: ran.append(1) or {"changed": False}, needs_requests=False,
                           requires={"psycopg2": None, "jmespath": ImportError("No module named 'jmespath'")}))
    assert caught.value.failed is True and ran == []
    assert "jmespath" in caught.value.result["msg"] and "psycopg2" not in caught.value.result["msg"]
    assert "No module named 'jmespath'" in caught.value.result["exception"]


def test_run_runs_the_logic_when_every_required_library_imported():
    module = FakeModule()
    with pytest.raises(ModuleExit) as caught:
        run(module, Module({}, lambda p, c, s: {"changed": False}, needs_requests=False, requires={"psycopg2": None}))
    assert caught.value.failed is False


@pytest.mark.parametrize("params, failed", [({"json": [{"query": "a"}]}, True), ({"json": []}, False)])
def test_run_asks_a_requires_function_with_the_parameters(params, failed):
    missing = ImportError("No module named 'jmespath'")
    module = FakeModule(params=params)
    with pytest.raises(ModuleExit) as caught:
        run(module, Module({}, lambda p, c, s: {"changed": False}, needs_requests=False,
                           requires=lambda p: {"jmespath": missing if p["json"] else None}))
    assert caught.value.failed is failed
