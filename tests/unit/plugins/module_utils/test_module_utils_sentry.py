# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentry: Link pagination, error mapping, teams, projects and client keys (DSN)."""
from __future__ import annotations

import json
import time

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import DuplicateResource, ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    VENDOR, SentryClient, link_pages, parse_link_header)
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client_key import mask_dsn, run_client_key
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.project import run_project
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.team import run_team
from launchkit_fakes import FakeSession, make_http, reply

TOKEN = "sntrys_unit_test_token"
ORG = "acme"
PUBLIC_KEY = "a785682ddda742d7a8a4088810e67791"
DSN = f"https://{PUBLIC_KEY}@o1.ingest.sentry.io/4505"
PROJECTS = "/organizations/acme/projects/"


def link(path: str, cursor: str, rel: str, results: bool) -> str:
    return (f'<https://sentry.io/api/0{path}?cursor={cursor}>; rel="{rel}"; '
            f'results="{"true" if results else "false"}"; cursor="{cursor}"')


def pages(*chunks: list) -> callable:
    """A Link-paginated list: page i answers chunk i, with rel="next" results="true" except on the last."""
    def answer(call):
        cursor = (call.params or {}).get("cursor")
        index = int(cursor.split(":")[1]) if cursor else 0
        prev = link(call.path, f"0:{max(index - 1, 0)}:1", "previous", index > 0)
        nxt = link(call.path, f"0:{index + 1}:0", "next", index + 1 < len(chunks))
        return reply(200, chunks[index], headers={"Link": f"{prev}, {nxt}"})
    return answer


def sentry(api: FakeSession) -> SentryClient:
    return SentryClient(make_http(api, vendor=VENDOR, headers={"Authorization": f"Bearer {TOKEN}"}), ORG)


def base(**overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "auth_token": TOKEN, "organization": ORG, "timeout": 5.0,
              "validate_certs": True, "state": "present"}
    values.update(overrides)
    return values


# ------------------------------------------------------------------------------------------- Link pagination
def test_parse_link_header_reads_rel_results_and_cursor():
    header = ('<https://sentry.io/api/0/organizations/acme/projects/?&cursor=100:-1:1>; rel="previous"; '
              'results="false"; cursor="100:-1:1", '
              '<https://sentry.io/api/0/organizations/acme/projects/?&cursor=100:1:0>; rel="next"; '
              'results="true"; cursor="100:1:0"')
    links = parse_link_header(header)
    assert [(item["rel"], item["results"], item["cursor"]) for item in links] == [
        ("previous", "false", "100:-1:1"), ("next", "true", "100:1:0")]
    assert links[1]["url"].endswith("cursor=100:1:0")


def test_link_pages_follows_next_while_results_is_true():
    api = FakeSession().on("GET", PROJECTS, pages([{"n": 1}, {"n": 2}], [{"n": 3}], [{"n": 4}]))
    items = sentry(api).projects()
    assert [item["n"] for item in items] == [1, 2, 3, 4]
    assert [(c.params or {}).get("cursor") for c in api.calls] == [None, "0:1:0", "0:2:0"]


def test_link_pages_stops_when_next_has_no_results():
    api = FakeSession().on("GET", PROJECTS, pages([{"n": 1}]))
    assert [item["n"] for item in sentry(api).projects()] == [1]
    assert len(api.calls) == 1


def test_link_pages_stops_on_a_repeated_cursor():
    header = link("/x/", "same", "next", True)
    api = FakeSession().on("GET", "/x/", reply(200, [1], headers={"Link": header}))
    assert list(link_pages(lambda cursor: sentry(api).http.request("GET", "/x/", params={"cursor": cursor}))) == [1, 1]
    assert len(api.calls) == 2


def test_no_link_header_is_one_page():
    api = FakeSession().on("GET", PROJECTS, reply(200, [1, 2]))
    assert sentry(api).projects() == [1, 2]


# ------------------------------------------------------------------------------------------- errors
def test_detail_error_becomes_the_message():
    api = FakeSession().on("GET", "/teams/acme/ops/", reply(403, {"detail": "You do not have permission"}))
    with pytest.raises(ApiError) as caught:
        sentry(api).team("ops")
    assert caught.value.status == 403 and "You do not have permission" in str(caught.value)


