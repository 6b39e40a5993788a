# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of grafana_notification_policy and grafana_notification_policy_info.

Not a public API; it may change between any two releases.

Grafana takes the notification policy tree whole (``PUT /v1/provisioning/policies``). This module owns
one route, a child of the root policy, known by its set of matchers: it reads the tree, updates that
route in place (its position and nested routes kept) or appends it, or removes it, and writes the tree
back only when it changed. The root's receiver and every other route are sent back as they were read.
"""
from __future__ import annotations

import copy
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import GrafanaClient

OPERATORS = ("=~", "!~", "!=", "=")
#: route option -> the Route field it sets
FIELDS = {"receiver": "receiver", "group_by": "group_by", "group_wait": "group_wait",
          "group_interval": "group_interval", "repeat_interval": "repeat_interval", "continue": "continue",
          "mute_time_intervals": "mute_time_intervals"}

OPTIONS: dict[str, dict] = {
    "matchers": {"type": "list", "elements": "raw", "required": True},
    "receiver": {"type": "str"},
    "group_by": {"type": "list", "elements": "str"},
    "group_wait": {"type": "str"},
    "group_interval": {"type": "str"},
    "repeat_interval": {"type": "str"},
    "continue": {"type": "bool"},
    "mute_time_intervals": {"type": "list", "elements": "str"},
    "disable_provenance": {"type": "bool", "default": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}
INFO_OPTIONS: dict[str, dict] = {"matchers": {"type": "list", "elements": "raw"}}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def parse_matcher(item: Any, where: str = "matchers") -> tuple[str, str, str]:
    """``[label, op, value]`` or ``"label=value"`` (also ``!=``, ``=~``, ``!~``; the value may be quoted)."""
    if isinstance(item, (list, tuple)):
        if len(item) != 3 or str(item[1]) not in OPERATORS or not str(item[0]).strip():
            raise ValueError(f"{where}: {list(item)!r} is not [label, op, value] with op one of {', '.join(OPERATORS)}")
        return str(item[0]).strip(), str(item[1]), str(item[2])
    text = str(item)
    for op in OPERATORS:
        label, found, value = text.partition(op)
        if found and label.strip() and not any(c in label for c in "=!~"):
            return label.strip(), op, _unquote(value)
    raise ValueError(f"{where}: '{text}' is not label=value (or label!=value, label=~regex, label!~regex)")


def route_matchers(route: dict) -> frozenset[tuple[str, str, str]]:
    """A route's identity: all its matchers, however Grafana holds them."""
    found = {tuple(str(part) for part in matcher) for matcher in route.get("object_matchers") or [] if len(matcher) == 3}
    for text in route.get("matchers") or []:
        if isinstance(text, str):
            try:
                found.add(parse_matcher(text))
            except ValueError:
                continue
    found |= {(label, "=", str(value)) for label, value in (route.get("match") or {}).items()}
    found |= {(label, "=~", str(value)) for label, value in (route.get("match_re") or {}).items()}
    return frozenset(found)  # type: ignore[arg-type]


def validate(params: dict) -> frozenset:
    if not params.get("matchers"):
        raise ValueError("matchers is required: the labels that select this route, e.g. ['team=backend']")
    wanted = frozenset(parse_matcher(item, f"matchers[{n}]") for n, item in enumerate(params["matchers"]))
    if params["state"] == "present" and not params.get("receiver"):
        raise ValueError("receiver is required with state=present: the contact point this route sends to")
    return wanted


def without_provenance(route: dict) -> dict:
    """The route as it is sent back: Grafana's read-only provenance left out, at every level."""
    sent = {key: value for key, value in route.items() if key != "provenance"}
    if sent.get("routes"):
        sent["routes"] = [without_provenance(child) for child in sent["routes"]]
    return sent


def merged_route(current: dict | None, params: dict, wanted: frozenset) -> dict:
    route = copy.deepcopy(current) if current is not None else {
        "object_matchers": [list(matcher) for matcher in sorted(wanted)]}
    for option, field in FIELDS.items():
        if params.get(option) is not None:
            route[field] = params[option]
    return route


def run_policy(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    wanted = validate(params)
    client = client or GrafanaClient.from_params(params, secrets)
    tree = client.policy_tree()
    routes = list(tree.get("routes") or [])
    place = next((n for n, route in enumerate(routes) if route_matchers(route) == wanted), None)
    previous = copy.deepcopy(routes[place]) if place is not None else None
    if params["state"] == "absent":
        route = None
        if place is not None:
            del routes[place]
    else:
        route = merged_route(previous, params, wanted)
        if place is None:
            routes.append(route)
        else:
            routes[place] = route
    changed = route != previous
    if changed and not check_mode:
        new_tree = without_provenance({**tree, "routes": routes})
        client.put_policy_tree(new_tree, disable_provenance=params["disable_provenance"])
    before = {key: value for key, value in (previous or {}).items() if key != "routes"}
    after = {key: value for key, value in (route or {}).items() if key != "routes"}
    return {"changed": changed, "route": route, "previous_route": previous,
            "position": None if route is None else (place if place is not None else len(routes) - 1),
            "receiver": tree.get("receiver"),
            "diff": {"before": before if changed else {}, "after": after if changed else {}}}


def run_policy_info(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    client = client or GrafanaClient.from_params(params, secrets)
    tree = client.policy_tree()
    routes = tree.get("routes") or []
    if params.get("matchers"):
        wanted = frozenset(parse_matcher(item, f"matchers[{n}]") for n, item in enumerate(params["matchers"]))
        routes = [route for route in routes if route_matchers(route) == wanted]
    return {"changed": False, "receiver": tree.get("receiver"), "tree": tree, "routes": routes}
