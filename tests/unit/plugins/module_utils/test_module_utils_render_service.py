# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Render service resource: validation, create/PATCH bodies, scaling endpoints, suspension."""
from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.rollout.record import read_record
from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import CronError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.service import (
    UTC_NOTE, Service, run_service, set_suspension, validate, validate_create)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from launchkit_fakes import FakeSession, make_http, render_pages, reply

WEB = {
    "id": "srv-1", "name": "web", "type": "web_service", "ownerId": "tea-1", "slug": "web",
    "repo": "https://github.com/acme/app", "branch": "main", "autoDeploy": "yes", "rootDir": "",
    "suspended": "not_suspended",
    "serviceDetails": {
        "runtime": "ruby", "env": "ruby", "plan": "starter", "region": "oregon", "numInstances": 1,
        "healthCheckPath": "/up", "url": "https://web.onrender.com",
        "envSpecificDetails": {"buildCommand": "bundle install", "startCommand": "bundle exec puma"},
    },
}
# The same web service, built from a Dockerfile: Render's docker details instead of build/start commands.
DOCKER_WEB = {**WEB, "serviceDetails": {
    **WEB["serviceDetails"], "runtime": "docker", "env": "docker",
    "envSpecificDetails": {"dockerCommand": "bin/web", "dockerContext": ".", "dockerfilePath": "./Dockerfile"}}}
AUTOSCALING = {"enabled": True, "min": 2, "max": 4,
               "criteria": {"cpu": {"enabled": True, "percentage": 60}, "memory": {"enabled": False, "percentage": 70}}}
SOURCE = {"id": "srv-src", "name": "web-staging", "type": "web_service", "ownerId": "tea-1"}
SOURCE_ENV = {"DATABASE_URL": "postgres://app:srcDbPass1@db/app", "LOG_LEVEL": "debug"}


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


def service_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "name": "web", "id": None, "owner": "tea-1", "state": "present",
              "type": None, "runtime": None, "repo": None, "branch": None, "image": None,
              "registry_credential_id": None, "root_dir": None, "auto_deploy": None, "build_command": None,
              "start_command": None, "docker_context": None, "dockerfile_path": None, "pre_deploy_command": None,
              "plan": None,
              "region": None, "num_instances": None, "autoscaling": None, "health_check_path": None,
              "schedule": None, "publish_path": None, "environment_id": None, "create_env": None,
              "create_env_from": None}
    params.update(overrides)
    return params


def create_params(**overrides):
    return service_params(**{"type": "web_service", "runtime": "ruby", "repo": "https://github.com/acme/app",
                             "branch": "main", "build_command": "bundle install",
                             "start_command": "bundle exec puma", "region": "oregon", "plan": "starter",
                             **overrides})


def autoscaling(enabled=True, low=2, high=4, cpu=60, memory=None):
    return {"enabled": enabled, "min": low, "max": high, "cpu_percent": cpu, "memory_percent": memory}


def service_api(*existing: dict) -> FakeSession:
    """A small Render: services by name and id, create, PATCH, scale, autoscaling and suspension."""
    store = {s["id"]: copy.deepcopy(s) for s in existing}
    api = FakeSession()

    def listed(call):
        names = [n for n in ((call.params or {}).get("name") or "").split(",") if n]  # name=a,b (explode: false)
        return render_pages("service", [s for s in store.values() if not names or s["name"] in names])(call)

    def created(call):
        body = call.json
        store["srv-new"] = {"id": "srv-new", "name": body["name"], "type": body["type"], "ownerId": body["ownerId"],
                            "suspended": "not_suspended", "serviceDetails": body.get("serviceDetails", {})}
        return reply(201, {"service": store["srv-new"], "deployId": "dep-first"})

    def suspension(service_id, value):
        def answer(call):
            store[service_id]["suspended"] = value
            return reply(202)
        return answer

    api.on("GET", "/services", listed).on("POST", "/services", created)
    api.on("GET", "/services/srv-src/env-vars",
           render_pages("envVar", [{"key": k, "value": v} for k, v in SOURCE_ENV.items()]))
    for service_id in ("srv-1", "srv-new", "srv-src"):
        path = f"/services/{service_id}"
        api.on("GET", path, lambda call, sid=service_id: reply(200, store.get(sid, SOURCE)))
        api.on("PATCH", path, lambda call, sid=service_id: reply(200, store[sid]))
        api.on("DELETE", path, reply(204))
        api.on("POST", f"{path}/scale", reply(202))
        api.on("PUT", f"{path}/autoscaling", lambda call: reply(200, call.json))
        api.on("DELETE", f"{path}/autoscaling", reply(204))
        api.on("POST", f"{path}/suspend", suspension(service_id, "suspended"))
        api.on("POST", f"{path}/resume", suspension(service_id, "not_suspended"))
    return api


