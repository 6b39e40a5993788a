# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: what every module shares around its logic.

Not a public API; it may change between any two releases.

A module is a ``Module``: its argument spec, its logic (a plain function of validated parameters,
check mode and the run's ``Secrets``) and the libraries it needs. The same ``Module`` runs two ways
with one outcome (``outcome``): as an Ansible module (``Module.main``, through ``AnsibleModule``)
or inside the controller (``Module.run_in_process``, called by the collection's action plugins),
where the arguments are validated with Ansible's own validator and the result is masked with
Ansible's own ``remove_values``. Vendor and input errors become a failed result with the vendor's
message, secrets the logic met are masked, and the diff is attached when asked.
"""
from __future__ import annotations

import json
import traceback
from typing import Any, Callable, Dict, Optional, Union

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import (
    REQUESTS_IMPORT_ERROR, ApiError)
from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets

#: Set on a result that returns secrets the task asked for (``return_secrets`` and the like). The action
#: plugin turns it into Ansible's ``_ansible_no_log`` (a module may not set that key itself), so such a
#: result is hidden from every output while a failure, which returns no secret, shows its message.
SECRET_RESULT = "_launchkit_no_log"

#: the other libraries a run needs, each with its import error (None when it imported)
Libraries = Dict[str, Optional[BaseException]]
Requires = Union[Libraries, Callable[[dict], Libraries], None]
Logic = Callable[[dict, bool, Secrets], dict]


class Module:
    """One module: what it accepts, what it does, what it needs.

    `requires` names the libraries the run needs besides requests (when `needs_requests`), each
    with its import error, or is a function of the parameters that returns them. `checks` are
    AnsibleModule's cross-option checks (mutually_exclusive, required_one_of, required_if, ...).
    `precheck` is the module's own check of its validated parameters that needs no call (it raises
    ValueError): it runs before the logic, and the preflight module runs it on a phase's planned
    arguments before the first write of a run.
    """

    def __init__(self, argument_spec: dict, logic: Logic, needs_requests: bool = True,
                 requires: Requires = None, precheck: Optional[Callable[[dict], None]] = None,
                 **checks: Any) -> None:
        self.argument_spec = argument_spec
        self.logic = logic
        self.precheck = precheck
        self.needs_requests = needs_requests
        self.requires = requires
        self.checks = checks

    def libraries(self, params: dict) -> Libraries:
        libraries: Libraries = {"requests": REQUESTS_IMPORT_ERROR} if self.needs_requests else {}
        libraries.update((self.requires(params) if callable(self.requires) else self.requires) or {})
        return libraries

    def main(self) -> None:
        """The module's whole ``main()``: build the AnsibleModule (check mode supported) and run."""
        from ansible.module_utils.basic import AnsibleModule

        module = AnsibleModule(argument_spec=self.argument_spec, supports_check_mode=True, **self.checks)
        run(module, self)

    def run_in_process(self, name: str, args: dict, check_mode: bool, diff: bool) -> dict:
        """The result `name` (the module's full name) returns for `args`, computed in this process.

        As AnsibleModule does: the arguments are validated against the spec (types, choices,
        required, environment fallbacks, cross-option checks), every ``no_log`` option's value and
        every secret the logic met is removed from the whole result, ``invocation`` carries the
        masked arguments, alias warnings and deprecations are returned, and the result is plain
        JSON data.
        """
        from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
        from ansible.module_utils.common.parameters import remove_values
        from ansible.module_utils.errors import UnsupportedError

        params = plain(args)
        validated = ArgumentSpecValidator(self.argument_spec, **self.checks).validate(params)
        masked = set(validated._no_log_values) - {KNOWN_AFTER_APPLY}  # the check-mode stand-in is no secret
        params.update(validated.validated_parameters)
        if validated.error_messages:
            msg = validated.errors.msg
            if isinstance(validated.errors[0], UnsupportedError):
                msg = f"Unsupported parameters for ({name}) module: {msg}"
            result: dict = {"failed": True, "msg": msg}
        else:
            result, secrets = outcome(self, params, check_mode, diff)
            masked |= secrets
            result.pop("exception", None)  # as fail_json: a traceback string is kept only when asked for
        result["invocation"] = {"module_args": params}
        result = remove_values(result, masked)
        warnings = [f"Both option {w['option']} and its alias {w['alias']} are set." for w in validated._warnings]
        warnings += result.pop("warnings", None) or []
        if warnings:
            result["warnings"] = warnings
        deprecations = [_deprecation(d) for d in validated._deprecations]
        if deprecations:
            result["deprecations"] = deprecations
        return json.loads(json.dumps(result))


def outcome(module: Module, params: dict, check_mode: bool, diff: bool) -> tuple[dict, set]:
    """What the logic returns for `params`, or the failure it ends in, and the values to mask.

    The result keeps its ``warnings`` (a list of strings); ``failed`` and ``msg`` are set on
    failure. A missing library fails before the logic runs. Secrets the logic asked to return
    (``_unmasked``) are left out of the values to mask.
    """
    for name, error in module.libraries(params).items():
        if error is not None:
            return {"failed": True, "msg": missing_required_lib(name), "exception": str(error)}, set()
    secrets = Secrets()
    try:
        if module.precheck is not None:
            module.precheck(params)
        result = module.logic(params, check_mode, secrets)
    except (ApiError, ResourceError, ValueError) as exc:
        return {"failed": True, "msg": str(exc), **_error_fields(exc)}, set(secrets.values)
    except Exception as exc:  # an unexpected fault: say what, never dump locals or headers
        return {"failed": True, "msg": f"unexpected error: {type(exc).__name__}: {exc}",
                "exception": "".join(traceback.format_exception_only(type(exc), exc))}, set(secrets.values)
    unmasked = set(result.pop("_unmasked", ()))
    masked = secrets.values - unmasked
    if unmasked:
        # The action plugin hides this result from the output (never from `register`); a failure, which
        # carries no secret, stays readable without a task-level no_log.
        result[SECRET_RESULT] = True
    found = result.pop("diff", None)
    if diff and found is not None:
        result["diff"] = found
    return result, masked


def run(module: Any, spec: Module) -> None:
    """Exit `module` (an AnsibleModule) with the outcome of `spec` for its parameters."""
    result, masked = outcome(spec, module.params, module.check_mode, module._diff)
    module.no_log_values.update(masked)
    module.no_log_values.discard(KNOWN_AFTER_APPLY)  # the check-mode stand-in is no secret
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


def plain(value: Any) -> Any:
    """`value` as the plain JSON types a module receives: str, int, float, bool, None, list, dict.

    Task arguments reach an action plugin as the controller's own types (tagged strings, tuples);
    a module would have received them through JSON.
    """
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _deprecation(found: dict) -> dict:
    deprecation = {"msg": found["msg"]}
    deprecation.update((key, found[key]) for key in ("version", "date", "collection_name") if found.get(key))
    return deprecation


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
