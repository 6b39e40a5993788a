"""Slack incoming webhooks: ok, invalid_payload, no_service; posts are listed; the URL never reaches the log."""
from __future__ import annotations

import json
from pathlib import Path

import requests

from conftest import Sandbox

FIXTURE = Path(__file__).resolve().parents[2] / "sandbox" / "fixtures" / "rehearsal.json"


def test_a_created_webhook_takes_text_or_blocks(sbx: Sandbox) -> None:
    url = sbx.control("POST", "/slack/webhooks", json={"channel": "#ops"})["url"]
    ok = requests.post(url, json={"text": "deploy done"}, timeout=5)
    assert (ok.status_code, ok.text, ok.headers["Content-Type"].split(";")[0]) == (200, "ok", "text/plain")
    assert requests.post(url, json={"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]},
                         timeout=5).text == "ok"
    for bad in (b"not json", json.dumps({"username": "x"}).encode(), b"[]"):
        answer = requests.post(url, data=bad, timeout=5)
        assert (answer.status_code, answer.text) == (400, "invalid_payload")
    posts = sbx.control("GET", "/slack/posts", params={"channel": "#ops"})["posts"]
    assert [post["message"].get("text") for post in posts] == ["deploy done", None]


def test_unknown_and_archived_webhooks(sbx: Sandbox) -> None:
    unknown = requests.post(f"{sbx.url}/slack/services/T0SANDBOX1/B0UNKNOWN1/abcdefghijklmnopqrstuvwx",
                            json={"text": "x"}, timeout=5)
    assert (unknown.status_code, unknown.text) == (404, "no_service")
    url = sbx.control("POST", "/slack/webhooks", json={"channel": "#old"})["url"]
    sbx.control("POST", "/slack/archive", json={"channel": "#old"})
    assert requests.post(url, json={"text": "x"}, timeout=5).text == "channel_is_archived"


def test_the_webhook_secret_stays_out_of_the_log_and_the_state(sbx: Sandbox) -> None:
    url = sbx.control("POST", "/slack/webhooks", json={"channel": "#ops"})["url"]
    requests.post(url, json={"text": "x"}, timeout=5)
    secret = url.rsplit("/", 1)[1]
    assert secret not in json.dumps(sbx.log()) and sbx.log(vendor="slack")[0]["path"].endswith("/<redacted>")
    assert secret not in json.dumps(sbx.control("GET", "/state"))


def test_the_rehearsal_fixture_seeds_fixed_urls(sbx: Sandbox) -> None:
    slack = json.loads(FIXTURE.read_text())["slack"]
    seeded = sbx.control("POST", "/seed", json={"slack": slack})["slack"]["webhooks"]
    assert [hook["channel"] for hook in seeded] == [
        "#scoop-alerts", "#rekindlepro-alerts", "#synckairos-alerts", "#cloudgreet-alerts"]
    assert requests.post(sbx.url + slack["webhooks"][2]["url"], json={"text": "x"}, timeout=5).text == "ok"
    assert sbx.control("GET", "/slack/posts", params={"channel": "#synckairos-alerts"})["posts"]