def writes(api: FakeSession) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in api.writes]


# ------------------------------------------------------------------------------------------- validate()
@pytest.mark.parametrize("overrides, message", [
    pytest.param({"type": "web_service", "schedule": "0 10 * * *"}, "schedule cannot be set on a web_service",
                 id="schedule on a web service"),
    pytest.param({"type": "cron_job", "schedule": "0 10 * * *", "num_instances": 2, "health_check_path": "/up"},
                 "health_check_path, num_instances cannot be set on a cron_job", id="scaling on a cron job"),
    pytest.param({"type": "static_site", "autoscaling": autoscaling()}, "autoscaling cannot be set on a static_site",
                 id="autoscaling on a static site"),
    pytest.param({"type": "background_worker", "publish_path": "dist"},
                 "publish_path cannot be set on a background_worker", id="publish path on a worker"),
    pytest.param({"repo": "https://github.com/acme/app", "image": "docker.io/acme/app:1"},
                 "either repo .* or image", id="repo and image"),
    pytest.param({"autoscaling": autoscaling(low=5, high=2)}, r"autoscaling min \(5\) is above max \(2\)",
                 id="autoscaling min above max"),
])
def test_validate_refuses_what_cannot_work(overrides, message):
    with pytest.raises(ValueError, match=message):
        validate(service_params(**overrides))


def test_validate_accepts_a_disabled_autoscaling_whatever_its_bounds():
    validate(service_params(type="web_service", autoscaling=autoscaling(enabled=False, low=5, high=2)))


def test_validate_normalises_the_schedule_in_place_and_rejects_a_bad_one():
    params = service_params(type="cron_job", schedule=" 0  10 * * * ")
    validate(params)
    assert params["schedule"] == "0 10 * * *"
    with pytest.raises(CronError, match="the hour field '25' is not valid"):
        validate(service_params(type="cron_job", schedule="0 25 * * *"))


@pytest.mark.parametrize("overrides, missing", [
    pytest.param({}, "type, repo or image", id="nothing"),
    pytest.param({"type": "web_service", "image": "docker.io/acme/app:1"}, "runtime", id="web without runtime"),
    pytest.param({"type": "web_service", "runtime": "node", "repo": "r"}, "build_command, start_command",
                 id="native runtime needs commands"),
    pytest.param({"type": "cron_job", "runtime": "docker", "repo": "r"}, "schedule", id="cron without schedule"),
    pytest.param({"type": "background_worker", "runtime": "python", "build_command": "pip install ."},
                 "start_command, repo or image", id="worker without start command or source"),
])
def test_validate_create_lists_everything_a_create_still_needs(overrides, missing):
    with pytest.raises(ResourceError, match=rf"service 'web' does not exist; to create it, also set {missing}$"):
        validate_create(service_params(**overrides))


@pytest.mark.parametrize("overrides", [
    pytest.param({"type": "static_site", "repo": "r"}, id="static site needs no runtime"),
    pytest.param({"type": "web_service", "runtime": "docker", "repo": "r"}, id="docker needs no commands"),
    pytest.param({"type": "web_service", "runtime": "image", "image": "docker.io/acme/app:1"}, id="image"),
    pytest.param({"type": "cron_job", "runtime": "docker", "repo": "r", "schedule": "0 10 * * *"}, id="cron job"),
])
def test_validate_create_accepts_complete_requests(overrides):
    validate_create(service_params(**overrides))


