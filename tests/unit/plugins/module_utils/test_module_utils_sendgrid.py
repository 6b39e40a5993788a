# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SendGrid: API keys (secret once, scopes, rotation), domain authentication, senders, mail, errors."""
from __future__ import annotations

import json
import time

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError, WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.module import Module as ModuleSpec, run
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import DuplicateResource, ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.api_key import NO_SECRET_MESSAGE, run_api_key
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import VENDOR, SendGridClient, mail_body
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.domain_auth import run_domain_auth
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.mail import mail_of, run_mail
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.sender import run_sender
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from launchkit_fakes import FakeSession, SleepRecorder, connection_dropped, make_http, no_sleep_policy, reply

ADMIN_KEY = "SG.admin-key.for-the-tests"
NEW_SECRET = "SG.new-key-id.the-secret-part"
ROTATED_SECRET = "SG.rotated-id.another-secret"


def client(api: FakeSession, **overrides) -> SendGridClient:
    return SendGridClient(make_http(api, vendor=VENDOR, headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                                    **overrides))


def connection(**overrides):
    values = {"api_url": "https://api.test/v1", "api_key": ADMIN_KEY, "timeout": 5.0, "validate_certs": True}
    values.update(overrides)
    return values


# ============================================================================================ API keys
def key_params(**overrides):
    values = connection(name="app-mail", api_key_id=None, state="present", scopes=None, full_access=False,
                        rotate=False, keep_previous=False)
    values.update(overrides)
    return values


KEY = {"api_key_id": "key-1", "name": "app-mail", "scopes": ["mail.send"]}


def keys_api(keys: list[dict], detail: dict | None = None) -> FakeSession:
    api = (FakeSession()
           .on("GET", "/api_keys", reply(200, {"result": [{"api_key_id": k["api_key_id"], "name": k["name"]}
                                                          for k in keys]}))
           .on("POST", "/api_keys", lambda call: reply(201, {"api_key": NEW_SECRET, "api_key_id": "key-new",
                                                             "name": call.json["name"],
                                                             **({"scopes": call.json["scopes"]}
                                                                if "scopes" in call.json else {})})))
    for key in keys:
        api.on("GET", f"/api_keys/{key['api_key_id']}", reply(200, detail if detail is not None else key))
        api.on("PUT", f"/api_keys/{key['api_key_id']}", lambda call: reply(200, {"api_key_id": "key-1", **call.json}))
        api.on("DELETE", f"/api_keys/{key['api_key_id']}", reply(204))
    return api


def test_create_returns_the_secret_once_unmasked_but_never_in_the_diff():
    api = keys_api([])
    secrets = Secrets()
    result = run_api_key(key_params(), False, secrets, client(api))
    [post] = api.to("POST", "/api_keys")
    assert post.json == {"name": "app-mail", "scopes": ["mail.send"]}
    assert result["changed"] is True and result["action"] == "create"
    assert result["api_key"] == {"id": "key-new", "name": "app-mail", "scopes": ["mail.send"],
                                 "secret": NEW_SECRET, "secret_available": True}
    assert result["_unmasked"] == (NEW_SECRET,)
    assert NEW_SECRET in secrets.values
    assert NEW_SECRET not in json.dumps(result["diff"])
    assert result["diff"] == {"before": {}, "after": {"name": "app-mail", "scopes": ["mail.send"]}}
    assert "msg" not in result


def test_the_new_secret_stays_unmasked_through_run_while_the_admin_key_is_masked():
    api = keys_api([])

    class Module:
        params, check_mode, _diff = key_params(), False, True
        no_log_values: set = set()

        def warn(self, message):
            raise AssertionError(message)

        def exit_json(self, **result):
            self.result = result

        def fail_json(self, **result):  # pragma: no cover - the test fails on it
            raise AssertionError(result)

    module = Module()
    run(module, ModuleSpec({}, lambda params, check_mode, secrets: run_api_key(params, check_mode, secrets, client(api))))
    assert module.result["api_key"]["secret"] == NEW_SECRET
    assert NEW_SECRET not in module.no_log_values
    assert "_unmasked" not in module.result


def test_second_run_finds_the_key_by_name_and_says_the_secret_cannot_be_read_back():
    api = keys_api([KEY])
    result = run_api_key(key_params(), False, Secrets(), client(api))
    assert result["changed"] is False and api.writes == []
    assert result["api_key"]["id"] == "key-1"
    assert result["api_key"]["secret"] is None and result["api_key"]["secret_available"] is False
    assert result["msg"] == NO_SECRET_MESSAGE and "rotate" in result["msg"]
    assert "_unmasked" not in result


