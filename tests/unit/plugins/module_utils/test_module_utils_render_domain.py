# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render custom domains: the apex/www pair, the DNS records each needs, and DNS verification."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.render.domain import (
    RENDER_APEX_IP, dns_records, related, run_custom_domain, service_host)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, WaitTimeout
from launchkit_fakes import FakeClock, FakeSession, make_http, render_pages, reply

WEB = {"id": "srv-1", "name": "web", "type": "web_service", "ownerId": "tea-1", "slug": "web-x1",
       "serviceDetails": {"url": "https://web-x1.onrender.com"}}
# Added as example.com: Render adds www.example.com redirecting to it.
APEX = {"id": "cdm-1", "name": "example.com", "domainType": "apex", "redirectForName": "",
        "verificationStatus": "unverified"}
WWW = {"id": "cdm-2", "name": "www.example.com", "domainType": "subdomain", "redirectForName": "example.com",
       "verificationStatus": "unverified"}
# Added as www.shop.test: Render adds the apex redirecting to the www name.
SHOP_WWW = {"id": "cdm-3", "name": "www.shop.test", "domainType": "subdomain", "redirectForName": "",
            "verificationStatus": "verified"}
SHOP_APEX = {"id": "cdm-4", "name": "shop.test", "domainType": "apex", "redirectForName": "www.shop.test",
             "verificationStatus": "verified"}
API_SUB = {"id": "cdm-5", "name": "api.example.com", "domainType": "subdomain", "redirectForName": "",
           "verificationStatus": "verified"}
ALL = [APEX, WWW, SHOP_WWW, SHOP_APEX, API_SUB]


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


def domain_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "service": "web", "name": "example.com",
              "state": "present", "verify": False, "wait": True, "wait_timeout": 300}
    params.update(overrides)
    return params


def domain_api(existing: list[dict], service: dict | None = None) -> FakeSession:
    service = service or WEB
    base = f"/services/{service['id']}/custom-domains"
    api = (FakeSession()
           .on("GET", "/services", render_pages("service", [service]))
           .on("GET", base, render_pages("customDomain", existing))
           .on("POST", base, reply(201, [APEX, WWW])))
    for domain in ALL:
        api.on("DELETE", f"{base}/{domain['id']}", reply(204))
        api.on("POST", f"{base}/{domain['id']}/verify", reply(202))
        api.on("GET", f"{base}/{domain['id']}", reply(200, domain))
    return api


def names(domains: list[dict]) -> list[str]:
    return sorted(d["name"] for d in domains)


# ------------------------------------------------------------------------------------------ related()
@pytest.mark.parametrize("name, expected", [
    pytest.param("example.com", ["example.com", "www.example.com"], id="apex finds its www redirect"),
    pytest.param("www.example.com", ["example.com", "www.example.com"], id="www redirect finds its apex"),
    pytest.param("www.shop.test", ["shop.test", "www.shop.test"], id="www finds its apex redirect"),
    pytest.param("shop.test", ["shop.test", "www.shop.test"], id="apex redirect finds its www"),
    pytest.param("api.example.com", ["api.example.com"], id="a lone subdomain"),
    pytest.param("nope.example.com", [], id="unknown"),
])
def test_related_pairs_apex_and_www(name, expected):
    assert names(related(ALL, name)) == expected


# ------------------------------------------------------------------------------------- dns_records()
def test_an_apex_domain_needs_an_alias_with_the_a_record_fallback():
    [record] = dns_records(APEX, "web-x1.onrender.com")
    assert (record["name"], record["type"], record["value"]) == ("example.com", "ALIAS", "web-x1.onrender.com")
    assert RENDER_APEX_IP in record["note"]


def test_a_subdomain_needs_a_cname():
    assert dns_records(WWW, "web-x1.onrender.com") == [
        {"name": "www.example.com", "type": "CNAME", "value": "web-x1.onrender.com"}]


def test_the_dns_target_is_the_service_url_host_or_its_slug():
    assert service_host(WEB) == "web-x1.onrender.com"
    assert service_host({"slug": "site-9", "serviceDetails": {}}) == "site-9.onrender.com"


