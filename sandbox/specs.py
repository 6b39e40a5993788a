"""Load the vendors' OpenAPI specs at run time and validate requests and responses against them.

The specs are read from ``$LAUNCHKIT_API_SPECS``, else ``<repo>/../shared/api-specs``. When a file
or the validator library is missing, a vendor's spec is None: ``SpecRegistry.status`` says so and
why (the server reports it at start and on ``/_sandbox/health``; the test suites refuse to run).
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

try:  # without the validator the sandbox still serves, and reports validation as off
    import openapi_schema_validator
except ImportError:  # pragma: no cover - depends on the environment
    openapi_schema_validator = None  # type: ignore[assignment]

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None  # type: ignore[assignment]

SPECS_ENV = "LAUNCHKIT_API_SPECS"
REPOSITORY = Path(__file__).resolve().parent.parent


def specs_dir() -> Path:
    """``$LAUNCHKIT_API_SPECS`` when set, else ``../shared/api-specs`` beside the repository."""
    configured = os.environ.get(SPECS_ENV)
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "api-specs"


def validation_available() -> bool:
    return openapi_schema_validator is not None


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


class Spec:
    """One vendor spec, resolved lazily per operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._resolver = RefResolver(document)
        # literal templates before templated ones, as the sandbox's router orders its routes
        self._templates = sorted(((compile_template(path), path) for path in document.get("paths", {})),
                                 key=lambda pair: pair[1].count("{"))

    def find(self, method: str, path: str) -> str | None:
        """The template of the operation ``method path`` (a path relative to the vendor's base URL)."""
        for pattern, template in self._templates:
            if pattern.match(path) and self._raw_operation(method, template):
                return template
        return None

    def has_path(self, path: str) -> bool:
        return any(pattern.match(path) for pattern, _template in self._templates)

    def _raw_operation(self, method: str, template: str) -> dict[str, Any] | None:
        operation = (self.document.get("paths", {}).get(template) or {}).get(method.lower())
        return operation if isinstance(operation, dict) else None

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        operation = self._raw_operation(method, template)
        return self._resolver.resolve(operation) if operation else None

    def query_parameters(self, method: str, template: str) -> dict[str, dict[str, Any]]:
        """The operation's query parameters by name (path-level ones included, the operation's win)."""
        item = self.document.get("paths", {}).get(template) or {}
        declared = [*(item.get("parameters") or []), *((self._raw_operation(method, template) or {}).get("parameters") or [])]
        resolved = (self._resolver.resolve(parameter) for parameter in declared)
        return {parameter["name"]: parameter for parameter in resolved if parameter.get("in") == "query"}

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


class SpecRegistry:
    """Loads each vendor's spec once, on first use, applying the vendor's adaptations; remembers why a
    spec could not be loaded (``reason``)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or specs_dir()
        self._specs: dict[str, Spec | None] = {}
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, vendor: str, relative: str | tuple[str, ...] | None,
            adapt: Callable[[dict[str, Any]], None]) -> Spec | None:
        if relative is None:
            return None
        with self._lock:
            if vendor not in self._specs:
                self._specs[vendor] = self._load(vendor, relative, adapt)
            return self._specs[vendor]

    def reason(self, vendor: str) -> str:
        """Why ``vendor`` has no spec ("" when it has one or was not asked for)."""
        return self._reasons.get(vendor, "")

    def _load(self, vendor: str, relative: str | tuple[str, ...],
              adapt: Callable[[dict[str, Any]], None]) -> Spec | None:
        if not validation_available():
            self._reasons[vendor] = "openapi-schema-validator is not installed"
            return None
        names = (relative,) if isinstance(relative, str) else relative
        documents = [self._read(vendor, self.directory / name) for name in names]
        found = [document for document in documents if document is not None]
        if len(found) < len(documents):
            return None
        document = copy.deepcopy(found[0]) if len(found) == 1 else merge_documents(found)
        adapt(document)
        return Spec(document)

    def _read(self, vendor: str, path: Path) -> dict[str, Any] | None:
        try:
            document = load_document(path)
        except (OSError, ValueError) as exc:
            document, problem = None, f"cannot read spec {path}: {exc}"
        else:
            problem = f"spec {path} not found (set {SPECS_ENV})"
            if document is None and path.is_file():
                problem = f"cannot read spec {path}: PyYAML is not installed"
        if document is None:
            self._reasons[vendor] = problem
            print(f"sandbox: {problem}", file=sys.stderr)
        return document
