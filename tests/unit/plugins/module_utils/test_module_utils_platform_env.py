# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""platform.env (app_env): every service found before the first write, only the keys asked for
touched, the rollback record written before the change with the exact previous values."""
from __future__ import annotations

import json
import re

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY, over_plan
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import generate_secret
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import RenderEnv, run_app_env
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import read_record
from launchkit_fakes import FakeSession, make_http, reply

OLD = "redis://default:old-secret-pw@old:6379"
NEW = "redis://default:new-secret-pw@new:6379"


class FakePlatform:
    """Services by name with their env; every call is logged, and the record file is looked at on each write."""

    def __init__(self, services: dict[str, dict[str, str]], record: str | None = None) -> None:
        self.services = {name: {"name": name, "id": f"srv-{name}", "type": "web_service"} for name in services}
        self.envs = {name: dict(env) for name, env in services.items()}
        self.calls: list[tuple] = []
        self.record = record
        self.record_at_write: list[dict] = []
        self.planned: dict[str, dict] = {}

    def find(self, refs):
        self.calls.append(("find", tuple(refs)))
        return {ref: self.services[ref] for ref in refs if ref in self.services}, [r for r in refs if r not in self.services]

    def env(self, service):
        self.calls.append(("env", service["name"]))
        return dict(self.envs[service["name"]])

    def digests(self, service):
        """As a run that kept the digests: no values unless asked for with env(); over the run's plan."""
        self.calls.append(("digests", service["name"]))
        return over_plan({key: self.digest(value) for key, value in self.envs[service["name"]].items()},
                         self.planned.get(service["name"], {})), None

    @staticmethod
    def digest(value, service=None):
        return "d:" + str(value)

    def write(self, service, values, deleted):
        """As RenderEnv writes: key by key (a put per key set, a delete per key removed)."""
        for key, value in values.items():
            self.put(service, key, value)
        for key in deleted:
            self.delete(service, key)
        return {}

    def put(self, service, key, value):
        if self.record:
            self.record_at_write.append(read_record(self.record))
        self.calls.append(("put", service["name"], key))
        self.envs[service["name"]][key] = value

    def delete(self, service, key):
        self.calls.append(("delete", service["name"], key))
        self.envs[service["name"]].pop(key, None)

    def plan(self, service, digests, deleted):
        """Check mode: what the task would write (as RenderEnv keeps it in the run's plan)."""
        self.planned.setdefault(service["name"], {}).update({**digests, **dict.fromkeys(deleted)})


def params(tmp_path=None, **extra):
    base = {"platform": "render", "services": ["web", "worker"], "services_name": "redis_services", "env": {"REDIS_URL": NEW}, "remove": [],
            "record_phase": None, "record_dir": None, "record_stack": None, "record_extra": {}, "record_always": False}
    if tmp_path is not None:
        base.update(record_phase="redis", record_dir=str(tmp_path), record_stack="scoop")
    base.update(extra)
    return base


def test_only_the_keys_asked_for_change_and_every_other_key_stays():
    platform = FakePlatform({"web": {"REDIS_URL": OLD, "SECRET": "keep-me"}, "worker": {}})
    result = run_app_env(params(), False, Secrets(), platform)
    assert result["changed"] is True
    assert platform.envs == {"web": {"REDIS_URL": NEW, "SECRET": "keep-me"}, "worker": {"REDIS_URL": NEW}}
    assert [v["set_keys"] for v in result["services"]] == [["REDIS_URL"], ["REDIS_URL"]]
    assert result["services"][0]["env_keys"] == ["REDIS_URL", "SECRET"]
    assert result["diff"] == {"before": {"web": {"REDIS_URL": "********"}, "worker": {}},
                              "after": {"web": {"REDIS_URL": "******** (new value)"},
                                        "worker": {"REDIS_URL": "******** (new value)"}}}
    assert OLD not in json.dumps(result) and NEW not in json.dumps(result)


