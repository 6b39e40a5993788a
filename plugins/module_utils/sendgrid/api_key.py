# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: a SendGrid API key as a resource, and the sendgrid_api_key logic.

Not a public API; it may change between any two releases.

An API key's secret is in the answer to its creation and nowhere else, and a key created without
``scopes`` has full access; key names are not unique. So a create whose answer is lost is never
"found" afterwards: the key it may have made has no secret anyone can read, and nothing can be using
it yet, so it is deleted and the key created again (``ApiKey.create``).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import (
    DuplicateResource, Outcome, Resource, ResourceError, ensure)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import WriteOutcomeUnknown
from ansible_collections.launchkit.paas.plugins.module_utils.core.wait import Clock
from ansible_collections.launchkit.paas.plugins.module_utils.sendgrid.client import SendGridClient

#: what an app needs to send mail; the default scopes of a new key
MAIL_SEND_SCOPES = ("mail.send",)
# Scopes SendGrid reports on keys on its own (the spec's example key carries them next to mail.send);
# they are ignored when comparing, unless the task lists them.
IMPLICIT_SCOPES = frozenset({"2fa_exempt", "2fa_required", "sender_verification_eligible",
                             "sender_verification_legacy"})
NO_SECRET_MESSAGE = ("SendGrid returns an API key's secret only once, in the answer to its creation; this key "
                     "already existed, so its secret cannot be returned. Use the value stored when it was "
                     "created, or set rotate=true to replace the key and receive a new secret.")
FULL_ACCESS_WARNING = ("full_access: this key can do everything the account can, including creating more keys; "
                       "prefer the scopes the app needs (mail.send to send mail). SendGrid reports a full-access "
                       "key as its list of scopes, so an existing key's scopes are left as they are.")
OPTIONS: dict[str, dict] = {
    "name": {"type": "str"},
    "api_key_id": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "scopes": {"type": "list", "elements": "str"},
    "full_access": {"type": "bool", "default": False},
    "rotate": {"type": "bool", "default": False},
    "keep_previous": {"type": "bool", "default": False},
}
REQUIRED_ONE_OF = [("name", "api_key_id")]
CREATE_ATTEMPTS = 3


class ApiKey(Resource):
    kind = "SendGrid API key"
    # SendGrid's keys carry no created time: twins made by two runs at once are taken in the list's order.
    id_field = "api_key_id"

    def __init__(self, client: SendGridClient, params: dict, clock: Clock | None = None) -> None:
        self.client = client
        self.params = params
        self.looked_up: tuple[dict | None] | None = None
        self.clock = clock or Clock()
        self.warnings: list[str] = []

    def find(self) -> dict | None:
        if self.looked_up is not None:  # the lookup run_api_key made first, used once
            found, self.looked_up = self.looked_up[0], None
            return found
        key_id, name = self.params.get("api_key_id"), self.params.get("name")
        if key_id:
            return self.client.api_key(key_id)
        matches = [key for key in self.client.api_keys() if key.get("name") == name]
        if len(matches) > 1:
            ids = ", ".join(str(key.get("api_key_id")) for key in matches)
            raise DuplicateResource(f"{len(matches)} SendGrid API keys are named '{name}' ({ids}); SendGrid does "
                                    f"not keep names unique: set api_key_id to say which one is meant",
                                    api_key_ids=[key.get("api_key_id") for key in matches])
        if not matches:
            return None
        # The list has no scopes; the single key has.
        return self.client.api_key(matches[0]["api_key_id"])

    def wanted_scopes(self) -> list[str] | None:
        if self.params["full_access"]:
            return None
        return sorted(set(self.params["scopes"] or MAIL_SEND_SCOPES))

    def desired(self) -> dict:
        return {"name": self.params.get("name"), "scopes": self.wanted_scopes()}

    def current(self, resource: dict) -> dict:
        wanted = set(self.wanted_scopes() or ())
        scopes = {s for s in resource.get("scopes") or [] if s not in IMPLICIT_SCOPES or s in wanted}
        return {"name": resource.get("name"), "scopes": sorted(scopes)}

    def create(self) -> dict:
        """A new key with its secret. A create whose answer was lost is undone and made again.

        The keys of this name that exist before the create are noted first; after a lost answer,
        any other key of this name is the one the create made (its secret lost with the answer), and
        is deleted before the next attempt. It never raises WriteOutcomeUnknown, so the engine never
        adopts such a key without its secret.
        """
        name = self.params["name"]
        before = self._ids_named()
        for attempt in range(CREATE_ATTEMPTS):
            try:
                # Omitting scopes is how SendGrid makes a full-access key.
                return self.client.create_api_key(name, self.wanted_scopes())
            except WriteOutcomeUnknown:
                self.clock.sleep(1.0 + attempt)
                made = sorted(self._ids_named() - before)
                for key_id in made:
                    self.client.delete_api_key(key_id)
                if made:
                    self.warnings.append(
                        f"the answer to creating SendGrid API key '{name}' was lost, and its secret with it: the key "
                        f"it made ({', '.join(made)}) was deleted, as nothing could use it yet, and created again")
        raise ResourceError(f"creating SendGrid API key '{name}' got no answer {CREATE_ATTEMPTS} times; any key "
                            "those attempts made was deleted again; run again")

    def _ids_named(self) -> set[str]:
        return {str(key.get("api_key_id")) for key in self.namesakes()}

    def namesakes(self) -> list[dict]:
        return [key for key in self.client.api_keys() if key.get("name") == self.params["name"]]

    def adopt(self, kept: dict, made: dict) -> dict:
        """The other run's key, without a secret: that run has it and writes it into the app's env."""
        del made
        return {key: value for key, value in kept.items() if key != "api_key"}

    def update(self, resource: dict, changes: dict) -> dict:
        # One write for either change: the PUT takes name and scopes together.
        name = changes.get("name") or resource.get("name")
        scopes = changes.get("scopes") or list(resource.get("scopes") or [])
        updated = self.client.update_api_key(resource["api_key_id"], name, scopes)
        return {**resource, "name": name, "scopes": scopes, **updated}

    def delete(self, resource: dict) -> None:
        self.client.delete_api_key(resource["api_key_id"])


