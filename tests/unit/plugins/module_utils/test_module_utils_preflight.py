# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollout.preflight: every phase's problems gathered, every named service looked up once, one failure
naming every problem, and the modules' own input checks run on planned arguments without a call."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.rollout.preflight import (
    entry, missing_services, module_problems, rule_problems, run_preflight, service_refs, spec_problems)
from ansible_collections.launchkit.paas.plugins.modules.render_service import MODULE as RENDER_SERVICE
from ansible_collections.launchkit.paas.plugins.modules.sentry_alert_rule import MODULE as ALERT_RULE

SERVICES = {"scoop-web": {"id": "srv-web0", "name": "scoop-web", "type": "web_service"},
            "scoop-worker": {"id": "srv-wrk0", "name": "scoop-worker", "type": "background_worker"}}


class FakePlatform:
    """Services by name or id; each find() call logged."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def find(self, refs: list[str]) -> tuple[dict, list[str]]:
        self.calls.append(list(refs))
        by_id = {service["id"]: service for service in SERVICES.values()}
        found = {ref: SERVICES.get(ref) or by_id.get(ref) for ref in refs}
        return {ref: service for ref, service in found.items() if service}, [ref for ref in refs if not found[ref]]

    def names(self) -> list[str]:
        return list(SERVICES)


def params(**given) -> dict:
    base = {"phase": None, "services": {}, "service_types": {}, "creates": [], "rules": {}, "problems": [],
            "checks": [], "finish": True, "platform": "render"}
    base.update(given)
    return base


def test_rules_report_the_messages_whose_condition_is_false_whatever_its_spelling():
    rules = {"a holds": True, "b fails": False, "c fails as text": "False", "d holds as text": "true", "e empty": ""}
    assert rule_problems(rules) == ["b fails", "c fails as text", "e empty"]


def test_a_string_where_a_list_of_services_belongs_is_a_problem_never_split_into_characters():
    refs, problems = service_refs({"redis_services": "scoop-web", "email_services": ["scoop-web", " ", 3],
                                   "none_given": None})
    assert refs == {"email_services": ["scoop-web"], "none_given": []}
    assert problems[0] == "redis_services must be a list (e.g. [scoop-web]), not the string 'scoop-web'"
    assert "email_services has entries that are not service names or ids" in problems[1]


def test_the_role_spec_checks_types_choices_and_a_string_given_for_a_list():
    options = {"redis_render_plan": {"type": "str", "choices": ["starter", "pro"]},
               "redis_services": {"type": "list", "elements": "str"},
               "redis_token": {"type": "str", "no_log": True, "choices": ["x"]}}
    problems = spec_problems(options, {"redis_render_plan": "huge", "redis_services": "scoop-web",
                                       "redis_token": "s3cret-token-value"})
    assert any("redis_render_plan must be one of: starter, pro, got: huge" in p for p in problems), problems
    assert "redis_services must be a list (e.g. [scoop-web]), not the string 'scoop-web'" in problems
    assert not any("s3cret-token-value" in p for p in problems), problems


def test_a_planned_module_call_is_checked_with_the_modules_own_spec_and_precheck():
    base = {"api_key": "rnd_key", "name": "nightly", "type": "cron_job"}
    never = module_problems("render_service", RENDER_SERVICE, {**base, "schedule": "0 10 31 2 *"}, "cron_jobs[0]")
    assert len(never) == 1 and never[0].startswith("cron_jobs[0]: schedule '0 10 31 2 *'") and "never" in never[0]
    typo = module_problems("render_service", RENDER_SERVICE, {**base, "schedule": "0 3 * * *", "plna": "x"}, "w[0]")
    assert typo and typo[0].startswith("w[0]: unknown key plna"), typo
    assert module_problems("render_service", RENDER_SERVICE, {**base, "schedule": "0 3 * * *"}, "ok") == []
    alert = {"auth_token": "sntrys_token", "organization": "acme", "name": "spike", "project": "p",
             "kind": "event_frequency", "notify": [{"type": "team", "target": "t"}]}
    assert module_problems("sentry_alert_rule", ALERT_RULE, alert, "alerts[0]") == [
        "alerts[0]: kind: event_frequency needs threshold (events of one issue within interval)"]
    assert module_problems("sentry_alert_rule", ALERT_RULE, {**alert, "threshold": 100}, "alerts[0]") == []


def test_a_missing_token_is_a_problem_and_a_token_never_appears():
    problems = module_problems("render_service", RENDER_SERVICE, {"name": "n", "plan": "bogus", "api_key": "rnd_visible"},
                               "w")
    assert any("plan must be one of" in p for p in problems) and not any("rnd_visible" in p for p in problems)


def test_entry_prefixes_each_problem_with_its_phase_once():
    found = entry(params(phase="email", services={"email_services": "scoop-web"},
                         problems=["email_services must be a list (e.g. [scoop-web]), not the string 'scoop-web'"],
                         rules={"x must hold": False}))
    assert found["problems"] == ["email: email_services must be a list (e.g. [scoop-web]), not the string 'scoop-web'",
                                 "email: x must hold"]


def test_services_are_looked_up_once_for_all_phases_and_earlier_creates_count():
    platform = FakePlatform()
    checks = [
        {"phase": "worker", "services": {"worker_web_service": ["scoop-web"]}, "creates": ["scoop-sidekiq"]},
        {"phase": "email", "services": {"email_services": ["scoop-web", "scoop-sidekiq", "srv-wrk0", "scoop-wbe"]}},
        {"phase": "web", "services": {"web_service": ["scoop-worker"]}, "types": {"web_service": "web_service"}},
    ]
    problems = missing_services(checks, platform)
    assert len(platform.calls) == 1
    assert problems == ["email: email_services names 'scoop-wbe', which does not exist (did you mean 'scoop-web'?)",
                        "web: web_service names 'scoop-worker', a background_worker; it must be a web_service"]


def test_a_service_a_later_phase_creates_is_missing_for_an_earlier_one():
    checks = [{"phase": "redis", "services": {"redis_services": ["scoop-sidekiq"]}},
              {"phase": "worker", "services": {}, "creates": ["scoop-sidekiq"]}]
    assert missing_services(checks, FakePlatform()) == [
        "redis: redis_services names 'scoop-sidekiq', which does not exist (the worker phase creates it, after this one)"]


def test_gathering_makes_no_call_and_finish_fails_once_naming_every_problem():
    platform = FakePlatform()
    first = run_preflight(params(phase="redis", services={"redis_services": ["scoop-wbe"]}, finish=False),
                          False, Secrets(), platform)
    assert platform.calls == [] and first["phases"] == ["redis"] and not first.get("failed")
    second = run_preflight(params(phase="cron", problems=["cron_jobs[0]: bad schedule"], checks=first["checks"]),
                           False, Secrets(), platform)
    assert second["failed"] and len(platform.calls) == 1
    assert second["problems"] == ["cron: cron_jobs[0]: bad schedule",
                                  "redis: redis_services names 'scoop-wbe', which does not exist (did you mean 'scoop-web'?)"]
    assert second["msg"].startswith("Preflight: 2 problem(s) in cron, redis; nothing was written.")
    assert "checks" not in second


def test_a_phase_entry_given_again_replaces_its_earlier_one():
    first = run_preflight(params(phase="redis", problems=["old"], finish=False), False, Secrets(), FakePlatform())
    again = run_preflight(params(phase="redis", checks=first["checks"], finish=False), False, Secrets(), FakePlatform())
    assert again["phases"] == ["redis"] and again["problems"] == []


def test_planned_calls_need_the_controller():
    with pytest.raises(ValueError, match="controller only"):
        run_preflight(params(phase="x", modules=[{"module": "render_service", "args": {}}]), False, Secrets(),
                      FakePlatform())


def test_passing_says_which_phases_were_checked():
    result = run_preflight(params(phase="redis", services={"redis_services": ["srv-web0"]}), False, Secrets(),
                           FakePlatform())
    assert not result.get("failed") and result["msg"].startswith("Preflight passed for redis")
