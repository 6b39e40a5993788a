# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fly_secrets: key-level set and unset, the kept digests, update always|on_create, check mode, never a value out."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, MASK_NEW, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.secrets import run_secrets, run_secrets_info
from fly_fakes import FakeFly, base_params, fly_client

VALUE = "postgres://u:s3cret-password@db/prod"
OTHER = "redis://:another-s3cret@redis:6379"


def record_path(state_dir: str, app: str) -> str:
    """Where the file backend keeps an app's digests (the same file as before the state backends)."""
    return os.path.join(state_dir, "fly", f"{app}.secrets.json")


def params(tmp_path, **overrides):
    values = {"app": "web", "secrets": {}, "remove": [], "purge": False, "update": "always",
              "state_dir": str(tmp_path)}
    values.update(overrides)
    return base_params(**values)


def run(fake, tmp_path, check_mode=False, **overrides):
    return run_secrets(params(tmp_path, **overrides), check_mode, Secrets(), fly_client(fake))


def test_a_new_key_is_set_in_one_call_and_the_version_returned(tmp_path):
    fake = FakeFly(secrets={"KEEP": "x-value"})
    result = run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    assert result["changed"] and result["set_keys"] == ["DATABASE_URL"] and result["version"] == 1
    assert [c.json for c in fake.api.writes] == [{"values": {"DATABASE_URL": VALUE}}]
    assert fake.secret_values == {"KEEP": "x-value", "DATABASE_URL": VALUE}


