# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render deploys (plan, trigger, wait for a batch, roll back) and cron job runs."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.launchkit.paas.plugins.module_utils.core import progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.render.deploy import (
    AUTODEPLOY_WARNING, Clock, plan_service, roll_back, rollback_target, run_cron_run, run_deploy, trigger, wait_all)
from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import UTC_NOTE
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, WaitTimeout
from launchkit_fakes import FakeClock, FakeSession, connection_dropped, make_http, render_pages, reply

WEB = {"id": "srv-web", "name": "web", "type": "web_service", "ownerId": "tea-1", "autoDeploy": "yes",
       "suspended": "not_suspended"}
WORKER = {"id": "srv-wrk", "name": "worker", "type": "background_worker", "ownerId": "tea-1", "autoDeploy": "no",
          "suspended": "not_suspended"}
MAILER = {"id": "srv-mail", "name": "mailer", "type": "background_worker", "ownerId": "tea-1", "autoDeploy": "no",
          "suspended": "not_suspended"}


def render(api: FakeSession) -> RenderClient:
    return RenderClient(make_http(api, vendor=VENDOR, headers={"Authorization": "Bearer rnd_test_token"}))


def clock_of(fake: FakeClock) -> Clock:
    return Clock(now=fake.now, sleep=fake.sleep)


def dep(id_: str, status: str, commit: str = "aaa111", trigger_: str = "new_commit") -> dict:
    return {"id": id_, "status": status, "trigger": trigger_, "commit": {"id": commit, "message": f"commit {commit}"},
            "createdAt": "2025-01-01T00:00:00Z"}


class DeployApi:
    """A small Render deploy API over a FakeSession.

    History is kept newest first. A new deploy starts 'created' and each GET of it shows the next
    status of its build script (the last repeats); going live deactivates the previous live deploy.
    How POST /deploys answers is scripted per service: 'created' (201 with the deploy), 'queued'
    (202, no body), 'lost' (the deploy starts but the connection drops) or 'dropped' (it does not).
    """

    def __init__(self, *services: dict) -> None:
        self.api = FakeSession()
        self.history: dict[str, list[dict]] = {s["id"]: [] for s in services}
        self.scripts: dict[str, list[str]] = {}
        self.builds: dict[str, list[str]] = {}
        self.answers: dict[str, list[str]] = {}
        self.count = 0
        self.api.on("GET", "/services", render_pages("service", list(services)))
        for service in services:
            sid = service["id"]
            self.api.on("GET", f"/services/{sid}/deploys", lambda call, s=sid: reply(
                200, [{"deploy": copy.deepcopy(d), "cursor": d["id"]} for d in self.history[s]]))
            self.api.on("POST", f"/services/{sid}/deploys", lambda call, s=sid: self._post(s, call))
            self.api.on("POST", f"/services/{sid}/rollback", lambda call, s=sid: self._rollback(s, call))

    def seed(self, service_id: str, *deploys: dict) -> "DeployApi":
        """Existing deploys, newest first; an in-progress one can be given a script with build()."""
        for deploy in reversed(deploys):
            self._add(service_id, copy.deepcopy(deploy))
        return self

    def build(self, service_id: str, *statuses: str) -> "DeployApi":
        """The statuses each new deploy of the service shows, one per GET."""
        self.builds[service_id] = list(statuses)
        return self

    def answer(self, service_id: str, *modes: str) -> "DeployApi":
        self.answers[service_id] = list(modes)
        return self

    def _add(self, service_id: str, deploy: dict, script: list[str] | None = None) -> dict:
        self.history[service_id].insert(0, deploy)
        if script:
            self.scripts[deploy["id"]] = list(script)
        self.api.on("GET", f"/services/{service_id}/deploys/{deploy['id']}",
                    lambda call: self._poll(service_id, deploy))
        return deploy

    def _start(self, service_id: str, trigger_: str, commit: str) -> dict:
        self.count += 1
        deploy = dep(f"dep-{service_id[4:]}-{self.count}", "created", commit, trigger_)
        return self._add(service_id, deploy, self.builds.get(service_id, ["build_in_progress", "live"]))

    def _poll(self, service_id: str, deploy: dict):
        script = self.scripts.get(deploy["id"])
        if script:
            deploy["status"] = script.pop(0) if len(script) > 1 else script[0]
        if deploy["status"] == "live":
            for other in self.history[service_id]:
                if other is not deploy and other["status"] == "live":
                    other["status"] = "deactivated"
        return reply(200, copy.deepcopy(deploy))

    def _post(self, service_id: str, call):
        modes = self.answers.get(service_id, ["created"])
        mode = modes.pop(0) if len(modes) > 1 else modes[0]
        if mode == "dropped":
            return connection_dropped()
        deploy = self._start(service_id, "api", (call.json or {}).get("commitId") or "bbb222")
        if mode == "lost":
            return connection_dropped()
        if mode == "queued":
            return reply(202)
        return reply(201, copy.deepcopy(deploy))

    def _rollback(self, service_id: str, call):
        target = next(d for d in self.history[service_id] if d["id"] == call.json["deployId"])
        return reply(201, copy.deepcopy(self._start(service_id, "rollback", target["commit"]["id"])))

    def posts(self, service_id: str, what: str = "deploys") -> list:
        return self.api.to("POST", f"/services/{service_id}/{what}")

    def polls(self, service_id: str) -> list:
        return [c for c in self.api.to("GET") if c.path.startswith(f"/services/{service_id}/deploys/")]


