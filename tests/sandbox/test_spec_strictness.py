"""The sandbox accepts only what the vendors' specs accept: each refusal, in the vendor's error shape."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import OWNER_ID, REPO, SENTRY_ORG, Sandbox, free_port, wait_for

NATIVE = {"runtime": "python", "envSpecificDetails": {"buildCommand": "pip install .", "startCommand": "python w.py"}}
DOCKER = {"runtime": "docker", "envSpecificDetails": {"dockerCommand": "./run"}}


def render_refusal(response: requests.Response, *fragments: str) -> None:
    """A 400 with Render's error body ``{id, message}`` whose message names each fragment."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"id", "message"}, body
    for fragment in fragments:
        assert fragment in body["message"], body


def render_names(sbx: Sandbox, query: str) -> list[str]:
    response = sbx.render("GET", f"/services?{query}")
    assert response.status_code == 200, response.text
    return sorted(item["service"]["name"] for item in response.json())


# --- Render query parameters -----------------------------------------------------------------------
def test_render_list_filters_are_one_comma_separated_value(sbx: Sandbox) -> None:
    for name in ("alpha", "beta", "gamma"):
        sbx.create_service(name)
    assert render_names(sbx, "name=alpha,gamma") == ["alpha", "gamma"]
    assert render_names(sbx, "name=alpha%2Cbeta&limit=100") == ["alpha", "beta"]


def test_render_repeated_filter_key_is_refused(sbx: Sandbox) -> None:
    sbx.create_service("alpha")
    render_refusal(sbx.render("GET", "/services?name=alpha&name=beta"),
                   "invalid query: name", "given 2 times", "explode: false")
    render_refusal(sbx.render("GET", "/key-value?ownerId=a&ownerId=b"), "ownerId", "given 2 times")


def test_render_undeclared_query_parameter_is_refused(sbx: Sandbox) -> None:
    render_refusal(sbx.render("GET", "/services?owner=tea-x"), "invalid query: owner", "not a parameter")
    service = sbx.create_service("web")
    render_refusal(sbx.render("GET", f"/services/{service['id']}/env-vars?name=X"), "name", "not a parameter")


def test_render_query_values_follow_their_schema(sbx: Sandbox) -> None:
    render_refusal(sbx.render("GET", "/services?type=web_service,lambda"), "type", "'lambda'")
    render_refusal(sbx.render("GET", "/services?limit=0"), "limit")


# --- Render bodies -------------------------------------------------------------------------------
def test_render_undeclared_body_fields_are_refused(sbx: Sandbox) -> None:
    base = {"type": "background_worker", "name": "w", "ownerId": OWNER_ID}
    render_refusal(sbx.render("POST", "/services", json={**base, "color": "red", "serviceDetails": NATIVE}),
                   "invalid request body: color", "not a field the spec declares")
    render_refusal(sbx.render("POST", "/services", json={**base, "serviceDetails": {**NATIVE, "size": 2}}),
                   "serviceDetails.size")
    service = sbx.create_service("web")
    render_refusal(sbx.render("PUT", f"/services/{service['id']}/env-vars/KEY", json={"value": "1", "secret": True}),
                   "secret")
    assert sbx.render("GET", "/services").json()[0]["service"]["name"] == "web"


def test_render_docker_details_refuse_native_commands_on_create(sbx: Sandbox) -> None:
    body = {"type": "background_worker", "name": "w", "ownerId": OWNER_ID,
            "serviceDetails": {"runtime": "docker", "envSpecificDetails": NATIVE["envSpecificDetails"]}}
    render_refusal(sbx.render("POST", "/services", json=body), "serviceDetails.envSpecificDetails.",
                   "not a field the spec declares")
    assert sbx.render("GET", "/services").json() == []
    created = sbx.create_service("w", "background_worker", serviceDetails=DOCKER)
    assert created["serviceDetails"]["envSpecificDetails"]["dockerCommand"] == "./run"


def test_render_native_details_refuse_docker_fields(sbx: Sandbox) -> None:
    body = {"type": "web_service", "name": "w", "ownerId": OWNER_ID,
            "serviceDetails": {"runtime": "node", "envSpecificDetails": {"dockerfilePath": "./Dockerfile"}}}
    render_refusal(sbx.render("POST", "/services", json=body), "serviceDetails.envSpecificDetails")


def test_render_patch_details_are_checked_against_the_stored_runtime(sbx: Sandbox) -> None:
    """A PATCH names neither type nor runtime: the stored service's are used."""
    docker = sbx.create_service("d", "background_worker", serviceDetails=DOCKER)
    native = sbx.create_service("n", "background_worker", serviceDetails=NATIVE)
    patch = {"serviceDetails": {"envSpecificDetails": {"startCommand": "python other.py"}}}
    render_refusal(sbx.render("PATCH", f"/services/{docker['id']}", json=patch),
                   "serviceDetails.envSpecificDetails.startCommand")
    updated = sbx.render("PATCH", f"/services/{native['id']}", json=patch)
    assert updated.status_code == 200, updated.text
    assert updated.json()["serviceDetails"]["envSpecificDetails"]["startCommand"] == "python other.py"
    fixed = sbx.render("PATCH", f"/services/{docker['id']}",
                       json={"serviceDetails": {"envSpecificDetails": {"dockerCommand": "./other"}}})
    assert fixed.status_code == 200, fixed.text