# --------------------------------------------------------------------------------- run_custom_domain()
def test_create_posts_the_normalised_name_and_returns_both_entries():
    api = domain_api([])
    result = run_custom_domain(domain_params(name=" Example.COM. "), False, Secrets(), render(api))
    assert [(c.method, c.path, c.json) for c in api.writes] == [
        ("POST", "/services/srv-1/custom-domains", {"name": "example.com"})]
    assert result["changed"] is True
    assert result["diff"] == {"before": {"domains": []}, "after": {"domains": ["example.com"]}}
    views = {d["name"]: d for d in result["domains"]}
    assert set(views) == {"example.com", "www.example.com"}
    assert views["example.com"]["dns_records"][0]["type"] == "ALIAS"
    assert views["www.example.com"]["dns_records"] == [
        {"name": "www.example.com", "type": "CNAME", "value": "web-x1.onrender.com"}]
    assert views["www.example.com"]["redirect_for"] == "example.com" and views["example.com"]["redirect_for"] is None
    assert result["verified"] is False


def test_create_in_check_mode_posts_nothing_and_predicts_what_render_answers():
    api = domain_api([])
    predicted = run_custom_domain(domain_params(), True, Secrets(), render(api))
    assert api.writes == [] and predicted["changed"] is True
    real = run_custom_domain(domain_params(), False, Secrets(), render(domain_api([])))
    assert [{k: v for k, v in d.items() if k != "id"} for d in predicted["domains"]] == \
        [{k: v for k, v in d.items() if k != "id"} for d in real["domains"]]
    assert [(d["name"], d["redirect_for"], d["dns_records"][0]["type"]) for d in predicted["domains"]] == [
        ("example.com", None, "ALIAS"), ("www.example.com", "example.com", "CNAME")]


@pytest.mark.parametrize("name, existing, expected", [
    ("api.example.com", [], ["api.example.com"]),                 # a subdomain comes alone
    ("www.shop.test", [], ["www.shop.test", "shop.test"]),        # a www name brings its apex
    ("example.com", [WWW], ["example.com"]),                      # a twin that exists is not added again
])
def test_check_mode_predicts_the_twin_only_where_render_adds_one(name, existing, expected):
    result = run_custom_domain(domain_params(name=name), True, Secrets(), render(domain_api(existing)))
    assert [d["name"] for d in result["domains"]] == expected


@pytest.mark.parametrize("name, fix", [
    ("https://api.example.com", "host name only"),
    ("api_example.com", "not a valid domain name"),
    ("localhost", "not a valid domain name"),
    ("10.0.0.1", "IP address"),
    ("-bad.example.com", "not a valid domain name"),
    ("", "not a domain name"),
])
def test_a_bad_name_fails_before_any_call(name, fix):
    api = domain_api([])
    with pytest.raises(ValueError, match=fix):
        run_custom_domain(domain_params(name=name), False, Secrets(), render(api))
    assert api.calls == []


@pytest.mark.parametrize("name", ["example.com", "www.example.com"])
def test_a_present_domain_is_no_change(name):
    api = domain_api(ALL)
    result = run_custom_domain(domain_params(name=name), False, Secrets(), render(api))
    assert api.writes == [] and result["changed"] is False
    assert names(result["domains"]) == ["example.com", "www.example.com"]


def test_absent_deletes_the_domain_and_its_redirect():
    api = domain_api(ALL)
    result = run_custom_domain(domain_params(state="absent"), False, Secrets(), render(api))
    assert sorted(c.path for c in api.writes if c.method == "DELETE") == [
        "/services/srv-1/custom-domains/cdm-1", "/services/srv-1/custom-domains/cdm-2"]
    assert len(api.writes) == 2
    assert result["changed"] is True
    assert result["diff"] == {"before": {"domains": ["example.com", "www.example.com"]}, "after": {"domains": []}}


def test_absent_of_a_www_domain_deletes_its_apex_redirect_too():
    api = domain_api(ALL)
    run_custom_domain(domain_params(name="www.shop.test", state="absent"), False, Secrets(), render(api))
    assert sorted(c.path.rsplit("/", 1)[-1] for c in api.writes) == ["cdm-3", "cdm-4"]