def deploy_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "services": ["web"], "state": "deployed",
              "commit_id": None, "image_url": None, "clear_cache": False, "deploy_id": None, "wait": True,
              "wait_timeout": 1200}
    params.update(overrides)
    return params


# ---------------------------------------------------------------------------------------- plan_service
LIVE_A = dep("dep-2", "live", "aaa111")
OLD = dep("dep-1", "deactivated", "000000")


@pytest.mark.parametrize("overrides, history, expected", [
    pytest.param({"state": "rolled_back"}, [LIVE_A, OLD], ("rollback", None), id="rollback with a live deploy"),
    pytest.param({"state": "rolled_back"}, [dep("dep-1", "build_failed")], ("none", None),
                 id="rollback with nothing live"),
    pytest.param({"commit_id": "aaa111"}, [LIVE_A, OLD], ("none", LIVE_A), id="commit already live"),
    pytest.param({"commit_id": "aaa111"}, [dep("dep-3", "build_in_progress", "ccc333"), LIVE_A], ("none", LIVE_A),
                 id="commit live behind a newer build"),
    pytest.param({"commit_id": "ccc333"}, [LIVE_A], ("trigger", None), id="another commit"),
    pytest.param({}, [LIVE_A], ("trigger", None), id="deployed always triggers"),
    pytest.param({"state": "live"}, [dep("dep-3", "update_in_progress"), LIVE_A],
                 ("wait", dep("dep-3", "update_in_progress")), id="live waits for an in-progress deploy"),
    pytest.param({"state": "live"}, [LIVE_A, OLD], ("none", LIVE_A), id="live and already live"),
    pytest.param({"state": "live"}, [dep("dep-3", "build_failed"), LIVE_A], ("failed", dep("dep-3", "build_failed")),
                 id="live after a failed deploy reports it, never rebuilds"),
    pytest.param({"state": "live"}, [], ("trigger", None), id="live with no deploy yet"),
])
def test_plan_service(overrides, history, expected):
    assert plan_service(deploy_params(**overrides), history) == expected


# ------------------------------------------------------------------------------------- rollback_target
def test_rollback_target_is_the_newest_deactivated_deploy():
    history = [LIVE_A, dep("dep-1b", "build_failed"), dep("dep-1a", "deactivated", "prev"), OLD]
    assert rollback_target(history, None, LIVE_A)["id"] == "dep-1a"


def test_rollback_target_is_none_when_the_live_deploy_already_is_a_rollback():
    live = dep("dep-3", "live", "000000", "rollback")
    assert rollback_target([live, LIVE_A, OLD], None, live) is None


def test_rollback_target_needs_an_earlier_live_deploy():
    with pytest.raises(ResourceError, match="no earlier deploy that was live"):
        rollback_target([LIVE_A, dep("dep-1", "build_failed")], None, LIVE_A)