def test_field_errors_become_one_message():
    api = team_api(None).on("POST", "/organizations/acme/teams/",
                            reply(400, {"slug": ["Enter a valid slug.", "Too long."], "name": ["Required."]}))
    with pytest.raises(ApiError, match=r"slug: Enter a valid slug.; Too long., name: Required."):
        run_team(base(slug="ops", name=None), False, Secrets(), sentry(api))


def test_401_hint_names_the_token_variable_and_hides_the_token():
    api = FakeSession().on("GET", "/teams/acme/ops/", reply(401, {"detail": f"Invalid token {TOKEN}"}))
    with pytest.raises(ApiError) as caught:
        sentry(api).team("ops")
    assert "SENTRY_AUTH_TOKEN" in str(caught.value) and TOKEN not in str(caught.value)


def test_429_waits_for_the_epoch_rate_limit_reset():
    reset = str(int(time.time()) + 20)
    api = FakeSession().on("GET", "/teams/acme/ops/", reply(429, headers={"X-Sentry-Rate-Limit-Reset": reset}),
                           reply(200, {"slug": "ops"}))
    client = sentry(api)
    assert client.team("ops") == {"slug": "ops"}
    assert client.http.retry.sleep.waits == [pytest.approx(20, abs=1.5)]


# ------------------------------------------------------------------------------------------- teams
TEAM = {"id": "7", "slug": "ops", "name": "Ops", "dateCreated": "2026-01-01T00:00:00Z"}


def team_api(existing: dict | None) -> FakeSession:
    return (FakeSession()
            .on("GET", "/teams/acme/ops/", reply(200, existing) if existing else reply(404, {"detail": "Not found"}))
            .on("POST", "/organizations/acme/teams/", lambda call: reply(201, dict(TEAM, **call.json)))
            .on("PUT", "/teams/acme/ops/", lambda call: reply(200, dict(TEAM, **call.json)))
            .on("DELETE", "/teams/acme/ops/", reply(204)))


def test_team_create_posts_slug_and_name():
    api = team_api(None)
    result = run_team(base(slug="ops", name="Ops"), False, Secrets(), sentry(api))
    assert [(c.method, c.path, c.json) for c in api.writes] == [
        ("POST", "/organizations/acme/teams/", {"slug": "ops", "name": "Ops"})]
    assert result["changed"] and result["action"] == "create" and result["team"]["id"] == "7"


def test_a_team_another_run_created_meanwhile_is_adopted_from_the_conflict():
    api = team_api(None)
    api.on("GET", "/teams/acme/ops/", reply(404, {"detail": "Not found"}), reply(200, TEAM))
    api.on("POST", "/organizations/acme/teams/", reply(409, {"detail": "A team with this slug already exists."}))
    result = run_team(base(slug="ops", name="Ops"), False, Secrets(), sentry(api))
    assert [c.method for c in api.writes] == ["POST"]
    assert result["action"] == "adopt" and result["team"]["id"] == "7"
    assert "created by another run" in result["warnings"][0]


def test_team_is_idempotent():
    api = team_api(TEAM)
    result = run_team(base(slug="ops", name="Ops"), False, Secrets(), sentry(api))
    assert not result["changed"] and api.writes == []


def test_team_rename_puts_slug_and_name():
    api = team_api(TEAM)
    result = run_team(base(slug="ops", name="Operations"), False, Secrets(), sentry(api))
    assert [(c.method, c.json) for c in api.writes] == [("PUT", {"slug": "ops", "name": "Operations"})]
    assert result["diff"] == {"before": {"name": "Ops"}, "after": {"name": "Operations"}}


@pytest.mark.parametrize("existing, overrides", [(None, {}), (TEAM, {"name": "Other"}), (TEAM, {"state": "absent"})])
def test_team_check_mode_writes_nothing(existing, overrides):
    api = team_api(existing)
    result = run_team(base(**{"slug": "ops", "name": "Ops", **overrides}), True, Secrets(), sentry(api))
    assert result["changed"] and api.writes == []


