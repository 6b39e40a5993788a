# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core.cache: the tasks of a run share list answers until a write, and never an answer marked uncacheable."""
from __future__ import annotations

import os
import stat
import threading

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core import cache
from ansible_collections.launchkit.paas.plugins.module_utils.core.cache import RunCache
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient

from launchkit_fakes import BASE_URL, FakeSession, make_http, no_sleep_policy, render_pages, reply


@pytest.fixture
def run_dir(tmp_path):
    cache.use_directory(str(tmp_path))
    yield tmp_path
    cache.use_directory(None)


def test_without_a_run_directory_there_is_no_cache():
    assert make_http(FakeSession()).cache is None


def test_a_cacheable_answer_is_shared_until_a_write(run_dir):
    session = FakeSession().on("GET", "/things", reply(200, [1, 2])).on("POST", "/things", reply(201, {}))
    first, second = make_http(session), make_http(session)  # two tasks of one run
    assert first.get("/things", params={"limit": 10}, cache=True) == [1, 2]
    assert second.get("/things", params={"limit": 10}, cache=True) == [1, 2]
    assert len(session.to("GET", "/things")) == 1
    second.request("POST", "/things", json_body={"name": "x"})
    assert first.get("/things", params={"limit": 10}, cache=True) == [1, 2]
    assert len(session.to("GET", "/things")) == 2


def test_an_answer_not_marked_cacheable_is_always_asked(run_dir):
    session = FakeSession().on("GET", "/env", reply(200, {"SECRET": "value"}))
    http = make_http(session)
    http.get("/env")
    http.get("/env")
    assert len(session.calls) == 2
    assert "value" not in "".join(p.read_text() for p in run_dir.rglob("*") if p.is_file())


def test_other_queries_and_other_credentials_are_other_answers(run_dir):
    session = FakeSession().on("GET", "/things", reply(200, []))
    make_http(session).get("/things", params={"page": 1}, cache=True)
    make_http(session).get("/things", params={"page": 2}, cache=True)
    make_http(session, headers={"Authorization": "Bearer other"}).get("/things", params={"page": 1}, cache=True)
    assert len(session.calls) == 3


def test_an_answer_read_before_a_write_and_stored_after_it_never_serves(run_dir):
    store = RunCache(str(run_dir), "acme", BASE_URL, "token")
    seen = store.generation()  # a slow task asks...
    store.invalidate()         # ...another task writes meanwhile...
    store.put("/things", None, seen, {"headers": {}, "body": ["stale"]})  # ...and the slow one stores its answer
    assert store.get("/things", None) == (False, None)


def test_the_files_are_private(run_dir):
    session = FakeSession().on("GET", "/things", reply(200, []))
    make_http(session).get("/things", cache=True)
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)


def test_pages_keep_their_link_header(run_dir):
    link = '<https://x/?cursor=2>; rel="next"; results="true"; cursor="2"'
    session = FakeSession().on("GET", "/list", reply(200, [1], headers={"Link": link, "Set-Cookie": "s=1"}))
    make_http(session).request("GET", "/list", cache=True)
    cached = make_http(session).request("GET", "/list", cache=True)
    assert cached.headers == {"Link": link} and cached.body == [1]
    assert len(session.calls) == 1


def test_render_lists_its_workspace_once_per_run_for_every_name(run_dir):
    listed = [{"id": "srv-1", "name": "web", "type": "web_service"},
              {"id": "srv-2", "name": "worker", "type": "background_worker"}]
    session = (FakeSession().on("GET", "/owners", render_pages("owner", [{"id": "tea-1", "name": "Acme"}]))
               .on("GET", "/services", render_pages("service", listed)))

    def client() -> RenderClient:
        return RenderClient.from_params({"api_url": BASE_URL, "api_key": "rnd_x", "timeout": 5.0,
                                         "validate_certs": True}, session=session, retry=no_sleep_policy())
    assert client().service(client().owner_id(None), "web")["id"] == "srv-1"
    assert client().service(client().owner_id(None), "worker")["id"] == "srv-2"
    assert [call.path for call in session.calls] == ["/owners", "/services"]


def test_env_values_are_never_kept_only_keyed_digests_shared_until_a_write(run_dir):
    secret = "redis://default:kept-nowhere-pw@h:1"
    session = (FakeSession().on("GET", "/services/srv-1/env-vars",
                                render_pages("envVar", [{"key": "REDIS_URL", "value": secret}]))
               .on("PUT", "/services/srv-1/env-vars/OTHER", reply(200, {"value": "x"})))

    def client() -> RenderClient:
        return RenderClient.from_params({"api_url": BASE_URL, "api_key": "rnd_x", "timeout": 5.0,
                                         "validate_certs": True}, session=session, retry=no_sleep_policy())
    digests, values = client().env_digests("srv-1")
    assert values == {"REDIS_URL": secret}
    again, unread = client().env_digests("srv-1")  # another task of the run
    assert again == digests and unread is None
    assert digests["REDIS_URL"] == client().env_digest(secret) != client().env_digest(secret + "x")
    assert len(session.to("GET", "/services/srv-1/env-vars")) == 1
    assert secret not in "".join(p.read_bytes().decode("latin-1") for p in run_dir.rglob("*") if p.is_file())
    client().put_env_var("srv-1", "OTHER", "x")
    assert client().env_digests("srv-1")[1] == {"REDIS_URL": secret}  # read again after the write
    assert len(session.to("GET", "/services/srv-1/env-vars")) == 2


def test_workers_racing_for_the_digest_key_all_read_the_one_whole_key(tmp_path):
    """Many tasks of a run ask for the key at once (one per host): each gets the same 32-byte key, never a file
    another worker has made but not yet written."""
    stores = [RunCache(str(tmp_path), "render", "https://api.test", "key") for _worker in range(16)]
    keys: list[bytes] = []
    start = threading.Barrier(len(stores))

    def ask(store):
        start.wait()
        keys.append(store.digest_key())
    threads = [threading.Thread(target=ask, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 16 and len(set(keys)) == 1 and len(keys[0]) == 32
    assert [name for name in os.listdir(stores[0].root) if name.startswith(".digest.key.")] == []
