# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""redis/check: the policy judgement, and every step of run_checks against a fake Redis client (the
redis-py calls the check makes), with a fake clock so no test waits."""
from __future__ import annotations

import pytest
import redis
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.launchkit.paas.plugins.module_utils.redis import check
from ansible_collections.launchkit.paas.plugins.module_utils.redis.check import policy_fits
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock

PASSWORD = "rd-s3cret-77"
URL = f"rediss://default:{PASSWORD}@cache.internal:6380"


# ------------------------------------------------------------------------------------------ policy_fits
@pytest.mark.parametrize("use, policy, fits", [
    ("queue", "noeviction", True),
    ("queue", "allkeys-lru", False),
    ("queue", "volatile-lru", False),
    ("cache", "allkeys-lru", True),
    ("cache", "volatile-lfu", True),
    ("cache", "noeviction", False),
    ("cache", "allkeys-random", True),  # Upstash evicts at random only: accepted, with a warning
    ("cache", "volatile-ttl", False),
    ("any", "allkeys-random", True),
    ("any", None, True),
    ("queue", None, None),
    ("cache", None, None),
])
def test_policy_fits(use, policy, fits):
    assert policy_fits(use, policy)[0] is fits


def test_policy_misfit_for_a_queue_says_why():
    fits, reason = policy_fits("queue", "allkeys-lru")
    assert fits is False
    assert "allkeys-lru" in reason and "noeviction" in reason and "drops queued jobs" in reason


# ------------------------------------------------------------------------------------------------ fakes
class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> Clock:
        return Clock(now=lambda: self.now, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakePubSub:
    """Delivers what was published on its channel; an empty read blocks for its whole timeout."""

    def __init__(self, server: "FakeRedis") -> None:
        self.server = server
        self.channel = None
        self.inbox: list[dict] = []
        self.closed = False

    def subscribe(self, channel: str) -> None:
        self.channel = channel
        self.server.subscribers.append(self)

    def get_message(self, timeout: float = 0.0):
        if self.inbox:
            return self.inbox.pop(0)
        self.server.time.now += timeout
        return None

    def close(self) -> None:
        self.closed = True


class FakeRedis:
    """The redis-py client calls the check makes, recorded; a Redis with a dict for its keys."""

    def __init__(self, time: FakeTime, policy: str | None = "noeviction", deliver: bool = True,
                 fail_on: str | None = None) -> None:
        self.time = time
        self.policy = policy
        self.deliver = deliver
        self.fail_on = fail_on
        self.keys: dict[str, str] = {}
        self.ttls: dict[str, int] = {}
        self.calls: list[str] = []
        self.subscribers: list[FakePubSub] = []
        self.closed = False
        self.options: dict = {}

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name == self.fail_on:
            raise redis.exceptions.ConnectionError(f"Error connecting with password {PASSWORD}")

    def ping(self):
        self._call("ping")
        return True

    def info(self, section):
        self._call("info")
        return {"redis_version": "7.2.4"}

    def set(self, key, value, ex=None):
        self._call("set")
        self.keys[key], self.ttls[key] = value, ex

    def get(self, key):
        self._call("get")
        return self.keys.get(key)

    def ttl(self, key):
        self._call("ttl")
        return self.ttls.get(key, -2)

    def delete(self, key):
        self._call("delete")
        self.keys.pop(key, None)

    def pubsub(self, ignore_subscribe_messages=False):
        self._call("pubsub")
        return FakePubSub(self)

    def publish(self, channel, message):
        self._call("publish")
        for subscriber in self.subscribers:
            if self.deliver and subscriber.channel == channel:
                subscriber.inbox.append({"type": "message", "channel": channel, "data": message})

    def config_get(self, name):
        self._call("config_get")
        if self.policy is None:
            raise redis.exceptions.ResponseError("ERR unknown command 'CONFIG'")
        return {name: self.policy}

    def close(self):
        self.closed = True


def params(**overrides) -> dict:
    validated = ArgumentSpecValidator(check.ARGUMENT_SPEC).validate({"url": URL, **overrides})
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


@pytest.fixture
def time():
    return FakeTime()


def serve(monkeypatch, server: FakeRedis) -> FakeRedis:
    def from_url(url, **options):
        server.options = {"url": url, **options}
        return server

    monkeypatch.setattr(check.redis.Redis, "from_url", from_url)
    return server


# ------------------------------------------------------------------------------------------ run_checks
def test_a_queue_redis_passes_every_check_and_keeps_nothing(monkeypatch, time):
    server = serve(monkeypatch, FakeRedis(time))
    secrets = Secrets()
    result = check.run_checks(params(use="queue"), False, secrets, clock=time.clock())
    report = result["redis"]
    assert result["changed"] is False and result["warnings"] == []
    assert report["ping"] and report["set_get"] and report["ttl_ok"] and report["pubsub"]
    assert report["ttl"] == 30 and report["server_version"] == "7.2.4" and report["skipped"] == []
    assert (report["maxmemory_policy"], report["policy_source"], report["policy_fits"]) == (
        "noeviction", "server", True)
    assert set(report["latency_ms"]) == {"ping", "set", "get", "pubsub"}
    assert server.keys == {} and server.calls[-1] == "delete" and server.closed
    assert all(subscriber.closed for subscriber in server.subscribers)
    assert server.options["ssl_cert_reqs"] == "required" and server.options["socket_timeout"] == 5.0
    assert PASSWORD in secrets.values


def test_check_mode_writes_nothing(monkeypatch, time):
    server = serve(monkeypatch, FakeRedis(time))
    result = check.run_checks(params(), True, Secrets(), clock=time.clock())
    assert not {"set", "get", "ttl", "delete"} & set(server.calls)
    assert result["redis"]["skipped"] == ["set_get", "ttl"] and "set_get" not in result["redis"]
    assert result["redis"]["pubsub"] is True


def test_a_lost_message_fails_the_pubsub_check_once_the_timeout_has_passed(monkeypatch, time):
    serve(monkeypatch, FakeRedis(time, deliver=False))
    with pytest.raises(ResourceError) as caught:
        check.run_checks(params(timeout=2.0), False, Secrets(), clock=time.clock())
    assert str(caught.value) == "Redis check failed: pubsub"
    assert caught.value.details["redis"]["pubsub"] is False
    assert 4.0 <= time.now <= 4.0 + check.LISTEN_STEP + 1e-9  # the confirmation read, then the 2 s wait
    assert sum(time.sleeps) == 0  # each read blocks; the loop itself never sleeps


def test_a_queue_on_an_evicting_redis_fails_saying_why(monkeypatch, time):
    serve(monkeypatch, FakeRedis(time, policy="allkeys-lru"))
    with pytest.raises(ResourceError) as caught:
        check.run_checks(params(use="queue", pubsub=False), False, Secrets(), clock=time.clock())
    assert str(caught.value).startswith("Redis check failed: maxmemory_policy (maxmemory-policy is allkeys-lru")
    assert caught.value.details["redis"]["policy_fits"] is False


def test_a_hidden_config_falls_back_to_the_declared_policy_or_warns(monkeypatch, time):
    serve(monkeypatch, FakeRedis(time, policy=None))
    declared = check.run_checks(params(use="cache", maxmemory_policy="allkeys_random"), False, Secrets(),
                                clock=time.clock())
    assert (declared["redis"]["maxmemory_policy"], declared["redis"]["policy_source"]) == (
        "allkeys-random", "declared")
    assert declared["warnings"] == [check.SECOND_BEST["allkeys-random"]]
    unknown = check.run_checks(params(use="cache"), False, Secrets(), clock=time.clock())
    assert unknown["redis"]["policy_source"] == "unknown" and unknown["redis"]["policy_fits"] is None
    assert unknown["warnings"] and "could not be read" in unknown["warnings"][0]


def test_a_redis_error_names_the_server_never_the_password(monkeypatch, time):
    server = serve(monkeypatch, FakeRedis(time, fail_on="get"))
    with pytest.raises(ResourceError) as caught:
        check.run_checks(params(), False, Secrets(), clock=time.clock())
    message = str(caught.value)
    assert message.startswith("Redis check of cache.internal:6380 failed: ConnectionError: ")
    assert PASSWORD not in message and "********" in message
    assert server.calls[-1] == "delete" and server.closed


def test_plain_redis_urls_get_no_tls_options(monkeypatch, time):
    server = serve(monkeypatch, FakeRedis(time))
    check.run_checks(params(url="redis://:pw-1234@127.0.0.1:6379", pubsub=False), True, Secrets(),
                     clock=time.clock())
    assert "ssl_cert_reqs" not in server.options and server.options["decode_responses"] is True


# ------------------------------------------------------------------------------------------- check_url
@pytest.mark.parametrize("url", [URL, "redis://default:pw@127.0.0.1:6379/0", "redis://127.0.0.1",
                                 "rediss://:pw@fly-cache.upstash.io", "(known after apply)"])
def test_check_url_accepts_redis_urls_and_the_check_mode_stand_in(url):
    check.check_url({"url": url})


@pytest.mark.parametrize("url, message", [
    (f"https://default:{PASSWORD}@cache.internal:6380", "not a https:// URL"),
    (f"default:{PASSWORD}@cache.internal:6380", "not a text without redis://"),
    ("", "must start with redis:// or rediss://"),
    (f"redis://default:{PASSWORD}@cache.internal:port", "port that is not a number"),
    (f"redis://default:{PASSWORD}@cache.internal:70000", "port that is not a number"),
    (f"rediss://default:{PASSWORD}@:6379", "has no host"),
    (f"redis://default:{PASSWORD}@cache.internal:6379/queue", "database number"),
])
def test_check_url_refuses_what_is_no_redis_url_without_quoting_it(url, message):
    with pytest.raises(ValueError, match=message) as caught:
        check.check_url({"url": url})
    assert PASSWORD not in str(caught.value) and "cache.internal" not in str(caught.value)


def test_the_module_checks_the_url_before_any_connection(monkeypatch, time):
    from ansible_collections.launchkit.paas.plugins.modules.redis_check import MODULE
    from ansible_collections.launchkit.paas.plugins.module_utils.core.module import outcome

    server = serve(monkeypatch, FakeRedis(time))
    result, _masked = outcome(MODULE, params(url=f"http://default:{PASSWORD}@cache.internal:6380"), False, False)
    assert result["failed"] and "redis:// or rediss://" in result["msg"]
    assert server.calls == []