def test_team_delete_and_delete_again():
    api = team_api(TEAM)
    assert run_team(base(slug="ops", name=None, state="absent"), False, Secrets(), sentry(api))["changed"]
    assert [c.method for c in api.writes] == ["DELETE"]
    assert not run_team(base(slug="ops", name=None, state="absent"), False, Secrets(), sentry(team_api(None)))["changed"]


def test_bad_team_slug_fails_before_any_call():
    api = team_api(None)
    with pytest.raises(ValueError, match="not a valid Sentry slug"):
        run_team(base(slug="Ops Team", name=None), False, Secrets(), sentry(api))
    assert api.calls == []


# ------------------------------------------------------------------------------------------- projects
PROJECT = {"id": "4505", "slug": "scoop", "name": "scoop", "platform": "ruby-rails", "status": "active",
           "team": {"id": "7", "slug": "ops", "name": "Ops"}, "teams": [{"id": "7", "slug": "ops", "name": "Ops"}]}


def project_params(**overrides):
    values = base(name="scoop", slug="scoop", team="ops", platform="ruby-rails", default_rules=False)
    values.update(overrides)
    return values


def project_api(existing: dict | None) -> FakeSession:
    return (FakeSession()
            .on("GET", "/projects/acme/scoop/", reply(200, existing) if existing else reply(404, {"detail": "x"}))
            .on("POST", "/teams/acme/ops/projects/", lambda call: reply(201, dict(PROJECT, **{
                k: v for k, v in call.json.items() if k != "default_rules"})))
            .on("PUT", "/projects/acme/scoop/", lambda call: reply(200, dict(existing or PROJECT, **call.json)))
            .on("POST", "/projects/acme/scoop/teams/web/", reply(201, PROJECT))
            .on("DELETE", "/projects/acme/scoop/", reply(204)))


def test_project_create_sends_default_rules_false():
    api = project_api(None)
    result = run_project(project_params(), False, Secrets(), sentry(api))
    [post] = api.writes
    assert post.path == "/teams/acme/ops/projects/"
    assert post.json == {"name": "scoop", "slug": "scoop", "platform": "ruby-rails", "default_rules": False}
    assert result["action"] == "create" and result["project"]["slug"] == "scoop"


def test_project_create_sends_default_rules_true_only_when_asked():
    api = project_api(None)
    run_project(project_params(default_rules=True), False, Secrets(), sentry(api))
    assert api.writes[0].json["default_rules"] is True


def test_project_is_idempotent():
    api = project_api(PROJECT)
    assert not run_project(project_params(), False, Secrets(), sentry(api))["changed"]
    assert api.writes == []


def test_project_platform_change_is_a_put_of_the_platform_only():
    api = project_api(PROJECT)
    result = run_project(project_params(platform="node"), False, Secrets(), sentry(api))
    assert [(c.method, c.path, c.json) for c in api.writes] == [("PUT", "/projects/acme/scoop/", {"platform": "node"})]
    assert result["diff"] == {"before": {"platform": "ruby-rails"}, "after": {"platform": "node"}}


def test_project_new_team_is_added_not_replaced():
    api = project_api(PROJECT)
    result = run_project(project_params(team="web"), False, Secrets(), sentry(api))
    assert [(c.method, c.path) for c in api.writes] == [("POST", "/projects/acme/scoop/teams/web/")]
    assert result["diff"]["after"] == {"team": "web"}


@pytest.mark.parametrize("existing, overrides", [(None, {}), (PROJECT, {"platform": "node"}),
                                                 (PROJECT, {"state": "absent"})])
def test_project_check_mode_writes_nothing(existing, overrides):
    api = project_api(existing)
    result = run_project(project_params(**overrides), True, Secrets(), sentry(api))
    assert result["changed"] and api.writes == []


def test_project_create_without_team_fails_before_writing_even_in_check_mode():
    for check_mode in (True, False):
        api = project_api(None)
        with pytest.raises(ResourceError, match="set team"):
            run_project(project_params(team=None), check_mode, Secrets(), sentry(api))
        assert api.writes == []


def test_project_found_by_name_through_all_pages():
    other = dict(PROJECT, slug="other", name="other")
    api = project_api(None).on("GET", "/organizations/acme/projects/", pages([other], [PROJECT]))
    result = run_project(project_params(slug=None), False, Secrets(), sentry(api))
    assert not result["changed"] and result["project"]["id"] == "4505"


