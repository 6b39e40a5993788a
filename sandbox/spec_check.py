"""What a vendor's spec accepts in a request, and whether a response matches it.

One place for the checks, used by the running sandbox (``app.py``) and by ``sandbox.conformance``
(client unit tests), so that the two cannot disagree:
- query parameters: declared, read as their ``style``/``explode`` say (``form`` + ``explode: false``
  arrays are one comma-separated value; a repeated key is refused), each value valid for its schema;
- the body: valid for the operation's request schema, closed (``spec_adapt.close_schema``: a field
  the schema does not declare is refused).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator
from urllib.parse import parse_qsl

from .spec_adapt import CLOSED, COMBINERS, DISCRIMINATOR, close_schema
from .specs import Spec

try:
    from jsonschema.exceptions import ValidationError, relevance
    from jsonschema.validators import extend
    from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
except ImportError:  # pragma: no cover - the registry then reports validation as off
    OAS30ReadValidator = OAS30WriteValidator = ClosedWriteValidator = None  # type: ignore[assignment,misc]

# the separator of an ``explode: false`` array, per style (OpenAPI 3.0 "Style Values")
SEPARATORS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}
_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Problem:
    """Why a request or instance is refused: the dotted ``field`` at fault ("" for the whole body)."""

    field: str
    message: str
    part: str = "request body"  # what holds the field: "request body", "query" or "request"

    @property
    def text(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def describe(self) -> str:
        return f"invalid {self.part}: {self.text}"


@dataclass
class Checked:
    """The outcome of ``check_request``: the problems, and the query values read per the spec."""

    problems: list[Problem] = field(default_factory=list)
    query: dict[str, list[str]] = field(default_factory=dict)


# --- the closed-object keyword ---------------------------------------------------------------------
def _evaluated(validator: Any, instance: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The properties of ``instance`` that ``schema`` declares: its own, those of its open maps, and
    those of each ``allOf``/``anyOf``/``oneOf`` branch that matches (JSON Schema's evaluated keys)."""
    keys = set(schema.get("properties") or {}) & set(instance)
    if schema.get("additionalProperties", False) is not False:
        keys |= set(instance)
    for pattern in schema.get("patternProperties") or {}:
        keys |= {name for name in instance if re.search(pattern, name)}
    for keyword in COMBINERS:
        for branch in schema.get(keyword) or ():
            if isinstance(branch, dict) and validator.evolve(schema=branch).is_valid(instance):
                keys |= _evaluated(validator, instance, branch)
    return keys


