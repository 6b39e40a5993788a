# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""render_postgres_credential: a new user becomes the default and its URL is returned (masked unless asked),
the previous default is named, an existing user is left alone, deletes, check mode, a lost create answer."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import MASK, Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.postgres_credential import (
    run_postgres_credential)
from launchkit_fakes import Call, FakeSession, connection_dropped, make_http, render_pages, reply

DB = {"id": "dpg-1", "name": "app-db", "status": "available", "databaseUser": "app_user", "databaseName": "app"}
PASSWORDS = {"app_user": "oldPassw0rdSECRET1", "app_user_2": "newPassw0rdSECRET2"}


class FakeUsersApi:
    """Render's /postgres/{id}/credentials over a list of users; connection-info speaks for the default one
    (the newest), unless `stale` makes it keep answering for the first user."""

    def __init__(self, *users: str, stale: bool = False, lose_create_answer: bool = False) -> None:
        self.users = [{"username": name, "createdAt": f"2026-01-0{i + 1}T00:00:00Z", "openConnections": 0}
                      for i, name in enumerate(users)]
        self.stale = stale
        self.lose_create_answer = lose_create_answer
        s = self.session = FakeSession()
        s.on("GET", "/postgres", render_pages("postgres", [DB]))
        s.on("GET", "/postgres/dpg-1", reply(200, DB))
        s.on("GET", "/postgres/dpg-1/credentials", lambda call: reply(200, self.listed()))
        s.on("POST", "/postgres/dpg-1/credentials", self._create)
        for name in PASSWORDS:
            s.on("DELETE", f"/postgres/dpg-1/credentials/{name}", lambda call, n=name: self._delete(n))
        s.on("GET", "/postgres/dpg-1/connection-info", lambda call: reply(200, self.connection()))

    def listed(self) -> list[dict]:
        return [dict(user, default=place == len(self.users) - 1) for place, user in enumerate(self.users)]

    def connection(self) -> dict:
        user = self.users[0 if self.stale else -1]["username"]
        password = PASSWORDS[user]
        url = f"postgresql://{user}:{password}@dpg-1-a.oregon-postgres.render.com/app"
        return {"password": password, "internalConnectionString": url, "externalConnectionString": url,
                "psqlCommand": f"PGPASSWORD={password} psql -h dpg-1-a -U {user} app"}

    def _create(self, call: Call):
        self.users.append({"username": call.json["username"], "createdAt": "2026-02-01T00:00:00Z",
                           "openConnections": 0})
        if self.lose_create_answer:
            self.lose_create_answer = False
            raise connection_dropped()
        return reply(202)

    def _delete(self, name: str):
        found = [user for user in self.users if user["username"] == name]
        if not found:
            return reply(404, {"id": "not_found", "message": "user not found"})
        self.users.remove(found[0])
        return reply(200)

    @property
    def writes(self) -> list[tuple[str, str, object]]:
        return [(c.method, c.path, c.json) for c in self.session.writes]


def run(api: FakeUsersApi, check_mode: bool = False, secrets: Secrets | None = None, **overrides) -> dict:
    values = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "postgres": "app-db", "username": "app_user_2",
              "state": "present", "return_secrets": False, **overrides}
    client = RenderClient(make_http(api.session, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))
    return run_postgres_credential(values, check_mode, secrets or Secrets(), client)


def test_a_new_user_becomes_the_default_and_its_url_is_returned_masked():
    api = FakeUsersApi("app_user")
    secrets = Secrets()
    result = run(api, secrets=secrets)
    assert api.writes == [("POST", "/postgres/dpg-1/credentials", {"username": "app_user_2"})]
    assert result["changed"] is True and result["action"] == "create"
    assert result["previous_default"] == "app_user" and result["postgres_id"] == "dpg-1"
    assert result["credential"]["username"] == "app_user_2" and result["credential"]["default"] is True
    url = result["connection"]["external_connection_string"]
    assert url == f"postgresql://app_user_2:{MASK}@dpg-1-a.oregon-postgres.render.com/app"
    assert PASSWORDS["app_user_2"] not in repr(result) and PASSWORDS["app_user_2"] in secrets.values
    assert result["diff"] == {"before": {}, "after": {"username": "app_user_2"}}


def test_return_secrets_gives_the_new_users_url_and_keeps_it_out_of_the_masking():
    api = FakeUsersApi("app_user")
    result = run(api, return_secrets=True)
    password = PASSWORDS["app_user_2"]
    assert result["connection"]["password"] == password
    assert password in result["connection"]["internal_connection_string"]
    assert password in result["_unmasked"]


def test_an_existing_user_is_left_alone():
    api = FakeUsersApi("app_user", "app_user_2")
    result = run(api)
    assert api.writes == [] and result["changed"] is False and result["action"] == "none"
    assert result["previous_default"] == "app_user_2" and result["credential"]["default"] is True


def test_an_existing_user_that_is_not_the_default_has_no_connection():
    api = FakeUsersApi("app_user", "app_user_2")
    result = run(api, username="app_user")
    assert result["changed"] is False and result["credential"]["default"] is False and result["connection"] is None


def test_check_mode_writes_nothing_and_predicts_the_new_default():
    api = FakeUsersApi("app_user")
    result = run(api, check_mode=True)
    assert api.writes == [] and result["changed"] is True and result["action"] == "create"
    assert result["credential"] == {"username": "app_user_2", "default": True} and result["connection"] is None
    assert result["previous_default"] == "app_user"


def test_a_connection_info_that_does_not_name_the_new_user_fails_rather_than_give_the_old_url():
    api = FakeUsersApi("app_user", stale=True)
    with pytest.raises(ResourceError, match="for the user 'app_user', not for the new default user 'app_user_2'"):
        run(api)


def test_a_lost_create_answer_is_looked_up_and_not_sent_again():
    api = FakeUsersApi("app_user", lose_create_answer=True)
    result = run(api)
    assert [w[0] for w in api.writes] == ["POST"] and result["action"] == "create"
    assert [user["username"] for user in api.users] == ["app_user", "app_user_2"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_delete_removes_the_user_once(check_mode):
    api = FakeUsersApi("app_user", "app_user_2")
    result = run(api, check_mode=check_mode, username="app_user", state="absent")
    assert result["changed"] is True and result["action"] == "delete" and result["credential"] is None
    assert api.writes == ([] if check_mode else [("DELETE", "/postgres/dpg-1/credentials/app_user", None)])
    again = run(api, username="app_user", state="absent")
    assert again["changed"] is check_mode


def test_a_database_that_does_not_exist_fails_before_any_write():
    api = FakeUsersApi("app_user")
    with pytest.raises(ResourceError, match="no Render Postgres database 'other-db'"):
        run(api, postgres="other-db")
    assert api.writes == []