def test_project_duplicate_names_fail():
    api = project_api(None).on("GET", "/organizations/acme/projects/",
                               pages([PROJECT, dict(PROJECT, id="9", slug="scoop-2")]))
    with pytest.raises(DuplicateResource, match="4505, 9"):
        run_project(project_params(slug=None), False, Secrets(), sentry(api))


def test_project_delete():
    api = project_api(PROJECT)
    result = run_project(project_params(state="absent"), False, Secrets(), sentry(api))
    assert result["action"] == "delete" and [(c.method, c.path) for c in api.writes] == [
        ("DELETE", "/projects/acme/scoop/")]


# ------------------------------------------------------------------------------------------- client keys
def key(key_id: str, name: str, public: str = PUBLIC_KEY, rate_limit=None) -> dict:
    return {"id": key_id, "name": name, "label": name, "public": public, "secret": f"secret{key_id}",
            "projectId": 4505, "isActive": True, "rateLimit": rate_limit, "dateCreated": "2026-01-01T00:00:00Z",
            "dsn": {"public": f"https://{public}@o1.ingest.sentry.io/4505",
                    "secret": f"https://{public}:secret{key_id}@o1.ingest.sentry.io/4505"}}


DEFAULT = key("k1", "Default")


def key_params(**overrides):
    values = base(project="scoop", name="scoop-production", key_id=None, adopt_default=True, rate_limit=None,
                  force=False, return_secrets=False)
    values.update(overrides)
    return values


def key_api(keys: list[dict]) -> FakeSession:
    api = (FakeSession()
           .on("GET", "/projects/acme/scoop/keys/", pages(keys))
           .on("POST", "/projects/acme/scoop/keys/",
               lambda call: reply(201, key("k9", call.json["name"], "b" * 32, call.json.get("rateLimit")))))
    for item in keys:
        api.on("PUT", f"/projects/acme/scoop/keys/{item['id']}/",
               lambda call, item=item: reply(200, dict(item, **{
                   "name": call.json.get("name", item["name"]),
                   "rateLimit": call.json.get("rateLimit", item["rateLimit"])})))
        api.on("DELETE", f"/projects/acme/scoop/keys/{item['id']}/", reply(204))
    return api


def test_the_projects_default_key_is_adopted_without_a_post():
    api = key_api([DEFAULT])
    result = run_client_key(key_params(), False, Secrets(), sentry(api))
    assert api.writes == []
    assert result["changed"] is False and result["action"] == "adopt"
    assert result["client_key"]["adopted"] is True and result["client_key"]["name"] == "Default"


def test_adopted_key_gets_the_rate_limit_but_keeps_its_name():
    api = key_api([DEFAULT])
    result = run_client_key(key_params(rate_limit={"count": 100, "window": 60}), False, Secrets(), sentry(api))
    [put] = api.writes
    assert put.path == "/projects/acme/scoop/keys/k1/" and put.json == {"rateLimit": {"count": 100, "window": 60}}
    assert result["action"] == "update"


@pytest.mark.parametrize("keys, overrides", [
    ([DEFAULT, key("k2", "Other", "c" * 32)], {}),  # more than one key: which one would be a guess
    ([key("k2", "Other", "c" * 32)], {}),  # the only key is not Sentry's default
    ([DEFAULT], {"adopt_default": False}),
])
def test_a_key_is_created_when_adoption_does_not_apply(keys, overrides):
    api = key_api(keys)
    result = run_client_key(key_params(**overrides), False, Secrets(), sentry(api))
    assert [(c.method, c.json) for c in api.writes] == [("POST", {"name": "scoop-production"})]
    assert result["action"] == "create" and result["client_key"]["adopted"] is False


def test_key_found_by_name_is_idempotent_and_rate_limit_change_is_a_put():
    named = key("k2", "scoop-production", rate_limit={"window": 60, "count": 100})
    api = key_api([DEFAULT, named])
    assert not run_client_key(key_params(rate_limit={"count": 100, "window": 60}), False, Secrets(),
                              sentry(api))["changed"]
    result = run_client_key(key_params(rate_limit={"count": 500, "window": 60}), False, Secrets(), sentry(api))
    assert [(c.method, c.path, c.json) for c in api.writes] == [
        ("PUT", "/projects/acme/scoop/keys/k2/", {"rateLimit": {"count": 500, "window": 60}})]
    assert result["diff"]["before"] == {"rate_limit": {"window": 60, "count": 100}}


