# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: validate_webhook
short_description: Judge the validate phase's test post to an incoming webhook (Slack)
version_added: 0.4.0
author:
  - launchkit.paas maintainers (@launchkit)
description:
  - Takes the registered result of the test post (M(launchkit.paas.http_check), C({"text" - ...}) POSTed to the
    webhook URL, expecting 200 and the body C(ok)) and gives one check, C(webhook) of the app that reads the URL.
  - A post that is due but was not sent (check mode) gives a pending check; a post not due this run (the task's
    condition was false - not asked for, or nothing changed) gives no check, in check mode as in a real run, so
    check mode predicts the report the real run writes. The message never carries the URL (the webhook URL is the secret) - only the answer's status
    and Slack's error code. An accepted post gives no check (the phase says so in its output), so the report of a run
    that posts and of one that does not are the same.
positional: app
options:
  _input:
    description: The registered result of the post.
    type: dict
    required: true
  app:
    description: The app (service) whose env carries the webhook URL.
    type: str
    required: true
  name:
    description: The env key of the URL, named in the check.
    type: str
    default: SLACK_WEBHOOK_URL
  check_mode:
    description: The run is in check mode.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Judge the test post
  ansible.builtin.set_fact:
    checks: "{{ slack_post | launchkit.paas.validate_webhook('cloudgreet', check_mode=ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description: No check, or one (C(app), C(check), C(component), C(status), C(message)).
  type: list
  elements: dict
"""

from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean


def validate_webhook(result: Any, app: str, name: str = "SLACK_WEBHOOK_URL", check_mode: bool = False) -> list[dict]:
    """launchkit.paas.validate_webhook"""
    result = result if isinstance(result, dict) else {}
    check = {"app": app, "check": "webhook", "component": name}
    if result.get("skip_reason") == "Conditional result was False" or not result:
        return []  # no post due this run (not asked for, or nothing changed): in check mode no more than in a real one
    if result.get("skipped"):
        return [dict(check, status="pending", message="check mode: the test post is not sent")] \
            if boolean(check_mode, strict=False) else []
    status = result.get("status")
    if result.get("failed"):
        body = str(result.get("content") or "").strip()[:60]
        detail = f"HTTP {status}" + (f" {body}" if body else "") if status else "no answer"
        return [dict(check, status="failed", message=f"the test post was not accepted: {detail}")]
    # An accepted post is said in the run's output (not the report): the report of a second run, which posts
    # nothing over an unchanged stack, stays the same.
    return []


class FilterModule:
    """launchkit.paas.validate_webhook"""

    def filters(self) -> dict:
        return {"validate_webhook": validate_webhook}
