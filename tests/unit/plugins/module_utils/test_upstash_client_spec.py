# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Upstash client operation, as sent, is a request the Upstash Developer API spec accepts."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.upstash.client import UpstashClient
from launchkit_fakes import BASE_URL, FakeSession, no_sleep_policy, public_methods, refused_by_spec, reply, sent_query
from sandbox.conformance import request_problems

DB = {"database_id": "db-1", "database_name": "queue", "platform": "aws", "primary_region": "us-east-1"}
CREATE = {"database_name": "queue", "platform": "aws", "primary_region": "us-east-1"}
ACTIONS = ("enable-eviction", "disable-eviction", "enable-tls", "update-regions")


def upstash_api() -> FakeSession:
    api = (FakeSession()
           .on("GET", "/redis/databases", reply(200, [DB]))
           .on("GET", "/redis/database/db-1", reply(200, DB))
           .on("POST", "/redis/database", reply(200, DB))
           .on("DELETE", "/redis/database/db-1", reply(200, "OK"))
           .on("POST", "/redis/reset-password/db-1", reply(200, DB)))
    for action in ACTIONS:
        api.on("POST", f"/redis/{action}/db-1", reply(200, "OK"))
    return api


# Each client operation with arguments that send every field and query parameter it can send.
OPERATIONS: dict[str, Any] = {
    "databases": lambda c: c.databases(),
    "database": lambda c: (c.database("db-1"), c.database("db-1", credentials=True)),
    "create_database": lambda c: c.create_database("queue", "aws", "us-east-1", read_regions=["us-west-1"],
                                                   plan="payg", budget=20, eviction=False, tls=True),
    "delete_database": lambda c: c.delete_database("db-1"),
    "enable_eviction": lambda c: c.enable_eviction("db-1"),
    "disable_eviction": lambda c: c.disable_eviction("db-1"),
    "enable_tls": lambda c: c.enable_tls("db-1"),
    "update_regions": lambda c: c.update_regions("db-1", ["us-west-1", "eu-west-1"]),
    "reset_password": lambda c: c.reset_password("db-1"),
}


def client_of(api: FakeSession, secrets: Secrets | None = None) -> UpstashClient:
    params = {"api_url": BASE_URL, "email": "ops@example.test", "api_key": "upstash-api-key", "timeout": 5.0,
              "validate_certs": True}
    return UpstashClient.from_params(params, secrets, session=api, retry=no_sleep_policy())


def test_every_public_client_method_is_checked():
    assert public_methods(UpstashClient) == set(OPERATIONS) | {"from_params"}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_operation_sends_only_requests_the_spec_accepts(operation):
    api = upstash_api()
    OPERATIONS[operation](client_of(api))
    assert api.calls, f"{operation} sent no request"
    assert refused_by_spec("upstash", api.calls) == {}


def test_credentials_are_hidden_unless_asked_for():
    api = upstash_api()
    OPERATIONS["database"](client_of(api))
    assert [sent_query(c) for c in api.calls] == ["credentials=hide", ""]


def test_the_run_secrets_are_the_client_secrets():
    secrets = Secrets()
    assert client_of(upstash_api(), secrets).http.secrets is secrets and "upstash-api-key" in secrets.values


@pytest.mark.parametrize("path, query, body", [("/redis/database/db-1", "credentials=hide&bogus=1", None),
                                               ("/redis/database", "", {**CREATE, "bogus": 1})])
def test_the_spec_check_refuses_what_upstash_does_not_declare(path, query, body):
    assert request_problems("upstash", "GET" if body is None else "POST", path, query, body) != []
