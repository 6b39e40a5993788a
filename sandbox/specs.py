"""Load the vendors' OpenAPI specs at run time and validate requests and responses against them.

The specs are read from ``$LAUNCHKIT_API_SPECS`` (default ``<repo>/../shared/api-specs``, else
``/work/shared/api-specs``); when a
file or the validator library is missing, validation is skipped.
"""
from __future__ import annotations

import copy
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable
from urllib.parse import unquote

from .routing import compile_template

try:  # optional: without the validator the sandbox still serves, unvalidated
    from jsonschema.exceptions import best_match
    from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
except ImportError:  # pragma: no cover - depends on the environment
    OAS30ReadValidator = OAS30WriteValidator = None  # type: ignore[assignment,misc]

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None  # type: ignore[assignment]

SPECS_ENV = "LAUNCHKIT_API_SPECS"
DISCRIMINATOR = "x-sandbox-discriminator"  # marks the enum that selects a split oneOf branch


# Where the specs live on this project's machines when the checkout is not beside them.
WORKPLACE_SPECS = Path("/work/shared/api-specs")


def specs_dir() -> Path:
    configured = os.environ.get(SPECS_ENV)
    if configured:
        return Path(configured)
    beside = Path(__file__).resolve().parent.parent.parent / "shared" / "api-specs"
    return beside if beside.is_dir() or not WORKPLACE_SPECS.is_dir() else WORKPLACE_SPECS


def validation_available() -> bool:
    return OAS30ReadValidator is not None


