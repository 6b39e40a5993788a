# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""render_postgres and render_postgres_info: requests, create-only settings, confirmed deletes, masking,
check mode predictions, diffs, suspend and resume."""
from __future__ import annotations

import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.postgres import (
    postgres_view, run_postgres, run_postgres_info)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import DuplicateResource, ResourceError
from launchkit_fakes import Call, FakeSession, make_http, render_pages, reply

PASSWORD = "pgPassw0rdSECRET42"
DB = {"id": "dpg-1", "name": "app-db", "plan": "basic_1gb", "version": "16", "region": "oregon",
      "status": "available", "suspended": "not_suspended", "suspenders": [], "diskSizeGB": 10,
      "highAvailabilityEnabled": False, "ipAllowList": [{"cidrBlock": "0.0.0.0/0", "description": "everywhere"}],
      "databaseName": "app", "databaseUser": "app_user", "owner": {"id": "tea-1"},
      "dashboardUrl": "https://dashboard.render.com/d/dpg-1", "createdAt": "2025-01-02T03:04:05Z"}
CONNECTION_INFO = {
    "password": PASSWORD,
    "internalConnectionString": f"postgresql://app_user:{PASSWORD}@dpg-1-a/app",
    "externalConnectionString": f"postgresql://app_user:{PASSWORD}@dpg-1-a.oregon-postgres.render.com/app",
    "psqlCommand": f"PGPASSWORD={PASSWORD} psql -h dpg-1-a.oregon-postgres.render.com -U app_user app",
}


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


class FakePostgresApi:
    """Render's /postgres endpoints over a dict of databases, answering as the spec says."""

    def __init__(self, *databases: dict) -> None:
        self.dbs = {db["id"]: json.loads(json.dumps(db)) for db in databases}
        self.session = FakeSession()
        s = self.session
        s.on("GET", "/postgres", lambda call: render_pages("postgres", self._named(call))(call))
        s.on("POST", "/postgres", self._create)
        for db_id in ("dpg-1", "dpg-2", "dpg-new"):
            s.on("GET", f"/postgres/{db_id}", lambda call, i=db_id: self._get(i))
            s.on("PATCH", f"/postgres/{db_id}", lambda call, i=db_id: self._patch(i, call.json))
            s.on("DELETE", f"/postgres/{db_id}", lambda call, i=db_id: reply(204) if self.dbs.pop(i, None) else
                 reply(404, {"id": "not_found", "message": "not found"}))
            s.on("GET", f"/postgres/{db_id}/connection-info", reply(200, CONNECTION_INFO))
            s.on("POST", f"/postgres/{db_id}/suspend", lambda call, i=db_id: self._suspend(i, True))
            s.on("POST", f"/postgres/{db_id}/resume", lambda call, i=db_id: self._suspend(i, False))

    def _named(self, call: Call) -> list[dict]:
        names = [n for n in ((call.params or {}).get("name") or "").split(",") if n]  # name=a,b (explode: false)
        return [db for db in self.dbs.values() if not names or db["name"] in names]

    def _get(self, db_id: str):
        if db_id not in self.dbs:
            return reply(404, {"id": "not_found", "message": "postgres not found"})
        return reply(200, self.dbs[db_id])

    def _create(self, call: Call):
        body = call.json
        fields = {"databaseName": body.get("databaseName", "generated_db"),
                  "databaseUser": body.get("databaseUser", "generated_user"),
                  "highAvailabilityEnabled": body.get("enableHighAvailability", False)}
        db = dict(DB, id="dpg-new", name=body["name"], plan=body["plan"], version=body["version"],
                  region=body.get("region", "oregon"), diskSizeGB=body.get("diskSizeGB", 1),
                  ipAllowList=body.get("ipAllowList", []), status="creating", **fields)
        self.dbs["dpg-new"] = dict(db, status="available")
        return reply(201, db)

    def _patch(self, db_id: str, body: dict):
        names = {"enableHighAvailability": "highAvailabilityEnabled"}
        self.dbs[db_id].update({names.get(k, k): v for k, v in body.items()})
        return reply(200, self.dbs[db_id])

    def _suspend(self, db_id: str, suspended: bool):
        self.dbs[db_id].update(suspended="suspended" if suspended else "not_suspended",
                               status="suspended" if suspended else "available")
        return reply(202)

    @property
    def writes(self) -> list[tuple[str, str, object]]:
        return [(c.method, c.path, c.json) for c in self.session.writes]


