# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vercel_deployment and vercel_project_info: redeploy only when production env changed (or forced), the
readyState machine and its failures, lost answers, check mode; the production URLs and deployments."""
from __future__ import annotations

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.deployment import PLANNED, run_deployment
from ansible_collections.launchkit.paas.plugins.module_utils.vercel.project import run_project_info
from launchkit_fakes import FakeClock, connection_dropped
from vercel_fakes import FakeVercel, base_params, vercel_client


def run(fake, check_mode=False, clock=None, **overrides):
    values = {"deployment_id": None, "state": "redeployed", "force": False, "wait": True, "wait_timeout": 900}
    values.update(overrides)
    return run_deployment(base_params(**values), check_mode, Secrets(), vercel_client(fake), clock=clock or FakeClock())


def changed_env() -> FakeVercel:
    """A production entry changed after the production deployment (createdAt 1000) was made."""
    return FakeVercel(envs=[{"key": "REDIS_URL", "value": "v", "updatedAt": 5_000}])


def test_a_production_env_change_redeploys_the_serving_deployment_and_waits_until_ready():
    fake = changed_env()
    clock = FakeClock()
    result = run(fake, clock=clock)
    [write] = fake.writes
    assert write.path == "/v13/deployments" and write.params == {"forceNew": "1", "teamId": "team_unit"}
    assert write.json == {"name": "scoop-web", "deploymentId": "dpl_1", "target": "production"}
    assert result["changed"] and result["env_changed"] == ["REDIS_URL"]
    assert result["deployment"]["id"] == "dpl_100" and result["deployment"]["ready_state"] == "READY"
    assert result["deployment"]["url"] == "https://scoop-web-dpl_100.vercel.app"
    assert result["source_deployment"]["id"] == "dpl_1" and result["production_url"] == "https://scoop-web.vercel.app"
    assert clock.slept > 0


def test_a_second_run_changes_nothing():
    fake = changed_env()
    run(fake)
    again = run(fake)
    assert not again["changed"] and len(fake.writes) == 1 and again["deployment"]["id"] == "dpl_100"


def test_nothing_changed_means_no_redeploy_unless_forced():
    fake = FakeVercel(envs=[{"key": "REDIS_URL", "value": "v", "updatedAt": 500},
                            {"key": "PREVIEW_ONLY", "value": "v", "target": ["preview"], "updatedAt": 9_000}])
    assert not run(fake)["changed"] and fake.writes == []
    assert run(fake, force=True)["changed"] and len(fake.writes) == 1


def test_check_mode_predicts_one_redeploy_and_writes_nothing():
    fake = changed_env()
    result = run(fake, check_mode=True)
    assert result["changed"] and fake.writes == [] and result["deployment"]["id"] == PLANNED


@pytest.mark.parametrize("end", ["ERROR", "CANCELED"])
def test_a_failed_build_fails_naming_the_deployment_and_its_url(end):
    fake = changed_env()
    fake.progression = ["QUEUED", "BUILDING", end]
    with pytest.raises(ResourceError) as failure:
        run(fake)
    message = str(failure.value)
    assert "dpl_100" in message and "https://scoop-web-dpl_100.vercel.app" in message and end in message
    assert failure.value.details == {"deployment_id": "dpl_100", "url": "https://scoop-web-dpl_100.vercel.app"}


def test_the_vercel_error_message_is_part_of_the_failure():
    fake = changed_env()
    fake.progression = ["ERROR"]
    original = fake._get_deployment

    def with_message(call, ident):
        answer = original(call, ident)
        for deployment in fake.deployments:
            deployment["errorMessage"] = "Command \"npm run build\" exited with 1"
        return answer

    fake._get_deployment = with_message
    with pytest.raises(ResourceError, match="exited with 1"):
        run(fake)


def test_a_deployment_still_building_after_the_timeout_fails_with_its_state():
    fake = changed_env()
    fake.progression = ["BUILDING"] * 1000
    with pytest.raises(ResourceError, match="dpl_100 .*still 'BUILDING' after 60 s"):
        run(fake, wait_timeout=60)


def test_ready_counts_once_the_production_aliases_are_assigned():
    fake = changed_env()
    fake.progression = ["QUEUED", "READY_UNALIASED", "READY_UNALIASED", "READY"]
    assert run(fake)["deployment"]["ready_state"] == "READY"
    assert len(fake.to("GET", "/v13/deployments/dpl_100")) == 4


def test_a_lost_redeploy_answer_is_looked_up_and_not_sent_twice():
    fake = changed_env()
    fake.fail_next("POST", r"/v13/deployments", ("after", connection_dropped()))
    result = run(fake)
    assert len(fake.to("POST")) == 1 and result["deployment"]["id"] == "dpl_100"


def test_state_ready_only_waits_for_the_newest_production_deployment():
    fake = changed_env()
    fake.deployments.append({"id": "dpl_9", "url": "scoop-web-9.vercel.app", "readyState": "BUILDING",
                             "target": "production", "createdAt": 9_000, "projectId": "prj_web",
                             "_states": ["BUILDING", "READY"]})
    result = run(fake, state="ready")
    assert not result["changed"] and fake.writes == [] and result["deployment"]["id"] == "dpl_9"


def test_a_project_without_a_production_deployment_says_what_to_do():
    fake = FakeVercel(deployments=[])
    fake.project["targets"] = {}
    with pytest.raises(ResourceError, match="no production deployment to redeploy"):
        run(fake, force=True)


def test_a_bad_wait_timeout_fails_before_any_call():
    fake = FakeVercel()
    with pytest.raises(ValueError, match="wait_timeout"):
        run(fake, wait_timeout=0)
    assert fake.calls == []


def test_project_info_gives_the_production_urls_deployments_and_env_without_values():
    fake = FakeVercel(envs=[{"key": "API_KEY", "value": "s3cret-value", "type": "sensitive"}])
    result = run_project_info(base_params(env=True), False, Secrets(), vercel_client(fake))
    [project] = result["projects"]
    assert project["production_urls"] == ["https://scoop-web.vercel.app", "https://www.scoop.test"]
    assert project["production_url"] == "https://scoop-web.vercel.app" and project["framework"] == "nextjs"
    assert project["production_deployment"]["id"] == "dpl_1"
    assert project["latest_production_deployment"] == {"id": "dpl_1", "url": "https://scoop-web-abc.vercel.app",
                                                       "ready_state": "READY", "created_at": 1000,
                                                       "target": "production"}
    assert project["env"][0]["key"] == "API_KEY" and "s3cret-value" not in str(result)


def test_project_info_of_an_unknown_project_is_an_empty_list():
    result = run_project_info(base_params(project="nope", env=False), False, Secrets(), vercel_client(FakeVercel()))
    assert result == {"changed": False, "projects": []}


def test_without_aliases_the_production_url_is_the_deployments_own():
    fake = FakeVercel()
    fake.project["alias"] = []
    fake.project["targets"]["production"].pop("alias")
    [project] = run_project_info(base_params(env=False), False, Secrets(), vercel_client(fake))["projects"]
    assert project["production_urls"] == ["https://scoop-web-abc.vercel.app"]


@pytest.mark.parametrize("end", ["ERROR", "CANCELED"])
def test_a_run_after_a_failed_build_redeploys_again(end):
    """A failed build applied nothing: the change it was made for is still to apply, so the next run (the env task
    unchanged, no force) redeploys the deployment production serves instead of failing on the failed one."""
    fake = changed_env()
    fake.progression = ["QUEUED", "BUILDING", end]
    with pytest.raises(ResourceError):
        run(fake)
    fake.progression = ["QUEUED", "BUILDING", "READY"]
    result = run(fake)
    assert result["changed"] and result["env_changed"] == ["REDIS_URL"]
    assert [write.json["deploymentId"] for write in fake.writes] == ["dpl_1", "dpl_1"]
    assert result["deployment"]["id"] == "dpl_101" and result["deployment"]["ready_state"] == "READY"
    assert not run(fake)["changed"] and len(fake.writes) == 2