def test_a_second_run_writes_nothing_and_reads_no_value():
    platform = FakePlatform({"web": {"REDIS_URL": NEW}, "worker": {"REDIS_URL": NEW}})
    result = run_app_env(params(), False, Secrets(), platform)
    assert result["changed"] is False
    assert [call[0] for call in platform.calls] == ["find", "digests", "digests"]
    assert [view["env_keys"] for view in result["services"]] == [["REDIS_URL"], ["REDIS_URL"]]
    assert result["diff"] == {"before": {}, "after": {}}


def test_a_missing_service_fails_before_any_write_and_names_it():
    platform = FakePlatform({"web": {}})
    with pytest.raises(ResourceError, match=r"redis_services .*: worker.*nothing was written"):
        run_app_env(params(), False, Secrets(), platform)
    assert [call[0] for call in platform.calls] == ["find"]


def test_check_mode_warns_about_a_missing_service_and_writes_nothing(tmp_path):
    platform = FakePlatform({"web": {"REDIS_URL": OLD}})
    result = run_app_env(params(tmp_path), True, Secrets(), platform)
    assert result["missing"] == ["worker"]
    assert "worker" in result["warnings"][0]
    assert result["changed"] is True and result["record"]["changed"] is True
    assert [call[0] for call in platform.calls] == ["find", "digests", "env"]
    assert not (tmp_path / "scoop").exists()


def test_the_record_holds_the_exact_previous_values_before_the_first_write(tmp_path):
    record = tmp_path / "scoop" / "redis.json"
    platform = FakePlatform({"web": {"REDIS_URL": OLD + "?sslmode=disable"}, "worker": {}}, record=str(record))
    secrets = Secrets()
    run_app_env(params(tmp_path, record_extra={"provider": "render"}), False, secrets, platform)
    expected = {"web": {"REDIS_URL": OLD + "?sslmode=disable"}, "worker": {"REDIS_URL": None}}
    assert platform.record_at_write[0]["services"] == expected  # written before the first put
    assert read_record(str(record)) == {"provider": "render", "services": expected}
    assert OLD + "?sslmode=disable" in secrets.values  # masked in any error, never in the record


def test_a_later_run_keeps_the_values_from_before_the_rollout(tmp_path):
    platform = FakePlatform({"web": {"REDIS_URL": OLD}, "worker": {}})
    run_app_env(params(tmp_path), False, Secrets(), platform)
    run_app_env(params(tmp_path, env={"REDIS_URL": "redis://default:third-pw@x:1"}), False, Secrets(), platform)
    assert read_record(str(tmp_path / "scoop" / "redis.json"))["services"] == {
        "web": {"REDIS_URL": OLD}, "worker": {"REDIS_URL": None}}


def test_extra_facts_are_kept_only_with_a_change_or_when_asked(tmp_path):
    platform = FakePlatform({"web": {"REDIS_URL": NEW}, "worker": {"REDIS_URL": NEW}})
    quiet = run_app_env(params(tmp_path, record_extra={"api_key_ids": ["k1"]}), False, Secrets(), platform)
    assert quiet["changed"] is False and not (tmp_path / "scoop").exists()
    kept = run_app_env(params(tmp_path, record_extra={"api_key_ids": ["k1"]}, record_always=True), False, Secrets(),
                       platform)
    assert kept["changed"] is True
    assert read_record(str(tmp_path / "scoop" / "redis.json")) == {"api_key_ids": ["k1"], "services": {}}


def test_a_key_both_set_and_removed_is_refused_before_any_call():
    platform = FakePlatform({"web": {}})
    with pytest.raises(ValueError, match="REDIS_URL"):
        run_app_env(params(remove=["REDIS_URL"]), False, Secrets(), platform)
    assert platform.calls == []


def test_remove_deletes_only_that_key():
    platform = FakePlatform({"web": {"REDIS_URL": OLD, "KEEP": "x"}, "worker": {}})
    result = run_app_env(params(env={}, remove=["REDIS_URL"]), False, Secrets(), platform)
    assert platform.envs["web"] == {"KEEP": "x"}
    assert result["services"][0]["removed_keys"] == ["REDIS_URL"]
    assert result["services"][1]["removed_keys"] == []