def test_the_single_key_may_come_wrapped_in_result_as_in_the_spec():
    api = keys_api([KEY], detail={"result": [KEY]})
    result = run_api_key(key_params(), False, Secrets(), client(api))
    assert result["changed"] is False and result["api_key"]["scopes"] == ["mail.send"]


def test_duplicate_names_fail_listing_the_ids_and_asking_for_api_key_id():
    api = keys_api([KEY, dict(KEY, api_key_id="key-2")])
    with pytest.raises(DuplicateResource, match=r"key-1, key-2.*api_key_id"):
        run_api_key(key_params(), False, Secrets(), client(api))
    assert api.writes == []


def test_default_scopes_are_mail_send_and_never_full_access():
    api = keys_api([])
    run_api_key(key_params(scopes=None), False, Secrets(), client(api))
    [post] = api.to("POST", "/api_keys")
    assert "scopes" in post.json and post.json["scopes"] == ["mail.send"]


def test_full_access_omits_scopes_and_warns():
    api = keys_api([]).on("GET", "/api_keys/key-new", reply(200, {"api_key_id": "key-new", "name": "app-mail",
                                                                  "scopes": ["mail.send", "api_keys.create"]}))
    result = run_api_key(key_params(full_access=True), False, Secrets(), client(api))
    [post] = api.to("POST", "/api_keys")
    assert post.json == {"name": "app-mail"}
    assert any("full_access" in w for w in result["warnings"])
    assert result["api_key"]["scopes"] == ["api_keys.create", "mail.send"]


def test_scopes_are_compared_as_sets():
    api = keys_api([dict(KEY, scopes=["alerts.read", "mail.send"])])
    result = run_api_key(key_params(scopes=["mail.send", "alerts.read", "mail.send"]), False, Secrets(), client(api))
    assert result["changed"] is False and api.writes == []


def test_scopes_sendgrid_adds_by_itself_do_not_cause_a_change():
    api = keys_api([dict(KEY, scopes=["mail.send", "sender_verification_eligible", "2fa_required"])])
    result = run_api_key(key_params(), False, Secrets(), client(api))
    assert result["changed"] is False and api.writes == []


def test_a_scope_change_is_one_put_of_name_and_scopes():
    api = keys_api([KEY])
    result = run_api_key(key_params(scopes=["mail.send", "alerts.read"]), False, Secrets(), client(api))
    assert [(c.method, c.path, c.json) for c in api.writes] == [
        ("PUT", "/api_keys/key-1", {"name": "app-mail", "scopes": ["alerts.read", "mail.send"]})]
    assert result["changed"] is True and result["action"] == "update"
    assert result["diff"] == {"before": {"scopes": ["mail.send"]}, "after": {"scopes": ["alerts.read", "mail.send"]}}
    assert result["api_key"]["secret"] is None and result["msg"] == NO_SECRET_MESSAGE


def test_rotate_creates_the_new_key_then_deletes_the_old_one():
    api = keys_api([KEY]).on("POST", "/api_keys", reply(201, {"api_key": ROTATED_SECRET, "api_key_id": "key-9",
                                                              "name": "app-mail", "scopes": ["mail.send"]}))
    secrets = Secrets()
    result = run_api_key(key_params(rotate=True), False, secrets, client(api))
    assert [(c.method, c.path) for c in api.writes] == [("POST", "/api_keys"), ("DELETE", "/api_keys/key-1")]
    assert api.writes[0].json == {"name": "app-mail", "scopes": ["mail.send"]}
    assert result["action"] == "rotate" and result["changed"] is True
    assert result["api_key"]["id"] == "key-9" and result["api_key"]["secret"] == ROTATED_SECRET
    assert result["_unmasked"] == (ROTATED_SECRET,)
    assert ROTATED_SECRET not in json.dumps(result["diff"])
    assert result["diff"]["before"]["api_key_id"] == "key-1"


def test_rotate_with_keep_previous_leaves_the_old_key_and_returns_its_id():
    api = keys_api([KEY]).on("POST", "/api_keys", reply(201, {"api_key": ROTATED_SECRET, "api_key_id": "key-9",
                                                              "name": "app-mail", "scopes": ["mail.send"]}))
    result = run_api_key(key_params(rotate=True, keep_previous=True), False, Secrets(), client(api))
    assert [(c.method, c.path) for c in api.writes] == [("POST", "/api_keys")]
    assert result["previous_api_key_id"] == "key-1" and result["api_key"]["id"] == "key-9"
    assert result["api_key"]["secret"] == ROTATED_SECRET and result["action"] == "rotate"


def test_keep_previous_needs_rotate():
    with pytest.raises(ValueError, match="keep_previous only applies with rotate=true"):
        run_api_key(key_params(keep_previous=True), False, Secrets(), client(keys_api([KEY])))


