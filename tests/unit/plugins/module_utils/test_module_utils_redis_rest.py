# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""redis/rest: redis_check's REST mode against a fake Upstash REST API at the transport level (the real
HTTP core runs): the requests as Upstash documents them, the rate limiter's figures, the read-only token,
check mode, and that no token or URL reaches a message."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.redis import rest
from ansible_collections.launchkit.paas.plugins.module_utils.redis.check import check_url
from tests.unit.launchkit_fakes import FakeSession, no_sleep_policy, reply

REST_URL = "https://cloudgreet-redis-iad1.upstash.io"
TOKEN = "AXrest-token-5511"
READONLY = "AXro-token-9044"


class FakeUpstashRest(FakeSession):
    """One database: a dict store; EVAL runs the sliding window the check sends, in Python."""

    def __init__(self, readonly_refuses: bool = True) -> None:
        super().__init__(REST_URL)
        self.store: dict[str, object] = {}
        self.windows: dict[str, int] = {}
        self.readonly_refuses = readonly_refuses
        self.on("POST", "", self._one)
        self.on("POST", "/pipeline", lambda call: reply(200, [self._run(c, call) for c in call.json]))

    def _one(self, call):
        if call.headers.get("Authorization") not in (f"Bearer {TOKEN}", f"Bearer {READONLY}"):
            return reply(401, {"error": "WRONGPASS invalid or missing auth token"})
        answer = self._run(call.json, call)
        return reply(400 if "error" in answer else 200, answer)

    def _run(self, command, call):
        name, *args = command
        name = name.upper()
        if call.headers.get("Authorization") == f"Bearer {READONLY}" and name not in ("PING", "GET") \
                and self.readonly_refuses:
            return {"error": f"NOPERM this user has no permissions to run the '{name.lower()}' command"}
        if name == "PING":
            return {"result": "PONG"}
        if name == "SET":
            self.store[args[0]] = args[1]
            return {"result": "OK"}
        if name == "GET":
            return {"result": self.store.get(args[0])}
        if name == "TTL":
            return {"result": 30}
        if name == "INCR":
            self.store[args[0]] = int(self.store.get(args[0], 0)) + 1
            return {"result": self.store[args[0]]}
        if name in ("EXPIRE", "DEL"):
            return {"result": 1}
        if name == "EVAL":
            assert "ZREMRANGEBYSCORE" in args[0] and args[1] == "1"
            key, limit = args[2], int(args[5])
            count = self.windows.get(key, 0)
            if count < limit:
                self.windows[key] = count + 1
                return {"result": [1, limit - count - 1]}
            return {"result": [0, 0]}
        return {"error": f"ERR unknown command '{name}'"}


def params(**extra):
    return {"rest_url": REST_URL, "rest_token": TOKEN, "rest_readonly_token": READONLY, "ttl": 30,
            "timeout": 5.0, "validate_certs": True, **extra}


def test_the_checks_a_rate_limiter_needs_pass_with_their_figures():
    fake = FakeUpstashRest()
    report = rest.run_rest_checks(params(), False, Secrets(), session=fake, retry=no_sleep_policy())
    assert report["ping"] and report["set_get"] and report["ttl_ok"] and report["incr_expire"]
    assert report["rate_limit"] == {"limit": 2, "calls": 3, "admitted": 2, "refused": 1}
    assert report["sliding_window"] is True
    assert report["readonly_refuses_write"] is True and report["readonly_error"] == "NOPERM"
    # Requests as Upstash documents them: Bearer token, JSON arrays to the base URL and /pipeline.
    assert {call.path for call in fake.calls} == {"", "/pipeline"}
    assert all(call.method == "POST" and isinstance(call.json, list) for call in fake.calls)
    assert fake.calls[0].json == ["PING"] and fake.calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    set_call = next(call for call in fake.calls if call.json[0] == "SET")
    assert set_call.json[3:] == ["EX", "30"] and set_call.json[1].startswith("launchkit:check:")
    assert fake.calls[-1].json[0] == "DEL"  # its keys removed at the end


