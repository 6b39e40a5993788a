# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""web_domain_plan: which domains a service has (adopted) and which a run adds."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.web_domain_plan import FilterModule, web_domain_plan


def existing(name: str, *twins: str) -> dict:
    """A check-mode answer for a domain the service has: every entry has its id."""
    return {"item": name, "changed": False,
            "domains": [{"id": f"cdm-{n}", "name": n} for n in (name, *twins)]}


def predicted(name: str, *twins: str) -> dict:
    """A check-mode answer for a domain the service lacks: what the add would create, without ids."""
    return {"item": name, "changed": True, "domains": [{"id": None, "name": n} for n in (name, *twins)]}


def test_specs_are_normalised_and_probe_the_twin_only_where_it_matters():
    plan = web_domain_plan(["API.Example.com.", {"name": "example.com", "www": False}, {"name": "shop.test", "www": True},
                            "www.blog.test", {"name": "app.example.com", "www": True}])
    assert plan["specs"] == [
        {"name": "api.example.com", "www": False, "twin": "www.api.example.com"},
        {"name": "example.com", "www": False, "twin": "www.example.com"},
        {"name": "shop.test", "www": True, "twin": "www.shop.test"},
        {"name": "www.blog.test", "www": False, "twin": "blog.test"},
        {"name": "app.example.com", "www": True, "twin": "www.app.example.com"},
    ]
    # A subdomain without www has no twin to look for; an apex or a www name has one Render adds itself.
    assert plan["probe_names"] == ["api.example.com", "example.com", "www.example.com", "shop.test", "www.shop.test",
                                   "www.blog.test", "blog.test", "app.example.com", "www.app.example.com"]
    assert (plan["existing"], plan["new"]) == ([], [])


def test_www_default_applies_to_entries_that_do_not_say():
    plan = web_domain_plan(["a.example.com", {"name": "b.example.com", "www": False}], None, True)
    assert [spec["www"] for spec in plan["specs"]] == [True, False]


def test_a_new_apex_brings_its_twin_and_both_are_new():
    probes = [predicted("example.com", "www.example.com"), predicted("www.example.com", "example.com")]
    plan = web_domain_plan(["example.com"], probes)
    assert plan["existing"] == [] and plan["new"] == ["example.com", "www.example.com"]


def test_domains_the_service_has_are_adopted_never_new():
    plan = web_domain_plan([{"name": "example.com", "www": True}, "api.example.com"],
                           [existing("example.com", "www.example.com"), existing("www.example.com", "example.com"),
                            predicted("api.example.com")])
    assert plan["existing"] == ["example.com", "www.example.com"]
    assert plan["new"] == ["api.example.com"]


def test_a_twin_asked_for_that_render_does_not_add_is_new_too():
    plan = web_domain_plan([{"name": "app.example.com", "www": True}],
                           [predicted("app.example.com"), predicted("www.app.example.com")])
    assert plan["new"] == ["app.example.com", "www.app.example.com"]


def test_a_twin_that_exists_stays_adopted_when_its_partner_is_added():
    plan = web_domain_plan([{"name": "example.com", "www": True}],
                           [predicted("example.com"), existing("www.example.com")])
    assert plan["existing"] == ["www.example.com"] and plan["new"] == ["example.com"]


def test_skipped_probes_and_no_entries():
    assert web_domain_plan([], []) == {"specs": [], "probe_names": [], "existing": [], "new": []}
    plan = web_domain_plan(["api.example.com"], [{"item": "api.example.com", "skipped": True}])
    assert plan["new"] == [] and plan["existing"] == []


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["web_domain_plan"] is web_domain_plan