def test_render_patch_refuses_fields_of_another_type(sbx: Sandbox) -> None:
    worker = sbx.create_service("w", "background_worker", serviceDetails=NATIVE)
    render_refusal(sbx.render("PATCH", f"/services/{worker['id']}", json={"serviceDetails": {"healthCheckPath": "/h"}}),
                   "serviceDetails.healthCheckPath")


def test_render_body_where_the_spec_declares_none_is_refused(sbx: Sandbox) -> None:
    service = sbx.create_service("web")
    render_refusal(sbx.render("POST", f"/services/{service['id']}/suspend", json={"now": True}),
                   "invalid request: this operation takes no request body")
    assert sbx.render("POST", f"/services/{service['id']}/suspend").status_code == 202


# --- the other vendors ---------------------------------------------------------------------------
def test_sendgrid_refusals_name_the_field(sbx: Sandbox) -> None:
    response = sbx.sendgrid("POST", "/api_keys", json={"name": "app", "ttl": 30})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ttl", response.json()
    query = sbx.sendgrid("GET", "/api_keys?page=2")
    assert query.status_code == 400 and query.json()["errors"][0]["field"] == "page", query.json()


def test_sentry_refusals_use_its_detail_body(sbx: Sandbox) -> None:
    response = sbx.sentry("POST", f"/organizations/{SENTRY_ORG}/teams/", json={"slug": "ops", "colour": "red"})
    assert response.status_code == 400 and "colour" in response.json()["detail"], response.json()
    query = sbx.sentry("GET", f"/organizations/{SENTRY_ORG}/teams/?team=ops")
    assert query.status_code == 400 and "team" in query.json()["detail"], query.json()


def test_sentry_lists_accept_the_cursor_the_spec_omits(sbx: Sandbox) -> None:
    """Every Sentry list pages with ``cursor``; the spec leaves it out of the workflows list."""
    response = sbx.sentry("GET", f"/organizations/{SENTRY_ORG}/workflows/?cursor=0:0:0")
    assert response.status_code == 200, response.text


def test_upstash_refusals_are_its_text_error(sbx: Sandbox) -> None:
    body = {"database_name": "cache", "platform": "aws", "primary_region": "us-east-1", "size": "xl"}
    response = sbx.upstash("POST", "/redis/database", json=body)
    assert response.status_code == 400 and isinstance(response.json(), str) and "size" in response.json()
    query = sbx.upstash("GET", "/redis/databases?team=1")
    assert query.status_code == 400 and "team" in query.json()


# --- validation on or off --------------------------------------------------------------------------
@pytest.fixture
def sandbox_without_specs(tmp_path: Path) -> Any:
    """A sandbox server whose LAUNCHKIT_API_SPECS names an empty folder."""
    port, empty = free_port(), tmp_path / "no-specs"
    empty.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}, "LAUNCHKIT_API_SPECS": str(empty)}
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "sandbox.server", "--port", str(port),
                                    "--state-dir", str(tmp_path / "state")],
                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/_sandbox/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_for(up, timeout=20)
    yield url, empty, tmp_path / "server.log"
    process.terminate()
    process.wait(timeout=15)


def test_validation_off_is_reported_never_silent(sandbox_without_specs: Any) -> None:
    url, empty, log = sandbox_without_specs
    validation = requests.get(f"{url}/_sandbox/health", timeout=5).json()["spec_validation"]
    assert validation["enabled"] is False and validation["directory"] == str(empty)
    assert all("not found" in validation["vendors"][name] for name in ("render", "upstash", "sendgrid", "sentry"))
    assert requests.get(f"{url}/_sandbox/state", timeout=5).json()["spec_validation"] == validation
    assert "WARNING: spec validation OFF" in log.read_text()
    guard = subprocess.run([sys.executable, "-m", "sandbox.guard", url], cwd=REPO, capture_output=True, text=True,
                           check=False, timeout=30)
    assert guard.returncode == 1 and "spec validation is OFF" in guard.stdout and str(empty) in guard.stdout


def test_guard_says_on_for_a_validating_sandbox(sbx: Sandbox) -> None:
    guard = subprocess.run([sys.executable, "-m", "sandbox.guard", sbx.url], cwd=REPO, capture_output=True,
                           text=True, check=False, timeout=30)
    assert guard.returncode == 0 and "spec validation is ON" in guard.stdout, guard.stdout