def test_a_failure_in_the_middle_leaves_every_change_made_before_it_recorded(tmp_path):
    """The record is whole before the first write, so a write that fails halfway loses no original value."""
    class FailsOnWorker(FakePlatform):
        def put(self, service, key, value):
            if service["name"] == "worker":
                raise ResourceError("the vendor refused the write")
            super().put(service, key, value)
    platform = FailsOnWorker({"web": {"REDIS_URL": OLD}, "worker": {"REDIS_URL": "redis://w"}})
    with pytest.raises(ResourceError, match="refused"):
        run_app_env(params(tmp_path), False, Secrets(), platform)
    assert platform.envs["web"]["REDIS_URL"] == NEW  # changed before the failure
    assert read_record(str(tmp_path / "scoop" / "redis.json"))["services"] == {
        "web": {"REDIS_URL": OLD}, "worker": {"REDIS_URL": "redis://w"}}


# ------------------------------------------------------------------------------------------- copy_from
def copy_params(tmp_path=None, **extra):
    return params(tmp_path, **{"services": ["new", "adopted"], "env": {}, "copy_from": "web", **extra})


def test_copy_overwrites_only_the_services_the_rollout_owns_and_adds_what_the_others_lack(tmp_path):
    platform = FakePlatform({"web": {"REDIS_URL": NEW, "WEB_CONCURRENCY": "4", "SECRET_KEY_BASE": "web-skb"},
                             "new": {"WEB_CONCURRENCY": "1"},
                             "adopted": {"WEB_CONCURRENCY": "2", "SECRET_KEY_BASE": "own-skb"}})
    result = run_app_env(copy_params(tmp_path, copy_overwrite=["new"]), False, Secrets(), platform)
    assert platform.envs["new"] == {"REDIS_URL": NEW, "WEB_CONCURRENCY": "4", "SECRET_KEY_BASE": "web-skb"}
    # The adopted worker keeps its own settings and only gains the key it lacked.
    assert platform.envs["adopted"] == {"WEB_CONCURRENCY": "2", "SECRET_KEY_BASE": "own-skb", "REDIS_URL": NEW}
    assert [view["set_keys"] for view in result["services"]] == [
        ["REDIS_URL", "SECRET_KEY_BASE", "WEB_CONCURRENCY"], ["REDIS_URL"]]
    assert read_record(str(tmp_path / "scoop" / "redis.json"))["services"] == {
        "new": {"REDIS_URL": None, "SECRET_KEY_BASE": None, "WEB_CONCURRENCY": "1"}, "adopted": {"REDIS_URL": None}}
    assert ("put", "web", "REDIS_URL") not in platform.calls


def test_copy_reads_no_value_when_every_service_is_in_step():
    platform = FakePlatform({"web": {"A": "1"}, "new": {"A": "1"}, "adopted": {"A": "other"}})
    result = run_app_env(copy_params(copy_overwrite=["new"]), False, Secrets(), platform)
    assert result["changed"] is False
    assert not [call for call in platform.calls if call[0] in ("env", "put")]


def test_copy_keys_and_service_env_and_env_win_over_copied_values():
    platform = FakePlatform({"web": {"A": "web-a", "B": "web-b", "C": "web-c"}, "new": {}, "adopted": {}})
    run_app_env(copy_params(copy_keys=["A", "B"], env={"B": "explicit"}, service_env={"new": {"A": "mine"}},
                            copy_overwrite=["new"]), False, Secrets(), platform)
    assert platform.envs["new"] == {"A": "mine", "B": "explicit"}
    assert platform.envs["adopted"] == {"A": "web-a", "B": "explicit"}


