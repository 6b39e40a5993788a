"""The Upstash REST API of each database, on its real redis-server; Vercel-integration databases."""
from __future__ import annotations

from typing import Any

import requests

from conftest import Sandbox, redis_call
from sandbox.app_checks import rest_command


def rest(url: str, method: str, path: str, token: str | None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url + path, headers=headers, timeout=10, **kwargs)


def test_developer_api_database_answers_rest_on_its_redis(sbx: Sandbox) -> None:
    database = sbx.create_database("rest")
    url, token = database["rest_url"], database["rest_token"]
    assert url == f"{sbx.url}/upstash-rest/{database['database_id']}"
    assert rest(url, "GET", "/set/greeting/hello", token, params={"EX": "100"}).json() == {"result": "OK"}
    tls = f"rediss://default:{database['password']}@{database['endpoint']}:{database['port']}"
    assert redis_call(tls, "GET", "greeting", ca=sbx.ca) == "hello"
    assert 0 < redis_call(tls, "TTL", "greeting", ca=sbx.ca) <= 100
    assert rest(url, "GET", "/get/greeting", None, params={"_token": token}).json() == {"result": "hello"}
    assert rest(url, "POST", "/set/doc", token, data='{"a": 1}').json() == {"result": "OK"}
    assert rest(url, "POST", "/", token, json=["GET", "doc"]).json() == {"result": '{"a": 1}'}
    assert rest(url, "POST", "/", token, json=["SET", "n", 5, "EX", 10]).json() == {"result": "OK"}
    assert rest(url, "GET", "/get/missing", token).json() == {"result": None}
    failed = rest(url, "POST", "/", token, json=["INCR", "greeting"])
    assert failed.status_code == 400 and "not an integer" in failed.json()["error"]


def test_pipeline_multi_exec_and_eval(sbx: Sandbox) -> None:
    database = sbx.create_database("rest")
    url, token = database["rest_url"], database["rest_token"]
    pipeline = rest(url, "POST", "/pipeline", token, json=[["INCR", "c"], ["INCRBY", "c", 2], ["HGET", "c", "x"]])
    assert pipeline.status_code == 200
    assert pipeline.json()[:2] == [{"result": 1}, {"result": 3}] and "WRONGTYPE" in pipeline.json()[2]["error"]
    multi = rest(url, "POST", "/multi-exec", token, json=[["SET", "t", "1"], ["INCR", "t"], ["GET", "t"]])
    assert multi.json() == [{"result": "OK"}, {"result": 2}, {"result": "2"}]
    aborted = rest(url, "POST", "/multi-exec", token, json=[["SET", "u", "1"], ["NOSUCH"]])
    assert aborted.status_code == 400 and rest(url, "GET", "/get/u", token).json() == {"result": None}
    script = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    assert rest(url, "POST", "/", token, json=["EVAL", script, "1", "e", "5"]).json() == {"result": 5}
    sha = rest(url, "POST", "/", token, json=["SCRIPT", "LOAD", script]).json()["result"]
    assert rest(url, "POST", "/", token, json=["EVALSHA", sha, "1", "e", "2"]).json() == {"result": 7}


def test_tokens_and_methods(sbx: Sandbox) -> None:
    database = sbx.create_database("rest")
    url = database["rest_url"]
    rest(url, "GET", "/set/k/v", database["rest_token"])
    for token in (None, "wrong", database["password"]):
        refused = rest(url, "GET", "/get/k", token)
        assert refused.status_code == 401 and refused.json() == {"error": "WRONGPASS invalid or missing auth token"}
    read_only = database["read_only_rest_token"]
    assert rest(url, "GET", "/get/k", read_only).json() == {"result": "v"}
    write = rest(url, "POST", "/", read_only, json=["SET", "k", "other"])
    assert write.status_code == 400 and write.json()["error"].startswith("NOPERM")
    assert rest(url, "POST", "/", read_only, json=["EVAL", "return 1", "0"]).status_code == 400
    assert rest(url, "GET", "/get/k", database["rest_token"]).json() == {"result": "v"}
    assert rest(url, "DELETE", "/get/k", database["rest_token"]).status_code == 405
    rotated = sbx.upstash("POST", f"/redis/reset-password/{database['database_id']}").json()
    assert rest(url, "GET", "/get/k", database["rest_token"]).status_code == 401
    assert rest(url, "GET", "/get/k", rotated["rest_token"]).json() == {"result": "v"}
    assert rest(url, "GET", "/get/k", rotated["read_only_rest_token"]).json() == {"result": "v"}


def test_vercel_integration_database_is_invisible_to_the_developer_api(sbx: Sandbox) -> None:
    made = sbx.control("POST", "/upstash/integration-databases", json={
        "database_name": "cloudgreet-redis", "endpoint": "cloudgreet-redis-iad1", "primary_region": "us-east-1",
        "password": "vault-password-1", "rest_token": "vault-rest-token-1"})
    assert made["via"] == "vercel" and made["rest_url"] == f"{sbx.url}/upstash-rest/cloudgreet-redis-iad1"
    assert redis_call(made["redis_url"], "PING", ca=sbx.ca) in (True, "PONG")
    assert rest(made["rest_url"], "GET", "/ping", "vault-rest-token-1").json() == {"result": "PONG"}
    assert sbx.upstash("GET", "/redis/databases").json() == []
    assert sbx.upstash("GET", f"/redis/database/{made['database_id']}").status_code == 404
    assert sbx.upstash("DELETE", f"/redis/database/{made['database_id']}").status_code == 404
    again = sbx.control("GET", "/upstash/integration-databases/cloudgreet-redis")
    assert again["database_id"] == made["database_id"] and again["redis_url"] == made["redis_url"]


def test_faults_pass_by_the_stand_in_apps_own_rest_calls(sbx: Sandbox) -> None:
    """Injected faults reach the collection's calls to the REST API, not a stand-in app's own (its rate
    limiter's): those carry the app-traffic header."""
    made = sbx.control("POST", "/upstash/integration-databases", json={
        "database_name": "faulted-redis", "endpoint": "faulted-redis-iad1", "rest_token": "vault-rest-token-2"})
    sbx.control("POST", "/faults", json={"seed": 1, "rate": 1.0, "kinds": ["503"]})
    try:
        assert rest(made["rest_url"], "POST", "/", "vault-rest-token-2", json=["PING"]).status_code == 503
        assert rest_command(made["rest_url"], "vault-rest-token-2", "PING") == "PONG"
    finally:
        sbx.control("DELETE", "/faults")
