# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.kept: the digests kept of write-only values, in the state backend of the rollback records.

The file backend keeps the files it always kept (same path, mode and text; a file written before is read as it
is). The postgresql backend keeps each record as a sealed row of the records table under the kept stack, so that a
module run from an empty directory (an AWX job) still compares by the digests: fly_secrets, vercel_env and
grafana_contact_point then write nothing. The PostgreSQL tests need the sandbox's server (state_pg.py).
"""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core import kept
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.secrets import run_secrets, run_secrets_info
from ansible_collections.launchkit.paas.plugins.module_utils.grafana import contact_point
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.state import KEPT_STACK
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.env import run_env
from fly_fakes import FakeFly, fly_client
from fly_fakes import base_params as fly_params
from grafana_fakes import FakeGrafana, client_of
from grafana_fakes import params as grafana_params
from state_pg import fixture_admin_url, fixture_dsn, rows  # noqa: F401  pylint: disable=unused-import
from vercel_fakes import FakeVercel, vercel_client
from vercel_fakes import base_params as vercel_params

KEY = "a-long-random-state-key-for-the-kept-digests-0123"
NAME = "fly/web.secrets.json"
VALUE = "postgres://u:kept-s3cret-password@db/prod"


def pg(dsn: str, **more) -> dict:
    return {"state_backend": "postgresql", "state_dsn": dsn, "state_key": KEY, **more}


def kept_rows(dsn: str) -> list[tuple]:
    return rows(dsn, "SELECT stack, phase, body FROM launchkit_state_records ORDER BY phase")


def a_record(store: kept.KeptStore, name: str = NAME) -> dict:
    """A record as fly_secrets keeps one: a digest of VALUE under the record's own key, and the version."""
    record = store.load(name, secrets={}, version=None)
    record["secrets"]["DATABASE_URL"] = {"fly_digest": "fly-digest-1", "value_digest": kept.value_digest(record, VALUE)}
    record["version"] = 3
    store.save(name, record)
    return record


def files(directory) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


# ------------------------------------------------------------------------------------ file backend
@pytest.mark.parametrize("options", [{}, {"state_backend": "file"}, {"state_backend": "file", "state_key": KEY}])
def test_the_file_backend_keeps_the_file_it_always_kept(tmp_path, options):
    record = a_record(kept.KeptStore(options, str(tmp_path)))
    path = tmp_path / "fly" / "web.secrets.json"
    assert files(tmp_path) == ["fly/web.secrets.json"]
    # plain JSON, one space of indent, sorted keys, mode 0600: the text the collection has always written
    assert path.read_text(encoding="utf-8") == json.dumps(record, indent=1, sort_keys=True) + "\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert VALUE not in path.read_text(encoding="utf-8")
    assert kept.KeptStore(options, str(tmp_path)).load(NAME, secrets={}, version=None) == record


def test_a_file_written_by_an_earlier_release_is_read_as_it_is(tmp_path):
    earlier = {"key": "ab" * 32, "secrets": {"DATABASE_URL": {"fly_digest": "d1", "value_digest": "v1"}}, "version": 7}
    (tmp_path / "fly").mkdir()
    (tmp_path / "fly" / "web.secrets.json").write_text(json.dumps(earlier, indent=1, sort_keys=True) + "\n",
                                                       encoding="utf-8")
    assert kept.KeptStore({}, str(tmp_path)).load(NAME, secrets={}, version=None) == earlier


def test_without_a_state_directory_the_file_backend_keeps_nothing(tmp_path):
    store = kept.KeptStore({"state_backend": "file"}, None)
    assert not store.keeps and store.lacking() == "no state_dir is set"
    first = a_record(store)
    assert store.load(NAME, secrets={}, version=None)["key"] != first["key"]  # a fresh record each time
    assert files(tmp_path) == []


# ------------------------------------------------------------------------------ postgresql backend
def test_postgresql_keeps_a_record_as_a_sealed_row_under_the_kept_stack_and_no_file(dsn, tmp_path):
    store = kept.KeptStore(pg(dsn), str(tmp_path))
    assert store.keeps
    record = a_record(store)
    assert files(tmp_path) == []
    ((stack, phase, body),) = kept_rows(dsn)
    assert (stack, phase) == (KEPT_STACK, NAME) and "/" in KEPT_STACK
    envelope = json.loads(body)
    assert envelope["launchkit_sealed"] == 1 and envelope["cipher"] == "aes-256-gcm"
    # neither the record's own key nor a digest nor a key name is readable in the row
    for clear in (record["key"], record["secrets"]["DATABASE_URL"]["value_digest"], "DATABASE_URL", VALUE):
        assert clear not in body
    # another process, with no state directory at all, reads it back
    assert kept.KeptStore(pg(dsn), None).load(NAME, secrets={}, version=None) == record


