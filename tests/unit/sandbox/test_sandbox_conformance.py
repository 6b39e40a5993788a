"""sandbox.conformance: a request is checked against the vendor's spec as the sandbox checks it."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import conformance
from sandbox.conformance import SpecsUnavailable, request_problems
from sandbox.spec_adapt import CLOSED, close_schema
from sandbox.spec_check import instance_problems, read_query

OWNER = "tea-sandbox000000000000"
NATIVE = {"buildCommand": "pip install -r requirements.txt", "startCommand": "python worker.py"}
DOCKER = {"dockerCommand": "./run", "dockerContext": ".", "dockerfilePath": "./Dockerfile"}


def service(service_type: str, details: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": service_type, "name": "worker", "ownerId": OWNER, "serviceDetails": details, **extra}


def one_problem(problems: list[str], *fragments: str) -> None:
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0], problems


# --- query parameters ------------------------------------------------------------------------------
def test_render_list_filter_takes_one_comma_separated_value() -> None:
    assert request_problems("render", "GET", "/services", "name=a%2Cb&limit=100", None) == []
    assert request_problems("render", "GET", "/services", "name=a,b&type=web_service,background_worker", None) == []


def test_render_list_filter_refuses_the_key_repeated() -> None:
    one_problem(request_problems("render", "GET", "/services", "name=a&name=b", None),
                "invalid query: name", "given 2 times", "explode: false", "name=a,b")


def test_each_item_of_a_filter_is_checked_against_the_spec() -> None:
    one_problem(request_problems("render", "GET", "/services", "type=web_service,lambda", None),
                "invalid query: type", "'lambda'")


def test_undeclared_query_parameter_is_refused() -> None:
    one_problem(request_problems("render", "GET", "/services", "owner=tea-1", None),
                "invalid query: owner", "not a parameter of this operation")


def test_scalar_parameter_given_twice_or_of_the_wrong_type_is_refused() -> None:
    one_problem(request_problems("render", "GET", "/services", "limit=10&limit=20", None), "limit", "2 times")
    one_problem(request_problems("render", "GET", "/services", "limit=many", None), "limit", "'many'")


def test_exploded_array_takes_the_key_repeated() -> None:
    """Sentry declares its arrays with the OpenAPI default (form, explode: true)."""
    path = "/organizations/launchkit-sandbox/issues/"
    assert request_problems("sentry", "GET", path, "project=1&project=2", None) == []
    values, problems = read_query(
        {"project": {"name": "project", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}},
        "project=1,2&project=3")
    assert (values, problems) == ({"project": ["1,2", "3"]}, [])


def test_delimited_styles_split_on_their_separator() -> None:
    parameter = {"name": "ids", "in": "query", "style": "pipeDelimited", "explode": False,
                 "schema": {"type": "array", "items": {"type": "integer"}}}
    values, problems = read_query({"ids": parameter}, "ids=1%7C2%7C3")
    assert (values, problems) == ({"ids": ["1", "2", "3"]}, [])
    values, problems = read_query({"ids": parameter}, "ids=1%7Cx")
    assert [problem.field for problem in problems] == ["ids"] and "'x'" in problems[0].message


def test_required_query_parameter_must_be_given() -> None:
    parameter = {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
    assert [problem.describe() for problem in read_query({"q": parameter}, "")[1]] == [
        "invalid query: q: required parameter is missing"]


# --- bodies --------------------------------------------------------------------------------------
def test_undeclared_body_fields_are_refused_at_any_depth() -> None:
    one_problem(request_problems("render", "PUT", "/services/srv-1/env-vars/KEY", "", {"value": "x", "secret": True}),
                "invalid request body: secret", "not a field the spec declares")
    body = service("background_worker", {"runtime": "python", "envSpecificDetails": NATIVE, "size": "xl"})
    one_problem(request_problems("render", "POST", "/services", "", body), "serviceDetails.size")


def test_declared_body_is_accepted() -> None:
    assert request_problems("render", "PUT", "/services/srv-1/env-vars/KEY", "", {"value": "x"}) == []
    body = service("cron_job", {"runtime": "python", "schedule": "*/5 * * * *", "envSpecificDetails": NATIVE})
    assert request_problems("render", "POST", "/services", "", body) == []


def test_docker_service_details_refuse_native_commands() -> None:
    body = service("background_worker", {"runtime": "docker", "envSpecificDetails": NATIVE})
    problems = request_problems("render", "POST", "/services", "", body)
    one_problem(problems, "serviceDetails.envSpecificDetails.", "not a field the spec declares")
    assert "startCommand" in problems[0] or "buildCommand" in problems[0]


def test_docker_and_native_details_each_accepted_for_their_runtime() -> None:
    docker = service("background_worker", {"runtime": "docker", "envSpecificDetails": {"dockerCommand": "./run"}})
    native = service("web_service", {"runtime": "node", "envSpecificDetails": NATIVE})
    assert request_problems("render", "POST", "/services", "", docker) == []
    assert request_problems("render", "POST", "/services", "", native) == []
    wrong = service("web_service", {"runtime": "node", "envSpecificDetails": {"dockerCommand": "./run"}})
    one_problem(request_problems("render", "POST", "/services", "", wrong), "serviceDetails.envSpecificDetails")


def test_details_are_checked_against_the_schema_of_their_type() -> None:
    """A cron job requires ``schedule``; a worker does not know it."""
    cron = service("cron_job", {"runtime": "python", "envSpecificDetails": NATIVE})
    one_problem(request_problems("render", "POST", "/services", "", cron), "serviceDetails.schedule", "required")
    worker = service("background_worker", {"runtime": "python", "schedule": "* * * * *", "envSpecificDetails": NATIVE})
    one_problem(request_problems("render", "POST", "/services", "", worker), "serviceDetails.schedule",
                "not a field the spec declares")


def test_patch_details_follow_the_runtime_they_name() -> None:
    docker = {"serviceDetails": {"runtime": "docker", "envSpecificDetails": {"startCommand": "run"}}}
    one_problem(request_problems("render", "PATCH", "/services/srv-1", "", docker),
                "serviceDetails.envSpecificDetails.startCommand")
    assert request_problems("render", "PATCH", "/services/srv-1", "",
                            {"serviceDetails": {"envSpecificDetails": {"startCommand": "run"}}}) == []


def test_body_presence_follows_the_operation() -> None:
    one_problem(request_problems("render", "POST", "/services/srv-1/suspend", "", {}),
                "invalid request: this operation takes no request body")
    one_problem(request_problems("render", "POST", "/services", "", None), "invalid request: a request body is required")


def test_other_vendors_are_checked_too() -> None:
    assert request_problems("sendgrid", "POST", "/api_keys", "", {"name": "app", "scopes": ["mail.send"]}) == []
    one_problem(request_problems("sendgrid", "POST", "/api_keys", "", {"name": "app", "ttl": 3}), "ttl")
    assert request_problems("upstash", "GET", "/redis/databases", "", None) == []
    one_problem(request_problems("sentry", "POST", "/teams/launchkit-sandbox/backend/projects/", "",
                                 {"name": "api", "colour": "red"}), "colour")


def test_unknown_operation_is_a_problem() -> None:
    one_problem(request_problems("render", "GET", "/nowhere", "", None), "no such path")
    one_problem(request_problems("render", "PUT", "/services", "", None), "not with this method")


def test_unknown_vendor_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown vendor"):
        request_problems("heroku", "GET", "/apps", "", None)


@pytest.fixture
def no_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAUNCHKIT_API_SPECS", str(tmp_path))
    conformance._registry.cache_clear()  # pylint: disable=protected-access
    yield
    conformance._registry.cache_clear()  # pylint: disable=protected-access


@pytest.mark.usefixtures("no_specs")
def test_missing_specs_raise_rather_than_pass() -> None:
    with pytest.raises(SpecsUnavailable, match="not found"):
        request_problems("render", "GET", "/services", "", None)


# --- closing schemas -----------------------------------------------------------------------------
def test_free_form_and_open_maps_stay_open() -> None:
    schema = {"type": "object", "properties": {
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "extra": {"type": "object"},
        "meta": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True},
    }}
    closed = close_schema(schema)
    assert closed[CLOSED] is True and CLOSED not in schema
    assert all(CLOSED not in closed["properties"][name] for name in ("labels", "extra", "meta"))
    body = {"labels": {"any": "x"}, "extra": {"anything": 1}, "meta": {"a": "x", "b": 2}}
    assert instance_problems(closed, body, writing=True) == []
    assert [p.field for p in instance_problems(closed, {**body, "other": 1}, writing=True)] == ["other"]


def test_properties_declared_across_all_of_branches_are_declared() -> None:
    schema = {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
                        {"type": "object", "properties": {"b": {"type": "string"}}}]}
    closed = close_schema(schema)
    assert instance_problems(closed, {"a": "x", "b": "y"}, writing=True) == []
    assert [p.field for p in instance_problems(closed, {"a": "x", "c": "z"}, writing=True)] == ["c"]


# --- Fly.io ----------------------------------------------------------------------------------------
def test_fly_requests_are_checked_against_the_machines_spec() -> None:
    assert request_problems("fly", "GET", "/apps", "org_slug=personal", None) == []
    one_problem(request_problems("fly", "GET", "/apps", "", None), "org_slug", "required")
    body = {"config": {"image": "nginx", "env": {"A": "1"}}, "region": "sjc", "min_secrets_version": 2}
    assert request_problems("fly", "POST", "/apps/web/machines", "", body) == []
    one_problem(request_problems("fly", "POST", "/apps/web/machines", "", {**body, "size": "x"}), "size")
    one_problem(request_problems("fly", "GET", "/apps/web/machines/m1/wait", "state=started,stopped", None), "state")


def test_fly_adaptations_follow_the_notes() -> None:
    """null unsets a secret; app_name and ?wait= on create; ?force= on app delete (NOTES Fly quirks 1, 9)."""
    assert request_problems("fly", "POST", "/apps/web/secrets", "", {"values": {"A": "1", "OLD": None}}) == []
    assert request_problems("fly", "POST", "/apps", "wait=true", {"app_name": "web", "org_slug": "personal"}) == []
    assert request_problems("fly", "DELETE", "/apps/web", "force=true", None) == []
    one_problem(request_problems("fly", "DELETE", "/apps/web", "force=yes", None), "force")
