# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""web_domains_summary: one entry per domain, what the run created, verified names, pending DNS records."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.web_domains_summary import FilterModule, web_domains_summary

APEX = {"name": "example.com", "verification_status": "unverified", "redirect_for": None,
        "dns_records": [{"name": "example.com", "type": "ALIAS", "value": "web.onrender.com",
                         "note": "ALIAS, ANAME or flattened CNAME; where none exists, an A record to 216.24.57.1"}]}
WWW = {"name": "www.example.com", "verification_status": "unverified", "redirect_for": "example.com",
       "dns_records": [{"name": "www.example.com", "type": "CNAME", "value": "web.onrender.com"}]}
API = {"name": "api.example.com", "verification_status": "verified", "redirect_for": None,
       "dns_records": [{"name": "api.example.com", "type": "CNAME", "value": "web.onrender.com"}]}


def test_domains_are_merged_by_name_a_later_answer_winning():
    results = [{"domains": [APEX, WWW]}, {"skipped": True}, {"domains": [dict(WWW, verification_status="verified")]}]
    summary = web_domains_summary(results, [])
    assert [(d["name"], d["verification_status"]) for d in summary["domains"]] == [
        ("example.com", "unverified"), ("www.example.com", "verified")]
    assert summary["verified"] == ["www.example.com"]


def test_created_leaves_out_what_existed_before():
    summary = web_domains_summary([{"domains": [APEX, WWW]}, {"domains": [API]}], ["api.example.com"])
    assert summary["created"] == ["example.com", "www.example.com"]


def test_each_unverified_domain_is_a_pending_action_with_its_record():
    summary = web_domains_summary([{"domains": [APEX, WWW, API]}])
    assert summary["pending_actions"] == [
        "DNS: create ALIAS example.com -> web.onrender.com (ALIAS, ANAME or flattened CNAME; where none exists, an A "
        "record to 216.24.57.1) at the DNS host of example.com, then run the web phase again: Render verifies the "
        "domain and issues its HTTPS certificate",
        "DNS: create CNAME www.example.com -> web.onrender.com at the DNS host of www.example.com, then run the web "
        "phase again: Render verifies the domain and issues its HTTPS certificate"]


def test_nothing_to_sum_up():
    assert web_domains_summary([], None) == {"domains": [], "created": [], "verified": [], "pending_actions": []}


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["web_domains_summary"] is web_domains_summary