# ------------------------------------------------------------------------------------ desired / current
def test_current_reads_the_api_shape_into_the_options_shape():
    resource = copy.deepcopy(WEB)
    resource["serviceDetails"]["autoscaling"] = AUTOSCALING
    current = Service(render(service_api()), service_params()).current(resource)
    assert current == {"type": "web_service", "repo": "https://github.com/acme/app", "branch": "main", "image": None,
                       "auto_deploy": "yes", "root_dir": "", "runtime": "ruby", "plan": "starter",
                       "region": "oregon", "build_command": "bundle install", "start_command": "bundle exec puma",
                       "docker_context": None, "dockerfile_path": None, "health_check_path": "/up",
                       "pre_deploy_command": None,
                       "schedule": None, "publish_path": None, "num_instances": 1, "autoscaling": AUTOSCALING}


def test_desired_speaks_render_values_for_auto_deploy_and_autoscaling():
    service = Service(render(service_api()), service_params(auto_deploy=False, autoscaling=autoscaling()))
    desired = service.desired()
    assert desired["auto_deploy"] == "no"
    assert desired["autoscaling"] == AUTOSCALING


def test_a_service_that_matches_every_option_set_is_not_changed():
    resource = copy.deepcopy(WEB)
    resource["serviceDetails"]["autoscaling"] = AUTOSCALING
    api = service_api(resource)
    result = run_service(create_params(auto_deploy=True, health_check_path="/up", autoscaling=autoscaling()),
                         False, Secrets(), render(api))
    assert result["changed"] is False and result["action"] == "none"
    assert api.writes == []
    assert result["service"]["id"] == "srv-1"
    assert "schedule_note" not in result


# ------------------------------------------------------------------------------------------------ create
def test_create_posts_the_render_body_and_returns_the_first_deploy():
    api = service_api(SOURCE)
    result = run_service(create_params(auto_deploy=True, pre_deploy_command="bin/rails db:migrate",
                                       num_instances=2, health_check_path="/up"), False, Secrets(), render(api))
    assert writes(api) == [("POST", "/services")]
    assert api.writes[0].json == {
        "type": "web_service", "name": "web", "ownerId": "tea-1", "repo": "https://github.com/acme/app",
        "branch": "main", "autoDeploy": "yes",
        "serviceDetails": {"runtime": "ruby", "plan": "starter", "preDeployCommand": "bin/rails db:migrate",
                           "healthCheckPath": "/up", "region": "oregon", "numInstances": 2,
                           "envSpecificDetails": {"buildCommand": "bundle install",
                                                  "startCommand": "bundle exec puma"}},
    }
    assert result["changed"] is True and result["action"] == "create"
    assert result["deploy_id"] == "dep-first"
    assert result["service"]["id"] == "srv-new" and "_deployId" not in result["service"]["service_details"]


def test_create_with_autoscaling_sends_it_in_the_create_body():
    api = service_api()
    run_service(create_params(autoscaling=autoscaling(memory=80)), False, Secrets(), render(api))
    assert api.writes[0].json["serviceDetails"]["autoscaling"] == {
        "enabled": True, "min": 2, "max": 4,
        "criteria": {"cpu": {"enabled": True, "percentage": 60}, "memory": {"enabled": True, "percentage": 80}}}


def test_create_of_an_image_service_sends_the_image_and_no_repo():
    api = service_api()
    run_service(service_params(type="background_worker", runtime="image", image="ghcr.io/acme/worker:1.2",
                               registry_credential_id="rgc-1"), False, Secrets(), render(api))
    body = api.writes[0].json
    assert body["image"] == {"ownerId": "tea-1", "imagePath": "ghcr.io/acme/worker:1.2",
                             "registryCredentialId": "rgc-1"}
    assert "repo" not in body and body["serviceDetails"] == {"runtime": "image"}


def test_create_of_a_static_site_puts_the_build_command_in_service_details():
    api = service_api()
    run_service(service_params(type="static_site", repo="https://github.com/acme/site", build_command="npm run build",
                               publish_path="dist"), False, Secrets(), render(api))
    assert api.writes[0].json["serviceDetails"] == {"buildCommand": "npm run build", "publishPath": "dist"}


