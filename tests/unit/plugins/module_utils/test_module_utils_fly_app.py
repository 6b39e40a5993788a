# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fly_app and fly_app_info: create once, check mode, org checks, a name taken elsewhere, delete."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.fly.app import name_taken, run_app, run_app_info
from fly_fakes import ORG, TOKEN, FakeFly, base_params, fly_client
from launchkit_fakes import connection_dropped, reply


def params(**overrides):
    return base_params(**{"name": "new", "state": "present", "network": None, "force": False, **overrides})


def run(fake, check_mode=False, **overrides):
    return run_app(params(**overrides), check_mode, Secrets(), fly_client(fake))


def test_check_mode_predicts_the_create_and_writes_nothing():
    fake = FakeFly()
    fake.api.on("GET", "/apps/new", reply(404, {"error": "not found"}))
    result = run(fake, check_mode=True)
    assert result["changed"] and result["action"] == "create" and result["app"] is None
    assert fake.api.writes == []
    assert result["diff"]["after"] == {"org": ORG}


def test_create_then_a_second_run_changes_nothing():
    fake = FakeFly()
    fake.api.on("GET", "/apps/new", reply(404, {"error": "not found"}),
                lambda call: reply(200, fake.apps["new"]))
    first = run(fake)
    assert first["changed"] and first["app"]["name"] == "new" and first["app"]["org"] == ORG
    assert [c.json for c in fake.api.to("POST", "/apps")] == [{"name": "new", "org_slug": ORG}]
    second = run(fake)
    assert not second["changed"] and len(fake.api.to("POST", "/apps")) == 1


def test_a_lost_create_answer_is_looked_up_before_creating_again():
    fake = FakeFly()
    fake.apps["new"] = {"id": "a9", "name": "new", "organization": {"slug": ORG}, "network": "default"}
    fake.api.on("GET", "/apps/new", reply(404, {"error": "not found"}), reply(200, fake.apps["new"]))
    fake.api.on("POST", "/apps", connection_dropped())
    result = run(fake)
    assert result["app"]["id"] == "a9" and len(fake.api.to("POST", "/apps")) == 1


def test_a_taken_name_says_it_may_be_an_app_this_token_cannot_see():
    fake = FakeFly()
    with pytest.raises(ResourceError, match="possibly by an app in an org this token cannot see") as raised:
        run(fake, name="taken")
    assert raised.value.details["error_code"] == "name_taken"


@pytest.mark.parametrize("code, message, taken", [("name_taken", "x", True), ("unknown", "Name has already been taken", True),
                                                  (None, "Name has already been taken", True),
                                                  ("insufficient_capacity", "Name has already been taken", False),
                                                  (None, "validation failed", False)])
def test_name_taken_reads_the_status_first_then_the_legacy_text(code, message, taken):
    assert name_taken(ApiError(422, message, code=code)) is taken


def test_an_app_in_another_org_is_refused_before_any_write():
    fake = FakeFly()
    with pytest.raises(ResourceError, match="exists in the organization 'acme', not 'other-org'"):
        run(fake, name="web", org="other-org")
    assert fake.api.writes == []


def test_org_is_required_to_create():
    with pytest.raises(ValueError, match="org is required"):
        run(FakeFly(), org=None)


def test_an_other_network_cannot_change():
    with pytest.raises(ResourceError, match="cannot change network"):
        run(FakeFly(), name="web", network="private")


def test_delete_and_a_second_delete_changes_nothing():
    fake = FakeFly()
    first = run(fake, name="web", state="absent")
    assert first["changed"] and first["action"] == "delete" and [c.path for c in fake.api.writes] == ["/apps/web"]
    second = run(fake, name="web", state="absent")
    assert not second["changed"] and len(fake.api.writes) == 1


def test_force_delete_stops_the_machines_first():
    fake = FakeFly()
    run(fake, name="web", state="absent", force=True)
    assert fake.api.writes[0].params == {"force": "true"}


def test_delete_in_check_mode_writes_nothing():
    fake = FakeFly()
    assert run(fake, check_mode=True, name="web", state="absent")["changed"] and fake.api.writes == []


def test_info_lists_the_org_or_reads_one():
    fake = FakeFly()
    listed = run_app_info(base_params(name=None), False, Secrets(), fly_client(fake))
    assert [a["name"] for a in listed["apps"]] == ["web"]
    assert fake.api.calls[0].params == {"org_slug": ORG}
    one = run_app_info(base_params(name="other"), False, Secrets(), fly_client(fake))
    assert one["apps"] == []


def test_errors_carry_fly_s_message_and_request_id_never_the_token():
    fake = FakeFly()
    fake.api.on("GET", "/apps/web", reply(401, {"error": f"token {TOKEN} is not valid"}, headers={"fly-request-id": "r-1"}))
    secrets = Secrets([TOKEN])
    with pytest.raises(ApiError) as raised:
        run_app(params(name="web"), False, secrets, fly_client(fake, secrets=secrets))
    assert TOKEN not in str(raised.value) and "r-1" in str(raised.value) and "api_token" in str(raised.value)
