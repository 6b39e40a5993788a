"""Ask a running sandbox whether it validates against the vendors' specs.

``python -m sandbox.guard http://127.0.0.1:8765`` prints one line and exits 0 when validation is on,
1 when it is off or the sandbox cannot say. The test suites call ``validation_problem`` first and
refuse to run when it returns a reason.
"""
from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any


def spec_validation(base_url: str) -> dict[str, Any]:
    """The ``spec_validation`` block of the sandbox's ``/_sandbox/health`` (``enabled``, ``reason``,
    ``directory``, ``vendors``); OSError when the sandbox does not answer."""
    url = base_url.rstrip("/") + "/_sandbox/health"
    with urllib.request.urlopen(url, timeout=10) as response:
        health = json.loads(response.read() or b"{}")
    return health.get("spec_validation") or {"enabled": False, "reason": "the sandbox does not report it"}


def validation_problem(base_url: str) -> str | None:
    """None when the sandbox at ``base_url`` checks every exchange against the specs, else why not."""
    try:
        validation = spec_validation(base_url)
    except (OSError, ValueError) as exc:
        return f"cannot ask the sandbox at {base_url} whether spec validation is on: {exc}"
    if validation.get("enabled"):
        return None
    return (f"spec validation is OFF in the sandbox at {base_url}: {validation.get('reason')}. "
            "Point LAUNCHKIT_API_SPECS at the vendor specs (default ../shared/api-specs) and restart it")


def main(argv: list[str]) -> int:
    base_url = argv[0] if argv else "http://127.0.0.1:8765"
    problem = validation_problem(base_url)
    if problem:
        print(f"WARNING: {problem}")
        return 1
    print(f"spec validation is ON (specs from {spec_validation(base_url).get('directory')})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
