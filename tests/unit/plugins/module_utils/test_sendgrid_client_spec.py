# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every SendGrid client operation, as sent, is a request SendGrid's spec accepts."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import (
    SENDER_FIELDS, Mail, SendGridClient)
from launchkit_fakes import BASE_URL, FakeSession, no_sleep_policy, public_methods, refused_by_spec, reply, sent_query
from sandbox.conformance import request_problems

KEY = {"api_key_id": "key-1", "name": "app-mail", "scopes": ["mail.send"]}
DOMAIN = {"id": 42, "domain": "example.com", "subdomain": "em", "valid": False, "dns": {}}
SENDER = {"id": 7, "nickname": "Scoop", "from_email": "hello@example.com", "reply_to": "hello@example.com"}


def sendgrid_api() -> FakeSession:
    domains_page = [dict(DOMAIN, id=1000 + i) for i in range(100)]
    senders_page = [dict(SENDER, id=i) for i in range(1, 101)]
    return (FakeSession()
            .on("GET", "/api_keys", reply(200, {"result": [KEY]}))
            .on("GET", "/api_keys/key-1", reply(200, {"result": [KEY]}))
            .on("POST", "/api_keys", reply(201, {**KEY, "api_key": "SG.key-1.secret"}))
            .on("PUT", "/api_keys/key-1", reply(200, KEY))
            .on("DELETE", "/api_keys/key-1", reply(204))
            .on("GET", "/whitelabel/domains", reply(200, domains_page), reply(200, [DOMAIN]))
            .on("GET", "/whitelabel/domains/42", reply(200, DOMAIN))
            .on("POST", "/whitelabel/domains", reply(201, DOMAIN))
            .on("PATCH", "/whitelabel/domains/42", reply(200, [DOMAIN]))
            .on("POST", "/whitelabel/domains/42/validate", reply(200, {"id": 42, "valid": False}))
            .on("DELETE", "/whitelabel/domains/42", reply(204))
            .on("GET", "/verified_senders", reply(200, {"results": senders_page}), reply(200, {"results": [SENDER]}))
            .on("POST", "/verified_senders", reply(201, SENDER))
            .on("PATCH", "/verified_senders/7", reply(200, SENDER))
            .on("POST", "/verified_senders/resend/7", reply(204))
            .on("DELETE", "/verified_senders/7", reply(204))
            .on("POST", "/mail/send", reply(202)))


ALL_SENDER_DETAILS = {"nickname": "Scoop", "from_name": "Scoop", "reply_to": "help@example.com",
                      "reply_to_name": "Scoop help", "address": "1 Main St", "address2": "Suite 2",
                      "city": "Springfield", "address_state": "CA", "zip": "94105", "country": "USA"}
MAIL = Mail(to=["ops@example.com", "dev@example.com"], from_email="hello@example.com", subject="Check",
            text="It works.", html="<p>It works.</p>", from_name="Scoop", reply_to="help@example.com",
            categories=["launchkit"], sandbox_mode=True)

# Each client operation with arguments that send every field and query parameter it can send.
OPERATIONS: dict[str, Any] = {
    "api_keys": lambda c: c.api_keys(),
    "api_key": lambda c: c.api_key("key-1"),
    "create_api_key": lambda c: (c.create_api_key("app-mail", ["mail.send"]), c.create_api_key("app-mail", None)),
    "update_api_key": lambda c: c.update_api_key("key-1", "app-mail", ["mail.send", "alerts.read"]),
    "delete_api_key": lambda c: c.delete_api_key("key-1"),
    "domains": lambda c: list(c.domains("example.com")),
    "domain": lambda c: c.domain(42),
    "create_domain": lambda c: c.create_domain("example.com", subdomain="em", automatic_security=False,
                                               custom_spf=True, default=True, region="eu"),
    "update_domain": lambda c: c.update_domain(42, default=True, custom_spf=True),
    "validate_domain": lambda c: c.validate_domain(42),
    "delete_domain": lambda c: c.delete_domain(42),
    "senders": lambda c: list(c.senders()),
    "create_sender": lambda c: c.create_sender("hello@example.com", ALL_SENDER_DETAILS),
    "update_sender": lambda c: c.update_sender(SENDER, ALL_SENDER_DETAILS),
    "resend_sender_verification": lambda c: c.resend_sender_verification(7),
    "delete_sender": lambda c: c.delete_sender(7),
    "send_mail": lambda c: c.send_mail(MAIL),
}


def client_of(api: FakeSession) -> SendGridClient:
    params = {"api_url": BASE_URL, "api_key": "SG.admin.key", "timeout": 5.0, "validate_certs": True}
    return SendGridClient.from_params(params, Secrets(), session=api, retry=no_sleep_policy())


def test_every_public_client_method_is_checked():
    assert public_methods(SendGridClient) == set(OPERATIONS) | {"from_params"}
    assert set(ALL_SENDER_DETAILS) == set(SENDER_FIELDS)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_operation_sends_only_requests_the_spec_accepts(operation):
    api = sendgrid_api()
    OPERATIONS[operation](client_of(api))
    assert api.calls, f"{operation} sent no request"
    assert refused_by_spec("sendgrid", api.calls) == {}


def test_the_pages_are_asked_for_with_the_spec_parameters():
    api = sendgrid_api()
    client = client_of(api)
    list(client.domains("example.com"))
    list(client.senders())
    assert [sent_query(c) for c in api.calls] == ["domain=example.com&limit=100&offset=0",
                                                  "domain=example.com&limit=100&offset=100",
                                                  "limit=100", "limit=100&lastSeenID=100"]


def test_the_run_secrets_are_the_client_secrets_and_hold_a_new_key():
    secrets = Secrets()
    params = {"api_url": BASE_URL, "api_key": "SG.admin.key", "timeout": 5.0, "validate_certs": True}
    client = SendGridClient.from_params(params, secrets, session=sendgrid_api(), retry=no_sleep_policy())
    client.create_api_key("app-mail", ["mail.send"])
    assert client.http.secrets is secrets and {"SG.admin.key", "SG.key-1.secret"} <= secrets.values


@pytest.mark.parametrize("query, body", [("limit=100&bogus=1", None), ("limit=100", {"name": "x", "bogus": 1})])
def test_the_spec_check_refuses_what_sendgrid_does_not_declare(query, body):
    assert request_problems("sendgrid", "GET" if body is None else "POST", "/api_keys", query, body) != []
