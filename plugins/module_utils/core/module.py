# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: what every module shares around AnsibleModule.

Not a public API; it may change between any two releases.

``run`` turns a module's logic (a plain function over validated parameters) into an Ansible
result: vendor and input errors become ``fail_json`` with the vendor's message, secrets the logic
met are registered with Ansible's no_log masking, and the diff is attached when asked.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable, Dict, Optional, Union

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    REQUESTS_IMPORT_ERROR, ApiError)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets


#: the other libraries a run needs, each with its import error (None when it imported)
Libraries = Dict[str, Optional[BaseException]]
Requires = Union[Libraries, Callable[[dict], Libraries], None]


def run(module: Any, logic: Callable[[dict, bool, Secrets], dict], needs_requests: bool = True,
        requires: Requires = None) -> None:
    """Run `logic(params, check_mode, secrets)` and exit the module with its result.

    `requires` names the other libraries the run needs, each with its import error (None when it
    imported), or is a function of the parameters that returns them; a missing one fails the module
    before `logic` runs, as a missing requests does.
    """
    libraries: Libraries = {"requests": REQUESTS_IMPORT_ERROR} if needs_requests else {}
    libraries.update((requires(module.params) if callable(requires) else requires) or {})
    for name, error in libraries.items():
        if error is not None:
            module.fail_json(msg=missing_required_lib(name), exception=str(error))
    secrets = Secrets()
    try:
        result = logic(module.params, module.check_mode, secrets)
    except (ApiError, ResourceError, ValueError) as exc:
        _mask(module, secrets)
        module.fail_json(msg=str(exc), **_error_fields(exc))
    except Exception as exc:  # an unexpected fault: say what, never dump locals or headers
        _mask(module, secrets)
        module.fail_json(msg=f"unexpected error: {type(exc).__name__}: {exc}",
                         exception="".join(traceback.format_exception_only(type(exc), exc)))
    _mask(module, secrets, keep=result.pop("_unmasked", ()))
    for warning in result.pop("warnings", []):
        module.warn(warning)
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    module.exit_json(**result)


def _mask(module: Any, secrets: Secrets, keep: tuple = ()) -> None:
    for value in secrets.values - set(keep):
        module.no_log_values.add(value)


def _error_fields(exc: Exception) -> dict:
    if isinstance(exc, ApiError):
        return {"status": exc.status, "request_id": exc.request_id, "error_code": exc.code}
    return dict(getattr(exc, "details", {}))


def base_options(url_env: str, default_url: str, token_env: str | None) -> dict:
    """The connection options every vendor module takes (documented in the vendor's doc fragment)."""
    from ansible.module_utils.basic import env_fallback

    options: dict[str, dict] = {
        "api_url": {"type": "str", "default": default_url, "fallback": (env_fallback, [url_env])},
        "timeout": {"type": "float", "default": 30.0},
        "validate_certs": {"type": "bool", "default": True},
    }
    if token_env:
        options["api_key"] = {"type": "str", "required": True, "no_log": True,
                              "fallback": (env_fallback, [token_env])}
    return options


def run_module(argument_spec: dict, logic: Callable[[dict, bool, Secrets], dict], needs_requests: bool = True,
               requires: Requires = None, **module_kwargs: Any) -> None:
    """A module's whole ``main()``: build the AnsibleModule (check mode supported) and ``run`` the logic."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **module_kwargs)
    run(module, logic, needs_requests=needs_requests, requires=requires)