def test_create_env_from_copies_another_services_env_and_explicit_values_win():
    api = service_api(SOURCE)
    secrets = Secrets()
    result = run_service(create_params(create_env_from="web-staging",
                                       create_env={"LOG_LEVEL": "info", "FEATURE_X": True}),
                         False, secrets, render(api))
    assert api.writes[0].json["envVars"] == [
        {"key": "DATABASE_URL", "value": SOURCE_ENV["DATABASE_URL"]},
        {"key": "LOG_LEVEL", "value": "info"},
        {"key": "FEATURE_X", "value": "true"},
    ]
    assert [c.path for c in api.to("GET") if "env-vars" in c.path] == ["/services/srv-src/env-vars"]
    assert SOURCE_ENV["DATABASE_URL"] not in json.dumps(result)


def test_create_env_values_are_registered_as_secrets():
    secrets = Secrets()
    run_service(create_params(create_env={"SECRET_KEY_BASE": "s3cret-key-base"}), True, secrets,
                render(service_api()))
    assert "s3cret-key-base" in secrets.values


def test_create_without_env_sends_no_env_vars():
    api = service_api()
    run_service(create_params(), False, Secrets(), render(api))
    assert "envVars" not in api.writes[0].json


def test_create_in_check_mode_posts_nothing_and_reads_no_source_env():
    api = service_api(SOURCE)
    result = run_service(create_params(create_env_from="web-staging"), True, Secrets(), render(api))
    assert api.writes == [] and not [c for c in api.calls if "env-vars" in c.path]
    assert result["changed"] is True and result["action"] == "create" and result["service"] is None
    assert result["diff"]["after"]["type"] == "web_service"


def test_a_missing_service_with_too_little_to_create_it_fails_before_any_write():
    api = service_api()
    with pytest.raises(ResourceError, match="also set type, repo or image"):
        run_service(service_params(plan="standard"), False, Secrets(), render(api))
    assert api.writes == []


# ------------------------------------------------------------------------------------------------ update
def test_update_patches_only_what_differs_in_render_shape():
    api = service_api(WEB)
    result = run_service(service_params(branch="release", plan="standard", start_command="bin/web",
                                        build_command="bundle install"), False, Secrets(), render(api))
    assert writes(api) == [("PATCH", "/services/srv-1")]
    assert api.writes[0].json == {"branch": "release",
                                  "serviceDetails": {"plan": "standard",
                                                     "envSpecificDetails": {"startCommand": "bin/web"}}}
    assert result["action"] == "update"
    assert result["diff"] == {"before": {"branch": "main", "plan": "starter", "start_command": "bundle exec puma"},
                              "after": {"branch": "release", "plan": "standard", "start_command": "bin/web"}}


def test_num_instances_goes_to_the_scale_endpoint_not_patch():
    api = service_api(WEB)
    result = run_service(service_params(num_instances=3), False, Secrets(), render(api))
    assert writes(api) == [("POST", "/services/srv-1/scale")]
    assert api.writes[0].json == {"numInstances": 3}
    assert result["changed"] is True


def test_enabling_autoscaling_puts_it_on_its_own_endpoint():
    api = service_api(WEB)
    run_service(service_params(autoscaling=autoscaling()), False, Secrets(), render(api))
    assert writes(api) == [("PUT", "/services/srv-1/autoscaling")]
    assert api.writes[0].json == AUTOSCALING


def test_disabling_autoscaling_deletes_it():
    resource = copy.deepcopy(WEB)
    resource["serviceDetails"]["autoscaling"] = AUTOSCALING
    api = service_api(resource)
    run_service(service_params(autoscaling=autoscaling(enabled=False)), False, Secrets(), render(api))
    assert writes(api) == [("DELETE", "/services/srv-1/autoscaling")]


def test_a_disabled_autoscaling_reported_by_render_is_no_change():
    resource = copy.deepcopy(WEB)
    resource["serviceDetails"]["autoscaling"] = dict(AUTOSCALING, enabled=False)
    api = service_api(resource)
    result = run_service(service_params(autoscaling=autoscaling(enabled=False)), False, Secrets(), render(api))
    assert result["changed"] is False and api.writes == []


def test_disabled_autoscaling_on_a_service_that_never_had_it_is_no_change():
    api = service_api(WEB)  # Render reports no autoscaling key until it was set once
    result = run_service(service_params(autoscaling=autoscaling(enabled=False)), False, Secrets(), render(api))
    assert result["changed"] is False and api.writes == []