def test_key_check_mode_writes_nothing():
    for keys, overrides in (([], {}), ([DEFAULT], {"rate_limit": {"count": 1, "window": 60}}),
                            ([key("k2", "scoop-production")], {"state": "absent"})):
        api = key_api(keys)
        assert run_client_key(key_params(**overrides), True, Secrets(), sentry(api))["changed"]
        assert api.writes == []


def test_absent_without_name_or_key_id_is_refused_before_any_call():
    api = key_api([DEFAULT])
    with pytest.raises(ValueError, match="set name"):
        run_client_key(key_params(name=None, state="absent"), False, Secrets(), sentry(api))
    assert api.calls == []


def test_absent_never_deletes_an_unnamed_key():
    api = key_api([DEFAULT, key("k2", "Other", "c" * 32)])
    result = run_client_key(key_params(state="absent"), False, Secrets(), sentry(api))
    assert result["changed"] is False and api.writes == []


def test_absent_refuses_the_default_key_unless_forced():
    for selector in ({"name": "Default"}, {"name": None, "key_id": "k1"}):
        api = key_api([DEFAULT])
        with pytest.raises(ResourceError, match="force: true"):
            run_client_key(key_params(state="absent", **selector), False, Secrets(), sentry(api))
        assert api.writes == []
    api = key_api([DEFAULT])
    assert run_client_key(key_params(state="absent", name="Default", force=True), False, Secrets(), sentry(api))["changed"]
    assert [(c.method, c.path) for c in api.writes] == [("DELETE", "/projects/acme/scoop/keys/k1/")]


def test_absent_deletes_the_named_key_only():
    api = key_api([DEFAULT, key("k2", "scoop-production", "c" * 32)])
    run_client_key(key_params(state="absent"), False, Secrets(), sentry(api))
    assert [(c.method, c.path) for c in api.writes] == [("DELETE", "/projects/acme/scoop/keys/k2/")]


def test_dsn_is_masked_and_registered_as_a_secret():
    api = key_api([DEFAULT])
    secrets = Secrets()
    result = run_client_key(key_params(), False, secrets, sentry(api))
    assert result["client_key"]["dsn"]["public"] == f"https://{MASK}@o1.ingest.sentry.io/4505"
    assert PUBLIC_KEY not in json.dumps(result["client_key"]["dsn"])
    assert {DEFAULT["dsn"]["public"], PUBLIC_KEY, "secretk1"} <= secrets.values
    assert "_unmasked" not in result


def test_dsn_is_returned_in_clear_with_return_secrets():
    api = key_api([DEFAULT])
    secrets = Secrets()
    result = run_client_key(key_params(return_secrets=True), False, secrets, sentry(api))
    assert result["client_key"]["dsn"]["public"] == DEFAULT["dsn"]["public"]
    assert set(result["_unmasked"]) == secrets.values


@pytest.mark.parametrize("dsn, masked", [
    (DSN, f"https://{MASK}@o1.ingest.sentry.io/4505"),
    ("http://abc@127.0.0.1:8866/sentry/1", f"http://{MASK}@127.0.0.1:8866/sentry/1"),
    (None, None),
])
def test_mask_dsn(dsn, masked):
    assert mask_dsn(dsn) == masked


def test_a_run_has_one_set_of_secrets_and_only_the_dsn_is_shown_in_clear():
    """The client registers its token in the run's Secrets; return_secrets reveals the key's values, not the token."""
    api = key_api([DEFAULT])
    secrets = Secrets()
    client = SentryClient.from_params(key_params(return_secrets=True), secrets, session=api)
    result = run_client_key(key_params(return_secrets=True), False, secrets, client)
    assert client.http.secrets is secrets and TOKEN in secrets.values
    assert TOKEN not in result["_unmasked"] and DEFAULT["dsn"]["public"] in result["_unmasked"]
