# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of app_env, env keys into an app's services on its platform.

Not a public API; it may change between any two releases.

The seam between the phases and the platforms: a phase says which services get which keys; the
platform (``PLATFORMS``) says how a service is found and how its env is read and written, key by
key. Every service is looked up before the first write, so a name that does not exist fails the
task with nothing written. With a rollback record asked for, the record gets a service's previous
values (exact, from the platform) before that service's first write.
"""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import (check_secret_spec, env_diff, env_string,
                                                                              generate_secret, plan_env_changes,
                                                                              refuse_clash)
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import SERVICE_ID_PREFIXES, RenderClient
from ansible_collections.launchkit.paas.plugins.module_utils.rollout import record as records


class RenderEnv:
    """Render: services by name or id in one workspace; env through the key-level endpoints."""

    def __init__(self, params: dict, secrets: Secrets) -> None:
        self.client = RenderClient.from_params(params, secrets)
        self.owner = params.get("owner")

    def find(self, refs: list[str]) -> tuple[dict[str, dict], list[str]]:
        """{ref: service} for the refs that exist, and the refs that do not. One list call for names."""
        found: dict[str, dict] = {}
        names = [ref for ref in refs if not ref.startswith(SERVICE_ID_PREFIXES)]
        if names:
            listed = self.client.services(self.client.owner_id(self.owner), names)
            for name in names:
                matches = [service for service in listed if service["name"] == name]
                if len(matches) > 1:
                    ids = ", ".join(service["id"] for service in matches)
                    raise ResourceError(f"several services are named '{name}' ({ids}): list one of them by id")
                if matches:
                    found[name] = matches[0]
        for ref in refs:
            if ref.startswith(SERVICE_ID_PREFIXES):
                found_service = self._by_id(ref)
                if found_service is not None:
                    found[ref] = found_service
        return found, [ref for ref in refs if ref not in found]

    def _by_id(self, service_id: str) -> dict | None:
        try:
            return self.client.get_service(service_id)
        except ApiError as exc:  # a 404 is "missing"; anything else is the API's failure
            if exc.status == 404:
                return None
            raise

    def digests(self, service: dict) -> tuple[dict[str, str], dict[str, str] | None]:
        """{key: digest of its value}, and the values when they were read for it (None: from the run)."""
        return self.client.env_digests(service["id"])

    def digest(self, value: str) -> str:
        return self.client.env_digest(value)

    def env(self, service: dict) -> dict[str, str]:
        return self.client.env_vars(service["id"])

    def put(self, service: dict, key: str, value: str) -> None:
        self.client.put_env_var(service["id"], key, value)

    def delete(self, service: dict, key: str) -> None:
        self.client.delete_env_var(service["id"], key)

    def commit(self, service: dict) -> str | None:
        """The commit id of the service's latest deploy (Render's deploys list, newest first), if it has one."""
        latest = self.client.deploys(service["id"], limit=1)
        return ((latest[0].get("commit") or {}).get("id") or None) if latest else None


PLATFORMS: dict[str, Callable[[dict, Secrets], Any]] = {"render": RenderEnv}


def run_app_env(params: dict, check_mode: bool, secrets: Secrets, platform: Any = None) -> dict:
    refs = list(dict.fromkeys(params["services"]))
    wanted_env = _wanted_env(params, refs)
    for env in wanted_env.values():
        secrets.add(*env.values())
    record = _record_target(params)
    platform = platform or PLATFORMS[params["platform"]](params, secrets)
    found, missing = platform.find(refs)
    warnings = []
    if missing:
        listing = ", ".join(missing)
        if not check_mode:
            raise ResourceError(f"these services listed in {params['services_name']} do not exist on {params['platform']}: "
                                f"{listing}. Create them (or fix the names) first; nothing was written")
        warnings.append(f"check mode: {listing} (in {params['services_name']}) do not exist yet; a real run fails "
                        "unless an earlier phase creates them")
    digests = {ref: platform.digests(found[ref]) for ref in refs if ref in found}
    warnings += _add_commits(params.get("commit_env_key"), params.get("commit_from"), platform, found, wanted_env)
    generated = _add_generated(params.get("generate") or [], platform, found, digests, wanted_env, secrets)
    plans, views = {}, []
    for ref in refs:
        if ref not in found:
            continue
        service, env = found[ref], wanted_env[ref]
        wanted = {key: platform.digest(value) for key, value in env.items()}
        # Digests first (the run keeps them): the values are read only when a key may change.
        service_digests, current = digests[ref]
        differs = any(service_digests.get(key) != digest for key, digest in wanted.items()) or any(
            key in service_digests and key not in env for key in params["remove"])
        if differs and current is None:
            current = platform.env(service)
        if current is None:  # nothing to change: the key names are all that is needed
            current, plan = dict.fromkeys(service_digests), {"set": {}, "delete": []}
        else:
            plan = plan_env_changes(current, env, params["remove"], purge=False)
        previous = {key: current.get(key) for key in [*plan["set"], *plan["delete"]]}
        secrets.add(*(value for value in previous.values() if value))
        plans[ref] = (service, current, plan, previous)
    changed_refs = [ref for ref, planned in plans.items() if planned[2]["set"] or planned[2]["delete"]]
    result: dict[str, Any] = {"changed": bool(changed_refs), "platform": params["platform"], "missing": missing}
    if record is not None:
        result["record"] = _keep_record(record, params, plans, changed_refs, check_mode)
        result["changed"] = result["changed"] or result["record"]["changed"]
    for ref, (service, current, plan, _previous) in plans.items():
        if not check_mode:
            for key, value in plan["set"].items():
                platform.put(service, key, value)
            for key in plan["delete"]:
                platform.delete(service, key)
        after_keys = (set(current) | set(plan["set"])) - set(plan["delete"])
        views.append({"name": service["name"], "id": service["id"], "type": service.get("type"),
                      "set_keys": sorted(plan["set"]), "removed_keys": plan["delete"],
                      "unchanged_keys": sorted(key for key in wanted_env[ref] if key not in plan["set"]),
                      "env_keys": sorted(after_keys)})
    result["services"] = views
    if params.get("generate"):
        result["generated"] = generated
    diffs = {ref: env_diff(plans[ref][1], plans[ref][2]) for ref in changed_refs}
    result["diff"] = {"before": {ref: diff["before"] for ref, diff in diffs.items()},
                      "after": {ref: diff["after"] for ref, diff in diffs.items()}}
    if warnings:
        result["warnings"] = warnings
    return result


def _wanted_env(params: dict, refs: list[str]) -> dict[str, dict[str, str]]:
    """{ref: the keys it gets from env and service_env}; every clash refused before any call."""
    env = {key: env_string(value) for key, value in (params["env"] or {}).items()}
    service_env = params.get("service_env") or {}
    strangers = [ref for ref in service_env if ref not in refs]
    if strangers:
        raise ValueError(f"service_env names services that are not in {params['services_name']}: "
                         f"{', '.join(strangers)}; list them there too")
    wanted = {ref: {**env, **{key: env_string(value) for key, value in (service_env.get(ref) or {}).items()}}
              for ref in refs}
    for ref_env in wanted.values():
        refuse_clash(ref_env, params["remove"])
    made = [entry["key"] for entry in params.get("generate") or []]
    for entry in params.get("generate") or []:
        check_secret_spec(entry["key"], entry.get("length") or 64, entry.get("format") or "hex")
        for ref in entry.get("services") or refs:
            if ref not in refs:
                raise ValueError(f"generate names {ref} for {entry['key']}, which is not in {params['services_name']}; "
                                 "list it there too")
            if entry["key"] in wanted[ref] or entry["key"] in params["remove"]:
                raise ValueError(f"{entry['key']} is both generated and given (env, service_env or remove) for {ref}; "
                                 "keep it in one")
    twice = sorted({key for key in made if made.count(key) > 1})
    if twice:
        raise ValueError(f"generate lists {', '.join(twice)} more than once; one entry per key")
    if params.get("commit_from") and params["commit_from"] not in refs:
        raise ValueError(f"commit_from names {params['commit_from']}, which is not in {params['services_name']}; "
                         "list it there too")
    commit_key = params.get("commit_env_key")
    if commit_key and (commit_key in made or any(commit_key in ref_env for ref_env in wanted.values())):
        raise ValueError(f"{commit_key} is commit_env_key and also given or generated; keep it in one")
    return wanted


def _add_commits(key: str | None, source: str | None, platform: Any, found: dict, wanted_env: dict) -> list[str]:
    """Set KEY in each service to the commit of its latest deploy (or of SOURCE's, for all); say where it is not known."""
    if not key:
        return []
    if source:
        commit = platform.commit(found[source]) if source in found else None
        commits = {ref: commit for ref in found}
    else:
        commits = {ref: platform.commit(service) for ref, service in found.items()}
    unknown = []
    for ref, commit in commits.items():
        if commit:
            wanted_env[ref][key] = commit
        else:
            unknown.append(found[ref]["name"])
    if not unknown:
        return []
    whose = f"the latest deploy of {source}" if source else "the latest deploy"
    return [f"{key} left as it is in {', '.join(unknown)}: {whose} has no commit (an image deploy, "
            "or no deploy yet), so the release being deployed is not known"]


def _add_generated(entries: list[dict], platform: Any, found: dict, digests: dict, wanted_env: dict,
                   secrets: Secrets) -> list[dict]:
    """One value per generated key in all its services: the one they hold, else a new one (never a second).
    What happened to each key (names only): kept, copied (to the services that lacked it) or generated."""
    outcome = []
    for entry in entries:
        key, refs = entry["key"], [ref for ref in (entry.get("services") or list(wanted_env)) if ref in found]
        holders = [ref for ref in refs if key in digests[ref][0]]
        held = {digests[ref][0][key] for ref in holders}
        if len(held) > 1:
            names = ", ".join(found[ref]["name"] for ref in holders)
            raise ResourceError(f"{key} has different values in {names}; it must be one value everywhere. Give the "
                                "right one as a value (from the vault) or remove the wrong ones; nothing was written")
        lacking = [found[ref]["name"] for ref in refs if ref not in holders]
        action = "kept" if not lacking else ("copied" if holders else "generated")
        outcome.append({"key": key, "action": action, "services": [found[ref]["name"] for ref in refs],
                        "written_to": lacking})
        if not lacking:
            continue  # every service has it already: kept as it is, never made again
        if holders:
            value = (digests[holders[0]][1] or platform.env(found[holders[0]]))[key]
        else:
            value = generate_secret(entry.get("length") or 64, entry.get("format") or "hex")
        secrets.add(value)
        for ref in refs:
            wanted_env[ref][key] = value
    return outcome


def _record_target(params: dict) -> str | None:
    """The record's file when a rollback record is asked for (checked before any call)."""
    if not params.get("record_phase"):
        return None
    return records.record_path(params["record_dir"], params["record_stack"], params["record_phase"])


def _keep_record(path: str, params: dict, plans: dict, changed_refs: list[str], check_mode: bool) -> dict:
    """Add the previous values of the services about to change to the record, before any of them changes."""
    before = records.read_record(path)
    results = [{"item": plans[ref][0]["name"], "changed": True, "previous": plans[ref][3]} for ref in changed_refs]
    extra = params["record_extra"] if (changed_refs or params["record_always"]) else {}
    after = records.merged(before, results, extra)
    exists = records.read_text(path) is not None
    changed = (bool(changed_refs) or params["record_always"]) and (not exists or after != before)
    if changed and not check_mode:
        records.write_text(path, records.record_text(after))
    return {"path": path, "changed": changed, "summary": records.summary(after if changed else before)}