def test_a_kept_row_opens_only_with_its_key_and_under_its_own_name(dsn):
    record = a_record(kept.KeptStore(pg(dsn), None))
    with pytest.raises(ValueError, match="the record of kept digests .* cannot be opened: the state key") as caught:
        kept.KeptStore(pg(dsn, state_key="another key"), None).load(NAME)
    assert record["key"] not in str(caught.value) and caught.value.__cause__ is None
    # the row copied under another name (another app's record) does not open
    rows(dsn, "INSERT INTO launchkit_state_records (stack, phase, body) SELECT stack, %s, body "
              "FROM launchkit_state_records WHERE phase = %s", ("fly/other.secrets.json", NAME))
    with pytest.raises(ValueError, match="does not match the key it was sealed with"):
        kept.KeptStore(pg(dsn), None).load("fly/other.secrets.json")


def test_postgresql_without_a_key_fails_before_anything_is_read_or_written(dsn):
    with pytest.raises(ValueError, match="the postgresql state backend needs launchkit_state_key"):
        kept.KeptStore({"state_backend": "postgresql", "state_dsn": dsn}, None)
    assert rows(dsn, "SELECT to_regclass('launchkit_state_records')") == [(None,)]


def test_a_record_with_no_row_yet_is_read_from_its_file_and_written_to_the_database(dsn, tmp_path):
    record = a_record(kept.KeptStore({}, str(tmp_path)))
    text = (tmp_path / "fly" / "web.secrets.json").read_text(encoding="utf-8")
    store = kept.KeptStore(pg(dsn), str(tmp_path))
    assert store.load(NAME, secrets={}, version=None) == record and kept_rows(dsn) == []
    store.save(NAME, {**record, "version": 4})
    assert [phase for _stack, phase, _body in kept_rows(dsn)] == [NAME]
    assert kept.KeptStore(pg(dsn), None).load(NAME)["version"] == 4
    assert (tmp_path / "fly" / "web.secrets.json").read_text(encoding="utf-8") == text  # the file is left as it was


# ------------------------------------------- the modules, run from an empty directory each time (an AWX job)
def test_fly_secrets_on_postgresql_compares_by_the_kept_digest_from_an_empty_directory(dsn, tmp_path):
    fake = FakeFly()
    for run, state_dir in enumerate(("job-1", "job-2")):
        params = fly_params(app="web", secrets={"DATABASE_URL": VALUE}, remove=[], purge=False, update="always",
                            state_dir=str(tmp_path / state_dir), **pg(dsn))
        result = run_secrets(params, False, Secrets(), fly_client(fake))
        assert result["changed"] == (run == 0) and result["warnings"] == []
    assert len(fake.api.writes) == 1 and result["unchanged_keys"] == ["DATABASE_URL"]
    info = run_secrets_info(fly_params(app="web", state_dir=None, **pg(dsn)), False, Secrets(), fly_client(fake))
    assert info["version"] == 1
    assert files(tmp_path) == []


def test_vercel_env_on_postgresql_compares_a_sensitive_value_from_an_empty_directory(dsn, tmp_path):
    fake = FakeVercel()
    for run, state_dir in enumerate(("job-1", "job-2")):
        params = vercel_params(env={"API_KEY": VALUE}, targets=["production"], git_branch=None, type="sensitive",
                               state="present", update="on_digest_change", purge=False, return_previous=False,
                               state_dir=str(tmp_path / state_dir), **pg(dsn))
        result = run_env(params, False, Secrets(), vercel_client(fake))
        assert result["changed"] == (run == 0) and result["warnings"] == []
    assert result["unchanged"] == ["API_KEY"] and files(tmp_path) == []
    assert [phase.split("/")[0] for _stack, phase, _body in kept_rows(dsn)] == ["vercel"]


def test_grafana_secure_settings_on_postgresql_are_compared_from_an_empty_directory(dsn, tmp_path):
    fake = FakeGrafana()
    url = "https://hooks.slack.test/services/T0/B0/kept-secret"
    for run, state_dir in enumerate(("job-1", "job-2")):
        params = grafana_params(name="oncall", uid="oncall", type="slack", settings={"recipient": "#alerts"},
                                secure_settings={"url": url}, disable_resolve_message=None, disable_provenance=False,
                                update_secure="on_digest_change", state_dir=str(tmp_path / state_dir), state="present",
                                **pg(dsn))
        result = contact_point.run_contact_point(params, False, Secrets(), client_of(fake.api))
        assert result["changed"] == (run == 0) and not result.get("warnings")
    assert files(tmp_path) == []
    ((_stack, phase, body),) = kept_rows(dsn)
    assert phase.startswith("grafana/") and phase.endswith("/contact_point.oncall.json") and url not in body
