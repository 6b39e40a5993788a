# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Render client: cursor lists, workspaces, services and key-level env vars."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.render import client as render_client
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import DuplicateResource, ResourceError
from launchkit_fakes import FakeSession, make_http, render_pages, reply


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


def owner(id_, name, email=None):
    return {"id": id_, "name": name, "email": email or f"{name.lower()}@example.test", "type": "team"}


def service(id_, name, type_="web_service"):
    return {"id": id_, "name": name, "type": type_, "ownerId": "tea-1"}


# ------------------------------------------------------------------------------ lists (through services())
def test_list_asks_for_100_per_page():
    api = FakeSession().on("GET", "/services", render_pages("service", [service("srv-1", "a")]))
    render(api).services("tea-1")
    assert [c.params for c in api.calls] == [{"ownerId": "tea-1", "limit": 100}]


def test_list_follows_the_last_cursor_until_a_short_page(monkeypatch):
    monkeypatch.setattr(render_client, "PAGE_LIMIT", 2)
    services = [service(f"srv-{i}", f"s{i}") for i in range(5)]
    api = FakeSession().on("GET", "/services", render_pages("service", services, page_size=100))

    found = render(api).services("tea-1")

    assert [s["id"] for s in found] == [f"srv-{i}" for i in range(5)]
    assert [c.params for c in api.calls] == [
        {"ownerId": "tea-1", "limit": 2},
        {"ownerId": "tea-1", "limit": 2, "cursor": "cur-1"},
        {"ownerId": "tea-1", "limit": 2, "cursor": "cur-3"},
    ]


def test_list_stops_at_an_empty_page_after_a_full_one(monkeypatch):
    monkeypatch.setattr(render_client, "PAGE_LIMIT", 2)
    services = [service(f"srv-{i}", f"s{i}") for i in range(4)]
    api = FakeSession().on("GET", "/services", render_pages("service", services, page_size=100))
    assert len(render(api).services("tea-1")) == 4
    assert len(api.calls) == 3


def test_list_stops_when_the_server_repeats_a_cursor(monkeypatch):
    monkeypatch.setattr(render_client, "PAGE_LIMIT", 1)
    same_page = reply(200, [{"service": service("srv-1", "a"), "cursor": "stuck"}])
    api = FakeSession().on("GET", "/services", same_page)
    found = render(api).services("tea-1")
    assert len(api.calls) == 2
    assert {s["id"] for s in found} == {"srv-1"}


def test_list_of_an_empty_collection_makes_one_call():
    api = FakeSession().on("GET", "/services", reply(200, []))
    assert render(api).services("tea-1") == []
    assert len(api.calls) == 1


# ------------------------------------------------------------------------------------------- owner_id()
def test_owner_id_given_as_id_needs_no_call():
    api = FakeSession()
    assert render(api).owner_id("tea-abc") == "tea-abc"
    assert render(api).owner_id("usr-abc") == "usr-abc"
    assert api.calls == []


def test_owner_id_defaults_to_the_only_workspace():
    api = FakeSession().on("GET", "/owners", render_pages("owner", [owner("tea-1", "Acme")]))
    assert render(api).owner_id(None) == "tea-1"


def test_owner_id_by_name_or_email():
    owners = [owner("tea-1", "Acme"), owner("tea-2", "Beta", "ops@beta.test")]
    api = FakeSession().on("GET", "/owners", render_pages("owner", owners))
    assert render(api).owner_id("Acme") == "tea-1"
    assert render(api).owner_id("ops@beta.test") == "tea-2"


def test_owner_id_must_be_chosen_when_several_workspaces_are_visible():
    owners = [owner("tea-1", "Acme"), owner("tea-2", "Beta")]
    api = FakeSession().on("GET", "/owners", render_pages("owner", owners))
    with pytest.raises(ResourceError, match=r"several workspaces \(Acme \(tea-1\), Beta \(tea-2\)\)"):
        render(api).owner_id(None)


def test_unknown_owner_name_fails():
    api = FakeSession().on("GET", "/owners", render_pages("owner", [owner("tea-1", "Acme")]))
    with pytest.raises(ResourceError, match="no workspace named 'Nope'"):
        render(api).owner_id("Nope")


# ------------------------------------------------------------------------------------------- services
def test_services_lists_the_workspace_and_matches_names_and_types_exactly():
    listed = [service("srv-1", "web"), service("srv-2", "web-staging"), service("srv-3", "web", "cron_job")]
    api = FakeSession().on("GET", "/services", render_pages("service", listed))
    found = render(api).services("tea-1", ["web"], ["web_service"])
    assert [s["id"] for s in found] == ["srv-1"]
    # the workspace's whole list, read once per run and filtered here
    assert api.calls[0].params == {"ownerId": "tea-1", "limit": 100}


def test_service_by_id_reads_it_directly():
    api = FakeSession().on("GET", "/services/srv-9", reply(200, service("srv-9", "api")))
    assert render(api).service("tea-1", "srv-9")["name"] == "api"
    assert [c.path for c in api.calls] == ["/services/srv-9"]


def test_service_by_name_must_be_unique():
    api = FakeSession().on("GET", "/services", render_pages("service", [service("srv-1", "web"),
                                                                        service("srv-2", "web")]))
    with pytest.raises(DuplicateResource, match="srv-1, srv-2"):
        render(api).service("tea-1", "web")


def test_missing_service_by_name_fails():
    api = FakeSession().on("GET", "/services", reply(200, []))
    with pytest.raises(ResourceError, match="no service named 'web' in workspace tea-1"):
        render(api).service("tea-1", "web")


# ------------------------------------------------------------------------------------------- env vars
def test_env_vars_reads_every_page_into_a_dict(monkeypatch):
    monkeypatch.setattr(render_client, "PAGE_LIMIT", 2)
    items = [{"key": f"K{i}", "value": f"v{i}"} for i in range(3)]
    api = FakeSession().on("GET", "/services/srv-1/env-vars", render_pages("envVar", items, page_size=2))
    assert render(api).env_vars("srv-1") == {"K0": "v0", "K1": "v1", "K2": "v2"}


def test_env_vars_are_written_key_by_key():
    api = (FakeSession()
           .on("PUT", "/services/srv-1/env-vars/REDIS_URL", reply(200, {"key": "REDIS_URL", "value": "x"}))
           .on("DELETE", "/services/srv-1/env-vars/OLD", reply(404, {"id": "not_found", "message": "gone"})))
    client = render(api)
    client.put_env_var("srv-1", "REDIS_URL", "redis://x")
    client.delete_env_var("srv-1", "OLD")  # already gone: not an error
    assert [(c.method, c.path, c.json) for c in api.calls] == [
        ("PUT", "/services/srv-1/env-vars/REDIS_URL", {"value": "redis://x"}),
        ("DELETE", "/services/srv-1/env-vars/OLD", None),
    ]
    assert not api.to("PUT", "/services/srv-1/env-vars")  # never the whole-set PUT