def test_rollback_target_by_id():
    assert rollback_target([LIVE_A, OLD], "dep-1", LIVE_A)["id"] == "dep-1"
    assert rollback_target([LIVE_A, OLD], "dep-2", LIVE_A) is None  # that one is live already
    rolled = dep("dep-3", "live", "000000", "rollback")
    assert rollback_target([rolled, LIVE_A, OLD], "dep-1", rolled) is None  # already rolled back to it
    with pytest.raises(ResourceError, match="deploy dep-9 is not among the service's recent deploys"):
        rollback_target([LIVE_A, OLD], "dep-9", LIVE_A)


# ------------------------------------------------------------------------------------------- trigger()
def test_trigger_returns_the_201_deploy():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A)
    deploy = trigger(render(render_api.api), "srv-web", {"clear_cache": True, "commit_id": "ccc333"})
    assert deploy["id"] == "dep-web-1" and deploy["commit"]["id"] == "ccc333"
    [post] = render_api.posts("srv-web")
    assert post.json == {"clearCache": "clear", "commitId": "ccc333"}


def test_trigger_finds_a_202_queued_deploy_in_the_list():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A).answer("srv-web", "queued")
    deploy = trigger(render(render_api.api), "srv-web", {"clear_cache": False})
    assert deploy["id"] == "dep-web-1" and deploy["status"] == "created"
    assert len(render_api.posts("srv-web")) == 1


def test_trigger_fails_when_a_queued_deploy_is_not_listed():
    api = (FakeSession()
           .on("GET", "/services/srv-web/deploys", reply(200, [{"deploy": LIVE_A, "cursor": "c"}]))
           .on("POST", "/services/srv-web/deploys", reply(202)))
    with pytest.raises(ResourceError, match="queued a deploy of srv-web but it does not appear"):
        trigger(render(api), "srv-web", {})


def test_trigger_after_a_lost_answer_finds_the_deploy_without_posting_again():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A).answer("srv-web", "lost")
    deploy = trigger(render(render_api.api), "srv-web", {})
    assert deploy["id"] == "dep-web-1"
    assert len(render_api.posts("srv-web")) == 1


def test_trigger_after_a_lost_answer_posts_again_when_nothing_started():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A).answer("srv-web", "dropped", "created")
    deploy = trigger(render(render_api.api), "srv-web", {})
    assert deploy["id"] == "dep-web-1"
    assert len(render_api.posts("srv-web")) == 2
    assert [d["id"] for d in render_api.history["srv-web"]] == ["dep-web-1", "dep-2"]  # one deploy, not two


def test_trigger_gives_up_after_three_unanswered_posts():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A).answer("srv-web", "dropped")
    with pytest.raises(WriteOutcomeUnknown):
        trigger(render(render_api.api), "srv-web", {})
    assert len(render_api.posts("srv-web")) == 3


# ------------------------------------------------------------------------------------------ wait_all()
def started(render_api: DeployApi, *services: dict) -> dict[str, dict]:
    client = render(render_api.api)
    return {s["id"]: trigger(client, s["id"], {}) for s in services}


def building(polls: int) -> list[str]:
    return ["build_in_progress"] * (polls - 1) + ["live"]


NAMES = {s["id"]: s["name"] for s in (WEB, WORKER, MAILER)}


def test_wait_all_polls_every_deploy_in_one_loop_and_takes_as_long_as_the_slowest():
    render_api = (DeployApi(WEB, WORKER, MAILER)
                  .build("srv-web", *building(3)).build("srv-wrk", *building(8)).build("srv-mail", *building(5)))
    fake = FakeClock()
    done = wait_all(render(render_api.api), started(render_api, WEB, WORKER, MAILER), NAMES, 600, clock_of(fake))

    assert {s: d["status"] for s, d in done.items()} == {"srv-web": "live", "srv-wrk": "live", "srv-mail": "live"}
    assert [len(render_api.polls(s)) for s in ("srv-web", "srv-wrk", "srv-mail")] == [3, 8, 5]
    assert len(fake.sleeps) == 7  # one pause per round, rounds bounded by the slowest build (8 polls)

    alone = DeployApi(WORKER).build("srv-wrk", *building(8))
    solo = FakeClock()
    wait_all(render(alone.api), started(alone, WORKER), NAMES, 600, clock_of(solo))
    assert fake.slept == solo.slept  # three builds together wait exactly as long as the slowest alone