@pytest.mark.parametrize("extra, message", [
    ({"copy_from": "nowhere"}, "copy_from: the service 'nowhere' does not exist"),
    ({"copy_keys": ["MISSING"]}, "copy_keys: web has no MISSING"),
    ({"service_env": {"stranger": {"A": "1"}}}, "service_env names services that are not in redis_services: stranger"),
])
def test_copy_mistakes_fail_before_any_write(extra, message):
    platform = FakePlatform({"web": {"A": "1"}, "new": {}, "adopted": {}})
    with pytest.raises((ResourceError, ValueError), match=message):
        run_app_env(copy_params(**extra), False, Secrets(), platform)
    assert not [call for call in platform.calls if call[0] in ("put", "delete")]


KEY = "SG.key-id.secret-value-shown-once"


def test_copy_gives_a_second_key_the_value_set_in_the_same_run(tmp_path):
    platform = FakePlatform({"web": {"OTHER": "x"}})
    result = run_app_env(params(tmp_path, services=["web"], env={"SENDGRID_API_KEY": KEY},
                                copy={"SMTP_PASSWORD": "SENDGRID_API_KEY"}, record_phase="email"), False, Secrets(), platform)
    assert platform.envs["web"] == {"OTHER": "x", "SENDGRID_API_KEY": KEY, "SMTP_PASSWORD": KEY}
    assert result["services"][0]["set_keys"] == ["SENDGRID_API_KEY", "SMTP_PASSWORD"]
    assert read_record(str(tmp_path / "scoop" / "email.json"))["services"]["web"] == {
        "SENDGRID_API_KEY": None, "SMTP_PASSWORD": None}
    assert KEY not in json.dumps(result)


def test_copy_reads_the_value_a_service_already_has_and_then_writes_nothing():
    platform = FakePlatform({"web": {"SENDGRID_API_KEY": KEY}, "worker": {"SENDGRID_API_KEY": "SG.other.worker-key"}})
    args = params(env={"SMTP_PORT": 587}, copy={"SMTP_PASSWORD": "SENDGRID_API_KEY"})
    secrets = Secrets()
    first = run_app_env(args, False, secrets, platform)
    assert platform.envs["web"]["SMTP_PASSWORD"] == KEY  # each service its own value
    assert platform.envs["worker"]["SMTP_PASSWORD"] == "SG.other.worker-key"
    assert first["changed"] is True and KEY in secrets.values
    platform.calls.clear()
    second = run_app_env(args, False, Secrets(), platform)
    assert second["changed"] is False
    assert [call[0] for call in platform.calls] == ["find", "digests", "digests"]  # no value read, no write
    assert second["services"][0]["unchanged_keys"] == ["SMTP_PASSWORD", "SMTP_PORT"]


def test_copy_in_check_mode_predicts_and_writes_nothing():
    platform = FakePlatform({"web": {"SENDGRID_API_KEY": KEY}, "worker": {}})
    result = run_app_env(params(env={}, copy={"SMTP_PASSWORD": "SENDGRID_API_KEY"}), True, Secrets(), platform)
    assert result["changed"] is True and [v["set_keys"] for v in result["services"]] == [["SMTP_PASSWORD"], []]
    assert not any(call[0] == "put" for call in platform.calls)


def test_a_service_without_the_key_to_copy_from_is_named_and_left_alone():
    platform = FakePlatform({"web": {"SENDGRID_API_KEY": KEY}, "worker": {"OTHER": "x"}})
    result = run_app_env(params(env={}, copy={"SMTP_PASSWORD": "SENDGRID_API_KEY"}), False, Secrets(), platform)
    assert platform.envs["worker"] == {"OTHER": "x"}
    assert [v["missing_sources"] for v in result["services"]] == [[], ["SENDGRID_API_KEY"]]
    assert result["warnings"] == ["worker has no SENDGRID_API_KEY: SMTP_PASSWORD not set there (copy)"]