def lost_create_api(*posts) -> FakeSession:
    """No key named app-mail until a POST whose answer is lost made key-lost; each POST answers in turn."""
    listed = [{"api_key_id": "key-lost", "name": "app-mail"}, {"api_key_id": "other", "name": "other"}]
    return (FakeSession()
            .on("GET", "/api_keys", reply(200, {"result": []}), reply(200, {"result": []}),
                reply(200, {"result": listed}), reply(200, {"result": []}))
            .on("POST", "/api_keys", *posts)
            .on("DELETE", "/api_keys/key-lost", reply(204)))


def test_a_create_whose_answer_was_lost_is_deleted_and_made_again_with_its_secret():
    created = reply(201, {"api_key": NEW_SECRET, "api_key_id": "key-new", "name": "app-mail", "scopes": ["mail.send"]})
    api = lost_create_api(connection_dropped(), created)
    sleeps = SleepRecorder()
    result = run_api_key(key_params(), False, Secrets(), client(api), clock=Clock(sleep=sleeps))
    assert [(c.method, c.path) for c in api.writes] == [
        ("POST", "/api_keys"), ("DELETE", "/api_keys/key-lost"), ("POST", "/api_keys")]
    assert result["api_key"]["id"] == "key-new" and result["api_key"]["secret"] == NEW_SECRET
    assert result["action"] == "create" and "msg" not in result
    assert any("was lost" in w and "key-lost" in w for w in result["warnings"])


def test_a_create_that_never_answers_fails_and_leaves_no_key_behind():
    api = lost_create_api(connection_dropped())
    with pytest.raises(ResourceError, match="got no answer 3 times"):
        run_api_key(key_params(), False, Secrets(), client(api), clock=Clock(sleep=SleepRecorder()))
    assert [c.method for c in api.writes].count("POST") == 3
    assert [c.path for c in api.to("DELETE")] == ["/api_keys/key-lost"]


def test_rotate_keeps_the_old_key_when_the_create_fails():
    api = keys_api([KEY]).on("POST", "/api_keys", reply(403, {"errors": [{"field": None,
                                                                          "message": "too many keys"}]}))
    with pytest.raises(ApiError, match="too many keys"):
        run_api_key(key_params(rotate=True), False, Secrets(), client(api))
    assert api.to("DELETE") == []


def test_rotate_without_an_existing_key_just_creates_it():
    api = keys_api([])
    result = run_api_key(key_params(rotate=True), False, Secrets(), client(api))
    assert [c.method for c in api.writes] == ["POST"] and result["action"] == "create"


@pytest.mark.parametrize("keys, overrides, action", [
    ([], {}, "create"),
    ([KEY], {"scopes": ["alerts.read"]}, "update"),
    ([KEY], {"rotate": True}, "rotate"),
    ([KEY], {"state": "absent"}, "delete"),
])
def test_api_key_check_mode_writes_nothing_and_predicts_the_change(keys, overrides, action):
    api = keys_api(keys)
    result = run_api_key(key_params(**overrides), True, Secrets(), client(api))
    assert api.writes == []
    assert result["changed"] is True and result["action"] == action
    assert "_unmasked" not in result


def test_check_mode_diff_shows_scopes():
    api = keys_api([KEY])
    result = run_api_key(key_params(scopes=["alerts.read"]), True, Secrets(), client(api))
    assert result["diff"] == {"before": {"scopes": ["mail.send"]}, "after": {"scopes": ["alerts.read"]}}


def test_delete_by_id_and_again_is_no_change():
    api = keys_api([KEY])
    result = run_api_key(key_params(name=None, api_key_id="key-1", state="absent"), False, Secrets(), client(api))
    assert [(c.method, c.path) for c in api.writes] == [("DELETE", "/api_keys/key-1")] and result["changed"]
    gone = FakeSession().on("GET", "/api_keys/key-1", reply(404, {"errors": [{"field": None, "message": "not found"}]}))
    again = run_api_key(key_params(name=None, api_key_id="key-1", state="absent"), False, Secrets(), client(gone))
    assert again["changed"] is False and gone.writes == []


def test_an_unknown_api_key_id_fails_instead_of_creating():
    api = FakeSession().on("GET", "/api_keys/nope", reply(404, {"errors": [{"field": None, "message": "not found"}]}))
    with pytest.raises(ResourceError, match="no SendGrid API key has the id nope"):
        run_api_key(key_params(api_key_id="nope"), False, Secrets(), client(api))
    assert api.writes == []


def test_found_by_id_a_different_name_renames_in_the_same_put():
    api = keys_api([KEY])
    run_api_key(key_params(api_key_id="key-1", name="renamed"), False, Secrets(), client(api))
    assert [(c.method, c.json) for c in api.writes] == [("PUT", {"name": "renamed", "scopes": ["mail.send"]})]
    assert api.to("GET", "/api_keys") == []  # found by id, the list is not read


