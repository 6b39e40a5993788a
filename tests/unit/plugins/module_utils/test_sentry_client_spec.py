# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Sentry web API client operation, as sent, is a request Sentry's OpenAPI spec accepts.

Each public method of ``SentryClient`` is called through the transport-level fake; every request it
sends (method, path, query string as requests writes it, JSON body) is checked with
``sandbox.conformance.request_problems``, the code the sandbox validates with. The sandbox merges the
current spec and the last one that still had the issue alert rules (``rules/``). Every list is answered
with two pages, so the ``cursor`` of a next page is checked too.

Left out: ``IngestClient.send_envelope``. Sentry's ingest endpoint (``/api/{project_id}/envelope/`` on
the DSN's host) has no OpenAPI spec; its requests are tested in test_sentry_test_event.py.
"""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    Alert, IngestClient, SentryClient, Target)
from launchkit_fakes import BASE_URL, FakeSession, no_sleep_policy, public_methods, refused_by_spec, reply
from sandbox.conformance import request_problems

TOKEN = "sntrys_spec_test_token"
TARGETS = [Target("team", "7"), Target("member", "42"), Target("issue_owners", fallthrough="ActiveMembers"),
           Target("slack", "#alerts", integration_id="55")]
NEW_ISSUE = Alert("New issue", [{"type": "first_seen_event"}], TARGETS, 30, None, detector_ids=[12])
SPIKE = Alert("Error spike", [{"type": "event_frequency_count", "value": 100, "interval": "1h"}], TARGETS, 60,
              "production", enabled=False, detector_ids=[11, 12])

# Each client operation with arguments that send every field and query parameter it can send.
OPERATIONS: dict[str, Any] = {
    "team": lambda c: c.team("ops"),
    "create_team": lambda c: (c.create_team("ops", "Ops"), c.create_team("ops", None)),
    "update_team": lambda c: c.update_team("ops", "Operations"),
    "delete_team": lambda c: c.delete_team("ops"),
    "projects": lambda c: c.projects(),
    "project": lambda c: c.project("scoop"),
    "create_project": lambda c: c.create_project("ops", "Scoop", "scoop", "ruby-rails", False),
    "update_project": lambda c: c.update_project("scoop", "Scoop", "node"),
    "add_project_team": lambda c: c.add_project_team("scoop", "web"),
    "delete_project": lambda c: c.delete_project("scoop"),
    "keys": lambda c: c.keys("scoop"),
    "create_key": lambda c: c.create_key("scoop", "scoop-production", {"count": 100, "window": 60}),
    "update_key": lambda c: c.update_key("scoop", "k1", "renamed", {"count": 500, "window": 3600}),
    "delete_key": lambda c: c.delete_key("scoop", "k1"),
    "members": lambda c: c.members(),
    "detectors": lambda c: c.detectors("4505"),
    "workflows": lambda c: c.workflows("4505"),
    "create_workflow": lambda c: (c.create_workflow(NEW_ISSUE), c.create_workflow(SPIKE)),
    "update_workflow": lambda c: (c.update_workflow("100", NEW_ISSUE), c.update_workflow("100", SPIKE)),
    "delete_workflow": lambda c: c.delete_workflow("100"),
    "rules": lambda c: c.rules("scoop"),
    "create_rule": lambda c: (c.create_rule("scoop", NEW_ISSUE), c.create_rule("scoop", SPIKE)),
    "update_rule": lambda c: (c.update_rule("scoop", "3", NEW_ISSUE), c.update_rule("scoop", "3", SPIKE)),
    "delete_rule": lambda c: c.delete_rule("scoop", "3"),
    "event": lambda c: c.event("scoop", "0123456789abcdef0123456789abcdef"),
}


class SentryFake(FakeSession):
    """Answers every request: a GET with one page of a two-page list (Link header), a write with an object."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        super().request(method, url, **kwargs)
        if method == "DELETE":
            return reply(204)
        if method != "GET":
            return reply(201, {"id": "1"})
        last = bool((kwargs.get("params") or {}).get("cursor"))
        link = (f'<{url}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
                f'<{url}?cursor=0:100:0>; rel="next"; results="{"false" if last else "true"}"; cursor="0:100:0"')
        return reply(200, [{"id": "1"}], headers={"Link": link})


def client_of(api: FakeSession) -> SentryClient:
    params = {"api_url": BASE_URL, "auth_token": TOKEN, "organization": "acme", "timeout": 5.0,
              "validate_certs": True}
    return SentryClient.from_params(params, Secrets(), session=api, retry=no_sleep_policy())


def test_every_public_client_method_is_checked():
    assert public_methods(SentryClient) == set(OPERATIONS) | {"from_params"}


def test_the_ingest_client_has_only_the_envelope_operation():
    """The one operation without a spec to check against (see the module docstring)."""
    assert public_methods(IngestClient) == {"send_envelope", "from_dsn"}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_request_of_the_operation_is_one_the_spec_accepts(operation):
    api = SentryFake()
    OPERATIONS[operation](client_of(api))
    assert api.calls, f"{operation} sent nothing"
    assert refused_by_spec("sentry", api.calls) == {}


@pytest.mark.parametrize("operation", ["projects", "keys", "members", "rules", "detectors", "workflows"])
def test_a_list_reads_the_next_page_with_the_cursor_of_the_link_header(operation):
    api = SentryFake()
    assert OPERATIONS[operation](client_of(api)) == [{"id": "1"}, {"id": "1"}]
    assert [(c.params or {}).get("cursor") for c in api.calls] == [None, "0:100:0"]


def test_the_spec_check_refuses_what_the_spec_does_not_declare():
    """The check this file relies on does refuse: an undeclared body field and query parameter."""
    assert request_problems("sentry", "POST", "/organizations/acme/teams/", "", {"slug": "ops", "color": "red"})
    assert request_problems("sentry", "GET", "/organizations/acme/members/", "limit=5", None)
    assert request_problems("sentry", "PUT", "/projects/acme/scoop/keys/k1/", "", {"rate_limit": {"count": 1}})