def test_wait_all_backs_off_to_the_interval():
    render_api = DeployApi(WEB).build("srv-web", *building(7))
    fake = FakeClock()
    wait_all(render(render_api.api), started(render_api, WEB), NAMES, 600, clock_of(fake), interval=2.0)
    assert fake.sleeps == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_wait_all_does_not_poll_deploys_that_already_ended():
    render_api = DeployApi(WEB, WORKER).build("srv-wrk", *building(2))
    pending = {"srv-web": dep("dep-9", "live"), **started(render_api, WORKER)}
    done = wait_all(render(render_api.api), pending, NAMES, 600, clock_of(FakeClock()))
    assert set(done) == {"srv-web", "srv-wrk"}
    assert render_api.polls("srv-web") == []


def test_wait_all_failure_names_service_deploy_and_status_with_details():
    render_api = (DeployApi(WEB, WORKER)
                  .build("srv-web", *building(2)).build("srv-wrk", "build_in_progress", "build_failed"))
    with pytest.raises(ResourceError) as caught:
        wait_all(render(render_api.api), started(render_api, WEB, WORKER), NAMES, 600, clock_of(FakeClock()))
    assert str(caught.value) == "deploy failed: worker: deploy dep-wrk-2 ended in build_failed"
    details = {d["service"]: (d["id"], d["status"]) for d in caught.value.details["deploys"]}
    assert details == {"web": ("dep-web-1", "live"), "worker": ("dep-wrk-2", "build_failed")}


def test_wait_all_counts_a_deploy_superseded_by_a_newer_live_one_as_done():
    # another run deployed the service too: ours went live and was deactivated before our next poll
    render_api = DeployApi(WEB, WORKER).build("srv-web", "build_in_progress", "deactivated").build("srv-wrk", *building(2))
    done = wait_all(render(render_api.api), started(render_api, WEB, WORKER), NAMES, 600, clock_of(FakeClock()))
    assert {s: d["status"] for s, d in done.items()} == {"srv-web": "deactivated", "srv-wrk": "live"}


def test_wait_all_waits_for_the_others_before_reporting_a_failure():
    render_api = (DeployApi(WEB, WORKER)
                  .build("srv-web", "pre_deploy_failed").build("srv-wrk", *building(6)))
    with pytest.raises(ResourceError, match="web: deploy dep-web-1 ended in pre_deploy_failed"):
        wait_all(render(render_api.api), started(render_api, WEB, WORKER), NAMES, 600, clock_of(FakeClock()))
    assert len(render_api.polls("srv-wrk")) == 6


def test_wait_all_timeout_names_only_the_late_deploys():
    render_api = (DeployApi(WEB, WORKER)
                  .build("srv-web", *building(2)).build("srv-wrk", "update_in_progress"))
    fake = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        wait_all(render(render_api.api), started(render_api, WEB, WORKER), NAMES, 30, clock_of(fake))
    assert str(caught.value) == ("deploys still not live after 30 s: worker (dep-wrk-2: update_in_progress); "
                                 "raise wait_timeout")
    assert 30 <= fake.slept < 33


# ---------------------------------------------------------------------------------------- run_deploy()
def test_deployed_triggers_and_waits_until_live():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A).build("srv-web", *building(3))
    fake = FakeClock()
    result = run_deploy(deploy_params(commit_id="ccc333", clear_cache=True), False, Secrets(),
                        render(render_api.api), clock_of(fake))
    [post] = render_api.posts("srv-web")
    assert post.json == {"clearCache": "clear", "commitId": "ccc333"}
    assert result["changed"] is True and result["actions"] == {"web": "trigger"}
    [view] = result["deploys"]
    assert view == {"service": "web", "id": "dep-web-1", "status": "live", "trigger": "api", "commit": "ccc333",
                    "commit_message": "commit ccc333", "image": None, "created_at": "2025-01-01T00:00:00Z",
                    "finished_at": None}