def load_document(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yml", ".yaml"):
        return yaml.safe_load(text) if yaml is not None else None
    return json.loads(text)


class RefResolver:
    """Inline local ``$ref``s (``#/...`` JSON pointers, also into ``properties`` or ``paths``).

    A reference met again while it is being expanded (a recursive schema) is cut to ``{}``, which
    accepts anything at that depth. Sibling keys of ``$ref`` are ignored, as OAS 3.0 says.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        self._cache: dict[str, Any] = {}

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self._document
        for token in ref[2:].split("/"):
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def resolve(self, node: Any, stack: tuple[str, ...] = ()) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return self._resolve_ref(ref, stack)
            return {key: self.resolve(value, stack) for key, value in node.items()}
        if isinstance(node, list):
            return [self.resolve(item, stack) for item in node]
        return node

    def _resolve_ref(self, ref: str, stack: tuple[str, ...]) -> Any:
        if ref in stack:
            return {}
        if ref not in self._cache:
            self._cache[ref] = self.resolve(self.pointer(ref), (*stack, ref))
        return self._cache[ref]


@dataclass(frozen=True)
class ResponseExpectation:
    declared: bool
    schema: dict[str, Any] | None


def _json_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    media = (content or {}).get("application/json") or {}
    return media.get("schema")


def error_path(error: Any) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True)
class Problem:
    """Why an instance failed validation: the dotted ``field`` at fault ("" for the whole body)."""

    field: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


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


class Spec:
    """One vendor spec, resolved lazily per operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._resolver = RefResolver(document)
        self._templates = [(compile_template(path), path) for path in document.get("paths", {})]

    def match_template(self, path: str) -> str | None:
        for pattern, template in self._templates:
            if pattern.match(path):
                return template
        return None

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        item = self.document.get("paths", {}).get(template) or {}
        operation = item.get(method.lower())
        return self._resolver.resolve(operation) if operation else None

    def request_schema(self, method: str, template: str) -> tuple[bool, dict[str, Any] | None]:
        operation = self.operation(method, template) or {}
        body = operation.get("requestBody")
        if not body:
            return False, None
        return bool(body.get("required")), _json_schema(body.get("content"))

    def response_expectation(self, method: str, template: str, status: int) -> ResponseExpectation:
        responses = (self.operation(method, template) or {}).get("responses") or {}
        declared = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if declared is None:
            return ResponseExpectation(False, None)
        return ResponseExpectation(True, _json_schema(declared.get("content")))


def check_detail(schema: dict[str, Any], instance: Any, *, writing: bool) -> Problem | None:
    """None when ``instance`` is valid, else the offending field and the message."""
    if OAS30ReadValidator is None:
        return None
    validator_class = OAS30WriteValidator if writing else OAS30ReadValidator
    error = best_match(validator_class(schema).iter_errors(instance))
    return problem_of(_deepest(error)) if error is not None else None


def check_instance(schema: dict[str, Any], instance: Any, *, writing: bool) -> str | None:
    """None when ``instance`` is valid, else a message naming the offending field."""
    problem = check_detail(schema, instance, writing=writing)
    return problem.text if problem is not None else None


def _deepest(error: Any) -> Any:
    """For anyOf/oneOf failures, report the deepest error of a branch the discriminator selected."""
    while error.context:
        error = max(_selected_branches(error.context), key=lambda sub: len(sub.absolute_path))
    return error


def _selected_branches(errors: list[Any]) -> list[Any]:
    branches: dict[Any, list[Any]] = {}
    for sub in errors:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    chosen = [sub for group in branches.values() if not any(map(_is_discriminator_miss, group)) for sub in group]
    return chosen or list(errors)


def _is_discriminator_miss(error: Any) -> bool:
    return error.validator == "enum" and isinstance(error.schema, dict) and bool(error.schema.get(DISCRIMINATOR))


def split_one_of_by_sibling(
    schema: dict[str, Any], prop: str, sibling: str, value_for: Callable[[dict[str, Any]], str | None]
) -> None:
    """Replace ``properties[prop].oneOf`` by branches chosen by the value of ``sibling``.

    Used where a spec's oneOf cannot tell its alternatives apart (Render ``serviceDetails``, event
    ``details``): the alternative is picked by ``type`` instead, ``value_for(alternative)`` naming
    the sibling value it belongs to. Mutates the raw (unresolved) schema in place, so references
    to the schema stay valid; references *into* the alternatives must be inlined first
    (``inline_refs``).
    """
    alternatives = schema.get("properties", {}).get(prop, {}).get("oneOf")
    if not alternatives:
        return
    branches = []
    for alternative in alternatives:
        value = value_for(alternative)
        if value is not None:
            branches.append({"properties": {sibling: {"enum": [value], DISCRIMINATOR: True}, prop: alternative}})
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


def merge_documents(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One document from several: each file's references inlined, the first file with a path wins.

    Used for vendors whose spec comes in one file per area (SendGrid) or whose older spec still
    describes endpoints the current one dropped (Sentry issue alert rules)."""
    paths: dict[str, Any] = {}
    for document in documents:
        resolver = RefResolver(document)
        for template, item in document.get("paths", {}).items():
            if template not in paths:
                paths[template] = resolver.resolve(item)
    return {"openapi": documents[0].get("openapi"), "info": documents[0].get("info", {}), "paths": paths}


def strip_path_prefix(document: dict[str, Any], prefix: str) -> None:
    """Drop ``prefix`` (e.g. ``/v3``) from every path, so paths match the vendor's route templates."""
    document["paths"] = {
        (template[len(prefix):] or "/") if template.startswith(prefix + "/") else template: item
        for template, item in document.get("paths", {}).items()
    }


def keep_paths(document: dict[str, Any], wanted: set[str]) -> None:
    """Forget every path not in ``wanted`` (keeps a large spec small in memory)."""
    document["paths"] = {template: item for template, item in document.get("paths", {}).items() if template in wanted}


def declare_error_bodies(document: dict[str, Any], schema: dict[str, Any]) -> None:
    """Give every 4xx/5xx response the spec declares without a body the vendor's error ``schema``."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for status, response in (operation.get("responses") or {}).items() if isinstance(operation, dict) else ():
                if status[0] in "45" and isinstance(response, dict) and not response.get("content"):
                    response["content"] = {"application/json": {"schema": schema}}


def relax_one_of(schema: dict[str, Any]) -> None:
    """Turn an ambiguous ``oneOf`` (alternatives that overlap) into ``anyOf``."""
    if "oneOf" in schema:
        schema["anyOf"] = schema.pop("oneOf")


class SpecRegistry:
    """Loads each vendor's spec once, on first use, applying the vendor's adaptations."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or specs_dir()
        self._specs: dict[str, Spec | None] = {}
        self._lock = threading.Lock()

    def get(self, vendor: str, relative: str | tuple[str, ...] | None,
            adapt: Callable[[dict[str, Any]], None]) -> Spec | None:
        if relative is None or not validation_available():
            return None
        with self._lock:
            if vendor not in self._specs:
                self._specs[vendor] = self._load(relative, adapt)
            return self._specs[vendor]

    def _load(self, relative: str | tuple[str, ...], adapt: Callable[[dict[str, Any]], None]) -> Spec | None:
        names = (relative,) if isinstance(relative, str) else relative
        documents = [self._read(self.directory / name) for name in names]
        if any(document is None for document in documents):
            return None
        found = [document for document in documents if document is not None]
        document = copy.deepcopy(found[0]) if len(found) == 1 else merge_documents(found)
        adapt(document)
        return Spec(document)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            document = load_document(path)
        except (OSError, ValueError) as exc:
            print(f"sandbox: cannot read spec {path}: {exc}", file=sys.stderr)
            return None
        if document is None:
            print(f"sandbox: spec {path} not found: validation skipped", file=sys.stderr)
        return document