@pytest.mark.parametrize("extra, message", [
    ({"env": {"SMTP_PASSWORD": "x"}}, "SMTP_PASSWORD is both copied (copy) and set (env)"),
    ({"remove": ["SMTP_PASSWORD"]}, "SMTP_PASSWORD is both copied (copy) and removed (remove)"),
    ({"remove": ["SENDGRID_API_KEY"]}, "copied from SENDGRID_API_KEY, which is removed"),
    ({"copy": {"SMTP_PASSWORD": "SMTP_PASSWORD"}}, "SMTP_PASSWORD is copied from itself"),
    ({"copy": {"A": "B", "B": "C"}}, "A is copied from B, which is itself copied: copy from C"),
])
def test_copy_clashes_are_refused_before_any_call(extra, message):
    platform = FakePlatform({"web": {}, "worker": {}})
    args = params(env={}, copy={"SMTP_PASSWORD": "SENDGRID_API_KEY"})
    args.update(extra)
    with pytest.raises(ValueError, match=re.escape(message)):
        run_app_env(args, False, Secrets(), platform)
    assert platform.calls == []


def test_services_the_record_lists_as_created_are_owned_and_follow_the_source(tmp_path):
    record = tmp_path / "scoop" / "redis.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"created": ["new"]}))
    platform = FakePlatform({"web": {"A": "web-a"}, "new": {"A": "stale"}, "adopted": {"A": "own"}})
    run_app_env(copy_params(tmp_path), False, Secrets(), platform)
    assert platform.envs["new"] == {"A": "web-a"} and platform.envs["adopted"] == {"A": "own"}
    assert read_record(str(record)) == {"created": ["new"], "services": {"new": {"A": "stale"}}}


class DeployedPlatform(FakePlatform):
    """A FakePlatform whose services have a latest deploy with a commit (or none)."""

    def __init__(self, services, commits, record=None):
        super().__init__(services, record)
        self.commits = commits

    def commit(self, service):
        self.calls.append(("commit", service["name"]))
        return self.commits.get(service["name"])


def secrets_params(**extra):
    return params(**{"env": {}, "services": ["api", "worker"], "services_name": "app_secrets", **extra})


def test_a_generated_key_is_made_once_with_one_value_for_every_service_and_never_shown():
    platform = FakePlatform({"api": {"NODE_ENV": "production"}, "worker": {}})
    secrets = Secrets()
    generate = [{"key": "JWT_SECRET", "services": [], "length": 64, "format": "hex"}]
    result = run_app_env(secrets_params(generate=generate), False, secrets, platform)
    value = platform.envs["api"]["JWT_SECRET"]
    assert len(value) == 64 and int(value, 16) >= 0
    assert platform.envs["worker"]["JWT_SECRET"] == value
    assert result["generated"] == [{"key": "JWT_SECRET", "action": "generated", "services": ["api", "worker"],
                                    "written_to": ["api", "worker"]}]
    assert value not in json.dumps(result) and value in secrets.values
    again = run_app_env(secrets_params(generate=generate), False, Secrets(), platform)
    assert again["changed"] is False
    assert again["generated"][0]["action"] == "kept"
    assert platform.envs["api"]["JWT_SECRET"] == value


def test_a_generated_key_one_service_holds_is_copied_to_the_others_not_made_again():
    platform = FakePlatform({"api": {"JWT_SECRET": "existing-jwt-secret-value"}, "worker": {}})
    generate = [{"key": "JWT_SECRET", "services": ["api", "worker"], "length": 64, "format": "hex"}]
    result = run_app_env(secrets_params(generate=generate), False, Secrets(), platform)
    assert platform.envs["worker"]["JWT_SECRET"] == "existing-jwt-secret-value"
    assert platform.envs["api"]["JWT_SECRET"] == "existing-jwt-secret-value"
    assert ("put", "api", "JWT_SECRET") not in platform.calls
    assert result["generated"][0]["action"] == "copied" and result["generated"][0]["written_to"] == ["worker"]


def test_a_generated_key_with_different_values_fails_before_any_write():
    platform = FakePlatform({"api": {"JWT_SECRET": "one"}, "worker": {"JWT_SECRET": "two"}})
    generate = [{"key": "JWT_SECRET", "services": [], "length": 64, "format": "hex"}]
    with pytest.raises(ResourceError, match="different values in api, worker"):
        run_app_env(secrets_params(generate=generate, env={"OTHER": "x"}), False, Secrets(), platform)
    assert not [call for call in platform.calls if call[0] in ("put", "delete")]


