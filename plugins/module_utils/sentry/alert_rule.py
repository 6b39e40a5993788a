# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the sentry_alert_rule logic, over Sentry's two alert APIs.

Not a public API; it may change between any two releases.

``api: workflows`` manages an organization "Alert" connected to the project's monitors (current
Sentry); ``api: legacy_rules`` a project issue alert rule (removed from the public spec on 2026-05-08).
Either way the rule is found by its exact name and compared in one neutral shape (``rule_state``).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    Resource, ResourceError, ensure, unique)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.sentry.client import (
    LEGACY_CONDITIONS, LEGACY_SLACK, LEGACY_TARGET_TYPES, Alert, SentryClient, Target)

WORKFLOW_FREQUENCIES = (0, 5, 10, 30, 60, 180, 720, 1440)
DEFAULT_FREQUENCY = 30


# ------------------------------------------------------------------------------------------ what the user asks
def resolve_targets(client: SentryClient, notify: list[dict], check_mode: bool = False) -> list[Target]:
    """The targets with the ids Sentry wants; in check mode a team an earlier task creates is '(known after apply)'."""
    targets = []
    members: list[dict] | None = None
    for item in notify:
        kind, target, fallthrough = item["type"], item.get("target"), item.get("fallthrough")
        if kind in ("team", "member", "slack") and not target:
            raise ValueError(f"notify: type {kind} needs target (team slug, member email or user id, channel)")
        if kind == "team":
            targets.append(Target("team", team_id(client, str(target), check_mode), fallthrough=fallthrough))
        elif kind == "member":
            if members is None and not str(target).isdigit():
                members = client.members()
            targets.append(Target("member", user_id(client, str(target), members or []), fallthrough=fallthrough))
        elif kind == "issue_owners":
            targets.append(Target("issue_owners", fallthrough=fallthrough or "ActiveMembers"))
        else:
            if not item.get("integration_id"):
                raise ValueError("notify: type slack needs integration_id (the Slack integration's id in Sentry)")
            targets.append(Target("slack", str(target), integration_id=str(item["integration_id"])))
    return targets


def team_id(client: SentryClient, slug: str, check_mode: bool = False) -> str:
    team = client.team(slug)
    if team is None and check_mode:
        return KNOWN_AFTER_APPLY
    if team is None:
        raise ResourceError(f"notify: team '{slug}' does not exist in organization '{client.organization}'")
    return str(team["id"])


def user_id(client: SentryClient, target: str, members: list[dict]) -> str:
    """A numeric user id as it is; an e-mail through the organization's members."""
    if target.isdigit():
        return target
    match = [m for m in members if (m.get("email") or "").lower() == target.lower() and m.get("user")]
    if not match:
        raise ResourceError(f"notify: no member with email '{target}' in organization '{client.organization}'")
    return str(match[0]["user"]["id"])


def wanted_conditions(params: dict) -> list[dict]:
    """The rule's conditions in the module's own neutral shape (shared by both APIs)."""
    if params["kind"] == "new_issue":
        return [{"type": "first_seen_event"}]
    return [{"type": "event_frequency_count", "value": params["threshold"], "interval": params["interval"]}]


def wanted_actions(targets: list[Target]) -> list[dict]:
    actions = []
    for target in targets:
        if target.type == "slack":
            actions.append({"type": "slack", "integration_id": target.integration_id, "channel": target.identifier})
        else:
            actions.append({"type": "email", "target_type": target.type, "target_identifier": target.identifier})
    return actions


# ------------------------------------------------------------------------------------------ what Sentry holds
def _key(item: dict, camel: str, snake: str, default: Any = None) -> Any:
    """Read a key the API may spell in either case (we send snake, Sentry answers camel)."""
    if camel in item:
        return item[camel]
    return item.get(snake, default)