@pytest.mark.parametrize("overrides, message", [
    ({"full_access": True, "scopes": ["mail.send"]}, "exclude each other"),
    ({"scopes": []}, "at least one scope"),
    ({"name": None, "api_key_id": "key-1"}, "name is required"),
])
def test_api_key_options_are_checked_before_any_call(overrides, message):
    api = keys_api([KEY])
    with pytest.raises(ValueError, match=message):
        run_api_key(key_params(**overrides), False, Secrets(), client(api))
    assert api.calls == []


def test_a_secret_seen_once_is_redacted_from_later_errors():
    api = keys_api([KEY]).on("DELETE", "/api_keys/key-1",
                             reply(500, {"errors": [{"message": f"cannot delete while {NEW_SECRET} exists"}]}))
    with pytest.raises(ApiError) as caught:
        run_api_key(key_params(rotate=True), False, Secrets(), client(api))
    assert NEW_SECRET not in str(caught.value) and "********" in str(caught.value)


# ============================================================================================ domains
def domain_params(**overrides):
    values = connection(domain="example.com", subdomain="em", state="present", automatic_security=True,
                        custom_spf=None, default=None, region=None, validate=False, fail_on_invalid=False)
    values.update(overrides)
    return values


DNS = {"mail_cname": {"valid": False, "type": "cname", "host": "em.example.com", "data": "u1.wl.sendgrid.net"},
       "dkim1": {"valid": True, "type": "cname", "host": "s1._domainkey.example.com",
                 "data": "s1.domainkey.u1.wl.sendgrid.net"},
       "dkim2": {"valid": False, "type": "cname", "host": "s2._domainkey.example.com",
                 "data": "s2.domainkey.u1.wl.sendgrid.net"}}
DOMAIN = {"id": 42, "user_id": 1, "subdomain": "em", "domain": "example.com", "username": "acct", "ips": [],
          "custom_spf": False, "default": False, "legacy": False, "automatic_security": True, "valid": False,
          "dns": DNS}
VALIDATION = {"id": 42, "valid": False, "validation_results": {
    "mail_cname": {"valid": False, "reason": "Expected CNAME for \"em.example.com\" to match \"u1.wl.sendgrid.net\"."},
    "dkim1": {"valid": True, "reason": None},
    "dkim2": {"valid": False, "reason": "No DNS record found."}}}


def domains_api(domains: list[dict]) -> FakeSession:
    return (FakeSession()
            .on("GET", "/whitelabel/domains", reply(200, domains))
            .on("POST", "/whitelabel/domains", reply(201, DOMAIN))
            .on("GET", "/whitelabel/domains/42", reply(200, DOMAIN))
            .on("PATCH", "/whitelabel/domains/42", lambda call: reply(200, [dict(DOMAIN, **call.json)]))
            .on("DELETE", "/whitelabel/domains/42", reply(204))
            .on("POST", "/whitelabel/domains/42/validate", reply(200, VALIDATION)))


def test_a_domain_two_runs_authenticated_at_once_converges_on_the_older():
    """SendGrid authenticates one domain twice when two runs create it at once: the run whose entry is the newer
    (later in SendGrid's list) deletes it and adopts the older, saying so."""
    older = dict(DOMAIN, id=41, subdomain="em")
    api = (FakeSession()
           .on("GET", "/whitelabel/domains", reply(200, []), reply(200, [older, DOMAIN]))
           .on("POST", "/whitelabel/domains", reply(201, DOMAIN))
           .on("DELETE", "/whitelabel/domains/42", reply(204)))
    result = run_domain_auth(domain_params(), False, Secrets(), client(api))
    assert [(c.method, c.path) for c in api.writes] == [("POST", "/whitelabel/domains"),
                                                        ("DELETE", "/whitelabel/domains/42")]
    assert result["action"] == "adopt" and result["domain_auth"]["id"] == 41
    assert any("deleted the one this run made (42)" in warning for warning in result["warnings"])


def test_domain_create_returns_the_dns_records_to_publish():
    api = domains_api([])
    result = run_domain_auth(domain_params(), False, Secrets(), client(api))
    [post] = api.writes
    assert post.path == "/whitelabel/domains"
    assert post.json == {"domain": "example.com", "subdomain": "em", "automatic_security": True}
    assert result["changed"] is True and result["action"] == "create"
    assert result["records"][0] == {"name": "mail_cname", "type": "cname", "host": "em.example.com",
                                    "data": "u1.wl.sendgrid.net", "valid": False}
    assert [r["host"] for r in result["records"]] == ["em.example.com", "s1._domainkey.example.com",
                                                      "s2._domainkey.example.com"]
    assert result["valid"] is False and result["validated"] is False
    assert {r["name"] for r in result["missing_records"]} == {"mail_cname", "dkim2"}