def test_check_mode_predicts_a_generated_key_and_writes_nothing(tmp_path):
    platform = FakePlatform({"api": {}, "worker": {}})
    generate = [{"key": "SECRET_KEY_BASE", "services": [], "length": 128, "format": "hex"}]
    result = run_app_env(params(tmp_path, env={}, services=["api", "worker"], generate=generate), True, Secrets(), platform)
    assert result["changed"] is True
    assert [view["set_keys"] for view in result["services"]] == [["SECRET_KEY_BASE"], ["SECRET_KEY_BASE"]]
    assert platform.envs == {"api": {}, "worker": {}}
    assert not (tmp_path / "scoop" / "redis.json").exists()


def test_a_created_generated_key_is_recorded_as_absent_before_the_write(tmp_path):
    record = str(tmp_path / "scoop" / "redis.json")
    platform = FakePlatform({"api": {}, "worker": {}}, record=record)
    generate = [{"key": "JWT_SECRET", "services": [], "length": 32, "format": "urlsafe"}]
    run_app_env(params(tmp_path, env={}, services=["api", "worker"], generate=generate), False, Secrets(), platform)
    assert platform.record_at_write[0]["services"]["api"] == {"JWT_SECRET": None}
    assert len(platform.envs["api"]["JWT_SECRET"]) == 32


@pytest.mark.parametrize("generate, message", [
    ([{"key": "REDIS_URL", "services": [], "length": 64, "format": "hex"}], "both generated and given"),
    ([{"key": "JWT", "services": ["elsewhere"], "length": 64, "format": "hex"}], "not in redis_services"),
    ([{"key": "JWT", "services": [], "length": 64, "format": "hex"}] * 2, "more than once"),
    ([{"key": "JWT", "services": [], "length": 8, "format": "hex"}], "JWT: a generated secret needs .* 16 to 4096"),
    ([{"key": "JWT", "services": [], "length": 64, "format": "words"}], "not 'words'"),
])
def test_bad_generate_entries_fail_before_any_call(generate, message):
    platform = FakePlatform({"web": {}, "worker": {}})
    with pytest.raises(ValueError, match=message):
        run_app_env(params(generate=generate), False, Secrets(), platform)
    assert platform.calls == []


def test_service_env_adds_keys_to_one_service_only():
    platform = FakePlatform({"web": {}, "worker": {}})
    run_app_env(params(service_env={"web": {"VITE_SENTRY_DSN": NEW}}), False, Secrets(), platform)
    assert platform.envs == {"web": {"REDIS_URL": NEW, "VITE_SENTRY_DSN": NEW}, "worker": {"REDIS_URL": NEW}}


def test_service_env_for_a_service_not_listed_fails_before_any_call():
    platform = FakePlatform({"web": {}})
    with pytest.raises(ValueError, match="not in redis_services: frontend"):
        run_app_env(params(service_env={"frontend": {"VITE_SENTRY_DSN": NEW}}), False, Secrets(), platform)
    assert platform.calls == []


def test_the_commit_key_gets_each_services_latest_commit_and_an_unknown_one_is_left_and_named():
    platform = DeployedPlatform({"web": {}, "worker": {"SENTRY_RELEASE": "old"}}, {"web": "abc123"})
    result = run_app_env(params(env={}, commit_env_key="SENTRY_RELEASE"), False, Secrets(), platform)
    assert platform.envs == {"web": {"SENTRY_RELEASE": "abc123"}, "worker": {"SENTRY_RELEASE": "old"}}
    assert any("SENTRY_RELEASE left as it is in worker" in warning for warning in result["warnings"])