def params(**overrides):
    values = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "name": "app-db", "id": None, "state": "present",
              "plan": None, "version": None, "region": None, "disk_size_gb": None, "high_availability": None,
              "ip_allow_list": None, "database_name": None, "database_user": None, "environment_id": None,
              "confirm_delete": False, "wait": True, "wait_timeout": 60, "return_secrets": False}
    values.update(overrides)
    return values


def run(api: FakePostgresApi, check_mode: bool = False, secrets: Secrets | None = None, **overrides) -> dict:
    return run_postgres(params(**overrides), check_mode, secrets or Secrets(), render(api.session))


# ----------------------------------------------------------------------------------------------- create
def test_create_posts_what_the_spec_requires_with_the_newest_version_by_default():
    api = FakePostgresApi()
    result = run(api, plan="basic_1gb", region="frankfurt", disk_size_gb=15, high_availability=True,
                 ip_allow_list=[{"cidr_block": "203.0.113.0/24", "description": None}],
                 database_name="scoop", database_user="scoop_app", environment_id="evm-1")
    assert api.writes == [("POST", "/postgres", {
        "name": "app-db", "ownerId": "tea-1", "plan": "basic_1gb", "version": "18", "region": "frankfurt",
        "diskSizeGB": 15, "enableHighAvailability": True,
        "ipAllowList": [{"cidrBlock": "203.0.113.0/24", "description": "203.0.113.0/24"}],
        "databaseName": "scoop", "databaseUser": "scoop_app", "environmentId": "evm-1"})]
    assert result["changed"] is True and result["action"] == "create"
    assert result["postgres"]["id"] == "dpg-new" and result["postgres"]["status"] == "available"
    assert result["postgres"]["version"] == "18"


def test_create_sends_only_what_was_set_and_the_version_asked_for():
    api = FakePostgresApi()
    run(api, plan="free", version="15")
    body = {"name": "app-db", "ownerId": "tea-1", "plan": "free", "version": "15"}
    assert api.writes == [("POST", "/postgres", body)]


def test_create_without_a_plan_fails_before_any_write():
    api = FakePostgresApi()
    with pytest.raises(ValueError, match="plan is required"):
        run(api)
    assert api.writes == []


def test_an_id_that_does_not_exist_is_not_created_again_under_a_new_id():
    api = FakePostgresApi()
    with pytest.raises(ResourceError, match="no Render Postgres database has id 'dpg-2'"):
        run(api, id="dpg-2", plan="free")
    assert api.writes == []


def test_several_databases_with_the_name_are_refused():
    api = FakePostgresApi(DB, dict(DB, id="dpg-2"))
    with pytest.raises(DuplicateResource, match="dpg-1, dpg-2"):
        run(api, plan="free")
    assert api.writes == []


# ------------------------------------------------------------------------------------- idempotence, update
def test_same_settings_write_nothing_and_no_version_means_keep_the_current_one():
    api = FakePostgresApi(DB)
    result = run(api, plan="basic_1gb", region="oregon", disk_size_gb=10, high_availability=False,
                 ip_allow_list=[{"cidr_block": "0.0.0.0/0", "description": "everywhere"}],
                 database_name="app", database_user="app_user")
    assert result["changed"] is False and result["action"] == "none"
    assert api.writes == []
    assert result["diff"] == {"before": {}, "after": {}}


def test_update_patches_only_the_changed_fields_and_diffs_only_them():
    api = FakePostgresApi(DB)
    result = run(api, plan="basic_4gb", ip_allow_list=[], high_availability=True, disk_size_gb=20, region="oregon")
    assert api.writes == [("PATCH", "/postgres/dpg-1", {"plan": "basic_4gb", "ipAllowList": [],
                                                        "enableHighAvailability": True, "diskSizeGB": 20})]
    assert result["action"] == "update"
    assert result["diff"] == {
        "before": {"plan": "basic_1gb", "ip_allow_list": DB["ipAllowList"], "high_availability": False,
                   "disk_size_gb": 10},
        "after": {"plan": "basic_4gb", "ip_allow_list": [], "high_availability": True, "disk_size_gb": 20}}
    assert result["postgres"]["plan"] == "basic_4gb" and result["postgres"]["ip_allow_list"] == []