def test_domain_validate_returns_the_missing_records_with_sendgrids_reason_without_failing():
    api = domains_api([DOMAIN])
    result = run_domain_auth(domain_params(validate=True), False, Secrets(), client(api))
    assert result["changed"] is False and result["validated"] is True and result["valid"] is False
    missing = {r["name"]: r for r in result["missing_records"]}
    assert set(missing) == {"mail_cname", "dkim2"}
    assert missing["dkim2"]["reason"] == "No DNS record found." and missing["dkim2"]["host"] == "s2._domainkey.example.com"
    assert [c.path for c in api.writes] == ["/whitelabel/domains/42/validate"]


def test_domain_validate_when_valid_has_nothing_missing():
    api = domains_api([DOMAIN]).on("POST", "/whitelabel/domains/42/validate", reply(200, {
        "id": 42, "valid": True, "validation_results": {n: {"valid": True, "reason": None} for n in DNS}}))
    result = run_domain_auth(domain_params(validate=True, fail_on_invalid=True), False, Secrets(), client(api))
    assert result["valid"] is True and result["missing_records"] == []


def test_a_domain_already_valid_is_not_validated_again():
    api = domains_api([dict(DOMAIN, valid=True)])
    result = run_domain_auth(domain_params(validate=True), False, Secrets(), client(api))
    assert api.writes == [] and result["valid"] is True and result["validated"] is False


def test_domain_fail_on_invalid_fails_listing_the_records():
    api = domains_api([DOMAIN])
    with pytest.raises(ResourceError, match=r"not authenticated yet.*s2\._domainkey\.example\.com") as caught:
        run_domain_auth(domain_params(validate=True, fail_on_invalid=True), False, Secrets(), client(api))
    assert len(caught.value.details["records"]) == 3


@pytest.mark.parametrize("domains, overrides", [([], {}), ([DOMAIN], {"default": True}),
                                                ([DOMAIN], {"state": "absent"}), ([DOMAIN], {"validate": True})])
def test_domain_check_mode_writes_nothing(domains, overrides):
    api = domains_api(domains)
    result = run_domain_auth(domain_params(**overrides), True, Secrets(), client(api))
    assert api.writes == []
    assert result["changed"] is (overrides.get("validate") is None)


def test_domain_default_change_is_one_patch():
    api = domains_api([DOMAIN])
    result = run_domain_auth(domain_params(default=True), False, Secrets(), client(api))
    assert [(c.method, c.json) for c in api.writes] == [("PATCH", {"default": True})]
    assert result["domain_auth"]["default"] is True
    assert result["diff"] == {"before": {"default": False}, "after": {"default": True}}


def test_domain_automatic_security_cannot_change():
    api = domains_api([DOMAIN])
    with pytest.raises(ResourceError, match="cannot change automatic_security"):
        run_domain_auth(domain_params(automatic_security=False), False, Secrets(), client(api))
    assert api.writes == []


def test_domain_custom_spf_needs_manual_security():
    with pytest.raises(ValueError, match="custom_spf"):
        run_domain_auth(domain_params(custom_spf=True), False, Secrets(), client(FakeSession()))


def test_domain_found_by_domain_and_subdomain_and_duplicates_fail():
    other = dict(DOMAIN, id=43, subdomain="mail")
    api = domains_api([other, DOMAIN, dict(DOMAIN, id=44, domain="other.example.com")])
    assert run_domain_auth(domain_params(subdomain="EM"), False, Secrets(), client(api))["domain_auth"]["id"] == 42
    with pytest.raises(DuplicateResource, match="set subdomain"):
        run_domain_auth(domain_params(subdomain=None), False, Secrets(), client(api))


def test_domain_list_follows_offset_pages():
    pages = [[dict(DOMAIN, id=1000 + i, subdomain=f"s{i}") for i in range(100)], [DOMAIN]]
    api = domains_api([]).on("GET", "/whitelabel/domains", reply(200, pages[0]), reply(200, pages[1]))
    result = run_domain_auth(domain_params(), False, Secrets(), client(api))
    assert result["changed"] is False
    assert [c.params["offset"] for c in api.to("GET", "/whitelabel/domains")] == [0, 100]


# ============================================================================================ senders
def sender_params(**overrides):
    values = connection(from_email="hello@example.com", state="present", resend=False, nickname=None,
                        from_name=None, reply_to=None, reply_to_name=None, address=None, address2=None, city=None,
                        address_state=None, zip=None, country=None)
    values.update(overrides)
    return values


