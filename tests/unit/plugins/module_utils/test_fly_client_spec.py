# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Fly.io client operation, as sent, is a request the Machines API spec accepts; the auth header."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import (
    LEASE_NONCE_HEADER, FlyClient, authorization, split_tokens)
from launchkit_fakes import BASE_URL, FakeSession, no_sleep_policy, public_methods, refused_by_spec, reply
from sandbox.conformance import request_problems

APP = {"id": "a1", "name": "web", "network": "default", "organization": {"slug": "acme"}}
MACHINE = {"id": "m1", "state": "started", "instance_id": "v1", "config": {"image": "nginx", "metadata": {}}}
CERT = {"hostname": "www.example.test", "configured": False}
CONFIG = {"image": "registry.fly.io/web:1", "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
          "env": {"PORT": "8080"}, "metadata": {"launchkit_role": "web"},
          "services": [{"protocol": "tcp", "internal_port": 8080, "ports": [{"port": 443, "handlers": ["tls", "http"]}]}],
          "checks": {"health": {"type": "http", "port": 8080, "path": "/health", "interval": "15s", "timeout": "2s"}}}


def fly_api() -> FakeSession:
    m = "/apps/web/machines/m1"
    return (FakeSession()
            .on("GET", "/apps", reply(200, {"apps": [APP], "total_apps": 1}))
            .on("POST", "/apps", reply(201))
            .on("GET", "/apps/web", reply(200, APP))
            .on("DELETE", "/apps/web", reply(202))
            .on("GET", "/apps/web/secrets", reply(200, {"secrets": [{"name": "A", "digest": "d"}]}))
            .on("POST", "/apps/web/secrets", reply(200, {"version": 3, "secrets": []}))
            .on("GET", "/apps/web/machines", reply(200, [MACHINE]))
            .on("POST", "/apps/web/machines", reply(200, MACHINE))
            .on("GET", m, reply(200, MACHINE))
            .on("POST", m, reply(200, MACHINE))
            .on("DELETE", m, reply(200))
            .on("GET", f"{m}/lease", reply(200, {"nonce": "n1", "owner": "ops@example.test"}))
            .on("POST", f"{m}/lease", reply(201, {"nonce": "n1", "expires_at": 1, "version": "v1"}))
            .on("DELETE", f"{m}/lease", reply(200))
            .on("GET", "/apps/web/certificates", reply(200, {"certificates": [CERT]}))
            .on("POST", "/apps/web/certificates/acme", reply(201, CERT))
            .on("GET", "/apps/web/certificates/www.example.test", reply(200, CERT))
            .on("POST", "/apps/web/certificates/www.example.test/check", reply(200, CERT))
            .on("DELETE", "/apps/web/certificates/www.example.test", reply(204)))


# Each client operation with arguments that send every field and query parameter it can send.
OPERATIONS: dict[str, Any] = {
    "apps": lambda c: c.apps("acme"),
    "app": lambda c: c.app("web"),
    "create_app": lambda c: c.create_app("web", "acme", "private-net"),
    "delete_app": lambda c: (c.delete_app("web"), c.delete_app("web", force=True)),
    "secrets": lambda c: c.secrets("web"),
    "update_secrets": lambda c: c.update_secrets("web", {"A": "value-a", "OLD": None}),
    "machines": lambda c: c.machines("web"),
    "machine": lambda c: c.machine("web", "m1"),
    "create_machine": lambda c: c.create_machine("web", CONFIG, name="web-1", region="ams", skip_launch=True,
                                                 min_secrets_version=3),
    "update_machine": lambda c: c.update_machine("web", "m1", CONFIG, current_version="v1", skip_launch=True,
                                                 min_secrets_version=3, nonce="n1"),
    "delete_machine": lambda c: (c.delete_machine("web", "m1"), c.delete_machine("web", "m1", force=True, nonce="n1")),
    "lease": lambda c: c.lease("web", "m1"),
    "acquire_lease": lambda c: c.acquire_lease("web", "m1", 120, description="launchkit.paas update"),
    "release_lease": lambda c: c.release_lease("web", "m1", "n1"),
    "certificates": lambda c: c.certificates("web"),
    "certificate": lambda c: c.certificate("web", "www.example.test"),
    "create_acme_certificate": lambda c: c.create_acme_certificate("web", "www.example.test"),
    "check_certificate": lambda c: c.check_certificate("web", "www.example.test"),
    "delete_certificate": lambda c: c.delete_certificate("web", "www.example.test"),
}


def client_of(api: FakeSession, token: str = "fo1_user-token", secrets: Secrets | None = None) -> FlyClient:
    params = {"api_url": BASE_URL, "api_token": token, "timeout": 5.0, "validate_certs": True}
    return FlyClient.from_params(params, secrets, session=api, retry=no_sleep_policy())


def test_every_public_client_method_is_checked():
    assert public_methods(FlyClient) == set(OPERATIONS) | {"from_params"}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_operation_sends_only_requests_the_spec_accepts(operation):
    api = fly_api()
    OPERATIONS[operation](client_of(api))
    assert api.calls, f"{operation} sent no request"
    assert refused_by_spec("fly", api.calls) == {}


@pytest.mark.parametrize("operation", ["update_machine", "release_lease", "delete_machine"])
def test_lease_holders_send_the_nonce_header(operation):
    api = fly_api()
    OPERATIONS[operation](client_of(api))
    assert api.writes[-1].headers[LEASE_NONCE_HEADER] == "n1"


def test_a_call_without_a_lease_sends_no_nonce():
    api = fly_api()
    OPERATIONS["create_machine"](client_of(api))
    assert LEASE_NONCE_HEADER not in api.calls[0].headers


@pytest.mark.parametrize("token, header", [
    ("fo1_user-token", "Bearer fo1_user-token"),
    ("Bearer fo1_user-token", "Bearer fo1_user-token"),
    ("fm2_macaroon", "FlyV1 fm2_macaroon"),
    ("FlyV1 fm2_a,fm2_b", "FlyV1 fm2_a,fm2_b"),
    ("fm1r_org", "FlyV1 fm1r_org"),
    ("fm1a_app", "FlyV1 fm1a_app"),
    # fly-go sends the macaroons alone when the token holds user tokens too
    ("FlyV1 fm2_a, fo1_user", "FlyV1 fm2_a"),
    ("flyv1 Bearer fm2_a", "FlyV1 fm2_a"),
])
def test_the_auth_scheme_is_the_one_fly_go_sends(token, header):
    assert authorization(token) == header
    api = fly_api()
    client_of(api, token).apps("acme")
    assert api.calls[0].headers["Authorization"] == header


def test_every_token_part_is_a_run_secret():
    secrets = Secrets()
    client_of(fly_api(), "FlyV1 fm2_first,fm2_second", secrets)
    assert {"fm2_first", "fm2_second"} <= secrets.values
    assert split_tokens("FlyV1 fm2_first,fm2_second") == ["fm2_first", "fm2_second"]


@pytest.mark.parametrize("path, query, body", [("/apps", "", None),  # org_slug is required
                                               ("/apps", "org_slug=acme&bogus=1", None),
                                               ("/apps/web/secrets", "", {"values": {"A": 1}})])
def test_the_spec_check_refuses_what_fly_does_not_declare(path, query, body):
    assert request_problems("fly", "GET" if body is None else "POST", path, query, body) != []
