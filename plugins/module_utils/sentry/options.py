# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the argument specs of the sentry_* modules, each option written once.

Not a public API; it may change between any two releases. The connection options are documented in
the launchkit.paas.sentry and launchkit.paas.http_client doc fragments, the others in each module.
"""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.module_utils.core.module import base_options
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import DEFAULT_URL, FALLTHROUGH, INTERVALS


def state() -> dict:
    return {"type": "str", "choices": ["present", "absent"], "default": "present"}


def notify() -> dict:
    return {"type": "list", "elements": "dict", "options": {
        "type": {"type": "str", "required": True, "choices": ["team", "member", "issue_owners", "slack"]},
        "target": {"type": "str"},
        "integration_id": {"type": "str"},
        "fallthrough": {"type": "str", "choices": list(FALLTHROUGH)},
    }}


def module_options(required: bool = True, **own: dict) -> dict:
    """The connection options every sentry_* module takes, then the module's own."""
    from ansible.module_utils.basic import env_fallback

    options = base_options("SENTRY_API_URL", DEFAULT_URL, None)
    options["auth_token"] = {"type": "str", "required": required, "no_log": True,
                             "fallback": (env_fallback, ["SENTRY_AUTH_TOKEN"])}
    options["organization"] = {"type": "str", "required": required, "fallback": (env_fallback, ["SENTRY_ORG"])}
    options.update(own)
    return options


def team() -> dict:
    return module_options(slug={"type": "str", "required": True}, name={"type": "str"}, state=state())


def project() -> dict:
    return module_options(name={"type": "str"}, slug={"type": "str"}, team={"type": "str"},
                          platform={"type": "str"}, default_rules={"type": "bool", "default": False}, state=state())


def client_key() -> dict:
    return module_options(
        project={"type": "str", "required": True}, name={"type": "str"}, key_id={"type": "str"},
        adopt_default={"type": "bool", "default": True},
        rate_limit={"type": "dict", "options": {"count": {"type": "int", "required": True},
                                                "window": {"type": "int", "required": True}}},
        force={"type": "bool", "default": False}, return_secrets={"type": "bool", "default": False}, state=state())


def alert_rule() -> dict:
    return module_options(
        name={"type": "str", "required": True}, project={"type": "str", "required": True},
        api={"type": "str", "choices": ["workflows", "legacy_rules"], "default": "workflows"},
        kind={"type": "str", "choices": ["new_issue", "event_frequency"]}, threshold={"type": "int"},
        interval={"type": "str", "choices": list(INTERVALS), "default": "1h"}, frequency={"type": "int"},
        environment={"type": "str"}, enabled={"type": "bool"},
        detector_types={"type": "list", "elements": "str", "default": ["issue_stream"]},
        notify=notify(), state=state())


def test_event() -> dict:
    """The token and organization are needed only to confirm the event."""
    return module_options(
        required=False, dsn={"type": "str", "required": True, "no_log": True}, project={"type": "str"},
        confirm={"type": "bool", "default": True}, wait_timeout={"type": "float", "default": 60.0},
        environment={"type": "str", "default": "production"}, release={"type": "str"})