def test_a_database_found_by_id_is_renamed():
    api = FakePostgresApi(DB)
    result = run(api, id="dpg-1", name="renamed-db")
    assert api.writes == [("PATCH", "/postgres/dpg-1", {"name": "renamed-db"})]
    assert result["postgres"]["name"] == "renamed-db"


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"version": "17"}, r"cannot change version .* from 16 to 17: Render needs a new database.*restore",
                 id="version"),
    pytest.param({"region": "frankfurt"}, r"cannot change region .*'oregon'", id="region"),
    pytest.param({"database_name": "other"}, r"cannot change database_name .*'app'", id="database_name"),
    pytest.param({"database_user": "other"}, r"cannot change database_user .*'app_user'", id="database_user"),
    pytest.param({"disk_size_gb": 5}, r"cannot shrink the disk .* from 10 GB to 5 GB", id="disk shrink"),
])
@pytest.mark.parametrize("check_mode", [False, True])
def test_what_render_cannot_change_fails_before_any_write(overrides, message, check_mode):
    api = FakePostgresApi(DB)
    with pytest.raises(ResourceError, match=message):
        run(api, check_mode, plan="basic_4gb", **overrides)
    assert api.writes == []


# ----------------------------------------------------------------------------------------------- delete
@pytest.mark.parametrize("check_mode", [False, True])
def test_absent_without_confirmation_fails_before_any_call(check_mode):
    api = FakePostgresApi(DB)
    with pytest.raises(ValueError) as failure:
        run(api, check_mode, state="absent")
    assert api.session.calls == []
    assert "all of its data" in str(failure.value) and "confirm_delete=true" in str(failure.value)


def test_absent_with_confirmation_deletes_once():
    api = FakePostgresApi(DB)
    result = run(api, state="absent", confirm_delete=True)
    again = run(api, state="absent", confirm_delete=True)
    assert api.writes == [("DELETE", "/postgres/dpg-1", None)]
    assert result["changed"] is True and result["action"] == "delete" and result["postgres"] is None
    assert again["changed"] is False and again["action"] == "none"


def test_absent_by_an_id_that_is_gone_changes_nothing():
    api = FakePostgresApi()
    result = run(api, state="absent", confirm_delete=True, id="dpg-2")
    assert result["changed"] is False and api.writes == []


def test_delete_in_check_mode_predicts_it_and_writes_nothing():
    api = FakePostgresApi(DB)
    result = run(api, True, state="absent", confirm_delete=True)
    assert result["changed"] is True and result["action"] == "delete"
    assert api.writes == []
    assert result["diff"]["before"]["plan"] == "basic_1gb" and result["diff"]["after"] == {}


# ---------------------------------------------------------------------------------------------- masking
def test_view_masks_every_password_and_registers_it():
    secrets = Secrets()
    view = postgres_view(render(FakePostgresApi(DB).session), DB, secrets, reveal=False)
    assert PASSWORD not in json.dumps(view)
    assert view["connection"] == {
        "internal_connection_string": f"postgresql://app_user:{MASK}@dpg-1-a/app",
        "external_connection_string": f"postgresql://app_user:{MASK}@dpg-1-a.oregon-postgres.render.com/app",
        "psql_command": f"PGPASSWORD={MASK} psql -h dpg-1-a.oregon-postgres.render.com -U app_user app",
        "password": MASK}
    assert PASSWORD in secrets.values


def test_view_has_the_settings_under_the_documented_names():
    view = postgres_view(render(FakePostgresApi(DB).session), DB, Secrets(), reveal=False)
    assert {k: v for k, v in view.items() if k != "connection"} == {
        "id": "dpg-1", "name": "app-db", "plan": "basic_1gb", "version": "16", "region": "oregon",
        "status": "available", "disk_size_gb": 10, "high_availability": False, "ip_allow_list": DB["ipAllowList"],
        "database_name": "app", "database_user": "app_user", "owner_id": "tea-1",
        "dashboard_url": DB["dashboardUrl"], "created_at": DB["createdAt"]}