SENDER = {"id": 7, "nickname": "Scoop", "from_email": "hello@example.com", "from_name": "Scoop",
          "reply_to": "hello@example.com", "reply_to_name": "", "address": "1 Main St", "address2": "",
          "state": "CA", "city": "Springfield", "country": "USA", "zip": "94105", "verified": False, "locked": False}


def senders_api(senders: list[dict]) -> FakeSession:
    return (FakeSession()
            .on("GET", "/verified_senders", reply(200, {"results": senders}))
            .on("POST", "/verified_senders", lambda call: reply(201, {"id": 7, "verified": False, "locked": False,
                                                                      **call.json}))
            .on("PATCH", "/verified_senders/7", lambda call: reply(200, {**SENDER, **call.json}))
            .on("DELETE", "/verified_senders/7", reply(204))
            .on("POST", "/verified_senders/resend/7", reply(204)))


def test_sender_create_defaults_reply_to_and_nickname_and_reports_unverified():
    api = senders_api([])
    result = run_sender(sender_params(from_name="Scoop", city="Springfield"), False, Secrets(), client(api))
    [post] = api.writes
    assert post.json == {"from_email": "hello@example.com", "nickname": "Scoop", "from_name": "Scoop",
                         "reply_to": "hello@example.com", "city": "Springfield"}
    assert result["changed"] is True and result["verified"] is False and result["locked"] is False
    assert "open the link" in result["msg"] and result["resent"] is False


def test_a_sender_another_run_created_meanwhile_is_adopted_not_failed():
    """Another run created the sender between this run's look-up and its create: SendGrid refuses the second
    with a 400 on from_email ("already exists"); the run finds the other's and adopts it, saying so."""
    api = (FakeSession()
           .on("GET", "/verified_senders", reply(200, {"results": []}), reply(200, {"results": [SENDER]}))
           .on("POST", "/verified_senders", reply(400, {"errors": [{"field": "from_email",
                                                                    "message": "already exists"}]})))
    result = run_sender(sender_params(from_name="Scoop"), False, Secrets(), client(api))
    assert [c.method for c in api.writes] == ["POST"]
    assert result["action"] == "adopt" and result["sender"]["id"] == 7
    assert any("created by another run at the same time" in warning for warning in result["warnings"])


def test_any_other_refused_sender_create_fails():
    api = (FakeSession().on("GET", "/verified_senders", reply(200, {"results": []}))
           .on("POST", "/verified_senders", reply(400, {"errors": [{"field": "reply_to", "message": "is invalid"}]})))
    with pytest.raises(ApiError, match="is invalid"):
        run_sender(sender_params(), False, Secrets(), client(api))
    assert len(api.to("GET", "/verified_senders")) == 1  # not looked up again


def test_sender_changed_field_is_one_patch_with_the_required_fields():
    api = senders_api([SENDER])
    result = run_sender(sender_params(from_name="Scoop Team", from_email="Hello@Example.com"), False, Secrets(),
                        client(api))
    assert [(c.method, c.path, c.json) for c in api.writes] == [
        ("PATCH", "/verified_senders/7", {"nickname": "Scoop", "from_email": "hello@example.com",
                                          "reply_to": "hello@example.com", "from_name": "Scoop Team"})]
    assert result["diff"] == {"before": {"from_name": "Scoop"}, "after": {"from_name": "Scoop Team"}}
    assert result["sender"]["from_name"] == "Scoop Team"


def test_sender_address_state_maps_to_sendgrids_state_field():
    api = senders_api([SENDER])
    result = run_sender(sender_params(address_state="NY"), False, Secrets(), client(api))
    assert api.writes[0].json["state"] == "NY" and "address_state" not in api.writes[0].json
    assert result["diff"] == {"before": {"address_state": "CA"}, "after": {"address_state": "NY"}}
    assert result["sender"]["address_state"] == "NY"


def test_verified_sender_is_unchanged_and_not_resent():
    api = senders_api([dict(SENDER, verified=True)])
    result = run_sender(sender_params(from_name="Scoop", resend=True), False, Secrets(), client(api))
    assert result["changed"] is False and api.writes == []
    assert result["verified"] is True and result["resent"] is False and "msg" not in result


def test_unverified_sender_resend_posts_the_resend():
    api = senders_api([SENDER])
    result = run_sender(sender_params(resend=True), False, Secrets(), client(api))
    assert [c.path for c in api.writes] == ["/verified_senders/resend/7"]
    assert result["changed"] is True and result["resent"] is True


@pytest.mark.parametrize("senders, overrides", [([], {}), ([SENDER], {"from_name": "Other"}),
                                                ([SENDER], {"resend": True}), ([SENDER], {"state": "absent"})])