def test_a_batch_starts_every_deploy_before_waiting_for_any():
    render_api = (DeployApi(WEB, WORKER).seed("srv-web", LIVE_A).seed("srv-wrk", LIVE_A)
                  .build("srv-web", *building(2)).build("srv-wrk", *building(2)))
    run_deploy(deploy_params(services=["web", "worker"]), False, Secrets(), render(render_api.api),
               clock_of(FakeClock()))
    calls = render_api.api.calls
    last_post = max(i for i, c in enumerate(calls) if c.method == "POST")
    first_poll = min(i for i, c in enumerate(calls) if c.method == "GET" and c.path.count("/") == 4)
    assert last_post < first_poll


def test_check_mode_posts_nothing_and_predicts_the_deploy():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A)
    result = run_deploy(deploy_params(), True, Secrets(), render(render_api.api), clock_of(FakeClock()))
    assert render_api.api.writes == []
    assert result["changed"] is True and result["actions"] == {"web": "trigger"}


def test_wait_false_returns_the_started_deploy_without_polling():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A)
    result = run_deploy(deploy_params(wait=False), False, Secrets(), render(render_api.api), clock_of(FakeClock()))
    assert render_api.polls("srv-web") == []
    assert [d["status"] for d in result["deploys"]] == ["created"]


def test_state_live_waits_for_the_deploy_in_progress_without_triggering():
    render_api = DeployApi(WEB).seed("srv-web", dep("dep-3", "build_in_progress", "ccc333"), LIVE_A)
    render_api.scripts["dep-3"] = building(4)
    fake = FakeClock()
    result = run_deploy(deploy_params(state="live"), False, Secrets(), render(render_api.api), clock_of(fake))
    assert render_api.api.writes == []
    assert result["changed"] is False and result["actions"] == {"web": "wait"}
    assert [(d["id"], d["status"]) for d in result["deploys"]] == [("dep-3", "live")]
    assert len(render_api.polls("srv-web")) == 4


def test_state_live_reports_a_failed_newest_deploy_and_never_builds_again():
    render_api = DeployApi(WEB).seed("srv-web", dep("dep-3", "build_failed", "ccc333"), LIVE_A)
    with pytest.raises(ResourceError, match="web: deploy dep-3 ended in build_failed") as failure:
        run_deploy(deploy_params(state="live"), False, Secrets(), render(render_api.api), clock_of(FakeClock()))
    assert render_api.api.writes == []
    assert failure.value.details["deploys"][0]["id"] == "dep-3"


def test_a_commit_already_live_is_no_change():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A, OLD)
    result = run_deploy(deploy_params(commit_id="aaa111"), False, Secrets(), render(render_api.api),
                        clock_of(FakeClock()))
    assert render_api.api.writes == []
    assert result["changed"] is False and result["actions"] == {"web": "none"}
    assert [d["id"] for d in result["deploys"]] == ["dep-2"]


def test_a_suspended_service_is_refused_before_any_post():
    render_api = DeployApi(dict(WEB, suspended="suspended"), WORKER).seed("srv-web", LIVE_A)
    with pytest.raises(ResourceError, match="web is suspended; resume it"):
        run_deploy(deploy_params(services=["worker", "web"]), False, Secrets(), render(render_api.api),
                   clock_of(FakeClock()))
    assert render_api.posts("srv-web") == []
    assert render_api.api.writes == [], "the worker listed first must not be deployed either"


def test_a_suspended_service_is_not_rolled_back():
    render_api = DeployApi(dict(WEB, suspended="suspended")).seed("srv-web", LIVE_A, OLD)
    with pytest.raises(ResourceError, match="web is suspended"):
        run_deploy(deploy_params(state="rolled_back"), False, Secrets(), render(render_api.api), clock_of(FakeClock()))
    assert render_api.api.writes == []