def test_types_that_cannot_autoscale_report_no_autoscaling():
    cron = {"id": "srv-1", "name": "web", "type": "cron_job", "serviceDetails": {"schedule": "0 10 * * *"}}
    assert Service(render(service_api()), service_params()).current(cron)["autoscaling"] is None


def test_settings_and_scale_together_use_patch_and_scale():
    api = service_api(WEB)
    run_service(service_params(auto_deploy=False, num_instances=2), False, Secrets(), render(api))
    assert writes(api) == [("PATCH", "/services/srv-1"), ("POST", "/services/srv-1/scale")]
    assert api.writes[0].json == {"autoDeploy": "no"}


def test_a_static_site_build_command_is_patched_in_service_details_even_without_type():
    site = {"id": "srv-1", "name": "web", "type": "static_site", "ownerId": "tea-1", "suspended": "not_suspended",
            "serviceDetails": {"buildCommand": "npm run build", "publishPath": "dist"}}
    api = service_api(site)
    run_service(service_params(build_command="npm ci && npm run build"), False, Secrets(), render(api))
    assert api.to("PATCH")[0].json == {"serviceDetails": {"buildCommand": "npm ci && npm run build"}}


def test_patch_body_of_an_image_change_carries_the_registry_credential():
    api = service_api(WEB)
    service = Service(render(api), service_params(registry_credential_id="rgc-1"))
    service.update(WEB, {"image": "ghcr.io/acme/app:2"})
    assert api.to("PATCH")[0].json == {
        "image": {"ownerId": "tea-1", "imagePath": "ghcr.io/acme/app:2", "registryCredentialId": "rgc-1"}}


def test_update_in_check_mode_writes_nothing():
    api = service_api(WEB)
    result = run_service(service_params(plan="pro", num_instances=4), True, Secrets(), render(api))
    assert api.writes == [] and result["changed"] is True


@pytest.mark.parametrize("overrides, named", [
    ({"region": "frankfurt"}, "region"),
    ({"type": "private_service"}, "type"),
    ({"type": "background_worker", "region": "ohio"}, "region, type"),
])
def test_type_and_region_cannot_change(overrides, named):
    api = service_api(WEB)
    with pytest.raises(ResourceError, match=f"cannot change {named} of the existing Render service"):
        run_service(service_params(**overrides), False, Secrets(), render(api))
    assert api.writes == []


# -------------------------------------------------------------------------------------------- suspension
def test_set_suspension_posts_only_when_the_state_differs():
    api = service_api(WEB)
    client = render(api)
    assert set_suspension(client, WEB, False, False) is False
    assert set_suspension(client, WEB, True, True) is True  # check mode: predicted, not done
    assert api.writes == []
    assert set_suspension(client, WEB, True, False) is True
    assert writes(api) == [("POST", "/services/srv-1/suspend")]


def test_state_suspended_suspends_a_running_service():
    api = service_api(WEB)
    result = run_service(service_params(state="suspended"), False, Secrets(), render(api))
    assert writes(api) == [("POST", "/services/srv-1/suspend")]
    assert result["changed"] is True and result["action"] == "suspend"
    assert result["diff"] == {"before": {"suspended": False}, "after": {"suspended": True}}
    assert result["service"]["suspended"] is True  # read again after the change


def test_state_present_resumes_a_suspended_service():
    api = service_api(dict(WEB, suspended="suspended"))
    result = run_service(service_params(), False, Secrets(), render(api))
    assert writes(api) == [("POST", "/services/srv-1/resume")]
    assert result["changed"] is True and result["action"] == "resume"
    assert result["service"]["suspended"] is False


def test_state_suspended_on_a_suspended_service_is_no_change():
    api = service_api(dict(WEB, suspended="suspended"))
    result = run_service(service_params(state="suspended"), False, Secrets(), render(api))
    assert result["changed"] is False and api.writes == []


def test_an_update_and_a_suspension_keep_the_update_action():
    api = service_api(WEB)
    result = run_service(service_params(state="suspended", plan="standard"), False, Secrets(), render(api))
    assert writes(api) == [("PATCH", "/services/srv-1"), ("POST", "/services/srv-1/suspend")]
    assert result["action"] == "update"
    assert result["diff"]["after"] == {"plan": "standard", "suspended": True}