def test_absent_in_check_mode_deletes_nothing():
    api = domain_api(ALL)
    result = run_custom_domain(domain_params(state="absent"), True, Secrets(), render(api))
    assert api.writes == [] and result["changed"] is True


def test_absent_of_a_missing_domain_is_no_change():
    api = domain_api([API_SUB])
    result = run_custom_domain(domain_params(state="absent"), False, Secrets(), render(api))
    assert api.writes == [] and result["changed"] is False


@pytest.mark.parametrize("kind", ["background_worker", "private_service", "cron_job"])
def test_only_web_services_and_static_sites_take_domains(kind):
    api = domain_api([], service=dict(WEB, type=kind))
    with pytest.raises(ResourceError, match=f"web is a {kind}: only web services and static sites"):
        run_custom_domain(domain_params(), False, Secrets(), render(api))
    assert [c.path for c in api.calls] == ["/services"]


def test_a_static_site_takes_a_domain():
    api = domain_api([], service=dict(WEB, type="static_site"))
    assert run_custom_domain(domain_params(), False, Secrets(), render(api))["changed"] is True


# ------------------------------------------------------------------------------------------- verify
def verifying(api: FakeSession, domain: dict, unverified_polls: int) -> None:
    answers = [reply(200, domain)] * unverified_polls + [reply(200, dict(domain, verificationStatus="verified"))]
    api.on("GET", f"/services/srv-1/custom-domains/{domain['id']}", *answers)


def test_verify_asks_render_to_check_and_waits_until_both_are_verified():
    api = domain_api([])
    verifying(api, APEX, 2)
    verifying(api, WWW, 3)
    fake = FakeClock()
    result = run_custom_domain(domain_params(verify=True, wait_timeout=300), False, Secrets(), render(api),
                               Clock(now=fake.now, sleep=fake.sleep))
    assert [c.path for c in api.writes if c.path.endswith("/verify")] == [
        "/services/srv-1/custom-domains/cdm-1/verify", "/services/srv-1/custom-domains/cdm-2/verify"]
    assert result["verified"] is True
    assert {d["verification_status"] for d in result["domains"]} == {"verified"}
    assert fake.sleeps == [10.0, 10.0, 10.0]  # until the slower of the two is verified


def test_verify_skips_domains_already_verified():
    api = domain_api(ALL)
    fake = FakeClock()
    result = run_custom_domain(domain_params(name="shop.test", verify=True), False, Secrets(), render(api),
                               Clock(now=fake.now, sleep=fake.sleep))
    assert api.writes == [] and result["verified"] is True and fake.sleeps == []


def test_verify_without_wait_reads_each_domain_once():
    api = domain_api([])
    fake = FakeClock()
    result = run_custom_domain(domain_params(verify=True, wait=False), False, Secrets(), render(api),
                               Clock(now=fake.now, sleep=fake.sleep))
    assert len([c for c in api.writes if c.path.endswith("/verify")]) == 2
    assert fake.sleeps == [] and result["verified"] is False


def test_verify_timeout_lists_the_unverified_domains_and_their_records():
    api = domain_api([])
    verifying(api, APEX, 0)
    fake = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        run_custom_domain(domain_params(verify=True, wait_timeout=30), False, Secrets(), render(api),
                          Clock(now=fake.now, sleep=fake.sleep))
    assert str(caught.value).startswith("DNS for www.example.com is not verified after 30 s; create the records")
    details = {d["name"]: d for d in caught.value.details["domains"]}
    assert details["www.example.com"]["dns_records"] == [
        {"name": "www.example.com", "type": "CNAME", "value": "web-x1.onrender.com"}]
    assert details["example.com"]["verification_status"] == "verified"
    assert 30 <= fake.slept <= 33


def test_verify_is_skipped_in_check_mode():
    api = domain_api(ALL)
    result = run_custom_domain(domain_params(verify=True), True, Secrets(), render(api))
    assert api.writes == [] and result["verified"] is False