def test_sender_check_mode_writes_nothing(senders, overrides):
    api = senders_api(senders)
    result = run_sender(sender_params(**overrides), True, Secrets(), client(api))
    assert api.writes == [] and result["changed"] is True


def test_sender_list_follows_last_seen_id():
    first = [dict(SENDER, id=i, from_email=f"s{i}@example.com") for i in range(1, 101)]
    api = senders_api([]).on("GET", "/verified_senders", reply(200, {"results": first}),
                             reply(200, {"results": [dict(SENDER, verified=True)]}))
    result = run_sender(sender_params(), False, Secrets(), client(api))
    assert result["verified"] is True
    assert [c.params.get("lastSeenID") for c in api.to("GET", "/verified_senders")] == [None, 100]


# ============================================================================================ mail
def mail_params(**overrides):
    values = connection(to=["ops@example.com"], from_email="hello@example.com", from_name=None, reply_to=None,
                        subject="Check", text="It works.", html=None, categories=None, sandbox_mode=True)
    values.update(overrides)
    return values


def test_mail_body_has_sandbox_mode_on_by_default():
    body = mail_body(mail_of(mail_params()))
    assert body["mail_settings"] == {"sandbox_mode": {"enable": True}}
    assert body["personalizations"] == [{"to": [{"email": "ops@example.com"}]}]
    assert body["from"] == {"email": "hello@example.com"} and body["subject"] == "Check"


def test_mail_content_puts_text_before_html():
    body = mail_body(mail_of(mail_params(html="<p>x</p>", from_name="Scoop")))
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["from"] == {"email": "hello@example.com", "name": "Scoop"}


@pytest.mark.parametrize("status", [200, 202])
def test_mail_accepts_any_2xx_and_reports_sandbox_mode(status):
    api = FakeSession().on("POST", "/mail/send", reply(status, headers={"X-Message-Id": "msg-1"}))
    result = run_mail(mail_params(), False, Secrets(), client(api))
    assert result == {"changed": True, "sent": True, "status": status, "sandbox_mode": True, "message_id": "msg-1",
                      "recipients": ["ops@example.com"]}
    assert api.writes[0].json["mail_settings"]["sandbox_mode"]["enable"] is True


def test_mail_sandbox_mode_can_be_turned_off():
    api = FakeSession().on("POST", "/mail/send", reply(202))
    result = run_mail(mail_params(sandbox_mode=False), False, Secrets(), client(api))
    assert api.writes[0].json["mail_settings"] == {"sandbox_mode": {"enable": False}}
    assert result["sandbox_mode"] is False


def test_mail_check_mode_sends_nothing_and_reports_a_change():
    api = FakeSession()
    result = run_mail(mail_params(), True, Secrets(), client(api))
    assert api.calls == [] and result["changed"] is True and result["sent"] is False


def test_mail_is_never_sent_twice_after_a_gateway_error():
    api = FakeSession().on("POST", "/mail/send", reply(503), reply(202))
    with pytest.raises(WriteOutcomeUnknown):
        run_mail(mail_params(), False, Secrets(), client(api))
    assert len(api.to("POST", "/mail/send")) == 1


def test_mail_needs_text_or_html():
    with pytest.raises(ValueError, match="text, html"):
        run_mail(mail_params(text=None), False, Secrets(), client(FakeSession()))


# ============================================================================================ errors
def test_errors_join_every_message_with_its_field():
    api = senders_api([]).on("POST", "/verified_senders", reply(400, {"errors": [
        {"field": "reply_to", "message": "reply_to is required", "error_id": "required_field"},
        {"field": "zip", "message": "too long", "error_id": "max_length"}]}))
    with pytest.raises(ApiError) as caught:
        run_sender(sender_params(), False, Secrets(), client(api))
    error = caught.value
    assert error.status == 400 and error.code == "required_field"
    assert "reply_to is required; zip: too long" in error.message
    assert str(error).startswith("SendGrid API POST /verified_senders failed (HTTP 400)")


def test_a_401_hints_at_sendgrid_api_key_and_its_scopes_without_the_key():
    api = FakeSession().on("GET", "/api_keys", reply(401, {"errors": [{"field": None,
                                                                       "message": "authorization required"}]}))
    with pytest.raises(ApiError) as caught:
        run_api_key(key_params(), False, Secrets(), client(api))
    text = str(caught.value)
    assert "authorization required" in text and "SENDGRID_API_KEY" in text and "api_keys" in text
    assert ADMIN_KEY not in text


def test_a_429_waits_for_the_epoch_reset_header():
    sleep = SleepRecorder()
    reset = str(int(time.time()) + 20)
    api = FakeSession().on("GET", "/api_keys",
                           reply(429, {"errors": [{"field": None, "message": "too many requests"}]},
                                 headers={"X-RateLimit-Reset": reset}),
                           reply(200, {"result": []}))
    assert client(api, retry=no_sleep_policy(sleep=sleep)).api_keys() == []
    assert len(sleep.waits) == 1 and 18 <= sleep.waits[0] <= 21