def test_suspension_in_check_mode_posts_nothing():
    api = service_api(WEB)
    result = run_service(service_params(state="suspended"), True, Secrets(), render(api))
    assert api.writes == [] and result["changed"] is True and result["action"] == "suspend"


def test_a_new_service_with_state_suspended_is_created_then_suspended():
    api = service_api()
    result = run_service(create_params(state="suspended"), False, Secrets(), render(api))
    assert writes(api) == [("POST", "/services"), ("POST", "/services/srv-new/suspend")]
    assert result["action"] == "create"


def test_check_mode_create_with_state_suspended_warns():
    result = run_service(create_params(state="suspended"), True, Secrets(), render(service_api()))
    assert result["warnings"] == ["the service would be created and then suspended"]


# ----------------------------------------------------------------------------------------------- absent
def test_absent_deletes_the_service():
    api = service_api(WEB)
    result = run_service(service_params(state="absent"), False, Secrets(), render(api))
    assert writes(api) == [("DELETE", "/services/srv-1")]
    assert result["changed"] is True and result["action"] == "delete" and result["service"] is None


def test_absent_of_a_missing_service_is_no_change_and_needs_no_create_options():
    api = service_api()
    result = run_service(service_params(state="absent"), False, Secrets(), render(api))
    assert result["changed"] is False and api.writes == []


# ------------------------------------------------------------------------------------------- cron jobs
def test_a_cron_job_reports_its_schedule_is_utc():
    api = service_api()
    result = run_service(service_params(type="cron_job", runtime="docker", repo="https://github.com/acme/app",
                                        schedule="0  10 * * *"), False, Secrets(), render(api))
    assert api.writes[0].json["serviceDetails"]["schedule"] == "0 10 * * *"
    assert result["schedule_timezone"] == "UTC" and result["schedule_note"] == UTC_NOTE


def test_an_existing_cron_job_gets_the_note_even_without_type():
    cron = {"id": "srv-1", "name": "web", "type": "cron_job", "ownerId": "tea-1", "suspended": "not_suspended",
            "serviceDetails": {"schedule": "0 10 * * *"}}
    result = run_service(service_params(), False, Secrets(), render(service_api(cron)))
    assert result["schedule_note"] == UTC_NOTE


def test_an_absent_cron_job_has_no_schedule_note():
    result = run_service(service_params(state="absent", type="cron_job"), False, Secrets(), render(service_api()))
    assert "schedule_note" not in result


# ----------------------------------------------------------------------- docker and image runtimes
# A service with runtime docker (or image) has Render's docker details: dockerCommand, dockerContext,
# dockerfilePath; never startCommand or buildCommand.
REPO = "https://github.com/acme/app"


def created_commands(**overrides) -> dict:
    """The envSpecificDetails of the create that these parameters send."""
    session = service_api()
    run_service(service_params(**overrides), False, Secrets(), render(session))
    [post] = session.writes
    return post.json["serviceDetails"]["envSpecificDetails"]


def test_a_docker_web_service_is_created_with_docker_details():
    sent = created_commands(type="web_service", runtime="docker", repo=REPO, start_command="bin/web",
                            docker_context="./app", dockerfile_path="./app/Dockerfile")
    assert sent == {"dockerCommand": "bin/web", "dockerContext": "./app", "dockerfilePath": "./app/Dockerfile"}


def test_a_docker_cron_job_sends_its_command_as_docker_command_with_the_whole_docker_details():
    # A cron job's create takes all three docker fields: Render's defaults fill the two not given.
    sent = created_commands(type="cron_job", runtime="docker", repo=REPO, schedule="0 3 * * *",
                            start_command="bin/rails runner Nightly.run")
    assert sent == {"dockerCommand": "bin/rails runner Nightly.run", "dockerContext": ".",
                    "dockerfilePath": "./Dockerfile"}


def test_a_docker_cron_job_keeps_the_docker_context_and_dockerfile_given():
    sent = created_commands(type="cron_job", runtime="docker", repo=REPO, schedule="0 3 * * *",
                            start_command="bin/nightly", docker_context="./jobs", dockerfile_path="./jobs/Dockerfile")
    assert sent == {"dockerCommand": "bin/nightly", "dockerContext": "./jobs", "dockerfilePath": "./jobs/Dockerfile"}