def test_check_mode_sends_only_ping():
    fake = FakeUpstashRest()
    report = rest.run_rest_checks(params(), True, Secrets(), session=fake, retry=no_sleep_policy())
    assert [call.json for call in fake.calls] == [["PING"]]
    assert report["skipped"] == ["set_get", "incr_expire", "sliding_window", "readonly"]


def test_a_readonly_token_that_writes_fails_the_check():
    fake = FakeUpstashRest(readonly_refuses=False)
    with pytest.raises(ResourceError, match="readonly_refuses_write") as failure:
        rest.run_rest_checks(params(), False, Secrets(), session=fake, retry=no_sleep_policy())
    assert failure.value.details["redis_rest"]["readonly_refuses_write"] is False


def test_a_wrong_token_fails_naming_no_token_or_url():
    fake = FakeUpstashRest()
    with pytest.raises(ResourceError) as failure:
        rest.run_rest_checks(params(rest_token="AXwrong-token-0000"), False, Secrets(), session=fake,
                             retry=no_sleep_policy())
    message = str(failure.value)
    assert "HTTP 401" in message and "WRONGPASS" in message
    assert "AXwrong-token-0000" not in message and "upstash.io" not in message


@pytest.mark.parametrize("extra, fault", [
    ({"rest_url": "cloudgreet-redis-iad1.upstash.io"}, "not an http(s) URL"),
    ({"rest_token": None}, "rest_url needs rest_token"),
    ({"rest_url": None}, "need rest_url"),
])
def test_rest_options_are_checked_before_any_call(extra, fault):
    with pytest.raises(ValueError, match=fault.replace("(", r"\(").replace(")", r"\)")):
        check_url({"url": "redis://default:pw@127.0.0.1:6379", **params(**extra)})


def test_a_lost_answer_repeats_a_set_and_reruns_a_counting_step_on_a_new_key():
    """Resets after the request went out: SET (the same value again) is simply repeated; the INCR pipeline,
    which was applied before its answer was lost, runs again on a new key, so the counts stay exact; every
    key used is deleted at the end."""
    import requests

    fake = FakeUpstashRest()
    lost = {"SET": 1, "INCR": 1}

    def flaky(call, handler):
        name = (call.json[0] if call.path == "" else call.json[0][0]).upper()
        answer = handler(call)  # applied first: the answer is what gets lost
        if lost.get(name):
            lost[name] -= 1
            raise requests.exceptions.ConnectionError("Connection reset by peer")
        return answer

    one, pipeline = fake.routes[("POST", "")][0], fake.routes[("POST", "/pipeline")][0]
    fake.on("POST", "", lambda call: flaky(call, one))
    fake.on("POST", "/pipeline", lambda call: flaky(call, pipeline))
    report = rest.run_rest_checks(params(), False, Secrets(), session=fake, retry=no_sleep_policy())
    assert report["set_get"] and report["incr_expire"] and report["sliding_window"]
    counters = [call.json[0][1] for call in fake.calls if call.path == "/pipeline" and call.json[0][0] == "INCR"]
    assert len(counters) == 2 and counters[0] != counters[1]
    assert fake.store[counters[0]] == 2 and fake.store[counters[1]] == 2  # the first was applied, then abandoned
    assert set(counters) <= set(fake.calls[-1].json[1:])  # both deleted at the end


def test_an_unanswered_counting_step_fails_after_its_attempts_naming_the_uncertainty():
    import requests

    fake = FakeUpstashRest()
    fake.on("POST", "/pipeline", requests.exceptions.ConnectionError("Connection reset by peer"))
    with pytest.raises(ResourceError, match="may or may not have been applied") as failure:
        rest.run_rest_checks(params(), False, Secrets(), session=fake, retry=no_sleep_policy())
    assert len(fake.to("POST", "/pipeline")) == no_sleep_policy().attempts
    assert TOKEN not in str(failure.value) and "upstash.io" not in str(failure.value)