def test_the_second_run_compares_by_the_kept_digest_and_writes_nothing(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    second = run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    assert not second["changed"] and second["unchanged_keys"] == ["DATABASE_URL"] and len(fake.api.writes) == 1
    assert second["version"] == 1  # the last version written, kept


def test_a_new_value_is_written(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    result = run(fake, tmp_path, secrets={"DATABASE_URL": OTHER})
    assert result["set_keys"] == ["DATABASE_URL"] and fake.secret_values["DATABASE_URL"] == OTHER


def test_a_value_someone_else_set_since_is_written_again(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    fake.secret_values["DATABASE_URL"] = "changed by hand"
    assert run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})["set_keys"] == ["DATABASE_URL"]


def test_without_a_kept_digest_update_always_writes_and_warns(tmp_path):
    fake = FakeFly(secrets={"DATABASE_URL": VALUE})
    result = run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    assert result["changed"] and "cannot be compared" in result["warnings"][0]


def test_without_a_state_dir_every_run_writes(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path, secrets={"A_KEY": VALUE}, state_dir=None)
    result = run(fake, tmp_path, secrets={"A_KEY": VALUE}, state_dir=None)
    assert result["changed"] and "no state_dir is set" in result["warnings"][0]


def test_on_create_leaves_an_existing_key_alone(tmp_path):
    fake = FakeFly(secrets={"DATABASE_URL": "old"})
    result = run(fake, tmp_path, secrets={"DATABASE_URL": VALUE, "NEW_KEY": OTHER}, update="on_create")
    assert result["set_keys"] == ["NEW_KEY"] and result["unchanged_keys"] == ["DATABASE_URL"]
    assert fake.secret_values["DATABASE_URL"] == "old"


def test_remove_unsets_with_null_and_ignores_absent_keys(tmp_path):
    fake = FakeFly(secrets={"OLD": "x-value", "KEEP": "y-value"})
    result = run(fake, tmp_path, remove=["OLD", "NEVER_SET"])
    assert result["removed_keys"] == ["OLD"] and fake.api.writes[0].json == {"values": {"OLD": None}}
    assert fake.secret_values == {"KEEP": "y-value"}


def test_keys_not_managed_are_never_touched_unless_purge(tmp_path):
    fake = FakeFly(secrets={"THEIRS": "x-value"})
    run(fake, tmp_path, secrets={"MINE": VALUE})
    assert "THEIRS" in fake.secret_values
    result = run(fake, tmp_path, secrets={"MINE": VALUE}, purge=True)
    assert result["removed_keys"] == ["THEIRS"] and fake.secret_values == {"MINE": VALUE}


def test_a_key_both_set_and_removed_is_refused_before_any_call(tmp_path):
    fake = FakeFly()
    with pytest.raises(ValueError, match="both set"):
        run(fake, tmp_path, secrets={"A": VALUE}, remove=["A"])
    assert fake.api.calls == []


def test_check_mode_predicts_exactly_and_writes_nothing(tmp_path):
    fake = FakeFly(secrets={"OLD": "x-value"})
    checked = run(fake, tmp_path, check_mode=True, secrets={"DATABASE_URL": VALUE}, remove=["OLD"])
    assert fake.api.writes == [] and not os.path.exists(record_path(str(tmp_path), "web"))
    real = run(fake, tmp_path, secrets={"DATABASE_URL": VALUE}, remove=["OLD"])
    assert (checked["changed"], checked["set_keys"], checked["removed_keys"]) == \
        (real["changed"], real["set_keys"], real["removed_keys"])


def test_the_diff_and_the_result_carry_keys_never_values(tmp_path):
    fake = FakeFly(secrets={"DATABASE_URL": "old-s3cret-value"})
    secrets = Secrets()
    result = run_secrets(params(tmp_path, secrets={"DATABASE_URL": VALUE, "NEW": OTHER}), False, secrets,
                         fly_client(fake))
    assert result["diff"] == {"before": {"DATABASE_URL": MASK}, "after": {"DATABASE_URL": MASK_NEW, "NEW": MASK_NEW}}
    text = json.dumps(result)
    assert VALUE not in text and OTHER not in text and "old-s3cret-value" not in text
    assert {VALUE, OTHER} <= secrets.values  # registered, so Ansible masks them anywhere


def test_the_kept_record_holds_no_value_and_is_private(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    path = record_path(str(tmp_path), "web")
    text = open(path, encoding="utf-8").read()
    assert VALUE not in text and "s3cret" not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(text)["version"] == 1


def test_a_path_like_app_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a Fly.io app name"):
        run(FakeFly(), tmp_path, app="../etc")


def test_info_returns_names_digests_and_the_kept_version_never_values(tmp_path):
    fake = FakeFly()
    run(fake, tmp_path, secrets={"DATABASE_URL": VALUE})
    info = run_secrets_info(base_params(app="web", state_dir=str(tmp_path)), False, Secrets(), fly_client(fake))
    assert info["version"] == 1 and [s["name"] for s in info["secrets"]] == ["DATABASE_URL"]
    assert info["secrets"][0]["digest"] and VALUE not in json.dumps(info)
    assert all("show_secrets" not in (c.params or {}) for c in fake.api.calls)


def test_run_in_process_no_value_reaches_the_result(tmp_path, monkeypatch):
    from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import FlyClient
    from ansible_collections.launchkit.paas.plugins.modules.fly_secrets import MODULE

    fake = FakeFly(secrets={"DATABASE_URL": "old-s3cret-value"})
    monkeypatch.setattr(FlyClient, "from_params", classmethod(lambda cls, params, secrets=None: fly_client(fake)))
    args = {"app": "web", "api_token": "fm2_unit-test-token", "secrets": {"DATABASE_URL": VALUE, "NEW_KEY": OTHER},
            "state_dir": str(tmp_path)}
    result = MODULE.run_in_process("launchkit.paas.fly_secrets", args, check_mode=False, diff=True)
    text = json.dumps(result)
    assert not result.get("failed") and result["set_keys"] == ["DATABASE_URL", "NEW_KEY"]
    assert VALUE not in text and OTHER not in text and "fm2_unit-test-token" not in text
    assert result["diff"]["after"] == {"DATABASE_URL": MASK_NEW, "NEW_KEY": MASK_NEW}