def test_an_image_worker_sends_its_command_as_docker_command():
    sent = created_commands(type="background_worker", runtime="image", image="ghcr.io/acme/worker:1",
                            start_command="bundle exec sidekiq")
    assert sent == {"dockerCommand": "bundle exec sidekiq"}


def test_a_docker_cron_job_with_a_dockerfile_but_no_command_asks_for_the_command():
    session = service_api()
    params = service_params(type="cron_job", runtime="docker", repo=REPO, schedule="0 3 * * *",
                            dockerfile_path="./Dockerfile")
    with pytest.raises(ResourceError, match="also set start_command"):
        run_service(params, False, Secrets(), render(session))
    assert session.writes == []


def test_a_docker_service_with_the_same_command_is_not_changed():
    session = service_api(DOCKER_WEB)
    params = service_params(type="web_service", runtime="docker", start_command="bin/web", docker_context=".",
                            dockerfile_path="./Dockerfile")
    result = run_service(params, False, Secrets(), render(session))
    assert result["changed"] is False and session.writes == []


def test_a_new_docker_command_is_patched_as_docker_command():
    session = service_api(DOCKER_WEB)
    params = service_params(start_command="bin/web --threads 5", dockerfile_path="./docker/web.Dockerfile")
    result = run_service(params, False, Secrets(), render(session))
    [patch] = session.writes
    assert patch.json == {"serviceDetails": {"envSpecificDetails": {
        "dockerCommand": "bin/web --threads 5", "dockerfilePath": "./docker/web.Dockerfile"}}}
    assert result["diff"] == {"before": {"start_command": "bin/web", "dockerfile_path": "./Dockerfile"},
                              "after": {"start_command": "bin/web --threads 5",
                                        "dockerfile_path": "./docker/web.Dockerfile"}}


@pytest.mark.parametrize("runtime", ["docker", "image"])
def test_a_build_command_for_a_docker_runtime_is_refused_before_any_call(runtime):
    session = service_api()
    params = service_params(type="web_service", runtime=runtime, repo=REPO, build_command="bundle install",
                            start_command="bin/web")
    with pytest.raises(ValueError, match=f"build_command cannot be set on a service with runtime {runtime}") as caught:
        run_service(params, False, Secrets(), render(session))
    assert "start_command" in str(caught.value) and "dockerfile_path" in str(caught.value)
    assert session.calls == []


def test_a_build_command_for_an_existing_docker_service_is_refused_before_any_write():
    session = service_api(DOCKER_WEB)
    with pytest.raises(ValueError, match="build_command cannot be set on a service with runtime docker"):
        run_service(service_params(build_command="bundle install"), False, Secrets(), render(session))
    assert session.writes == []


@pytest.mark.parametrize("option", ["docker_context", "dockerfile_path"])
def test_docker_options_on_a_native_runtime_are_refused_before_any_call(option):
    session = service_api()
    params = service_params(type="web_service", runtime="ruby", repo=REPO, build_command="bundle install",
                            start_command="bin/web", **{option: "x"})
    with pytest.raises(ValueError, match=f"{option} is only for runtime docker"):
        run_service(params, False, Secrets(), render(session))
    assert session.calls == []


def test_a_create_is_written_into_the_phase_record_before_the_post_and_an_update_is_not(tmp_path):
    record = tmp_path / "scoop" / "worker.json"
    seen = []
    api = service_api(SOURCE)
    post = api.routes[("POST", "/services")]
    api.routes[("POST", "/services")] = [lambda call: (seen.append(read_record(str(record))), post[0](call)
                                                       if callable(post[0]) else post[0])[1]]
    params = create_params(record_phase="worker", record_dir=str(tmp_path), record_stack="scoop")
    run_service(params, False, Secrets(), render(api))
    assert seen == [{"created": ["web"]}]
    # Check mode creates nothing, so it records nothing.
    (tmp_path / "scoop" / "worker.json").unlink()
    run_service(params, True, Secrets(), render(service_api(SOURCE)))
    assert not record.exists()
