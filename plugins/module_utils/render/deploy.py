# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: Render deploys (trigger, wait, roll back) and cron job runs.

Not a public API; it may change between any two releases. Several services are deployed in one
batch: every deploy is started first, then all are waited for together, so a rollout takes about
as long as its slowest build rather than the sum of them.
"""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.launchkit.paas.plugins.module_utils.core import progress
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError, WaitTimeout
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock, poll
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import RenderClient, deploy_url
from ansible_collections.launchkit.paas.plugins.module_utils.render.schedule import UTC_NOTE

LIVE = "live"
# Render deactivates a live deploy only when a newer deploy of the same service goes live: the deploy
# we waited for reached the app and was superseded (e.g. by another run's deploy), which is success.
SUPERSEDED = "deactivated"
FAILED = {"build_failed", "update_failed", "canceled", "pre_deploy_failed"}
IN_PROGRESS = {"created", "queued", "build_in_progress", "update_in_progress", "pre_deploy_in_progress"}
RUN_FAILED = {"unsuccessful", "canceled"}
DEPLOY_OPTIONS = ("clear_cache", "commit_id", "image_url", "deploy_mode")
AUTODEPLOY_WARNING = ("autodeploy stays on: the next push to the branch deploys again and undoes the rollback; "
                      "set auto_deploy: false on the service (launchkit.paas.render_service) to keep it")


def trigger(client: RenderClient, service_id: str, options: dict) -> dict:
    """Start a deploy and return it, also when Render answers 202 with no body or the answer is lost.

    `options`: the module's clear_cache, commit_id, image_url and deploy_mode (unset ones may be left out).
    """
    return start_deploy(client, service_id,
                        lambda: client.create_deploy(service_id, **{k: options.get(k) for k in DEPLOY_OPTIONS}))


def roll_back(client: RenderClient, service_id: str, deploy_id: str) -> dict:
    """Roll back to `deploy_id` (a new deploy of that one's build); a lost answer is looked up the same way."""
    return start_deploy(client, service_id, lambda: client.rollback(service_id, deploy_id))


def start_deploy(client: RenderClient, service_id: str, start: Callable[[], dict | None]) -> dict:
    """Run `start` (a write that makes a deploy) and return that deploy.

    The deploys that exist before are noted first; when the answer is lost, or is a 202 without a
    body, the new one in the deploy list is the one the write made. Only when none appears is the
    write sent again (three times at most).
    """
    known = {d["id"] for d in client.deploys(service_id)}
    for attempt in range(3):
        try:
            started = start()
        except WriteOutcomeUnknown:
            if attempt == 2:
                raise
            found = _newest_unknown(client, service_id, known)
            if found:
                return found
            continue
        found = started or _newest_unknown(client, service_id, known)  # 202 Queued: the deploy is only in the list
        if found:
            return found
        raise ResourceError(f"Render queued a deploy of {service_id} but it does not appear in its deploy list")
    raise AssertionError("unreachable")  # pragma: no cover


def _newest_unknown(client: RenderClient, service_id: str, known: set[str]) -> dict | None:
    fresh = [d for d in client.deploys(service_id) if d["id"] not in known]
    return fresh[0] if fresh else None


def wait_all(client: RenderClient, pending: dict[str, dict], names: dict[str, str], timeout: float,
             clock: Clock | None = None, interval: float = 2.0, services: dict[str, dict] | None = None) -> dict[str, dict]:
    """Poll every pending deploy together until each is live or failed; fail listing the failures.

    Each status a deploy is seen in is said (core/progress.py) with its id and its Dashboard page, from
    `services` (by id, as Render returns them).
    """
    order, pending = list(pending), dict(pending)
    done: dict[str, dict] = {}

    def one_round() -> dict[str, dict]:
        for service_id, deploy in list(pending.items()):
            latest = client.get_deploy(service_id, deploy["id"]) if deploy.get("status") in IN_PROGRESS else deploy
            pending[service_id] = latest
            if latest.get("status") not in IN_PROGRESS:
                done[service_id] = pending.pop(service_id)
        return {s: done[s] if s in done else pending[s] for s in order}

    def said(before: dict[str, dict] | None, now: dict[str, dict]) -> None:
        for service_id, deploy in now.items():
            if (before or {}).get(service_id, {}).get("status") != deploy.get("status"):
                url = deploy_url((services or {}).get(service_id, {}), deploy.get("id"))
                progress.say(f"{names[service_id]}: deploy {deploy.get('id')} {deploy.get('status')}"
                             + (f" ({url})" if url else ""))

    if not poll(one_round, lambda _all: not pending, timeout, clock, interval=interval, on_change=said,
                state=lambda deploys: tuple(sorted((s, d.get("status")) for s, d in deploys.items()))).done:
        late = ", ".join(f"{names[s]} ({d['id']}: {d.get('status')})" for s, d in pending.items())
        raise WaitTimeout(f"deploys still not live after {timeout:g} s: {late}; raise wait_timeout")
    failed = {s: d for s, d in done.items() if d.get("status") not in (LIVE, SUPERSEDED)}
    if failed:
        detail = "; ".join(f"{names[s]}: deploy {d['id']} ended in {d.get('status')}" for s, d in failed.items())
        raise ResourceError(f"deploy failed: {detail}", deploys=[deploy_view(names[s], d) for s, d in done.items()])
    return done


def deploy_view(service_name: str, deploy: dict) -> dict:
    commit = deploy.get("commit") or {}
    return {"service": service_name, "id": deploy.get("id"), "status": deploy.get("status"),
            "trigger": deploy.get("trigger"), "commit": commit.get("id"), "commit_message": commit.get("message"),
            "image": (deploy.get("image") or {}).get("ref"), "created_at": deploy.get("createdAt"),
            "finished_at": deploy.get("finishedAt")}


def plan_service(params: dict, history: list[dict]) -> tuple[str, dict | None]:
    """What to do for one service: ('trigger'|'wait'|'none'|'rollback'|'failed', the deploy concerned)."""
    latest = history[0] if history else None
    live = next((d for d in history if d.get("status") == LIVE), None)
    state = params["state"]
    if state == "rolled_back":
        return ("rollback", None) if live else ("none", None)
    if params["commit_id"] and live and (live.get("commit") or {}).get("id") == params["commit_id"]:
        return "none", live
    if state == "live" and latest and not params["commit_id"]:
        # Never start another build behind the user's back: a failed newest deploy is reported.
        status = latest.get("status")
        return ("wait" if status in IN_PROGRESS else "none" if status == LIVE else "failed"), latest
    return "trigger", None


def rollback_target(history: list[dict], deploy_id: str | None, live: dict) -> dict | None:
    """The deploy to roll back to, or None when the live deploy already is that rollback.

    Without deploy_id the target is the newest deactivated deploy (the previous live one), unless the
    live deploy is itself a rollback: rolling back again would undo it.
    """
    if deploy_id:
        match = next((d for d in history if d["id"] == deploy_id), None)
        if match is None:
            raise ResourceError(f"deploy {deploy_id} is not among the service's recent deploys")
        same_commit = (live.get("commit") or {}).get("id") == (match.get("commit") or {}).get("id")
        return None if live["id"] == match["id"] or (same_commit and live.get("trigger") == "rollback") else match
    if live.get("trigger") == "rollback":
        return None
    previous = next((d for d in history if d.get("status") == "deactivated"), None)
    if previous is None:
        raise ResourceError("there is no earlier deploy that was live to roll back to; name one with deploy_id")
    return previous


def refuse_before_writing(plans: list[tuple[dict, str, dict]]) -> None:
    suspended = [s["name"] for s, action, _d in plans
                 if action in ("trigger", "rollback") and s.get("suspended") == "suspended"]
    if suspended:
        raise ResourceError(f"{', '.join(suspended)} is suspended; resume it (render_service state=present) first")
    failed = [(s["name"], d) for s, action, d in plans if action == "failed"]
    if failed:
        detail = "; ".join(f"{name}: deploy {d.get('id')} ended in {d.get('status')}" for name, d in failed)
        raise ResourceError(f"not live: {detail}; fix the cause and deploy again (state=deployed)",
                            deploys=[deploy_view(name, d) for name, d in failed])


def run_deploy(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None,
               clock: Clock | None = None) -> dict:
    if params.get("deploy_mode") == "deploy_only":
        mixed = [name for name in ("commit_id", "image_url", "clear_cache") if params.get(name)]
        if mixed:
            raise ValueError(f"deploy_mode=deploy_only deploys the last build as it is: drop {', '.join(mixed)}")
    client = client or RenderClient.from_params(params, secrets)
    owner_id = client.owner_id(params["owner"])
    # Each service once, however it was named (by name and by id in one list, say).
    services = list({s["id"]: s for s in (client.service(owner_id, ref) for ref in params["services"])}.values())
    names = {s["id"]: s["name"] for s in services}
    pending: dict[str, dict] = {}
    unchanged: dict[str, dict] = {}
    result: dict[str, Any] = {"changed": False, "warnings": [], "deploys": []}
    actions: dict[str, str] = {}
    # Plan every service first, so that a refusal happens before any deploy has been started.
    plans = []
    for service in services:
        history = client.deploys(service["id"])
        action, deploy = plan_service(params, history)
        if action == "rollback":
            live = next(d for d in history if d.get("status") == LIVE)
            deploy = rollback_target(history, params["deploy_id"], live)
            action, deploy = ("rollback", deploy) if deploy else ("none", live)
        plans.append((service, action, deploy or {}))
    refuse_before_writing(plans)
    for service, action, deploy in plans:
        actions[service["name"]] = action
        if action == "none":
            unchanged[service["id"]] = deploy
        elif action == "wait":
            pending[service["id"]] = deploy
        elif check_mode:
            continue
        elif action == "trigger":
            pending[service["id"]] = trigger(client, service["id"], params)
        else:
            pending[service["id"]] = roll_back(client, service["id"], deploy["id"])
        if action == "rollback" and service.get("autoDeploy") == "yes":
            result["warnings"].append(f"{service['name']}: {AUTODEPLOY_WARNING}")
    result["changed"] = any(a in ("trigger", "rollback") for a in actions.values())
    result["actions"] = actions
    if params["wait"] and pending:
        pending = wait_all(client, pending, names, params["wait_timeout"], clock,
                           services={s["id"]: s for s in services})
    result["deploys"] = [deploy_view(names[s], d) for s, d in {**unchanged, **pending}.items() if d]
    return result


def run_cron_run(params: dict, check_mode: bool, secrets: Secrets, client: RenderClient | None = None,
                 clock: Clock | None = None) -> dict:
    client = client or RenderClient.from_params(params, secrets)
    owner_id = client.owner_id(params["owner"])
    if check_mode and not client.services(owner_id, [params["service"]]):
        # A job an earlier task of the run creates: the real run triggers its first run.
        return {"changed": True, "schedule": None, "schedule_timezone": "UTC", "schedule_note": UTC_NOTE, "run": None,
                "superseded": [], "msg": f"check mode: {params['service']} does not exist yet; the real run creates it, then runs it once"}
    service = client.service(owner_id, params["service"])
    if service.get("type") != "cron_job":
        raise ResourceError(f"{service['name']} is a {service.get('type')}, not a cron_job")
    details = service.get("serviceDetails") or {}
    result: dict[str, Any] = {"changed": True, "schedule": details.get("schedule"), "schedule_timezone": "UTC",
                              "schedule_note": UTC_NOTE, "run": None, "superseded": []}
    if check_mode:
        return result
    clock = clock or Clock()
    known = started_runs(client, service["id"])
    run = trigger_run(client, service, clock, known)
    if params["wait"]:
        run, result["superseded"] = wait_run_or_newer(client, service, run, known, params["wait_timeout"], clock)
    result["run"] = run_view(run)
    if run.get("status") in RUN_FAILED:
        raise ResourceError(f"cron job {service['name']} run {run['id']} ended {run['status']}", run=result["run"],
                            superseded=result["superseded"])
    return result


def started_runs(client: RenderClient, service_id: str) -> list[str]:
    """The ids of the job's most recent runs, newest first (its ``cron_job_run_started`` events)."""
    return [run_id for run_id in (_started_id(event) for event in client.events(service_id, "cron_job_run_started"))
            if run_id]


def trigger_run(client: RenderClient, service: dict, clock: Clock, known: list[str]) -> dict:
    """Start a run; when the answer is lost, find the run it started before starting another.

    A trigger cancels the job's active run, so it is never repeated blindly: the runs started before
    it are KNOWN (``cron_job_run_started`` events), and after a lost answer the run that
    appears among them is the one this trigger started. Only when none appears is it sent again.
    """
    for attempt in range(3):
        try:
            return client.run_cron_job(service["id"])
        except WriteOutcomeUnknown:
            for wait in (1.0, 2.0, 4.0):
                clock.sleep(wait)
                fresh = [event for event in client.events(service["id"], "cron_job_run_started")
                         if _started_id(event) not in known]
                if fresh:
                    return {"id": _started_id(fresh[0]), "status": "pending", "startedAt": fresh[0].get("timestamp")}
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _started_id(event: dict) -> str | None:
    return (event.get("details") or {}).get("cronJobRunId")


# How many newer runs a run follows, each of which another trigger canceled in turn, before it gives up.
MAX_SUPERSEDED = 3


def wait_run_or_newer(client: RenderClient, service: dict, run: dict, known: list[str], timeout: float,
                      clock: Clock) -> tuple[dict, list[dict]]:
    """Wait for RUN to end. Render runs one run of a job at a time: a trigger by anyone else (a person, another
    rollout) cancels the active run. When RUN ended canceled and a run started after it, that newer run tests
    the same job, so it is waited for and judged instead (the newest, up to MAX_SUPERSEDED times). The run
    judged, and the view of each canceled run it replaced, oldest first."""
    seen = set(known) | {run["id"]}
    superseded: list[dict] = []
    run = wait_run(client, service, run, timeout, clock)
    while run.get("status") == "canceled" and len(superseded) < MAX_SUPERSEDED:
        newer = [run_id for run_id in started_runs(client, service["id"]) if run_id not in seen]
        if not newer:
            break
        superseded.append(run_view(run))
        seen.update(newer)
        run = wait_run(client, service, {"id": newer[0], "status": "pending"}, timeout, clock)
    return run, superseded


def wait_run(client: RenderClient, service: dict, run: dict, timeout: float, clock: Clock) -> dict:
    """Render has no GET for a run: its end is reported as a cron_job_run_ended service event."""
    polled = poll(lambda: ended_event(client, service["id"], run["id"]), lambda event: event is not None, timeout,
                  clock, interval=5.0)
    if not polled.done:
        raise WaitTimeout(f"cron job {service['name']} run {run['id']} had not finished after {timeout:g} s")
    ended = polled.value
    return {**run, "status": ended["details"].get("status"), "finishedAt": ended.get("timestamp"),
            "reason": ended["details"].get("reason")}


def ended_event(client: RenderClient, service_id: str, run_id: str) -> dict | None:
    return next((event for event in client.events(service_id, "cron_job_run_ended")
                 if (event.get("details") or {}).get("cronJobRunId") == run_id), None)


def run_view(run: dict) -> dict:
    return {"id": run.get("id"), "status": run.get("status"), "started_at": run.get("startedAt"),
            "finished_at": run.get("finishedAt"), "triggered_by": run.get("triggeredBy"),
            "reason": run.get("reason")}
