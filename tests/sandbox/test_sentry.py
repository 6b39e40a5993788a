"""Sentry: teams, projects, client keys and DSN ingestion with the real SDK, alerts, issues, pagination."""
from __future__ import annotations

import re
from typing import Any

import requests

from conftest import SENTRY_ORG, Sandbox, wait_for

ORG = f"/organizations/{SENTRY_ORG}"
LINK = re.compile(r'<([^>]+)>; rel="(previous|next)"; results="(true|false)"; cursor="([^"]+)"')


def create_team(sbx: Sandbox, slug: str = "backend") -> dict[str, Any]:
    response = sbx.sentry("POST", f"{ORG}/teams/", json={"slug": slug})
    assert response.status_code == 201, response.text
    return response.json()


def create_project(sbx: Sandbox, name: str = "API", team: str = "backend", **extra: Any) -> dict[str, Any]:
    response = sbx.sentry("POST", f"/teams/{SENTRY_ORG}/{team}/projects/", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def links(response: Any) -> dict[str, tuple[str, bool, str]]:
    return {rel: (url, results == "true", cursor) for url, rel, results, cursor in LINK.findall(response.headers["Link"])}


def capture_division_by_zero(sentry_sdk: Any) -> str | None:
    """Report a ZeroDivisionError through the initialised SDK and wait until it is sent."""
    try:
        1 / 0  # noqa: B018 - the event under test
    except ZeroDivisionError as exc:
        event_id = sentry_sdk.capture_exception(exc)
    else:  # pragma: no cover
        event_id = None
    sentry_sdk.flush(timeout=10)
    return event_id


def workflow_names(sbx: Sandbox, **params: Any) -> list[str]:
    return [item["name"] for item in sbx.sentry("GET", f"{ORG}/workflows/", params=params).json()]


def test_auth_unknown_org_and_trailing_slash(sbx: Sandbox) -> None:
    response = sbx.sentry("GET", f"{ORG}/teams/", token="nope")
    assert response.status_code == 401 and "detail" in response.json()
    assert sbx.sentry("GET", "/organizations/other-org/teams/").status_code == 404
    assert sbx.sentry("GET", f"{ORG}/teams").status_code == 404
    ok = sbx.sentry("GET", f"{ORG}/teams/")
    assert ok.json() == [] and "X-Sentry-Rate-Limit-Remaining" in ok.headers
    members = sbx.sentry("GET", f"{ORG}/members/").json()
    assert [(item["email"], item["user"]["id"]) for item in members] == [("admin@launchkit.test", "1")]


def test_team_crud_and_slug_clash(sbx: Sandbox) -> None:
    team = create_team(sbx)
    assert team["slug"] == "backend"
    clash = sbx.sentry("POST", f"{ORG}/teams/", json={"slug": "backend"})
    assert clash.status_code == 409 and clash.json()["detail"]
    assert sbx.sentry("POST", f"{ORG}/teams/", json={"slug": "Not A Slug"}).status_code == 400
    path = f"/teams/{SENTRY_ORG}/backend/"
    assert sbx.sentry("GET", f"/teams/{SENTRY_ORG}/{team['id']}/").json()["slug"] == "backend"
    renamed = sbx.sentry("PUT", path, json={"slug": "platform", "name": "Platform"}).json()
    assert (renamed["slug"], renamed["name"]) == ("platform", "Platform")
    assert sbx.sentry("DELETE", f"/teams/{SENTRY_ORG}/platform/").status_code == 204
    assert sbx.sentry("GET", f"/teams/{SENTRY_ORG}/platform/").status_code == 404


def test_project_create_slug_clash_and_default_key(sbx: Sandbox) -> None:
    create_team(sbx)
    project = create_project(sbx, "Scoop API", slug="scoop-api", platform="python")
    assert project["slug"] == "scoop-api" and project["team"]["slug"] == "backend"
    clash = sbx.sentry("POST", f"/teams/{SENTRY_ORG}/backend/projects/", json={"name": "Other", "slug": "scoop-api"})
    assert clash.status_code == 409
    keys = sbx.sentry("GET", f"/projects/{SENTRY_ORG}/scoop-api/keys/").json()
    assert len(keys) == 1 and keys[0]["isActive"] is True
    dsn = keys[0]["dsn"]["public"]
    assert re.fullmatch(rf"http://{keys[0]['public']}@127\.0\.0\.1:\d+/sentry-ingest/{project['id']}", dsn)
    detail = sbx.sentry("PUT", f"/projects/{SENTRY_ORG}/scoop-api/", json={"name": "Scoop", "platform": "django"})
    assert detail.json()["name"] == "Scoop" and detail.json()["organization"]["slug"] == SENTRY_ORG
    assert [item["slug"] for item in sbx.sentry("GET", f"{ORG}/projects/").json()] == ["scoop-api"]
    assert sbx.sentry("DELETE", f"/projects/{SENTRY_ORG}/scoop-api/").status_code == 204
    assert sbx.sentry("GET", f"/projects/{SENTRY_ORG}/scoop-api/").status_code == 404


def test_default_rules_create_the_default_alert_only_when_asked(sbx: Sandbox) -> None:
    create_team(sbx)
    with_rules = create_project(sbx, "With")
    without = create_project(sbx, "Without", default_rules=False)
    assert workflow_names(sbx) == ["Send a notification for new issues"]
    assert workflow_names(sbx, project=with_rules["id"]) == ["Send a notification for new issues"]
    assert workflow_names(sbx, project=without["id"]) == []
    detectors = sbx.sentry("GET", f"{ORG}/detectors/", params={"project": with_rules["id"]}).json()
    assert [(item["type"], item["projectId"]) for item in detectors] == [("issue_stream", with_rules["id"])]
    assert detectors[0]["workflowIds"] == [item["id"] for item in sbx.sentry("GET", f"{ORG}/workflows/").json()]
    rules = sbx.sentry("GET", f"/projects/{SENTRY_ORG}/with/rules/").json()
    assert [rule["name"] for rule in rules] == ["Send a notification for new issues"]
    assert sbx.sentry("GET", f"/projects/{SENTRY_ORG}/without/rules/").json() == []


def test_client_key_crud(sbx: Sandbox) -> None:
    create_team(sbx)
    create_project(sbx)
    base = f"/projects/{SENTRY_ORG}/api/keys/"
    created = sbx.sentry("POST", base, json={"name": "CI", "rateLimit": {"count": 100, "window": 60}})
    assert created.status_code == 201
    key = created.json()
    assert key["rateLimit"] == {"count": 100, "window": 60} and key["dsn"]["secret"].count(":") == 3
    updated = sbx.sentry("PUT", f"{base}{key['id']}/", json={"isActive": False, "name": "CI off"}).json()
    assert (updated["isActive"], updated["name"]) == (False, "CI off")
    assert [item["name"] for item in sbx.sentry("GET", base, params={"status": "inactive"}).json()] == ["CI off"]
    assert sbx.sentry("DELETE", f"{base}{key['id']}/").status_code == 204
    assert sbx.sentry("GET", f"{base}{key['id']}/").status_code == 404


def test_real_sdk_event_becomes_an_issue(sbx: Sandbox) -> None:
    import sentry_sdk  # a dev requirement: the official SDK proves the ingestion endpoint

    create_team(sbx)
    project = create_project(sbx, "API", platform="python")
    dsn = sbx.sentry("GET", f"/projects/{SENTRY_ORG}/api/keys/").json()[0]["dsn"]["public"]
    sentry_sdk.init(dsn=dsn, default_integrations=False)
    try:
        event_id = capture_division_by_zero(sentry_sdk)
    finally:
        sentry_sdk.get_client().close()
    events = wait_for(lambda: sbx.control("GET", "/sentry/events")["events"].get(project["id"]))
    assert [event["event_id"] for event in events] == [event_id]
    assert events[0]["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    search = {"query": "is:unresolved ZeroDivisionError", "project": project["id"]}
    issues = sbx.sentry("GET", f"{ORG}/issues/", params=search).json()
    assert len(issues) == 1
    issue = issues[0]
    assert issue["title"] == "ZeroDivisionError: division by zero" and issue["count"] == "1"
    assert issue["project"]["slug"] == "api" and issue["firstSeen"] and issue["culprit"]
    assert sbx.sentry("GET", f"{ORG}/issues/", params={"query": "KeyError"}).json() == []
    listed = sbx.sentry("GET", f"/projects/{SENTRY_ORG}/api/events/").json()
    assert [(item["eventID"], item["groupID"]) for item in listed] == [(event_id, issue["id"])]


def test_ingest_refuses_unknown_key(sbx: Sandbox) -> None:
    create_team(sbx)
    project = create_project(sbx)
    url = f"{sbx.url}/sentry-ingest/api/{project['id']}/store/"
    body = {"message": "hello", "level": "info"}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, params={"sentry_key": "0" * 32}, json=body, timeout=10).status_code == 403
    key = sbx.sentry("GET", f"/projects/{SENTRY_ORG}/api/keys/").json()[0]["public"]
    stored = requests.post(url, json=body, timeout=10, headers={"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"})
    assert stored.status_code == 200
    assert [issue["title"] for issue in sbx.sentry("GET", f"{ORG}/issues/").json()] == ["hello"]


def test_link_header_pagination(sbx: Sandbox) -> None:
    for index in range(5):
        create_team(sbx, f"team-{index}")
    seen: list[str] = []
    response = sbx.sentry("GET", f"{ORG}/teams/", params={"per_page": 2})
    first = links(response)
    assert first["previous"][1] is False and first["next"][1] is True
    while True:
        seen.extend(team["slug"] for team in response.json())
        url, more, cursor = links(response)["next"]
        if not more:
            break
        assert f"cursor={cursor}" in url and "per_page=2" in url
        response = sbx.sentry("GET", url.split("/sentry/api/0", 1)[1].split("?")[0],
                              params={"per_page": 2, "cursor": cursor})
    assert seen == [f"team-{index}" for index in range(5)]
    assert links(response)["previous"][1] is True


def test_default_page_size_is_100(sbx: Sandbox) -> None:
    create_team(sbx)
    for index in range(101):
        sbx.sentry("POST", f"{ORG}/workflows/", json={"name": f"alert {index}"})
    first = sbx.sentry("GET", f"{ORG}/workflows/")
    assert len(first.json()) == 100 and links(first)["next"][1] is True
    second = sbx.sentry("GET", f"{ORG}/workflows/", params={"cursor": links(first)["next"][2]})
    assert [item["name"] for item in second.json()] == ["alert 100"] and links(second)["next"][1] is False


def test_workflow_crud_validated_against_the_spec(sbx: Sandbox) -> None:
    body = {"name": "Errors to ops", "enabled": True, "config": {"frequency": 60}, "environment": "production",
            "triggers": {"logic_type": "any-short", "conditions": [{"type": "first_seen_event", "comparison": True,
                                                                    "condition_result": True}]},
            "action_filters": [{"logic_type": "all", "conditions": [], "actions": [
                {"type": "email", "config": {"targetType": "team", "targetIdentifier": "2"}, "data": {}}]}]}
    created = sbx.sentry("POST", f"{ORG}/workflows/", json=body)
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["triggers"]["logicType"] == "any-short" and alert["triggers"]["conditions"][0]["type"] == "first_seen_event"
    assert alert["actionFilters"][0]["actions"][0]["type"] == "email" and alert["config"] == {"frequency": 60}
    path = f"{ORG}/workflows/{alert['id']}/"
    assert sbx.sentry("GET", path).json()["name"] == "Errors to ops"
    invalid = sbx.sentry("PUT", path, json={"name": "x", "triggers": {"logic_type": "sometimes"}})
    assert invalid.status_code == 400 and "logic_type" in invalid.json()["detail"]
    assert sbx.sentry("POST", f"{ORG}/workflows/", json={"enabled": True}).status_code == 400
    updated = sbx.sentry("PUT", path, json={**body, "name": "Renamed", "enabled": False}).json()
    assert (updated["name"], updated["enabled"], updated["dateCreated"]) == ("Renamed", False, alert["dateCreated"])
    assert workflow_names(sbx, query="renamed") == ["Renamed"]
    assert sbx.sentry("DELETE", path).status_code == 204
    assert sbx.sentry("GET", path).status_code == 404


def test_legacy_rules_crud(sbx: Sandbox) -> None:
    create_team(sbx)
    create_project(sbx, default_rules=False)
    base = f"/projects/{SENTRY_ORG}/api/rules/"
    body = {"name": "New issues", "frequency": 30, "actionMatch": "any",
            "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
            "actions": [{"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners"}]}
    assert sbx.sentry("POST", base, json={"name": "incomplete"}).status_code == 400
    rule = sbx.sentry("POST", base, json=body).json()
    assert rule["projects"] == ["api"] and rule["filterMatch"] == "all"
    replaced = sbx.sentry("PUT", f"{base}{rule['id']}/", json={**body, "frequency": 60}).json()
    assert replaced["frequency"] == 60
    assert sbx.sentry("DELETE", f"{base}{rule['id']}/").status_code == 202
    assert sbx.sentry("GET", base).json() == []
