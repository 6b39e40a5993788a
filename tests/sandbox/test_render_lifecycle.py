"""Render lifecycle: deploys (status sequence, failures, 202 mode, cancel, rollback), suspend/resume,
cron job runs and events, custom domains, and the control endpoints that steer them."""
from __future__ import annotations

import time
from typing import Any

import requests

from conftest import OWNER_ID, Sandbox, wait_for

NATIVE = {"runtime": "node", "envSpecificDetails": {"buildCommand": "npm ci", "startCommand": "node app.js"}}
CRON = {"runtime": "node", "schedule": "*/5 * * * *", "envSpecificDetails": {"buildCommand": "npm ci",
                                                                             "startCommand": "node job.js"}}
STATUS_ORDER = ["created", "queued", "build_in_progress", "pre_deploy_in_progress", "update_in_progress",
                "live", "build_failed", "pre_deploy_failed", "update_failed"]


def steer(sbx: Sandbox, area: str, **body: Any) -> dict[str, Any]:
    return sbx.control("POST", f"/render/{area}", json=body)


def deploy_of(sbx: Sandbox, service_id: str, deploy_id: str) -> dict[str, Any]:
    response = sbx.render("GET", f"/services/{service_id}/deploys/{deploy_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_status(sbx: Sandbox, service_id: str, deploy_id: str, status: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        deploy = deploy_of(sbx, service_id, deploy_id)
        return deploy if deploy["status"] == status else None

    return wait_for(reached, timeout=10)


def deploys(sbx: Sandbox, service_id: str, **params: Any) -> list[dict[str, Any]]:
    response = sbx.render("GET", f"/services/{service_id}/deploys", params=params)
    assert response.status_code == 200, response.text
    return [item["deploy"] for item in response.json()]


def events(sbx: Sandbox, service_id: str, **params: Any) -> list[dict[str, Any]]:
    response = sbx.render("GET", f"/services/{service_id}/events", params=params)
    assert response.status_code == 200, response.text
    return [item["event"] for item in response.json()]


def create(sbx: Sandbox, name: str, service_type: str = "web_service", **extra: Any) -> tuple[str, str]:
    """(service id, first deploy id)"""
    body = {"type": service_type, "name": name, "ownerId": OWNER_ID, **extra}
    body.setdefault("serviceDetails", CRON if service_type == "cron_job" else NATIVE)
    response = sbx.render("POST", "/services", json=body)
    assert response.status_code == 201, response.text
    return response.json()["service"]["id"], response.json()["deployId"]


def trigger(sbx: Sandbox, service_id: str, **body: Any) -> requests.Response:
    return sbx.render("POST", f"/services/{service_id}/deploys", json=body)


def observe(sbx: Sandbox, pairs: list[tuple[str, str]], final: str) -> list[list[str]]:
    """Poll (service id, deploy id) pairs together until all are ``final``; per deploy the distinct
    statuses seen, in order."""
    seen: list[list[str]] = [[] for _pair in pairs]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for (service_id, deploy_id), statuses in zip(pairs, seen):
            status = deploy_of(sbx, service_id, deploy_id)["status"]
            if not statuses or statuses[-1] != status:
                statuses.append(status)
        if all(statuses[-1] == final for statuses in seen):
            return seen
        time.sleep(0.005)
    raise AssertionError(f"deploys never reached {final}: {seen}")


# --- deploys -----------------------------------------------------------------------------------
def test_first_deploy_walks_the_status_sequence(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0.2)
    details = {**NATIVE, "preDeployCommand": "migrate"}
    plain_id, plain_deploy = create(sbx, "plain")
    pre_id, pre_deploy = create(sbx, "with-predeploy", serviceDetails=details)
    expected = {plain_deploy: ["created", "build_in_progress", "update_in_progress", "live"],
                pre_deploy: ["created", "build_in_progress", "pre_deploy_in_progress", "update_in_progress", "live"]}
    pairs = [(plain_id, plain_deploy), (pre_id, pre_deploy)]
    for (service_id, deploy_id), seen in zip(pairs, observe(sbx, pairs, "live")):
        assert seen == [status for status in expected[deploy_id] if status in seen], seen
        assert len(seen) >= 3, seen
        deploy = deploy_of(sbx, service_id, deploy_id)
        assert deploy["trigger"] == "api" and len(deploy["commit"]["id"]) == 40
        for stamp in ("createdAt", "startedAt", "finishedAt", "updatedAt"):
            assert deploy[stamp], stamp
        assert deploy["createdAt"] <= deploy["startedAt"] <= deploy["finishedAt"]
    started, ended = (events(sbx, plain_id, type=kind) for kind in ("deploy_started", "deploy_ended"))
    assert started[0]["details"]["deployId"] == plain_deploy and started[0]["details"]["trigger"]["firstBuild"]
    assert ended[0]["details"]["deployStatus"] == "succeeded"


def test_new_live_deploy_deactivates_the_previous_one(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0.2)
    service_id, first = create(sbx, "web")
    wait_status(sbx, service_id, first, "live")
    response = trigger(sbx, service_id, clearCache="clear", commitId="a" * 40)
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["status"] == "created" and second["commit"]["id"] == "a" * 40
    wait_status(sbx, service_id, second["id"], "live")
    assert deploy_of(sbx, service_id, first)["status"] == "deactivated"
    assert [deploy["id"] for deploy in deploys(sbx, service_id)] == [second["id"], first]
    assert [deploy["id"] for deploy in deploys(sbx, service_id, status="deactivated")] == [first]
    page = sbx.render("GET", f"/services/{service_id}/deploys", params={"limit": 1}).json()
    rest = deploys(sbx, service_id, cursor=page[0]["cursor"])
    assert [item["deploy"]["id"] for item in page] == [second["id"]] and [deploy["id"] for deploy in rest] == [first]
    assert sbx.render("GET", f"/services/{service_id}/deploys/dep-unknown").status_code == 404


def test_failure_injection_per_service_until_cleared(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0.1)
    failing_id, failing_first = create(sbx, "failing")
    healthy_id, healthy_first = create(sbx, "healthy")
    for deploy_id, service_id in ((failing_first, failing_id), (healthy_first, healthy_id)):
        wait_status(sbx, service_id, deploy_id, "live")
    for status in ("build_failed", "pre_deploy_failed", "update_failed"):
        steer(sbx, "deploys", fail={"failing": status})
        failed = trigger(sbx, failing_id).json()
        fine = trigger(sbx, healthy_id).json()
        wait_status(sbx, failing_id, failed["id"], status)
        wait_status(sbx, healthy_id, fine["id"], "live")
    ended = events(sbx, failing_id, type="deploy_ended")
    assert [event["details"]["deployStatus"] for event in ended] == ["failed", "failed", "failed", "succeeded"]
    assert ended[0]["details"]["reason"] == {"failure": {"evicted": False, "nonZeroExit": 1}}
    assert ended[2]["details"]["reason"] == {"buildFailed": {"id": ended[2]["details"]["deployId"]}}
    assert deploy_of(sbx, failing_id, failing_first)["status"] == "live"
    steer(sbx, "deploys", fail={failing_id: "update_failed"})
    assert wait_status(sbx, failing_id, trigger(sbx, failing_id).json()["id"], "update_failed")
    assert steer(sbx, "deploys", fail={})["fail"] == {}
    wait_status(sbx, failing_id, trigger(sbx, failing_id).json()["id"], "live")
    assert deploy_of(sbx, failing_id, failing_first)["status"] == "deactivated"


def test_queue_mode_answers_202_without_body(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0.2, queue_202=True)
    service_id, first = create(sbx, "queued")
    response = trigger(sbx, service_id)
    assert response.status_code == 202 and response.content == b""
    newest = deploys(sbx, service_id, limit=1)[0]
    assert newest["id"] != first and newest["status"] in ("queued", "build_in_progress", "update_in_progress", "live")
    assert observe(sbx, [(service_id, newest["id"])], "live")[0][-1] == "live"
    steer(sbx, "deploys", queue_202=False)
    assert trigger(sbx, service_id).status_code == 201


def test_cancel_deploy(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=30)
    service_id, deploy_id = create(sbx, "slow")
    response = sbx.render("POST", f"/services/{service_id}/deploys/{deploy_id}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "canceled"
    assert response.json()["finishedAt"]
    again = sbx.render("POST", f"/services/{service_id}/deploys/{deploy_id}/cancel")
    assert again.status_code == 400 and "not in progress" in again.json()["message"]
    assert events(sbx, service_id, type="deploy_ended")[0]["details"]["deployStatus"] == "canceled"
    cron_id, cron_deploy = create(sbx, "cron", "cron_job")
    refused = sbx.render("POST", f"/services/{cron_id}/deploys/{cron_deploy}/cancel")
    assert refused.status_code == 400 and "cron" in refused.json()["message"]


def test_rollback_goes_live_with_the_target_commit(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0.1)
    service_id, first = create(sbx, "rolling")
    old = wait_status(sbx, service_id, first, "live")
    newer = trigger(sbx, service_id, commitId="b" * 40).json()
    wait_status(sbx, service_id, newer["id"], "live")
    response = sbx.render("POST", f"/services/{service_id}/rollback", json={"deployId": first})
    assert response.status_code == 201, response.text
    rolled = response.json()
    assert rolled["trigger"] == "rollback" and rolled["commit"] == old["commit"]
    live = wait_status(sbx, service_id, rolled["id"], "live")
    assert live["commit"]["id"] == old["commit"]["id"]
    assert deploy_of(sbx, service_id, newer["id"])["status"] == "deactivated"
    started = events(sbx, service_id, type="deploy_started")[0]["details"]
    assert started["trigger"]["rollback"] and started["trigger"]["rollbackTargetDeployId"] == first
    missing = sbx.render("POST", f"/services/{service_id}/rollback", json={"deployId": "dep-unknown"})
    assert missing.status_code == 404


def test_deploy_bodies_are_validated(sbx: Sandbox) -> None:
    service_id, _first = create(sbx, "strict")
    bad = trigger(sbx, service_id, clearCache="yes")
    assert bad.status_code == 400 and "clearCache" in bad.json()["message"]
    assert "deployMode" in trigger(sbx, service_id, deployMode="rebuild").json()["message"]
    combined = trigger(sbx, service_id, deployMode="deploy_only", commitId="c" * 40)
    assert combined.status_code == 400 and "commitId" in combined.json()["message"]
    assert trigger(sbx, service_id, imageUrl="docker.io/acme/app:2").status_code == 400
    no_target = sbx.render("POST", f"/services/{service_id}/rollback", json={})
    assert no_target.status_code == 400 and "deployId" in no_target.json()["message"]
    assert sbx.render("POST", f"/services/{service_id}/deploys").status_code == 400
    assert trigger(sbx, "srv-unknown").status_code == 404
    cron_id, _deploy = create(sbx, "cron", "cron_job")
    assert trigger(sbx, cron_id, commitId="d" * 40).status_code == 400


def test_image_deploys_carry_the_image(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0)
    image = {"ownerId": OWNER_ID, "imagePath": "docker.io/acme/app:1"}
    service_id, first = create(sbx, "img", image=image, serviceDetails={"runtime": "image"})
    assert deploy_of(sbx, service_id, first)["image"]["ref"] == "docker.io/acme/app:1"
    response = trigger(sbx, service_id, imageUrl="docker.io/acme/app:2")
    assert response.status_code == 201 and response.json()["image"]["ref"] == "docker.io/acme/app:2"
    assert "commit" not in response.json()
    assert trigger(sbx, service_id, imageUrl="docker.io/other/app:2").status_code == 400


# --- suspend / resume --------------------------------------------------------------------------
def test_suspend_and_resume(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0.1)
    service_id, first = create(sbx, "sleepy")
    wait_status(sbx, service_id, first, "live")
    assert sbx.render("POST", f"/services/{service_id}/suspend").status_code == 202
    service = sbx.render("GET", f"/services/{service_id}").json()
    assert service["suspended"] == "suspended" and service["suspenders"] == ["user"]
    refused = trigger(sbx, service_id)
    assert refused.status_code == 400 and "suspended" in refused.json()["message"]
    rollback = sbx.render("POST", f"/services/{service_id}/rollback", json={"deployId": first})
    assert rollback.status_code == 400
    suspended = sbx.render("GET", "/services", params={"suspended": "suspended"}).json()
    assert [item["service"]["id"] for item in suspended] == [service_id]
    assert sbx.render("POST", f"/services/{service_id}/resume").status_code == 202
    service = sbx.render("GET", f"/services/{service_id}").json()
    assert service["suspended"] == "not_suspended" and service["suspenders"] == []
    resumed = deploys(sbx, service_id)[0]
    assert resumed["trigger"] == "service_resumed"
    wait_status(sbx, service_id, resumed["id"], "live")
    kinds = [event["type"] for event in events(sbx, service_id)]
    assert kinds.index("service_resumed") < kinds.index("service_suspended")  # newest first
    assert sbx.render("POST", f"/services/{service_id}/resume").status_code == 202
    assert len(deploys(sbx, service_id)) == 2
    assert sbx.render("POST", "/services/srv-unknown/suspend").status_code == 404


# --- cron job runs -----------------------------------------------------------------------------
def run_events(sbx: Sandbox, cron_id: str) -> list[dict[str, Any]]:
    return events(sbx, cron_id, type="cron_job_run_ended")


def test_cron_run_success_and_failure_show_in_events(sbx: Sandbox) -> None:
    steer(sbx, "cron", run_seconds=0.1)
    seeded = sbx.control("POST", "/seed", json={"render": {"services": [
        {"name": "nightly", "type": "cron_job", "serviceDetails": {"schedule": "0 3 * * *", "runtime": "node"}}]}})
    cron_id = seeded["render"]["services"][0]["id"]
    assert sbx.render("GET", f"/services/{cron_id}").json()["serviceDetails"]["schedule"] == "0 3 * * *"
    response = sbx.render("POST", f"/cron-jobs/{cron_id}/runs")
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "pending" and run["startedAt"] and run["triggeredBy"]
    ended = wait_for(lambda: run_events(sbx, cron_id))
    assert ended[0]["details"] == {"cronJobRunId": run["id"], "status": "successful"}
    assert events(sbx, cron_id, type="cron_job_run_started")[0]["details"] == {"cronJobRunId": run["id"]}
    last_success = sbx.render("GET", f"/services/{cron_id}").json()["serviceDetails"]["lastSuccessfulRunAt"]
    assert last_success >= run["startedAt"]

    steer(sbx, "cron", fail={"nightly": True})
    failing = sbx.render("POST", f"/cron-jobs/{cron_id}/runs").json()
    ended = wait_for(lambda: [event for event in run_events(sbx, cron_id)
                              if event["details"]["cronJobRunId"] == failing["id"]])
    assert ended[0]["details"]["status"] == "unsuccessful"
    assert ended[0]["details"]["reason"]["nonZeroExit"] == 1
    details = sbx.render("GET", f"/services/{cron_id}").json()["serviceDetails"]
    assert details["lastSuccessfulRunAt"] == last_success
    patched = sbx.render("PATCH", f"/services/{cron_id}", json={"serviceDetails": {"schedule": "0 4 * * *"}})
    assert patched.json()["serviceDetails"]["lastSuccessfulRunAt"] == last_success


def test_trigger_cancels_the_active_run(sbx: Sandbox) -> None:
    steer(sbx, "cron", run_seconds=30)
    cron_id, _deploy = create(sbx, "long-job", "cron_job")
    first = sbx.render("POST", f"/cron-jobs/{cron_id}/runs").json()
    second = sbx.render("POST", f"/cron-jobs/{cron_id}/runs").json()
    assert [event["details"] for event in run_events(sbx, cron_id)] == [
        {"cronJobRunId": first["id"], "status": "canceled"}]
    assert sbx.render("DELETE", f"/cron-jobs/{cron_id}/runs").status_code == 204
    assert run_events(sbx, cron_id)[0]["details"] == {"cronJobRunId": second["id"], "status": "canceled"}
    runs = sbx.control("GET", "/state")["vendors"]["render"]["cron_runs"]
    assert {run["id"]: run["status"] for run in runs} == {first["id"]: "canceled", second["id"]: "canceled"}


def test_cron_endpoints_refuse_other_services(sbx: Sandbox) -> None:
    web_id, _deploy = create(sbx, "web")
    for method in ("POST", "DELETE"):
        response = sbx.render(method, f"/cron-jobs/{web_id}/runs")
        assert response.status_code == 400 and "not a cron job" in response.json()["message"]
        assert sbx.render(method, "/cron-jobs/srv-unknown/runs").status_code == 404


def test_event_filters_and_pagination(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=0)
    service_id, _first = create(sbx, "busy")
    for _index in range(3):
        trigger(sbx, service_id)
    everything = events(sbx, service_id)
    assert len(everything) == 8 and everything[0]["timestamp"] >= everything[-1]["timestamp"]
    assert all(event["id"].startswith("evt-") and event["serviceId"] == service_id for event in everything)
    page = sbx.render("GET", f"/services/{service_id}/events", params={"limit": 5}).json()
    rest = events(sbx, service_id, cursor=page[-1]["cursor"])
    assert [item["event"]["id"] for item in page] + [event["id"] for event in rest] == [e["id"] for e in everything]
    assert events(sbx, service_id, startTime="2999-01-01T00:00:00Z") == []
    assert len(events(sbx, service_id, endTime=str(time.time() + 60), type="deploy_started")) == 4
    assert sbx.render("GET", f"/services/{service_id}/events", params={"startTime": "soon"}).status_code == 400


# --- custom domains ----------------------------------------------------------------------------
def add_domain(sbx: Sandbox, service_id: str, name: str) -> requests.Response:
    return sbx.render("POST", f"/services/{service_id}/custom-domains", json={"name": name})


def test_custom_domain_apex_adds_www_and_back(sbx: Sandbox) -> None:
    service_id, _deploy = create(sbx, "site")
    response = add_domain(sbx, service_id, "example.com")
    assert response.status_code == 201, response.text
    apex, www = response.json()
    assert (apex["name"], apex["domainType"], apex["redirectForName"]) == ("example.com", "apex", "")
    assert (www["name"], www["domainType"], www["redirectForName"]) == ("www.example.com", "subdomain", "example.com")
    assert apex["publicSuffix"] == "com" and apex["verificationStatus"] == "unverified"
    assert apex["server"] == {"id": service_id, "name": "site"}
    pair = add_domain(sbx, service_id, "www.launchkit.dev").json()
    assert [(item["name"], item["redirectForName"]) for item in pair] == [
        ("www.launchkit.dev", ""), ("launchkit.dev", "www.launchkit.dev")]
    assert [item["name"] for item in add_domain(sbx, service_id, "api.example.com").json()] == ["api.example.com"]
    duplicate = add_domain(sbx, service_id, "www.example.com")
    assert duplicate.status_code == 409
    listed = sbx.render("GET", f"/services/{service_id}/custom-domains", params={"domainType": "apex"}).json()
    assert sorted(item["customDomain"]["name"] for item in listed) == ["example.com", "launchkit.dev"]
    assert sbx.render("GET", f"/services/{service_id}/custom-domains/{www['id']}").json()["name"] == "www.example.com"
    assert sbx.render("DELETE", f"/services/{service_id}/custom-domains/example.com").status_code == 204
    assert sbx.render("GET", f"/services/{service_id}/custom-domains/example.com").status_code == 404
    names = [item["customDomain"]["name"] for item in sbx.render("GET", f"/services/{service_id}/custom-domains").json()]
    assert names == ["www.example.com", "www.launchkit.dev", "launchkit.dev", "api.example.com"]


def test_verify_only_after_dns_is_marked(sbx: Sandbox) -> None:
    service_id, _deploy = create(sbx, "site")
    add_domain(sbx, service_id, "example.com")
    base = f"/services/{service_id}/custom-domains"
    assert sbx.render("POST", f"{base}/example.com/verify").status_code == 202
    assert sbx.render("GET", f"{base}/example.com").json()["verificationStatus"] == "unverified"
    assert sbx.control("POST", "/render/dns", json={"records": {"example.com": True}})["present"] == ["example.com"]
    assert sbx.render("POST", f"{base}/example.com/verify").status_code == 202
    assert sbx.render("GET", f"{base}/example.com").json()["verificationStatus"] == "verified"
    assert sbx.render("GET", f"{base}/www.example.com").json()["verificationStatus"] == "unverified"
    verified = sbx.render("GET", base, params={"verificationStatus": "verified"}).json()
    assert [item["customDomain"]["name"] for item in verified] == ["example.com"]
    assert sbx.render("POST", f"{base}/nope.example.com/verify").status_code == 404


def test_custom_domains_only_for_web_services_and_static_sites(sbx: Sandbox) -> None:
    static_id, _deploy = create(sbx, "static", "static_site", serviceDetails={"publishPath": "dist"})
    assert add_domain(sbx, static_id, "docs.example.org").status_code == 201
    worker_id, _deploy = create(sbx, "worker", "background_worker", serviceDetails={"runtime": "docker"})
    refused = add_domain(sbx, worker_id, "worker.example.org")
    assert refused.status_code == 400 and "background_worker" in refused.json()["message"]
    assert add_domain(sbx, static_id, "not a domain").status_code == 400
    assert sbx.render("POST", f"/services/{static_id}/custom-domains", json={}).status_code == 400


# --- seeding, state, control -------------------------------------------------------------------
def test_seeded_services_have_a_live_deploy_and_state_shows_everything(sbx: Sandbox) -> None:
    seeded = sbx.control("POST", "/seed", json={"render": {"services": [
        {"name": "shop"}, {"name": "fresh", "deploy": "in_progress"}, {"name": "bare", "deploy": "none"}]}})
    shop, fresh, bare = (item["id"] for item in seeded["render"]["services"])
    assert sbx.render("GET", f"/services/{shop}").json()["serviceDetails"]["url"] == "https://shop.onrender.com"
    assert [deploy["status"] for deploy in deploys(sbx, shop)] == ["live"]
    assert deploys(sbx, fresh)[0]["status"] in ("created", "build_in_progress", "update_in_progress", "live")
    assert deploys(sbx, bare) == []
    add_domain(sbx, shop, "shop.example.com")
    state = sbx.control("GET", "/state")["vendors"]["render"]
    assert {deploy["serviceId"] for deploy in state["deploys"]} == {shop, fresh}
    assert [domain["name"] for domain in state["custom_domains"]] == ["shop.example.com"]
    assert {"events", "cron_runs", "deploy_settings", "cron_settings", "dns_present"} <= set(state)
    assert sbx.render("DELETE", f"/services/{shop}").status_code == 204
    state = sbx.control("GET", "/state")["vendors"]["render"]
    assert state["custom_domains"] == [] and shop not in {event["serviceId"] for event in state["events"]}
    bad = requests.post(f"{sbx.url}/_sandbox/seed", json={"render": {"services": [{"name": "x", "deploy": "maybe"}]}},
                        timeout=10)
    assert bad.status_code == 400


def test_control_settings_are_checked_and_reset(sbx: Sandbox) -> None:
    steer(sbx, "deploys", build_seconds=3.0, fail={"web": "build_failed"}, queue_202=True)
    steer(sbx, "cron", run_seconds=2, fail={"job": True})
    for area, body in (("deploys", {"fail": {"web": "exploded"}}), ("deploys", {"build_seconds": -1}),
                       ("deploys", {"queue_202": "yes"}), ("cron", {"fail": {"job": "yes"}}),
                       ("deploys", {"speed": 1}), ("dns", {"present": ["example.com"]})):
        response = requests.post(f"{sbx.url}/_sandbox/render/{area}", json=body, timeout=10)
        assert response.status_code == 400, (area, body)
    assert sbx.control("GET", "/render/deploys")["fail"] == {"web": "build_failed"}
    sbx.control("POST", "/reset")
    # back to the server's environment (conftest: SANDBOX_BUILD_SECONDS=0.5, SANDBOX_CRON_RUN_SECONDS=0.3)
    assert sbx.control("GET", "/render/deploys") == {"build_seconds": 0.5, "fail": {}, "queue_202": False}
    assert sbx.control("GET", "/render/cron") == {"run_seconds": 0.3, "fail": {}}


# --- scaling -----------------------------------------------------------------------------------
def test_scale_and_autoscaling_change_the_service_details(sbx: Sandbox) -> None:
    service_id, _first = create(sbx, "scaled", "background_worker")
    assert sbx.render("POST", f"/services/{service_id}/scale", json={"numInstances": 3}).status_code == 202
    auto = {"enabled": True, "min": 1, "max": 4,
            "criteria": {"cpu": {"enabled": True, "percentage": 70}, "memory": {"enabled": False, "percentage": 70}}}
    assert sbx.render("PUT", f"/services/{service_id}/autoscaling", json=auto).status_code == 200
    details = sbx.render("GET", f"/services/{service_id}").json()["serviceDetails"]
    assert details["numInstances"] == 3 and details["autoscaling"] == auto
    assert sbx.render("DELETE", f"/services/{service_id}/autoscaling").status_code == 204
    assert "autoscaling" not in sbx.render("GET", f"/services/{service_id}").json()["serviceDetails"]


def test_a_cron_job_cannot_be_scaled(sbx: Sandbox) -> None:
    service_id, _first = create(sbx, "nightly", "cron_job")
    response = sbx.render("POST", f"/services/{service_id}/scale", json={"numInstances": 2})
    assert response.status_code == 400 and "cron_job" in response.json()["message"]


def test_a_cron_run_starts_with_the_env_of_the_live_deploy(sbx: Sandbox) -> None:
    steer(sbx, "cron", run_seconds=0.1)
    steer(sbx, "deploys", build_seconds=0.1)
    seeded = sbx.control("POST", "/seed", json={"render": {"services": [
        {"name": "nightly", "type": "cron_job", "env_vars": {"FIRST": "1"},
         "serviceDetails": {"schedule": "0 3 * * *", "runtime": "node"}}]}})
    cron_id = seeded["render"]["services"][0]["id"]
    assert sbx.render("PUT", f"/services/{cron_id}/env-vars/SECOND", json={"value": "2"}).status_code == 200

    def env_keys_of(run_id: str) -> list[str]:
        return next(r for r in sbx.control("GET", "/state")["vendors"]["render"]["cron_runs"] if r["id"] == run_id)["envKeys"]

    before = sbx.render("POST", f"/cron-jobs/{cron_id}/runs").json()
    assert env_keys_of(before["id"]) == ["FIRST"]  # SECOND waits for the next deploy
    deploy = sbx.render("POST", f"/services/{cron_id}/deploys", json={"deployMode": "deploy_only"}).json()
    wait_for(lambda: sbx.render("GET", f"/services/{cron_id}/deploys/{deploy['id']}").json()["status"] == "live")
    after = sbx.render("POST", f"/cron-jobs/{cron_id}/runs").json()
    assert env_keys_of(after["id"]) == ["FIRST", "SECOND"]