def test_rolled_back_posts_the_previous_live_deploy_and_warns_about_autodeploy():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A, dep("dep-1b", "build_failed"),
                                     dep("dep-1a", "deactivated", "prev"), OLD)
    result = run_deploy(deploy_params(state="rolled_back"), False, Secrets(), render(render_api.api),
                        clock_of(FakeClock()))
    [post] = render_api.posts("srv-web", "rollback")
    assert post.json == {"deployId": "dep-1a"}
    assert render_api.posts("srv-web") == []
    assert result["changed"] is True and result["actions"] == {"web": "rollback"}
    assert result["warnings"] == [f"web: {AUTODEPLOY_WARNING}"]
    assert [(d["trigger"], d["commit"], d["status"]) for d in result["deploys"]] == [("rollback", "prev", "live")]


def test_rolled_back_without_autodeploy_does_not_warn():
    render_api = DeployApi(WORKER).seed("srv-wrk", LIVE_A, OLD)
    result = run_deploy(deploy_params(services=["worker"], state="rolled_back"), False, Secrets(),
                        render(render_api.api), clock_of(FakeClock()))
    assert result["warnings"] == [] and len(render_api.posts("srv-wrk", "rollback")) == 1


def test_rolling_back_twice_does_nothing_the_second_time():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A, OLD)
    client = render(render_api.api)
    first = run_deploy(deploy_params(state="rolled_back"), False, Secrets(), client, clock_of(FakeClock()))
    second = run_deploy(deploy_params(state="rolled_back"), False, Secrets(), client, clock_of(FakeClock()))
    assert first["changed"] is True and second["changed"] is False
    assert second["actions"] == {"web": "none"}
    assert len(render_api.posts("srv-web", "rollback")) == 1
    assert [d["trigger"] for d in second["deploys"]] == ["rollback"]


def test_rolled_back_in_check_mode_posts_nothing():
    render_api = DeployApi(WEB).seed("srv-web", LIVE_A, OLD)
    result = run_deploy(deploy_params(state="rolled_back"), True, Secrets(), render(render_api.api),
                        clock_of(FakeClock()))
    assert render_api.api.writes == [] and result["changed"] is True


# -------------------------------------------------------------------------------------- run_cron_run()
CRON = {"id": "crn-1", "name": "nightly", "type": "cron_job", "ownerId": "tea-1",
        "serviceDetails": {"schedule": "0 3 * * *"}}
RUN = {"id": "run-7", "status": "pending", "startedAt": "2025-01-01T03:00:00Z", "triggeredBy": "api"}


def ended(run_id: str, status: str, reason: str | None = None) -> dict:
    return {"event": {"id": f"evt-{run_id}", "type": "cron_job_run_ended", "timestamp": "2025-01-01T03:01:00Z",
                      "serviceId": "crn-1", "details": {"cronJobRunId": run_id, "status": status,
                                                        "reason": reason}},
            "cursor": f"cur-{run_id}"}


def run_started(run_id: str) -> dict:
    return {"event": {"id": f"evs-{run_id}", "type": "cron_job_run_started", "timestamp": "2025-01-01T03:00:00Z",
                      "serviceId": "crn-1", "details": {"cronJobRunId": run_id}}, "cursor": f"curs-{run_id}"}


def cron_api(*event_pages: list, service: dict | None = None, started_pages: tuple = ([],),
             runs: tuple = (reply(200, RUN),)) -> FakeSession:
    """The service, its run trigger (answers in turn) and its events: each type's pages in turn, the last repeating."""
    service = service or CRON
    pages = {"cron_job_run_ended": list(event_pages) or [[]], "cron_job_run_started": list(started_pages)}

    def events(call):
        queue = pages[call.params["type"]]
        return reply(200, queue.pop(0) if len(queue) > 1 else queue[0])
    return (FakeSession()
            .on("GET", "/services", render_pages("service", [service]))
            .on("POST", f"/cron-jobs/{service['id']}/runs", *runs)
            .on("GET", f"/services/{service['id']}/events", events))


def ended_queries(api: FakeSession) -> list:
    return [c for c in api.to("GET", "/services/crn-1/events") if c.params["type"] == "cron_job_run_ended"]


def cron_params(**overrides):
    params = {"api_url": "https://api.test/v1", "api_key": "rnd_test_token", "timeout": 5.0,
              "validate_certs": True, "owner": "tea-1", "service": "nightly", "wait": True, "wait_timeout": 900}
    params.update(overrides)
    return params


