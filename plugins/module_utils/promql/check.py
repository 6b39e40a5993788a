# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of the promql_check module (PromQL that will not page anyone for nothing).

Not a public API; it may change between any two releases.

Each expression must be valid PromQL as promtool reads it (promtool.py) and must name only metrics the
app exposes: the series names of the families on its /metrics page (exposition.py), fetched as
http_check fetches a page, plus ``allow_metrics``. A selector by a regular expression on ``__name__``
cannot be checked: it is reported and accepted. Nothing here changes anything.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import REQUESTS_IMPORT_ERROR
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.http_check.check import (
    FETCH_ARGUMENT_SPEC, fetch_text, safe_url)
from ansible_collections.launchkit.paas.plugins.module_utils.promql.exposition import Exposition, parse_exposition
from ansible_collections.launchkit.paas.plugins.module_utils.promql.names import selected_names
from ansible_collections.launchkit.paas.plugins.module_utils.promql.promtool import (
    find_promtool, promtool_version, syntax_errors)

ARGUMENT_SPEC = {
    "expressions": {"type": "list", "elements": "dict", "required": True, "options": {
        "name": {"type": "str", "required": True},
        "expr": {"type": "str", "required": True},
    }},
    "metrics_url": {"type": "str"},
    "metrics_text": {"type": "str"},
    "promtool": {"type": "str"},
    "allow_metrics": {"type": "list", "elements": "str", "default": ["up"]},
    **FETCH_ARGUMENT_SPEC,
}
CHECKS = {"mutually_exclusive": [["metrics_url", "metrics_text"]],
          "required_one_of": [["metrics_url", "metrics_text"]]}
CLOSEST = 3
#: how like a name an exposed one must be to be offered (difflib's ratio; a typo scores above 0.9)
SIMILAR = 0.7


def required_libraries(params: dict) -> dict[str, BaseException | None]:
    """requests only fetches ``metrics_url``."""
    return {"requests": REQUESTS_IMPORT_ERROR if params.get("metrics_url") else None}


@dataclass(frozen=True)
class Expression:
    name: str
    expr: str


def parse_expressions(items: list | None) -> list[Expression]:
    """Validate ``expressions``: each has a name, unique, and an expression that is not blank."""
    expressions, seen = [], set()
    for index, item in enumerate(items or []):
        name, expr = (item or {}).get("name"), (item or {}).get("expr")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"expressions[{index}].name must say what the expression is (an alert, a panel)")
        if name in seen:
            raise ValueError(f"expressions[{index}].name {name!r} is used twice: each expression needs its own name")
        if not isinstance(expr, str) or not expr.strip():
            raise ValueError(f"expressions[{index}] ({name}): expr is empty")
        seen.add(name)
        expressions.append(Expression(name, expr))
    if not expressions:
        raise ValueError("expressions is empty: give at least one {name, expr}")
    return expressions


def precheck(params: dict) -> None:
    parse_expressions(params.get("expressions"))


def closest_names(name: str, known: set[str]) -> list[str]:
    return difflib.get_close_matches(name, sorted(known), n=CLOSEST, cutoff=SIMILAR)


def judge(expression: Expression, syntax_error: str | None, known: set[str]) -> dict[str, Any]:
    """What the module returns for one expression: the metrics it names, and why it fails, if it does."""
    selection = selected_names(expression.expr)
    entry: dict[str, Any] = {"expr": expression.expr, "metrics": selection.metrics, "unchecked": selection.unchecked}
    if syntax_error is not None:
        # the names of an expression promtool cannot read are a guess: its syntax is the failure
        entry.update(ok=False, error=syntax_error)
        return entry
    unknown = [name for name in selection.metrics if name not in known]
    entry["ok"] = not unknown
    if unknown:
        entry["unknown"] = unknown
        entry["closest"] = {name: closest_names(name, known) for name in unknown}
    return entry


def failure_message(report: dict[str, dict], source: str) -> str | None:
    """None when every expression passed, else every bad expression with its name."""
    bad_syntax = [f"{name}: {entry['error']}" for name, entry in report.items() if "error" in entry]
    unknown = [f"{name}: " + ", ".join(_unknown_name(metric, entry["closest"][metric]) for metric in entry["unknown"])
               for name, entry in report.items() if entry.get("unknown")]
    parts = []
    if bad_syntax:
        verb = "is" if len(bad_syntax) == 1 else "are"
        parts.append(f"{_count(bad_syntax)} {verb} not valid PromQL (promtool): " + "; ".join(bad_syntax))
    if unknown:
        verb = "names" if len(unknown) == 1 else "name"
        parts.append(f"{_count(unknown)} {verb} metrics {source} does not expose: " + "; ".join(unknown))
    return ". ".join(parts) if parts else None


def _unknown_name(metric: str, closest: list[str]) -> str:
    hint = f"closest exposed: {', '.join(closest)}" if closest else "no exposed name is close"
    return f"{metric} ({hint})"


def _count(items: list) -> str:
    return "1 expression" if len(items) == 1 else f"{len(items)} expressions"


def exposition_of(params: dict, secrets: Secrets, session: Any, clock: Clock | None) -> tuple[Exposition, str]:
    """The page's families, and how messages name where they came from."""
    if params.get("metrics_text") is not None:
        return parse_exposition(params["metrics_text"]), "metrics_text"
    url = params["metrics_url"]
    return parse_exposition(fetch_text(url, params, secrets, session, clock)), safe_url(url)


def run_promql_check(params: dict, check_mode: bool, secrets: Secrets, session: Any = None,
                     clock: Clock | None = None) -> dict:
    expressions = parse_expressions(params["expressions"])
    promtool = find_promtool(params.get("promtool"))
    version = promtool_version(promtool)
    exposition, source = exposition_of(params, secrets, session, clock)
    errors = syntax_errors(promtool, [expression.expr for expression in expressions])
    known = exposition.series | set(params.get("allow_metrics") or [])
    report = {expression.name: judge(expression, errors.get(index), known)
              for index, expression in enumerate(expressions)}
    result: dict[str, Any] = {"changed": False, "expressions": report, "metrics": sorted(exposition.families),
                              "promtool_version": version}
    warnings = [f"{name}: {', '.join(entry['unchecked'])} selects metrics by a pattern; their names are not checked"
                for name, entry in report.items() if entry["unchecked"] and "error" not in entry]
    if warnings:
        result["warnings"] = warnings
    failure = failure_message(report, source)
    if failure is not None:
        raise ResourceError(failure, **{key: value for key, value in result.items() if key != "changed"})
    return result