def test_a_non_json_error_body_is_kept_as_text():
    api = FakeSession().on("GET", "/api_keys", reply(500, text="<html>oops</html>"))
    with pytest.raises(ApiError, match="oops"):
        client(api).api_keys()


def test_mail_from_an_unverified_sender_says_so_instead_of_blaming_the_token():
    api = FakeSession().on("POST", "/mail/send", reply(403, {"errors": [{"field": "from", "message": (
        "The from address does not match a verified Sender Identity. Mail cannot be sent until this error "
        "is resolved.")}]}))
    with pytest.raises(ResourceError) as caught:
        run_mail(mail_params(), False, Secrets(), client(api))
    assert "hello@example.com" in str(caught.value) and "sendgrid_sender" in str(caught.value)
    assert "lacks the permission" not in str(caught.value)
    assert caught.value.details["status"] == 403


def test_validate_updates_each_record_as_found():
    api = domains_api([DOMAIN]).on("POST", "/whitelabel/domains/42/validate", reply(200, {
        "id": 42, "valid": True, "validation_results": {n: {"valid": True, "reason": None} for n in DNS}}))
    result = run_domain_auth(domain_params(validate=True), False, Secrets(), client(api))
    assert [r["valid"] for r in result["records"]] == [True, True, True]
    assert result["domain_auth"]["records"] == result["records"]


# ============================================================================================ one key by id
OTHER_KEY = {"api_key_id": "key-2", "name": "other-app", "scopes": ["mail.send"]}


def test_absent_by_id_deletes_the_key_with_that_id_when_the_answer_lists_several():
    api = keys_api([KEY, OTHER_KEY], detail={"result": [KEY, OTHER_KEY]})
    result = run_api_key(key_params(name=None, api_key_id="key-2", state="absent"), False, Secrets(), client(api))
    assert [(c.method, c.path) for c in api.writes] == [("DELETE", "/api_keys/key-2")]
    assert result["changed"] is True and result["diff"]["before"]["name"] == "other-app"


@pytest.mark.parametrize("detail", [{"result": [KEY]}, {"result": []}, KEY])
def test_an_answer_without_the_asked_id_is_not_found_and_no_other_key_is_touched(detail):
    api = keys_api([KEY]).on("GET", "/api_keys/key-2", reply(200, detail))
    gone = run_api_key(key_params(name=None, api_key_id="key-2", state="absent"), False, Secrets(), client(api))
    assert gone["changed"] is False and api.writes == []
    with pytest.raises(ResourceError, match="no SendGrid API key has the id key-2"):
        run_api_key(key_params(api_key_id="key-2"), False, Secrets(), client(api))
    assert api.writes == []


def twin_api(listed_after_create: list[dict]) -> FakeSession:
    """No key named app-mail at first; after this run's create, the list shows `listed_after_create`."""
    api = keys_api([])
    api.on("GET", "/api_keys", reply(200, {"result": []}), reply(200, {"result": listed_after_create}))
    api.on("DELETE", "/api_keys/key-new", reply(204))
    api.on("GET", "/api_keys/key-other", reply(200, {"api_key_id": "key-other", "name": "app-mail",
                                                     "scopes": ["mail.send"]}))
    return api


def test_a_key_another_run_created_first_is_adopted_without_a_secret_and_this_runs_key_deleted():
    api = twin_api([{"api_key_id": "key-other", "name": "app-mail"}, {"api_key_id": "key-new", "name": "app-mail"}])
    secrets = Secrets()
    result = run_api_key(key_params(), False, secrets, client(api))
    assert [(c.method, c.path) for c in api.writes] == [("POST", "/api_keys"), ("DELETE", "/api_keys/key-new")]
    assert result["action"] == "adopt" and result["changed"] is True
    assert result["api_key"] == {"id": "key-other", "name": "app-mail", "scopes": ["mail.send"], "secret": None,
                                 "secret_available": False}
    assert "_unmasked" not in result and NEW_SECRET not in json.dumps(result)
    assert any("another run created" in w and "key-other" in w and "key-new" in w for w in result["warnings"])


def test_the_run_whose_key_came_first_keeps_it_and_its_secret():
    api = twin_api([{"api_key_id": "key-new", "name": "app-mail"}, {"api_key_id": "key-other", "name": "app-mail"}])
    result = run_api_key(key_params(), False, Secrets(), client(api))
    assert [c.method for c in api.writes] == ["POST"]
    assert result["action"] == "create" and result["api_key"]["secret"] == NEW_SECRET