def test_a_run_of_a_service_that_is_no_cron_job_is_refused():
    api = cron_api([], service=dict(CRON, id="srv-1", type="web_service"))
    with pytest.raises(ResourceError, match="nightly is a web_service, not a cron_job"):
        run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert api.writes == []


def test_cron_run_check_mode_posts_nothing():
    api = cron_api([])
    result = run_cron_run(cron_params(), True, Secrets(), render(api), clock_of(FakeClock()))
    assert api.writes == []
    assert result == {"changed": True, "schedule": "0 3 * * *", "schedule_timezone": "UTC",
                      "schedule_note": UTC_NOTE, "run": None, "superseded": []}


def test_cron_run_waits_for_the_ended_event_of_its_own_run():
    api = cron_api([], [ended("run-6", "unsuccessful")], [ended("run-6", "unsuccessful"), ended("run-7", "successful")])
    fake = FakeClock()
    result = run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(fake))
    assert [c.path for c in api.writes] == ["/cron-jobs/crn-1/runs"]
    assert ended_queries(api)[0].params == {"type": "cron_job_run_ended", "limit": 50}
    assert len(ended_queries(api)) == 3 and len(fake.sleeps) == 2
    assert result["run"] == {"id": "run-7", "status": "successful", "started_at": "2025-01-01T03:00:00Z",
                             "finished_at": "2025-01-01T03:01:00Z", "triggered_by": "api", "reason": None}
    assert result["changed"] is True


def test_an_unsuccessful_run_fails_and_carries_the_run():
    api = cron_api([ended("run-7", "unsuccessful", "exit code 1")])
    with pytest.raises(ResourceError, match="cron job nightly run run-7 ended unsuccessful") as caught:
        run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert caught.value.details["run"]["status"] == "unsuccessful"
    assert caught.value.details["run"]["reason"] == "exit code 1"


def test_a_run_that_does_not_end_times_out():
    api = cron_api([ended("run-6", "successful")])
    fake = FakeClock()
    with pytest.raises(WaitTimeout, match="cron job nightly run run-7 had not finished after 60 s"):
        run_cron_run(cron_params(wait_timeout=60), False, Secrets(), render(api), clock_of(fake))
    assert 60 <= fake.slept <= 65
    assert max(fake.sleeps) == 5.0


def test_cron_run_without_wait_returns_the_started_run():
    api = cron_api([])
    result = run_cron_run(cron_params(wait=False), False, Secrets(), render(api), clock_of(FakeClock()))
    assert ended_queries(api) == []
    assert result["run"]["id"] == "run-7" and result["run"]["status"] == "pending"


def test_a_run_whose_trigger_answer_was_lost_is_found_among_the_started_runs_not_triggered_again():
    # run-6 started before; the lost trigger started run-7 (a second trigger would cancel it).
    api = cron_api([ended("run-7", "successful")], started_pages=([run_started("run-6")], [run_started("run-7"), run_started("run-6")]),
                   runs=(connection_dropped(),))
    result = run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert [c.path for c in api.writes] == ["/cron-jobs/crn-1/runs"]
    assert result["run"]["id"] == "run-7" and result["run"]["status"] == "successful"


def test_a_lost_trigger_that_started_nothing_is_sent_again():
    api = cron_api([ended("run-7", "successful")], started_pages=([],), runs=(connection_dropped(), reply(200, RUN)))
    result = run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert [c.path for c in api.writes] == ["/cron-jobs/crn-1/runs"] * 2
    assert result["run"]["id"] == "run-7"


def test_a_run_another_trigger_canceled_is_followed_by_the_newer_run_that_tests_the_same_job():
    """Another rollout (or a person) triggered the job while this run's test run was active: Render canceled
    ours; the newest run started after it is waited for and judged, and ours is reported as superseded."""
    api = cron_api([ended("run-7", "canceled")], [ended("run-9", "successful"), ended("run-7", "canceled")],
                   started_pages=([run_started("run-6")], [run_started("run-9"), run_started("run-8"),
                                                           run_started("run-7"), run_started("run-6")]))
    result = run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert [c.path for c in api.writes] == ["/cron-jobs/crn-1/runs"]  # nothing triggered again
    assert result["run"]["id"] == "run-9" and result["run"]["status"] == "successful"
    assert [run["id"] for run in result["superseded"]] == ["run-7"]
    assert result["superseded"][0]["status"] == "canceled"