def validate_api_key(params: dict) -> None:
    if params["state"] == "present" and not params.get("name"):
        raise ValueError("name is required to create or manage a SendGrid API key (api_key_id alone only finds "
                         "or deletes one)")
    if params["keep_previous"] and not params["rotate"]:
        raise ValueError("keep_previous only applies with rotate=true")
    if params["full_access"] and params.get("scopes"):
        raise ValueError("full_access and scopes exclude each other: a full-access key is created without scopes")
    if params.get("scopes") is not None and not params["full_access"] and not params["scopes"]:
        raise ValueError("scopes must list at least one scope (omit it for mail.send)")


def rotate_key(resource: ApiKey, old: dict, check_mode: bool, keep_previous: bool = False) -> Outcome:
    """A new key with the same name and the wanted scopes, then the old one deleted (in this order), unless
    ``keep_previous``: then the old key stays, for the caller to delete once the new one is proven in use."""
    current = resource.current(old)
    wanted = resource.wanted_scopes()
    outcome = Outcome(True, None, action="rotate",
                      before={"api_key_id": old.get("api_key_id"), **current},
                      after={"api_key_id": "<new key>", "name": current["name"],
                             "scopes": wanted if wanted is not None else "<full access>"})
    if check_mode:
        return outcome
    # The create undoes and repeats a create whose answer was lost; it never takes the old key for the new one.
    outcome.resource = resource.create()
    if not keep_previous:
        resource.delete(old)
    return outcome


def api_key_view(key: dict, client: SendGridClient, secrets: Secrets) -> dict:
    secret = key.get("api_key")
    secrets.add(secret)
    scopes = key.get("scopes")
    if scopes is None and key.get("api_key_id"):
        scopes = (client.api_key(key["api_key_id"]) or {}).get("scopes")
    return {"id": key.get("api_key_id"), "name": key.get("name"), "scopes": sorted(scopes or []),
            "secret": secret or None, "secret_available": bool(secret)}


def ensure_key(resource: ApiKey, params: dict, check_mode: bool) -> Outcome:
    """Rotate when asked (and the key exists), else the engine's ensure; a key named by id must exist."""
    if params["state"] == "present" and (params["rotate"] or params.get("api_key_id")):
        found = resource.find()
        if found is None and params.get("api_key_id"):
            raise ResourceError(f"no SendGrid API key has the id {params['api_key_id']}; remove api_key_id to "
                                f"create one named '{params['name']}'")
        if found is not None and params["rotate"]:
            return rotate_key(resource, found, check_mode, params["keep_previous"])
        resource.looked_up = (found,)
    return ensure(resource, params["state"], check_mode)


def run_api_key(params: dict, check_mode: bool, secrets: Secrets, client: SendGridClient | None = None,
                clock: Clock | None = None) -> dict:
    validate_api_key(params)
    client = client or SendGridClient.from_params(params, secrets)
    warnings = [FULL_ACCESS_WARNING] if params["full_access"] and params["state"] == "present" else []
    resource = ApiKey(client, params, clock)
    outcome = ensure_key(resource, params, check_mode)
    result: dict[str, Any] = {"changed": outcome.changed, "diff": outcome.diff(), "action": outcome.action,
                              "warnings": warnings + outcome.warnings + resource.warnings, "api_key": None,
                              "previous_api_key_id": None}
    if outcome.action == "rotate" and params["keep_previous"]:
        result["previous_api_key_id"] = outcome.before["api_key_id"]
    if outcome.resource is not None:
        result["api_key"] = api_key_view(outcome.resource, client, secrets)
        if result["api_key"]["secret"]:
            # The task asked for this secret: the role writes it straight into the app's env (task no_log).
            result["_unmasked"] = (result["api_key"]["secret"],)
        else:
            result["msg"] = NO_SECRET_MESSAGE
    elif check_mode and outcome.action in ("create", "rotate"):
        result["msg"] = "check mode: the key would be created; its secret is returned by the real run only."
    return result
