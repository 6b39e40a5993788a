# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""platform.info (app_info): each service as its platform describes it, env key names only unless
values are asked for by key, the live and the latest deploy; Render's side of the seam read for real."""
from __future__ import annotations

import json

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.platform.env import PLATFORMS, RenderEnv
from ansible_collections.launchkit.paas.plugins.module_utils.platform.info import run_app_info
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import VENDOR, RenderClient
from launchkit_fakes import FakeSession, make_http, render_pages

REDIS_URL = "redis://default:app-info-pw-77@red-1:6379"
WEB = {"id": "srv-web", "name": "web", "type": "web_service", "ownerId": "tea-1", "suspended": "not_suspended",
       "serviceDetails": {"url": "https://web.onrender.com"}}
WORKER = {"id": "srv-wrk", "name": "worker", "type": "background_worker", "ownerId": "tea-1",
          "suspended": "suspended", "serviceDetails": {}}


def deploy(deploy_id: str, status: str, commit: str | None = None) -> dict:
    answer = {"id": deploy_id, "status": status, "trigger": "api", "createdAt": "2026-12-06T05:00:00Z",
              "finishedAt": None if status.endswith("progress") else "2026-12-06T05:01:00Z"}
    if commit:
        answer["commit"] = {"id": commit, "message": f"commit {commit}", "createdAt": "2026-12-06T04:00:00Z"}
    return answer


def render(deploys: dict[str, list[dict]]) -> tuple[RenderEnv, FakeSession]:
    session = FakeSession().on("GET", "/services", render_pages("service", [WEB, WORKER]))
    session.on("GET", "/services/srv-web/env-vars",
               render_pages("envVar", [{"key": "REDIS_URL", "value": REDIS_URL}, {"key": "RAILS_ENV", "value": "x"}]))
    session.on("GET", "/services/srv-wrk/env-vars", render_pages("envVar", []))
    for service_id, history in deploys.items():
        session.on("GET", f"/services/{service_id}/deploys", render_pages("deploy", history))
    platform = RenderEnv.__new__(RenderEnv)
    platform.client = RenderClient(make_http(session, vendor=VENDOR, headers={"Authorization": "Bearer t"}))
    platform.owner = "tea-1"
    return platform, session


def params(**overrides) -> dict:
    values = {"platform": "render", "services": ["web", "worker"], "env_keys": True, "env_values": [], "deploys": True}
    values.update(overrides)
    return values


def test_every_platform_class_has_the_read_side():
    for platform in PLATFORMS.values():
        assert callable(getattr(platform, "describe")) and callable(getattr(platform, "deploys"))


def test_each_service_is_described_with_key_names_and_its_live_and_latest_deploy():
    platform, session = render({"srv-web": [deploy("dep-new", "build_failed", "c2"), deploy("dep-old", "live", "c1")],
                                "srv-wrk": []})
    result = run_app_info(params(), False, Secrets(), platform)
    web, worker = result["services"]
    assert result["changed"] is False and result["missing"] == []
    assert {k: web[k] for k in ("id", "name", "type", "url", "suspended")} == {
        "id": "srv-web", "name": "web", "type": "web_service", "url": "https://web.onrender.com", "suspended": False}
    assert web["env_keys"] == ["RAILS_ENV", "REDIS_URL"] and "env" not in web
    assert web["deploys"]["live"] == {"id": "dep-old", "status": "live", "commit": "c1", "commit_message": "commit c1",
                                      "created_at": "2026-12-06T05:00:00Z", "finished_at": "2026-12-06T05:01:00Z"}
    assert web["deploys"]["latest"]["id"] == "dep-new" and web["deploys"]["latest"]["status"] == "build_failed"
    assert worker["suspended"] is True and worker["url"] is None
    assert worker["deploys"] == {"live": None, "latest": None}
    assert REDIS_URL not in json.dumps(result)
    assert session.writes == []


def test_a_missing_service_is_listed_not_failed():
    platform, _session = render({"srv-web": [deploy("dep-1", "live")]})
    result = run_app_info(params(services=["web", "nope"]), False, Secrets(), platform)
    assert [s["name"] for s in result["services"]] == ["web"] and result["missing"] == ["nope"]


def test_no_deploy_read_when_deploys_are_not_asked_for():
    platform, session = render({})
    result = run_app_info(params(deploys=False, env_keys=False), False, Secrets(), platform)
    assert all("deploys" not in s and "env_keys" not in s for s in result["services"])
    assert [c.path for c in session.calls if "/deploys" in c.path or "/env-vars" in c.path] == []


def test_values_asked_for_by_key_are_returned_and_registered_as_secrets():
    platform, _session = render({})
    secrets = Secrets()
    result = run_app_info(params(services=["web"], env_values=["REDIS_URL", "ABSENT"], deploys=False), False,
                          secrets, platform)
    assert result["services"][0]["env"] == {"REDIS_URL": REDIS_URL}
    assert result["_unmasked"] == (REDIS_URL,)
    assert REDIS_URL not in secrets.redact(f"url {REDIS_URL}")