def test_a_psql_command_that_embeds_a_url_and_the_password_is_masked_throughout():
    api = FakePostgresApi(DB)
    info = dict(CONNECTION_INFO, psqlCommand=f"PGPASSWORD={PASSWORD} psql {CONNECTION_INFO['externalConnectionString']}")
    api.session.on("GET", "/postgres/dpg-1/connection-info", reply(200, info))
    view = postgres_view(render(api.session), DB, Secrets(), reveal=False)
    assert PASSWORD not in json.dumps(view)
    assert view["connection"]["psql_command"].startswith(f"PGPASSWORD={MASK} psql postgresql://app_user:{MASK}@")


@pytest.mark.parametrize("check_mode", [False, True])
def test_results_never_hold_the_password_unless_asked(check_mode):
    api = FakePostgresApi(DB)
    result = run(api, check_mode, plan="basic_4gb")
    assert PASSWORD not in json.dumps(result)
    assert "_unmasked" not in result


def test_return_secrets_gives_the_connection_as_it_is_and_keeps_it_unmasked():
    api = FakePostgresApi(DB)
    secrets = Secrets()
    result = run(api, secrets=secrets, return_secrets=True)
    assert result["postgres"]["connection"]["password"] == PASSWORD
    assert result["postgres"]["connection"]["internal_connection_string"] == CONNECTION_INFO["internalConnectionString"]
    assert PASSWORD in result["_unmasked"] and PASSWORD in secrets.values


# ----------------------------------------------------------------------------------- check mode predicts
def test_check_mode_create_writes_nothing_and_predicts_the_database():
    api = FakePostgresApi()
    result = run(api, True, plan="basic_256mb", region="ohio")
    assert api.writes == []
    assert result["changed"] is True and result["action"] == "create"
    assert result["diff"] == {"before": {}, "after": {"name": "app-db", "plan": "basic_256mb", "version": "18",
                                                      "region": "ohio"}}
    predicted = result["postgres"]
    assert predicted["id"] is None and predicted["status"] is None and "connection" not in predicted
    assert (predicted["name"], predicted["plan"], predicted["version"], predicted["region"]) == (
        "app-db", "basic_256mb", "18", "ohio")
    assert predicted["owner_id"] == "tea-1"


def test_check_mode_update_predicts_the_new_settings_without_writing():
    api = FakePostgresApi(DB)
    result = run(api, True, plan="pro_4gb", ip_allow_list=[{"cidr_block": "10.0.0.0/8", "description": "vpn"}])
    assert api.writes == []
    assert result["changed"] is True and result["action"] == "update"
    assert result["postgres"]["plan"] == "pro_4gb"
    assert result["postgres"]["ip_allow_list"] == [{"cidrBlock": "10.0.0.0/8", "description": "vpn"}]
    assert result["postgres"]["id"] == "dpg-1" and "connection" in result["postgres"]
    assert set(result["diff"]["after"]) == {"plan", "ip_allow_list"}


def test_check_mode_create_in_state_suspended_warns_that_it_would_also_suspend():
    api = FakePostgresApi()
    result = run(api, True, plan="free", state="suspended")
    assert api.writes == [] and result["action"] == "create"
    assert result["warnings"] == ["the Render Postgres database would be created and then suspended"]


# ------------------------------------------------------------------------------------ suspend and resume
def test_suspended_state_suspends_a_running_database():
    api = FakePostgresApi(DB)
    result = run(api, state="suspended")
    assert api.writes == [("POST", "/postgres/dpg-1/suspend", None)]
    assert result["changed"] is True and result["action"] == "suspend"
    assert result["diff"] == {"before": {"suspended": False}, "after": {"suspended": True}}
    assert result["postgres"]["status"] == "suspended" and "connection" not in result["postgres"]


def test_suspending_in_check_mode_predicts_a_suspended_database_without_connection():
    api = FakePostgresApi(DB)
    result = run(api, True, state="suspended")
    assert api.writes == [] and result["action"] == "suspend"
    assert result["postgres"]["status"] == "suspended" and "connection" not in result["postgres"]
    assert ("GET", "/postgres/dpg-1/connection-info") not in [(c.method, c.path) for c in api.session.calls]


