"""Check one request against a vendor's spec exactly as the running sandbox does, without a server.

For client unit tests::

    from sandbox.conformance import request_problems
    assert request_problems("render", "GET", "/services", "name=a%2Cb&limit=100", None) == []

The vendor's spec file and its ``adapt_spec`` adaptations are loaded as the sandbox loads them, and
the request goes through the same ``spec_check.check_request``. One difference: the sandbox adds
what it knows from its state before validating (a PATCHed Render service's ``type`` and
``runtime``); here there is no state, so a PATCH ``serviceDetails`` may match any service type, and
``envSpecificDetails`` without a ``runtime`` may match either form.

The specs are found as the sandbox finds them (``LAUNCHKIT_API_SPECS``, else ``../shared/api-specs``);
when a spec cannot be loaded, ``SpecsUnavailable`` is raised: a check is never skipped silently.
"""
from __future__ import annotations

import functools
import importlib
from typing import Any

from . import VENDOR_MODULES
from .spec_check import check_request
from .specs import Spec, SpecRegistry
from .vendor import VENDOR_REGISTRY, VendorAPI

VENDORS = ("render", "sentry", "sendgrid", "upstash", "fly", "grafana")


class SpecsUnavailable(RuntimeError):
    """A vendor's spec could not be loaded, so no request to it can be checked."""


def request_problems(vendor: str, method: str, path: str, query: str, body: Any) -> list[str]:
    """[] when ``vendor``'s spec accepts the request, else one message per problem.

    ``path`` is relative to the vendor's base URL (``/services/srv-1/env-vars/KEY``); ``query`` is
    the raw query string as sent (``name=a%2Cb&limit=100``, "" when none); ``body`` is the decoded
    JSON body, None when there is none."""
    spec = vendor_spec(vendor)
    template = spec.find(method, path)
    if template is None:
        known = "the path exists, not with this method" if spec.has_path(path) else "no such path"
        return [f"{method.upper()} {path}: not an operation of the {vendor} spec ({known})"]
    checked = check_request(spec, method.upper(), template, query, body)
    return [problem.describe() for problem in checked.problems]


def vendor_spec(vendor: str) -> Spec:
    """``vendor``'s spec as the sandbox uses it (loaded once per process)."""
    vendor_class = _vendor_class(vendor)
    spec = _registry().get(vendor, vendor_class.spec_file, vendor_class.adapt_spec)
    if spec is None:
        raise SpecsUnavailable(f"{vendor}: {_registry().reason(vendor) or 'no spec file declared'}")
    return spec


def _vendor_class(vendor: str) -> type[VendorAPI]:
    if vendor not in VENDORS:
        raise ValueError(f"unknown vendor {vendor!r}; one of {list(VENDORS)}")
    for module in VENDOR_MODULES:
        importlib.import_module(module)
    return next(cls for cls in VENDOR_REGISTRY if cls.name == vendor)


@functools.cache
def _registry() -> SpecRegistry:
    return SpecRegistry()