@pytest.mark.parametrize("fmt, alphabet", [
    ("hex", "0123456789abcdef"),
    ("alphanumeric", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    ("urlsafe", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
    ("base64", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"),
])
def test_generated_secrets_have_the_length_and_alphabet_asked_for(fmt, alphabet):
    values = {generate_secret(65, fmt) for _attempt in range(3)}
    assert len(values) == 3
    assert all(len(value) == 65 and set(value) <= set(alphabet) for value in values)


def test_commit_from_gives_every_service_the_release_of_one_service():
    platform = DeployedPlatform({"web": {}, "worker": {}}, {"web": "abc123", "worker": "def456"})
    run_app_env(params(env={}, commit_env_key="SENTRY_RELEASE", commit_from="web"), False, Secrets(), platform)
    assert platform.envs == {"web": {"SENTRY_RELEASE": "abc123"}, "worker": {"SENTRY_RELEASE": "abc123"}}
    assert ("commit", "worker") not in platform.calls


def test_commit_from_a_service_not_listed_fails_before_any_call():
    platform = DeployedPlatform({"web": {}}, {})
    with pytest.raises(ValueError, match="commit_from names api"):
        run_app_env(params(env={}, commit_env_key="SENTRY_RELEASE", commit_from="api"), False, Secrets(), platform)
    assert platform.calls == []


def render_env(api):
    platform = RenderEnv.__new__(RenderEnv)
    platform.client = RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))
    platform.owner = None
    return platform


@pytest.mark.parametrize("deploys, commit", [
    ([{"deploy": {"id": "dep-2", "status": "live", "commit": {"id": "abc123", "message": "m"}}, "cursor": "c"}], "abc123"),
    ([{"deploy": {"id": "dep-2", "status": "live", "image": {"ref": "docker.io/app:1"}}, "cursor": "c"}], None),
    ([], None),
])
def test_render_reads_the_commit_of_the_latest_deploy_from_one_page_of_one(deploys, commit):
    api = FakeSession().on("GET", "/services/srv-1/deploys", reply(200, deploys))
    assert render_env(api).commit({"id": "srv-1", "name": "web"}) == commit
    assert [(call.path, call.params) for call in api.calls] == [("/services/srv-1/deploys", {"limit": 1})]


# -- check mode as a plan: values known only after a create, and what earlier tasks planned
def test_check_mode_plans_a_key_whose_value_is_known_after_apply_and_shows_it_so():
    platform = FakePlatform({"web": {"REDIS_URL": OLD, "SECRET": "keep-me"}, "worker": {}})
    result = run_app_env(params(env={"REDIS_URL": KNOWN_AFTER_APPLY}), True, Secrets(), platform)
    assert result["changed"] is True
    assert [view["set_keys"] for view in result["services"]] == [["REDIS_URL"], ["REDIS_URL"]]
    assert [view["known_after_apply"] for view in result["services"]] == [["REDIS_URL"], ["REDIS_URL"]]
    assert result["diff"]["after"] == {"web": {"REDIS_URL": KNOWN_AFTER_APPLY}, "worker": {"REDIS_URL": KNOWN_AFTER_APPLY}}
    assert not [call for call in platform.calls if call[0] in ("put", "delete")]


def test_a_real_run_refuses_the_stand_in_before_any_call():
    platform = FakePlatform({"web": {}, "worker": {}})
    with pytest.raises(ValueError, match=r"REDIS_URL is '\(known after apply\)'.*nothing was written"):
        run_app_env(params(env={"REDIS_URL": KNOWN_AFTER_APPLY}), False, Secrets(), platform)
    assert platform.calls == []


def test_a_later_check_mode_task_reads_what_an_earlier_one_planned():
    """The worker phase copies the web service's env: after the redis phase planned the web service's
    REDIS_URL, the copy into a worker that already has that value changes nothing, as in the real run."""
    platform = FakePlatform({"web": {"REDIS_URL": "redis://drifted"}, "worker": {"REDIS_URL": NEW}})
    first = run_app_env(params(services=["web"]), True, Secrets(), platform)
    assert first["changed"] is True and platform.envs["web"] == {"REDIS_URL": "redis://drifted"}
    copied = run_app_env(params(services=["worker"], env={}, copy_from="web", copy_overwrite=["worker"]), True,
                         Secrets(), platform)
    assert copied["changed"] is False
