# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Render client operation, as sent, is a request Render's spec accepts: the method and path
exist, each query parameter is declared and serialized as its style/explode say, every body field
is declared (a service's serviceDetails: the schema its type and runtime select)."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.service import TYPE_OPTIONS, Service
from launchkit_fakes import (
    BASE_URL, FakeSession, no_sleep_policy, public_methods, refused_by_spec, render_pages, reply, sent_query)
from sandbox.conformance import request_problems

OWNER = {"id": "tea-1", "name": "Acme", "email": "ops@acme.test", "type": "team"}
SERVICE = {"id": "srv-1", "name": "web", "type": "web_service", "ownerId": "tea-1", "suspended": "not_suspended"}
DEPLOY = {"id": "dep-1", "status": "live"}
DOMAIN = {"id": "cdm-1", "name": "example.com", "domainType": "apex", "verificationStatus": "unverified"}
KEY_VALUE = {"id": "red-1", "name": "cache", "plan": "starter", "status": "available"}
POSTGRES = {"id": "dpg-1", "name": "db", "plan": "basic_1gb", "status": "available"}
CONNECTION = {"internalConnectionString": "redis://red-1:pw123456@red-1:6379",
              "externalConnectionString": "rediss://red-1:pw123456@oregon-keyvalue.render.com:6379",
              "cliCommand": "redis-cli --tls --pass pw123456", "psqlCommand": "psql postgres://u:pw123456@h/db",
              "password": "pw123456"}
EVENT = {"id": "evt-1", "type": "cron_job_run_ended", "details": {"cronJobRunId": "run-1", "status": "successful"}}
IP_ALLOW_LIST = [{"cidr_block": "203.0.113.0/24", "description": "office"}]


def render_api() -> FakeSession:
    """Every Render operation the client sends, answered as the spec says."""
    s = FakeSession()
    s.on("GET", "/owners", render_pages("owner", [OWNER, dict(OWNER, id="tea-2", name="Beta")]))
    s.on("GET", "/services", render_pages("service", [SERVICE]))
    s.on("POST", "/services", lambda call: reply(201, {"service": dict(SERVICE, **call.json), "deployId": "dep-1"}))
    for method, answer in (("GET", reply(200, SERVICE)), ("PATCH", reply(200, SERVICE)), ("DELETE", reply(204))):
        s.on(method, "/services/srv-1", answer)
    for action in ("suspend", "resume", "scale"):
        s.on("POST", f"/services/srv-1/{action}", reply(202))
    s.on("PUT", "/services/srv-1/autoscaling", lambda call: reply(200, call.json))
    s.on("DELETE", "/services/srv-1/autoscaling", reply(204))
    s.on("GET", "/services/srv-1/env-vars", render_pages("envVar", [{"key": "A", "value": "1"}]))
    s.on("PUT", "/services/srv-1/env-vars/A", reply(200, {"key": "A", "value": "2"}))
    s.on("DELETE", "/services/srv-1/env-vars/A", reply(204))
    s.on("GET", "/services/srv-1/deploys", reply(200, [{"deploy": DEPLOY, "cursor": "c1"}]))
    s.on("POST", "/services/srv-1/deploys", reply(201, DEPLOY))
    s.on("GET", "/services/srv-1/deploys/dep-1", reply(200, DEPLOY))
    s.on("POST", "/services/srv-1/rollback", reply(201, DEPLOY))
    s.on("GET", "/services/srv-1/events", reply(200, [{"event": EVENT, "cursor": "c1"}]))
    s.on("POST", "/cron-jobs/crn-1/runs", reply(200, {"id": "run-1", "status": "pending"}))
    s.on("GET", "/services/srv-1/custom-domains", render_pages("customDomain", [DOMAIN]))
    s.on("POST", "/services/srv-1/custom-domains", reply(201, [DOMAIN]))
    s.on("GET", "/services/srv-1/custom-domains/cdm-1", reply(200, DOMAIN))
    s.on("DELETE", "/services/srv-1/custom-domains/cdm-1", reply(204))
    s.on("POST", "/services/srv-1/custom-domains/cdm-1/verify", reply(202))
    for base, wrapper, item in (("/key-value", "keyValue", KEY_VALUE), ("/postgres", "postgres", POSTGRES)):
        s.on("GET", base, render_pages(wrapper, [item]))
        s.on("POST", base, reply(201, item))
        path = f"{base}/{item['id']}"
        for method, answer in (("GET", reply(200, item)), ("PATCH", reply(200, item)), ("DELETE", reply(204))):
            s.on(method, path, answer)
        s.on("GET", f"{path}/connection-info", reply(200, CONNECTION))
        s.on("POST", f"{path}/suspend", reply(202))
        s.on("POST", f"{path}/resume", reply(202))
    s.on("GET", "/postgres/dpg-1/credentials", reply(200, [{"username": "app", "default": True}]))
    s.on("POST", "/postgres/dpg-1/credentials", reply(202))
    s.on("DELETE", "/postgres/dpg-1/credentials/app", reply(200))
    return s


def service_params(kind: str, runtime: str | None, **overrides: Any) -> dict:
    """render_service's parameters setting every option a service of this type and runtime takes."""
    docker, image = runtime in ("docker", "image"), runtime == "image"
    params = {"name": "svc", "id": None, "owner": "tea-1", "state": "present", "type": kind, "runtime": runtime,
              "repo": None if image else "https://github.com/acme/app", "branch": None if image else "main",
              "image": "ghcr.io/acme/app:1" if image else None, "registry_credential_id": "rgc-1" if image else None,
              "root_dir": None if image else "app", "auto_deploy": True,
              "build_command": None if docker else "bundle install", "start_command": "bin/start",
              "docker_context": "." if runtime == "docker" else None,
              "dockerfile_path": "./Dockerfile" if runtime == "docker" else None,
              "pre_deploy_command": "bin/migrate", "plan": "standard", "region": "oregon", "num_instances": 2,
              "autoscaling": {"enabled": True, "min": 1, "max": 3, "cpu_percent": 60, "memory_percent": 70},
              "health_check_path": "/health", "schedule": "0 3 * * *", "publish_path": "dist", "environment_id": "evm-1",
              "create_env": None, "create_env_from": None}
    for option in set().union(*TYPE_OPTIONS.values()) - TYPE_OPTIONS[kind]:
        params[option] = None
    if kind == "static_site":
        params.update(runtime=None, start_command=None, plan=None, region=None)
    params.update(overrides)
    return params


# Every type with each runtime kind the module sends: native, docker (built from a Dockerfile), image.
SERVICE_CASES = [(kind, runtime) for kind in ("web_service", "private_service", "background_worker", "cron_job")
                 for runtime in ("ruby", "docker", "image")] + [("static_site", None)]


def create_service(client: RenderClient, kind: str, runtime: str | None) -> None:
    values = {**Service(client, service_params(kind, runtime)).desired(), "environment_id": "evm-1",
              "registry_credential_id": "rgc-1" if runtime == "image" else None}
    client.create_service("tea-1", "svc", values, {"RAILS_ENV": "production"})


def update_service(client: RenderClient, kind: str, runtime: str | None) -> None:
    """A PATCH of every option render_service patches (region, instances and autoscaling are not patched)."""
    desired = Service(client, service_params(kind, runtime)).desired()
    changes = {k: v for k, v in desired.items() if k not in ("type", "region", "num_instances", "autoscaling")}
    client.update_service("srv-1", "tea-1", kind, runtime, {**changes, "registry_credential_id": "rgc-1"})


def every_service_case(operation: Callable[[RenderClient, str, str | None], None]) -> Callable[[RenderClient], None]:
    return lambda c: [operation(c, kind, runtime) for kind, runtime in SERVICE_CASES]


KV_VALUES = {"name": "cache", "plan": "standard", "region": "oregon", "maxmemory_policy": "noeviction",
             "ip_allow_list": [{"cidrBlock": "203.0.113.0/24", "description": "office"}], "environment_id": "evm-1"}
PG_VALUES = {"name": "db", "plan": "basic_1gb", "version": "17", "region": "oregon", "disk_size_gb": 15,
             "high_availability": True, "ip_allow_list": [{"cidrBlock": "203.0.113.0/24", "description": "office"}],
             "database_name": "app", "database_user": "app", "environment_id": "evm-1"}
# The options the engine may PATCH (region, version, database name and user are fixed at create).
KV_CHANGES = {k: v for k, v in KV_VALUES.items() if k not in ("region", "environment_id")}
PG_PATCHED = ("name", "plan", "disk_size_gb", "high_availability", "ip_allow_list")
PG_CHANGES = {k: v for k, v in PG_VALUES.items() if k in PG_PATCHED}

# Each client operation with arguments that send every field and query parameter it can send.
OPERATIONS: dict[str, Callable[[RenderClient], Any]] = {
    "owners": lambda c: c.owners(),
    "owner_id": lambda c: c.owner_id("Acme"),
    "services": lambda c: c.services("tea-1", ["web", "worker"], ["web_service", "background_worker"]),
    "service": lambda c: (c.service("tea-1", "web"), c.service("tea-1", "srv-1")),
    "get_service": lambda c: c.get_service("srv-1"),
    "create_service": every_service_case(create_service),
    "update_service": every_service_case(update_service),
    "delete_service": lambda c: c.delete_service("srv-1"),
    "suspend_service": lambda c: c.suspend_service("srv-1"),
    "resume_service": lambda c: c.resume_service("srv-1"),
    "scale_service": lambda c: c.scale_service("srv-1", 3),
    "set_autoscaling": lambda c: c.set_autoscaling("srv-1", Service(c, service_params("web_service", "ruby"))
                                                   .desired()["autoscaling"]),
    "delete_autoscaling": lambda c: c.delete_autoscaling("srv-1"),
    "env_vars": lambda c: c.env_vars("srv-1"),
    "env_digests": lambda c: c.env_digests("srv-1"),
    "put_env_var": lambda c: c.put_env_var("srv-1", "A", "2"),
    "delete_env_var": lambda c: c.delete_env_var("srv-1", "A"),
    "deploys": lambda c: c.deploys("srv-1"),
    "get_deploy": lambda c: c.get_deploy("srv-1", "dep-1"),
    "create_deploy": lambda c: (c.create_deploy("srv-1", clear_cache=True, commit_id="abc123"),
                                c.create_deploy("srv-1", image_url="ghcr.io/acme/app:2"),
                                c.create_deploy("srv-1", clear_cache=True, deploy_mode="deploy_only")),
    "rollback": lambda c: c.rollback("srv-1", "dep-1"),
    "events": lambda c: c.events("srv-1", "cron_job_run_ended"),
    "run_cron_job": lambda c: c.run_cron_job("crn-1"),
    "custom_domains": lambda c: c.custom_domains("srv-1"),
    "add_custom_domain": lambda c: c.add_custom_domain("srv-1", "example.com"),
    "get_custom_domain": lambda c: c.get_custom_domain("srv-1", "cdm-1"),
    "delete_custom_domain": lambda c: c.delete_custom_domain("srv-1", "cdm-1"),
    "verify_custom_domain": lambda c: c.verify_custom_domain("srv-1", "cdm-1"),
    "key_values": lambda c: c.key_values("tea-1", "cache"),
    "key_value": lambda c: c.key_value("red-1"),
    "create_key_value": lambda c: c.create_key_value("tea-1", KV_VALUES),
    "update_key_value": lambda c: c.update_key_value("red-1", KV_CHANGES),
    "delete_key_value": lambda c: c.delete_key_value("red-1"),
    "key_value_connection": lambda c: c.key_value_connection("red-1", Secrets(), False),
    "postgres_list": lambda c: c.postgres_list("tea-1", "db"),
    "postgres": lambda c: c.postgres("dpg-1"),
    "create_postgres": lambda c: c.create_postgres("tea-1", PG_VALUES),
    "update_postgres": lambda c: c.update_postgres("dpg-1", PG_CHANGES),
    "delete_postgres": lambda c: c.delete_postgres("dpg-1"),
    "suspend_postgres": lambda c: c.suspend_postgres("dpg-1"),
    "resume_postgres": lambda c: c.resume_postgres("dpg-1"),
    "postgres_connection": lambda c: c.postgres_connection("dpg-1", Secrets(), False),
    "postgres_users": lambda c: c.postgres_users("dpg-1"),
    "create_postgres_user": lambda c: c.create_postgres_user("dpg-1", "app_2"),
    "delete_postgres_user": lambda c: c.delete_postgres_user("dpg-1", "app"),
}


def client_of(api: FakeSession) -> RenderClient:
    params = {"api_url": BASE_URL, "api_key": "rnd_test_token", "timeout": 5.0, "validate_certs": True}
    return RenderClient.from_params(params, Secrets(), session=api, retry=no_sleep_policy())


def test_every_public_client_method_is_checked():
    # env_digest computes, it sends nothing
    assert public_methods(RenderClient) == set(OPERATIONS) | {"from_params", "env_digest"}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_operation_sends_only_requests_the_spec_accepts(operation):
    api = render_api()
    OPERATIONS[operation](client_of(api))
    assert api.calls, f"{operation} sent no request"
    assert refused_by_spec("render", api.calls) == {}


@pytest.mark.parametrize("kind, runtime", SERVICE_CASES)
def test_service_details_carry_the_fields_of_their_type_and_runtime(kind, runtime):
    api = render_api()
    client = client_of(api)
    create_service(client, kind, runtime)
    update_service(client, kind, runtime)
    post, patch = api.writes
    created, patched = post.json["serviceDetails"], patch.json["serviceDetails"]
    if kind == "static_site":
        assert created == {"buildCommand": "bundle install", "publishPath": "dist"} == patched
        return
    commands = {"ruby": {"buildCommand": "bundle install", "startCommand": "bin/start"},
                "docker": {"dockerCommand": "bin/start", "dockerContext": ".", "dockerfilePath": "./Dockerfile"},
                "image": {"dockerCommand": "bin/start"}}[runtime]
    if kind == "cron_job" and runtime == "image":  # a cron job's create needs the docker details whole
        assert created["envSpecificDetails"] == {**commands, "dockerContext": ".", "dockerfilePath": "./Dockerfile"}
    else:
        assert created["envSpecificDetails"] == commands
    assert patched["envSpecificDetails"] == commands
    assert (post.json.get("image"), "repo" in post.json) == (
        ({"ownerId": "tea-1", "imagePath": "ghcr.io/acme/app:1", "registryCredentialId": "rgc-1"}, False)
        if runtime == "image" else (None, True))
    assert refused_by_spec("render", [post, patch]) == {}


def test_list_filters_are_one_value_and_services_are_listed_whole():
    api = render_api()
    client = client_of(api)
    client.services("tea-1", ["web", "worker"], ["web_service", "background_worker"])
    client.key_values("tea-1", "cache")
    client.postgres_list("tea-1")
    assert [sent_query(c) for c in api.calls] == [
        "ownerId=tea-1&limit=100", "ownerId=tea-1&name=cache&limit=100", "ownerId=tea-1&limit=100"]


def test_the_run_secrets_are_the_client_secrets():
    secrets = Secrets()
    params = {"api_url": BASE_URL, "api_key": "rnd_test_token", "timeout": 5.0, "validate_certs": True}
    client = RenderClient.from_params(params, secrets, session=render_api(), retry=no_sleep_policy())
    client.key_value_connection("red-1", secrets, False)
    assert client.http.secrets is secrets and {"rnd_test_token", "pw123456"} <= secrets.values


@pytest.mark.parametrize("method, path, query, body", [
    pytest.param("GET", "/services", "name=a&name=b&limit=100", None, id="repeated array filter"),
    pytest.param("POST", "/services", "", {"type": "web_service", "name": "w", "ownerId": "tea-1", "repo": "r",
                                           "serviceDetails": {"runtime": "docker",
                                                              "envSpecificDetails": {"startCommand": "x"}}},
                 id="native command on docker"),
    pytest.param("PUT", "/services/srv-1/env-vars/A", "", {"value": "1", "bogus": True}, id="undeclared field"),
])
def test_the_spec_check_refuses_what_render_does_not_accept(method, path, query, body):
    assert request_problems("render", method, path, query, body) != []