def _closed(validator: Any, closed: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if not closed or not validator.is_type(instance, "object"):
        return
    declared = _evaluated(validator, instance, schema)
    for name in instance:
        if name not in declared:
            yield ValidationError("not a field the spec declares here", path=(name,))


if OAS30WriteValidator is not None:
    ClosedWriteValidator = extend(OAS30WriteValidator, {CLOSED: _closed})


# --- schema checks -------------------------------------------------------------------------------
def error_path(error: Any) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problem_of(error: Any) -> Problem:
    where = error_path(error)
    message = error.message
    if error.validator == "oneOf" and not error.context:
        message = "matches more than one of the allowed forms (for example both value and generateValue)"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return Problem(f"{where}.{missing[0]}" if where else missing[0], message)
    return Problem(where, message)


def _deepest(error: Any) -> Any:
    """For anyOf/oneOf failures, report the deepest error among the branches the discriminators
    select (all branches when none does)."""
    if not error.context:
        return error
    leaves = [_deepest(sub) for sub in _selected_branches(error.context)]
    return max(leaves, key=lambda leaf: len(leaf.absolute_path))


def _selected_branches(errors: list[Any]) -> list[Any]:
    branches: dict[Any, list[Any]] = {}
    for sub in errors:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    chosen = [sub for group in branches.values() if not any(map(_is_discriminator_miss, group)) for sub in group]
    return chosen or list(errors)


def _is_discriminator_miss(error: Any) -> bool:
    return error.validator == "enum" and isinstance(error.schema, dict) and bool(error.schema.get(DISCRIMINATOR))


def _rank(error: Any) -> tuple[Any, ...]:
    """Errors of value first, undeclared fields after them; then jsonschema's relevance."""
    return (error.validator != CLOSED, *relevance(error))


def instance_problems(schema: dict[str, Any], instance: Any, *, writing: bool,
                      ignore: frozenset[tuple[Any, ...]] = frozenset()) -> list[Problem]:
    """Every reason ``instance`` is invalid for ``schema``, most relevant first ([] when valid).

    ``writing`` validates a request (closed objects, no readOnly fields); ``ignore`` lists paths of
    fields that are never reported as undeclared (fields the sandbox added from its state)."""
    if OAS30ReadValidator is None:
        return []
    validator = ClosedWriteValidator(schema) if writing else OAS30ReadValidator(schema)
    errors = sorted(validator.iter_errors(instance), key=_rank, reverse=True)
    problems: list[Problem] = []
    for error in errors:
        if error.validator == CLOSED and tuple(error.absolute_path) in ignore:
            continue
        problem = problem_of(_deepest(error))
        if problem not in problems:
            problems.append(problem)
    return problems


def check_instance(schema: dict[str, Any], instance: Any, *, writing: bool) -> str | None:
    """None when ``instance`` is valid, else a message naming the offending field."""
    problems = instance_problems(schema, instance, writing=writing)
    return problems[0].text if problems else None


# --- requests ------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def _closed_request_schema(spec: Spec, method: str, template: str) -> tuple[bool, dict[str, Any] | None]:
    required, schema = spec.request_schema(method, template)
    return required, close_schema(schema) if schema is not None else None


def check_request(spec: Spec, method: str, template: str, raw_query: str, body: Any, *,
                  payload: Any = None) -> Checked:
    """Check one request to the operation ``method template`` of ``spec``.

    ``body`` is the decoded JSON body (None when there is none); ``payload``, when given, is what is
    validated instead (the body plus what the vendor knows from its state, e.g. a PATCHed service's
    type); the fields it adds are never reported as undeclared."""
    checked = Checked()
    checked.query, checked.problems = read_query(spec.query_parameters(method, template), raw_query)
    checked.problems.extend(body_problems(spec, method, template, body, body if payload is None else payload))
    return checked


def body_problems(spec: Spec, method: str, template: str, body: Any, payload: Any) -> list[Problem]:
    required, schema = _closed_request_schema(spec, method, template)
    if body is None:
        return [Problem("", "a request body is required", "request")] if required else []
    if schema is None:
        declared = (spec.operation(method, template) or {}).get("requestBody")
        return [] if declared else [Problem("", "this operation takes no request body", "request")]
    return instance_problems(schema, payload, writing=True, ignore=frozenset(added_paths(body, payload)))


def added_paths(original: Any, payload: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The paths of the object fields ``payload`` has and ``original`` has not."""
    if not isinstance(original, dict) or not isinstance(payload, dict):
        return
    for key, value in payload.items():
        if key not in original:
            yield (*prefix, key)
        else:
            yield from added_paths(original[key], value, (*prefix, key))


def read_query(parameters: dict[str, dict[str, Any]], raw_query: str) -> tuple[dict[str, list[str]], list[Problem]]:
    """The query values per declared parameter (arrays split as their style says) and the problems."""
    given: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        given.setdefault(name, []).append(value)
    problems = [Problem(name, "not a parameter of this operation", "query")
                for name in given if name not in parameters]
    values: dict[str, list[str]] = {}
    for name, parameter in parameters.items():
        if name in given:
            values[name], found = read_parameter(name, parameter, given[name])
            problems.extend(found)
        elif parameter.get("required"):
            problems.append(Problem(name, "required parameter is missing", "query"))
    return values, problems


def read_parameter(name: str, parameter: dict[str, Any], raws: list[str]) -> tuple[list[str], list[Problem]]:
    """One parameter's values (each occurrence of a repeated key, or the items of a delimited value)."""
    schema = parameter.get("schema") or {}
    style = parameter.get("style", "form")
    explode = parameter.get("explode", style == "form")
    if schema.get("type") != "array":
        problems = [] if len(raws) == 1 else [Problem(name, f"given {len(raws)} times; it takes one value", "query")]
        return raws[-1:], problems + _value_problems(name, schema, raws[-1:])
    if explode and style == "form":
        return raws, _value_problems(name, schema.get("items") or {}, raws)
    separator = SEPARATORS.get(style, ",")
    if len(raws) > 1:
        return raws, [Problem(name, f"given {len(raws)} times; the spec declares it style: {style}, explode: false: "
                                    f"one value with the items separated by {separator!r} "
                                    f"({name}=a{separator}b), not the key repeated", "query")]
    items = raws[0].split(separator)
    return items, _value_problems(name, schema.get("items") or {}, items)


def _value_problems(name: str, schema: dict[str, Any], raws: list[str]) -> list[Problem]:
    problems = []
    for raw in raws:
        problem = check_instance(schema, _typed(schema, raw), writing=False)
        if problem:
            problems.append(Problem(name, f"{raw!r}: {problem}", "query"))
    return problems


def _typed(schema: dict[str, Any], raw: str) -> Any:
    """A query string value as the JSON type its schema names (left as text when it is not one)."""
    kind = schema.get("type")
    if kind == "integer" and _INTEGER.match(raw):
        return int(raw)
    if kind == "number" and _NUMBER.match(raw):
        return float(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw
