"""Adaptations of a raw vendor spec, applied once when it is loaded (``VendorAPI.adapt_spec``), and
the closing of request schemas (undeclared fields refused).

Each function works on plain dicts; none needs a running sandbox, so ``sandbox.conformance`` applies
exactly the same ones.
"""
from __future__ import annotations

import copy
from typing import Any
from collections.abc import Callable

from .specs import RefResolver

DISCRIMINATOR = "x-sandbox-discriminator"  # marks the enum that selects a split oneOf branch
CLOSED = "x-sandbox-closed"  # on a schema whose object refuses the properties it does not declare
COMBINERS = ("allOf", "anyOf", "oneOf")


def split_one_of_by_sibling(
    schema: dict[str, Any], prop: str, sibling: str, value_for: Callable[[dict[str, Any]], str | list[str] | None]
) -> None:
    """Replace ``properties[prop].oneOf`` by branches chosen by the value of ``sibling``.

    Used where a spec's oneOf cannot tell its alternatives apart (Render ``serviceDetails``, its
    ``envSpecificDetails``, event ``details``): the alternative is picked by ``type`` (or
    ``runtime``) instead, ``value_for(alternative)`` naming the sibling value(s) it belongs to. When
    the sibling is absent every alternative is tried. Mutates the raw (unresolved) schema in place,
    so references to the schema stay valid; references *into* the alternatives must be inlined
    first (``inline_refs``).
    """
    alternatives = schema.get("properties", {}).get(prop, {}).get("oneOf")
    if not alternatives:
        return
    branches = []
    for alternative in alternatives:
        value = value_for(alternative)
        if value is not None:
            values = [value] if isinstance(value, str) else list(value)
            branches.append({"properties": {sibling: {"enum": values, DISCRIMINATOR: True}, prop: alternative}})
    schema["properties"][prop] = {"type": "object"}
    schema.setdefault("allOf", []).append({"anyOf": branches})


def inline_refs(document: dict[str, Any], prefix: str) -> None:
    """Replace every ``$ref`` that starts with ``prefix`` by a copy of its target, in place.

    Needed before moving a schema whose parts other references point into (``.../oneOf/4/...``).
    """
    resolver = RefResolver(document)

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                return {} if ref in stack else walk(copy.deepcopy(resolver.pointer(ref)), (*stack, ref))
            return {key: walk(value, stack) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, stack) for item in node]
        return node

    inlined = walk(document, ())
    document.clear()
    document.update(inlined)


def strip_path_prefix(document: dict[str, Any], prefix: str) -> None:
    """Drop ``prefix`` (e.g. ``/v3``) from every path, so paths match the vendor's route templates."""
    document["paths"] = {
        (template[len(prefix):] or "/") if template.startswith(prefix + "/") else template: item
        for template, item in document.get("paths", {}).items()
    }


def declare_error_bodies(document: dict[str, Any], schema: dict[str, Any]) -> None:
    """Give every 4xx/5xx response the spec declares without a body the vendor's error ``schema``."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for status, response in (operation.get("responses") or {}).items() if isinstance(operation, dict) else ():
                if status[0] in "45" and isinstance(response, dict) and not response.get("content"):
                    response["content"] = {"application/json": {"schema": schema}}


def declare_query_parameter(document: dict[str, Any], parameter: dict[str, Any],
                            selects: Callable[[str, dict[str, Any]], bool]) -> None:
    """Declare the query ``parameter`` on every operation ``selects(method, operation)`` picks that
    does not declare it (a parameter the vendor documents for all its lists, missing in places)."""
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or not selects(method, operation):
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("in") == "query" and p.get("name") == parameter["name"] for p in parameters):
                parameters.append(copy.deepcopy(parameter))


# --- closing request schemas -----------------------------------------------------------------------
def close_schema(schema: Any) -> Any:
    """A copy of a (resolved) request schema in which every object that declares properties refuses
    the ones it does not declare (``CLOSED``, checked by ``spec_check``).

    The mark goes on the schema of each instance location (the body, a property's value, an array
    item), never on an ``allOf``/``anyOf``/``oneOf`` branch: a location's declared properties are
    those of its schema and of every branch that matches (as JSON Schema's
    ``unevaluatedProperties``). A location stays open when it declares no properties (a free-form
    object) or when it or one of its branches sets ``additionalProperties`` to ``true`` or a schema
    (a map the vendor means to be open). The input is not changed: resolved schemas share nodes.
    """
    return _close(schema, location=True)


def _close(node: Any, *, location: bool) -> Any:
    if not isinstance(node, dict):
        return node
    closed: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            closed[key] = {name: _close(sub, location=True) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            closed[key] = _close(value, location=True)
        elif key in COMBINERS and isinstance(value, list):
            closed[key] = [_close(sub, location=False) for sub in value]
        else:
            closed[key] = value
    if location and _declares_properties(closed) and not _open(closed):
        closed[CLOSED] = True
    return closed


def _branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [sub for key in COMBINERS for sub in node.get(key) or () if isinstance(sub, dict)]


def _declares_properties(node: dict[str, Any]) -> bool:
    return bool(node.get("properties")) or any(_declares_properties(sub) for sub in _branches(node))


def _open(node: dict[str, Any]) -> bool:
    extra = node.get("additionalProperties", False)
    return extra is not False or bool(node.get("patternProperties")) or any(_open(sub) for sub in _branches(node))


# --- Swagger 2 ---------------------------------------------------------------------------------------
_SCHEMA_KEYS = ("type", "format", "items", "enum", "default", "minimum", "maximum", "pattern", "minLength",
                "maxLength")


def swagger2_to_openapi3(document: dict[str, Any]) -> None:
    """Turn a Swagger 2 document (Grafana's) into the OpenAPI 3 shape ``specs.Spec`` reads, in place.

    - a ``body`` parameter becomes the ``requestBody`` (``application/json``), keeping ``required``;
    - a query parameter's type keywords move into its ``schema``; an array is read as repeated keys
      (``style: form, explode: true``) when its ``collectionFormat`` is ``multi`` or absent, as
      Grafana's handlers read them (``c.QueryStrings``), else as one delimited value;
    - a response (or a ``#/responses/...`` reference) with a ``schema`` gets it as its JSON content;
    - ``x-nullable`` becomes ``nullable``.
    References into ``#/definitions`` stay as they are (``RefResolver`` follows any local pointer).
    """
    shared = document.get("responses") or {}
    for item in document.get("paths", {}).values():
        for method, operation in list(item.items()):
            if method == "parameters":
                item[method] = [_parameter(p) for p in operation if p.get("in") != "body"]
                continue
            if not isinstance(operation, dict):
                continue
            parameters = operation.get("parameters") or []
            body = next((p for p in parameters if p.get("in") == "body"), None)
            operation["parameters"] = [_parameter(p) for p in parameters if p.get("in") != "body"]
            if body is not None:
                operation["requestBody"] = {"required": bool(body.get("required")),
                                            "content": {"application/json": {"schema": body.get("schema") or {}}}}
            operation["responses"] = {status: _response(response, shared)
                                      for status, response in (operation.get("responses") or {}).items()}
    _nullable(document.get("definitions"))


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in parameter or "schema" in parameter:
        return parameter
    converted = {key: value for key, value in parameter.items() if key not in _SCHEMA_KEYS + ("collectionFormat",)}
    converted["schema"] = {key: parameter[key] for key in _SCHEMA_KEYS if key in parameter}
    if parameter.get("type") == "array":
        collection = parameter.get("collectionFormat", "multi")
        converted["style"] = {"ssv": "spaceDelimited", "pipes": "pipeDelimited"}.get(collection, "form")
        converted["explode"] = collection == "multi"
    return converted


def _response(response: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    ref = response.get("$ref", "")
    if ref.startswith("#/responses/"):
        response = shared.get(ref[len("#/responses/"):], {})
    converted = {key: value for key, value in response.items() if key != "schema"}
    if "schema" in response:
        converted["content"] = {"application/json": {"schema": response["schema"]}}
    return converted


def _nullable(node: Any) -> None:
    if isinstance(node, dict):
        if node.pop("x-nullable", False):
            node["nullable"] = True
        for value in node.values():
            _nullable(value)
    elif isinstance(node, list):
        for value in node:
            _nullable(value)
