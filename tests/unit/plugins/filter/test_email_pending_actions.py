# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""email_pending_actions: the DNS records a domain still needs and a sender still to verify, one sentence each."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.email_pending_actions import FilterModule, email_pending_actions

CNAME = {"name": "mail_cname", "type": "cname", "host": "em1.example.com", "data": "u1.wl.sendgrid.net", "valid": False}
DKIM = {"name": "dkim1", "type": "cname", "host": "s1._domainkey.example.com", "data": "s1.domainkey.u1.wl.sendgrid.net",
        "valid": True}
DOMAIN = {"domain_auth": {"domain": "example.com"}, "valid": False, "records": [CNAME, DKIM], "missing_records": []}
SENDER = {"sender": {"from_email": "no-reply@example.com", "verified": False}, "verified": False}


def test_each_record_not_valid_is_an_action_naming_host_value_and_domain():
    assert email_pending_actions(DOMAIN) == [
        "DNS: create CNAME em1.example.com -> u1.wl.sendgrid.net at the DNS host of example.com, then run the email "
        "phase again: SendGrid validates the domain authentication"]


def test_the_records_sendgrid_found_missing_win_over_the_valid_flags():
    result = dict(DOMAIN, missing_records=[dict(DKIM, valid=False, reason="no CNAME found")])
    (action,) = email_pending_actions(result)
    assert "s1._domainkey.example.com -> s1.domainkey.u1.wl.sendgrid.net" in action


def test_an_unverified_sender_is_an_action_and_a_verified_one_is_not():
    assert email_pending_actions({}, SENDER) == [
        "Email: open the verification link SendGrid mailed to no-reply@example.com (single sender verification); "
        "SendGrid sends from it only once it is verified"]
    verified = {"sender": {"from_email": "no-reply@example.com", "verified": True}, "verified": True}
    assert email_pending_actions(dict(DOMAIN, valid=True), verified) == []


def test_skipped_failed_or_missing_results_give_no_action():
    assert email_pending_actions({"skipped": True}, {"skipped": True}) == []
    assert email_pending_actions(dict(DOMAIN, failed=True), dict(SENDER, failed=True)) == []
    assert email_pending_actions(None, None) == []
    # In check mode a sender still to be created has no answer yet: nothing to ask of a person.
    assert email_pending_actions({}, {"sender": None, "verified": False}) == []
    assert FilterModule().filters()["email_pending_actions"] is email_pending_actions