def test_a_canceled_run_with_no_newer_run_fails_and_so_does_a_newer_run_that_fails():
    api = cron_api([ended("run-7", "canceled")], started_pages=([],))
    with pytest.raises(ResourceError, match="cron job nightly run run-7 ended canceled") as caught:
        run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert caught.value.details["superseded"] == []
    api = cron_api([ended("run-7", "canceled"), ended("run-8", "unsuccessful", "exit code 2")],
                   started_pages=([], [run_started("run-8"), run_started("run-7")]))
    with pytest.raises(ResourceError, match="cron job nightly run run-8 ended unsuccessful") as caught:
        run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert [run["id"] for run in caught.value.details["superseded"]] == ["run-7"]


def test_a_run_follows_at_most_three_newer_runs_each_canceled_in_turn():
    runs = [f"run-{n}" for n in range(7, 12)]
    api = cron_api([ended(run_id, "canceled") for run_id in runs],
                   started_pages=([], *[[run_started(run_id) for run_id in reversed(runs[:upto])]
                                        for upto in range(2, 6)]))
    with pytest.raises(ResourceError, match="run run-10 ended canceled") as caught:
        run_cron_run(cron_params(), False, Secrets(), render(api), clock_of(FakeClock()))
    assert [run["id"] for run in caught.value.details["superseded"]] == ["run-7", "run-8", "run-9"]


def test_deploy_only_sends_the_mode_alone_and_refuses_build_options():
    api = (FakeSession().on("GET", "/services/srv-web/deploys", reply(200, []))
           .on("POST", "/services/srv-web/deploys", reply(201, dep("dep-2", "created"))))
    trigger(render(api), "srv-web", {"deploy_mode": "deploy_only", "clear_cache": False})
    assert api.writes[0].json == {"deployMode": "deploy_only"}
    with pytest.raises(ValueError, match="deploy_only.*drop commit_id"):
        run_deploy({"deploy_mode": "deploy_only", "commit_id": "abc", "image_url": None, "clear_cache": False},
                   False, Secrets())


def test_a_rollback_whose_answer_was_lost_is_found_in_the_deploy_list_not_sent_again():
    made = dep("dep-9", "build_in_progress", "aaa000", "rollback")
    api = (FakeSession()
           .on("GET", "/services/srv-web/deploys", reply(200, [{"deploy": d, "cursor": d["id"]} for d in (LIVE_A, OLD)]),
               reply(200, [{"deploy": d, "cursor": d["id"]} for d in (made, LIVE_A, OLD)]))
           .on("POST", "/services/srv-web/rollback", connection_dropped()))
    assert roll_back(render(api), "srv-web", "dep-1")["id"] == "dep-9"
    assert [(c.method, c.path) for c in api.writes] == [("POST", "/services/srv-web/rollback")]


def test_wait_all_says_each_status_a_deploy_reaches_with_its_id_and_dashboard_page():
    render_api = DeployApi(WEB, WORKER).build("srv-web", *building(3)).build("srv-wrk", "live")
    lines = []
    pages = {"srv-web": dict(WEB, dashboardUrl="https://dashboard.render.com/web/srv-web"), "srv-wrk": WORKER}
    with progress.listening(lines.append):
        wait_all(render(render_api.api), started(render_api, WEB, WORKER), NAMES, 600, clock_of(FakeClock()),
                 services=pages)
    assert lines == [
        "web: deploy dep-web-1 build_in_progress (https://dashboard.render.com/web/srv-web/deploys/dep-web-1)",
        "worker: deploy dep-wrk-2 live",
        "web: deploy dep-web-1 live (https://dashboard.render.com/web/srv-web/deploys/dep-web-1)"]
    # Nobody listening (a module run as a process): nothing is said, nothing fails.
    again = DeployApi(WEB).build("srv-web", "live")
    wait_all(render(again.api), started(again, WEB), NAMES, 600, clock_of(FakeClock()), services=pages)
