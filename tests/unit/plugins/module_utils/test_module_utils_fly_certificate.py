# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""fly_certificate: ACME once, the DNS records as pending actions, check, delete, check mode."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.fly.certificate import (
    run_certificate, run_certificate_info)
from fly_fakes import FakeFly, base_params, fly_client
from launchkit_fakes import connection_dropped

HOST = "www.example.test"


def params(**overrides):
    return base_params(**{"app": "web", "hostname": HOST, "state": "present", "check": False, **overrides})


def run(fake, check_mode=False, **overrides):
    return run_certificate(params(**overrides), check_mode, Secrets(), fly_client(fake))


def test_check_mode_predicts_the_request_and_writes_nothing():
    fake = FakeFly()
    result = run(fake, check_mode=True, check=True)
    assert result["changed"] and result["action"] == "create" and fake.api.writes == []


def test_the_certificate_is_requested_once_with_its_dns_records_as_pending_actions():
    fake = FakeFly()
    first = run(fake)
    assert first["changed"] and [c.json for c in fake.api.writes] == [{"hostname": HOST}]
    assert {(r["type"], r["name"], r["value"]) for r in first["dns_records"]} == {
        ("A", HOST, "66.241.124.1"), ("AAAA", HOST, "2a09:8280:1::1"), ("CNAME", HOST, "web.fly.dev"),
        ("CNAME", f"_acme-challenge.{HOST}", f"{HOST}.x.flydns.net"),
        ("TXT", f"_fly-ownership.{HOST}", "app-123")}
    assert len(first["pending_actions"]) == 5 and first["pending_actions"][0].startswith("Add a DNS A record")
    second = run(fake)
    assert not second["changed"] and len(fake.api.writes) == 1 and second["dns_records"] == first["dns_records"]


def test_check_asks_fly_to_look_again_and_a_configured_certificate_has_nothing_pending():
    fake = FakeFly()
    run(fake)
    fake.certificates[HOST].update(configured=True, status="ready")
    result = run(fake, check=True)
    assert result["checked"] and not result["changed"] and result["pending_actions"] == []
    assert fake.api.to("POST", f"/apps/web/certificates/{HOST}/check")


def test_a_lost_request_answer_is_looked_up_first():
    fake = FakeFly()
    original = fake.api.routes[("POST", "/apps/web/certificates/acme")][0]

    def made_then_dropped(call):
        original(call)
        raise connection_dropped()
    fake.api.on("POST", "/apps/web/certificates/acme", made_then_dropped)
    assert run(fake)["certificate"]["hostname"] == HOST
    assert len(fake.api.to("POST", "/apps/web/certificates/acme")) == 1


def test_delete_then_nothing_to_delete():
    fake = FakeFly()
    run(fake)
    assert run(fake, state="absent")["changed"] and HOST not in fake.certificates
    assert not run(fake, state="absent")["changed"]


def test_info_summarises_every_certificate():
    fake = FakeFly()
    run(fake)
    found = run_certificate_info(base_params(app="web", hostname=None), False, Secrets(), fly_client(fake))
    assert [c["hostname"] for c in found["certificates"]] == [HOST]