def test_present_resumes_a_suspended_database_before_changing_it():
    api = FakePostgresApi(dict(DB, suspended="suspended", status="suspended"))
    result = run(api, plan="basic_4gb")
    assert api.writes == [("POST", "/postgres/dpg-1/resume", None),
                          ("PATCH", "/postgres/dpg-1", {"plan": "basic_4gb"})]
    assert result["action"] == "update"
    assert result["diff"]["before"] == {"plan": "basic_1gb", "suspended": True}
    assert result["diff"]["after"] == {"plan": "basic_4gb", "suspended": False}
    assert result["postgres"]["status"] == "available" and "connection" in result["postgres"]


def test_resume_alone_is_the_action():
    api = FakePostgresApi(dict(DB, suspended="suspended", status="suspended"))
    result = run(api)
    assert api.writes == [("POST", "/postgres/dpg-1/resume", None)]
    assert result["changed"] is True and result["action"] == "resume"


def test_resume_in_check_mode_writes_nothing_and_reads_no_connection_info():
    api = FakePostgresApi(dict(DB, suspended="suspended", status="suspended"))
    result = run(api, True)
    assert api.writes == [] and result["action"] == "resume"
    assert result["postgres"]["status"] == "available" and "connection" not in result["postgres"]
    assert all(not c.path.endswith("/connection-info") for c in api.session.calls)


def test_a_suspended_database_left_suspended_is_no_change():
    api = FakePostgresApi(dict(DB, suspended="suspended", status="suspended"))
    result = run(api, state="suspended")
    assert result["changed"] is False and result["action"] == "none" and api.writes == []


def test_create_in_state_suspended_creates_then_suspends():
    api = FakePostgresApi()
    result = run(api, plan="free", state="suspended")
    assert [(m, p) for m, p, _body in api.writes] == [("POST", "/postgres"), ("POST", "/postgres/dpg-new/suspend")]
    assert result["action"] == "create" and result["postgres"]["status"] == "suspended"


# ------------------------------------------------------------------------------------------------- info
def info(api: FakePostgresApi, **overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0, "validate_certs": True,
              "owner": "tea-1", "name": None, "id": None, "return_secrets": False}
    values.update(overrides)
    return run_postgres_info(values, False, Secrets(), render(api.session))


def test_info_lists_every_database_of_the_owner_masked():
    api = FakePostgresApi(DB, dict(DB, id="dpg-2", name="other-db", suspended="suspended", status="suspended"))
    result = info(api)
    assert [db["name"] for db in result["postgres"]] == ["app-db", "other-db"]
    assert "connection" not in result["postgres"][1]
    assert PASSWORD not in json.dumps(result) and result["changed"] is False
    [listing] = api.session.to("GET", "/postgres")
    assert listing.params["ownerId"] == "tea-1" and listing.params.get("name") is None


def test_info_by_name_and_by_id():
    api = FakePostgresApi(DB, dict(DB, id="dpg-2", name="other-db"))
    assert [db["id"] for db in info(api, name="other-db")["postgres"]] == ["dpg-2"]
    assert [db["id"] for db in info(api, id="dpg-1")["postgres"]] == ["dpg-1"]
    assert info(api, id="dpg-new")["postgres"] == []


def test_info_return_secrets_keeps_them_unmasked():
    result = info(FakePostgresApi(DB), return_secrets=True)
    assert result["postgres"][0]["connection"]["password"] == PASSWORD
    assert PASSWORD in result["_unmasked"]


def test_absent_by_an_id_of_another_name_deletes_nothing():
    api = FakePostgresApi(DB)
    with pytest.raises(ResourceError, match="named 'app-db', not 'other-db': nothing was deleted"):
        run(api, name="other-db", id="dpg-1", state="absent", confirm_delete=True)
    assert api.writes == [] and "dpg-1" in api.dbs


def test_an_unchanged_database_with_maintenance_scheduled_is_not_waited_for():
    api = FakePostgresApi(dict(DB, status="maintenance_scheduled"))
    result = run(api, plan="basic_1gb", wait_timeout=1)
    assert result["changed"] is False and api.writes == []
    assert result["postgres"]["status"] == "maintenance_scheduled"
    assert [c.path for c in api.session.calls if c.path == "/postgres/dpg-1"] == []