def _identifier(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def workflow_state(workflow: dict) -> dict:
    """A workflow (as sent or as answered) in the neutral shape used for comparison."""
    triggers = workflow.get("triggers") or {}
    filters = _key(workflow, "actionFilters", "action_filters", []) or []
    conditions = []
    for condition in list(triggers.get("conditions") or []) + [c for f in filters for c in f.get("conditions") or []]:
        comparison = condition.get("comparison")
        item = {"type": condition.get("type")}
        if isinstance(comparison, dict):
            item.update({k: comparison.get(k) for k in ("value", "interval")})
        conditions.append(item)
    actions = [workflow_action_state(a) for f in filters for a in f.get("actions") or []]
    config = workflow.get("config") or {}
    return {"conditions": conditions, "actions": actions, "frequency": config.get("frequency"),
            "environment": workflow.get("environment"), "enabled": workflow.get("enabled"),
            "detectors": sorted(str(d) for d in _key(workflow, "detectorIds", "detector_ids", []) or [])}


def workflow_action_state(action: dict) -> dict:
    config = action.get("config") or {}
    if action.get("type") == "slack":
        return {"type": "slack", "integration_id": str(_key(action, "integrationId", "integration_id")),
                "channel": _key(config, "targetDisplay", "target_display")}
    target_type = _key(config, "targetType", "target_type")
    return {"type": action.get("type"), "target_type": {"user": "member"}.get(target_type, target_type),
            "target_identifier": _identifier(_key(config, "targetIdentifier", "target_identifier"))}


def legacy_rule_state(rule: dict) -> dict:
    by_id = {v: k for k, v in LEGACY_CONDITIONS.items()}
    conditions = []
    for condition in rule.get("conditions") or []:
        item = {"type": by_id.get(condition.get("id"), condition.get("id"))}
        if item["type"] == "event_frequency_count":
            item.update({"value": condition.get("value"), "interval": condition.get("interval")})
        conditions.append(item)
    by_type = {v: k for k, v in LEGACY_TARGET_TYPES.items()}
    actions = []
    for action in rule.get("actions") or []:
        if action.get("id") == LEGACY_SLACK:
            actions.append({"type": "slack", "integration_id": str(action.get("workspace")),
                            "channel": action.get("channel")})
        else:
            actions.append({"type": "email", "target_type": by_type.get(action.get("targetType"), action.get("targetType")),
                            "target_identifier": _identifier(action.get("targetIdentifier"))})
    return {"conditions": conditions, "actions": actions, "frequency": rule.get("frequency"),
            "environment": rule.get("environment"), "enabled": None, "detectors": None}


def rule_state(rule: dict, api: str) -> dict:
    return workflow_state(rule) if api == "workflows" else legacy_rule_state(rule)


# ------------------------------------------------------------------------------------------ the resource
class AlertRule(Resource):
    """An alert rule found by name: a workflow connected to the project's monitors, or a legacy rule."""

    kind = "Sentry alert rule"

    def __init__(self, client: SentryClient, params: dict, check_mode: bool = False) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.warnings: list[str] = []
        self.api = params.get("api") or "workflows"
        self._targets: list[Target] | None = None
        self._detectors: list[int] | None = None
        self._project: tuple[dict | None] | None = None

    def project(self) -> dict | None:
        if self._project is None:
            self._project = (self.client.project(self.params["project"]),)
        return self._project[0]

    def find(self) -> dict | None:
        project = self.project()
        if project is None:
            if self.params["state"] == "absent":
                return None
            if self.check_mode:  # an earlier task of the run (sentry_project) may create it: then the rule is new
                self.warnings.append(f"check mode: Sentry project '{self.params['project']}' does not exist yet; "
                                     "a real run fails unless an earlier task creates it")
                return None
            raise ResourceError(f"Sentry project '{self.params['project']}' does not exist in organization "
                                f"'{self.client.organization}'")
        if self.api == "workflows":
            rules = self.client.workflows(project.get("id"))  # the alerts connected to the project's monitors
        else:
            rules = self.client.rules(self.params["project"])
        return unique([rule for rule in rules if rule.get("name") == self.params["name"]],
                      "Sentry alert rule", self.params["name"])

    def targets(self) -> list[Target]:
        if self._targets is None:
            self._targets = resolve_targets(self.client, self.params.get("notify") or [], self.check_mode)
        return self._targets

    def detector_ids(self) -> list[int]:
        """The project's monitors of the configured types (by default its issue-stream monitor, the one Sentry
        connects its own default alerts to)."""
        if self._detectors is None and self.check_mode and self.project() is None:
            return []  # a project about to be created: its monitors come with it
        if self._detectors is None:
            project = self.project() or {}
            types = self.params.get("detector_types") or ["issue_stream"]
            ids = sorted(int(d["id"]) for d in self.client.detectors(project.get("id"))
                         if d.get("type") in types and str(d.get("projectId")) == str(project.get("id")))
            if not ids:
                raise ResourceError(
                    f"project '{self.params['project']}' has no monitor of type {', '.join(types)} to connect the "
                    f"alert to; check the project in Sentry, set detector_types, or use api: legacy_rules on a "
                    f"Sentry without monitors")
            self._detectors = ids
        return self._detectors

    def alert(self, current: dict | None = None) -> Alert:
        """The whole rule to send: what the user set, else what the rule has (a PUT overwrites all of it)."""
        p, current = self.params, current or {}
        frequency = p.get("frequency")
        if frequency is None:
            frequency = current.get("frequency") or DEFAULT_FREQUENCY
        environment = p.get("environment") if p.get("environment") is not None else current.get("environment")
        alert = Alert(p["name"], wanted_conditions(p), self.targets(), frequency, environment)
        if self.api == "workflows":
            alert.enabled = p["enabled"] if p.get("enabled") is not None else current.get("enabled") is not False
            alert.detector_ids = self.detector_ids()
        return alert

    # the engine's view
    def desired(self) -> dict:
        p = self.params
        if p["state"] == "absent":
            return {}
        wanted = {"conditions": wanted_conditions(p), "frequency": p.get("frequency"),
                  "environment": p.get("environment"), "actions": wanted_actions(self.targets())}
        if self.api == "workflows":
            wanted["enabled"] = p.get("enabled")
            wanted["detectors"] = [str(d) for d in self.detector_ids()]
        return wanted

    def current(self, resource: dict) -> dict:
        return rule_state(resource, self.api)

    def create(self) -> dict:
        if self.api == "workflows":
            return self.client.create_workflow(self.alert())
        return self.client.create_rule(self.params["project"], self.alert())

    def update(self, resource: dict, changes: dict) -> dict:
        alert = self.alert(rule_state(resource, self.api))
        if self.api == "workflows":
            return self.client.update_workflow(resource["id"], alert)
        return self.client.update_rule(self.params["project"], resource["id"], alert)

    def delete(self, resource: dict) -> None:
        if self.api == "workflows":
            self.client.delete_workflow(resource["id"])
        else:
            self.client.delete_rule(self.params["project"], resource["id"])


# ------------------------------------------------------------------------------------------ the module
def validate_alert_rule(params: dict) -> None:
    if params["state"] == "absent":
        return
    if not params.get("kind"):
        raise ValueError("kind (new_issue or event_frequency) is required unless state: absent")
    if not params.get("notify"):
        raise ValueError("notify is required unless state: absent (a team, a member, issue owners or Slack)")
    if params["kind"] == "event_frequency" and not params.get("threshold"):
        raise ValueError("kind: event_frequency needs threshold (events of one issue within interval)")
    frequency = params.get("frequency")
    if frequency is not None:
        if params.get("api", "workflows") == "workflows" and frequency not in WORKFLOW_FREQUENCIES:
            raise ValueError(f"frequency must be one of {', '.join(map(str, WORKFLOW_FREQUENCIES))} minutes "
                             f"for api: workflows")
        if params.get("api") == "legacy_rules" and not 5 <= frequency <= 43200:
            raise ValueError("frequency must be between 5 and 43200 minutes for api: legacy_rules")


def alert_rule_view(rule: dict | None, api: str) -> dict | None:
    if rule is None:
        return None
    return {"id": rule.get("id"), "name": rule.get("name"), "api": api, **rule_state(rule, api)}


def run_alert_rule(params: dict, check_mode: bool, secrets: Secrets, client: SentryClient | None = None) -> dict:
    validate_alert_rule(params)
    client = client or SentryClient.from_params(params, secrets)
    resource = AlertRule(client, params, check_mode)
    outcome = ensure(resource, params["state"], check_mode)
    return {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
            "warnings": outcome.warnings + resource.warnings, "alert_rule": alert_rule_view(outcome.resource, resource.api)}
