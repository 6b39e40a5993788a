# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of app_env, env keys into an app's services on its platform.

Not a public API; it may change between any two releases.

The seam between the phases and the platforms: a phase says which services get which keys; the
platform (``PLATFORMS``) says how a service is found and how its env is read and written, key by
key, and (the read side, for app_info and validation) what a service is (``describe``: id, name,
type, url, suspended) and what it runs (``deploys``: its live deploy and its latest one). A new
platform is one class with these methods, added to ``PLATFORMS``. Every service is looked up before the first write, so a name that does not exist fails the
task with nothing written. With a rollback record asked for, the record gets a service's previous
values (exact, from the platform) before that service's first write. ``copy`` sets a key to the value
a service holds under another key (after ``env``), so a secret shown once (SendGrid's key) can feed a
second name without passing through the play again; ``copy_from`` copies keys from another service
(Render's "Add from Service"), overwriting only in the services the rollout owns.
"""
from __future__ import annotations

from typing import Any, Callable

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.transport import ApiError
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import (
    KNOWN_AFTER_APPLY, add_planned_env, is_unknown, over_plan, planned_env, refuse_unknown)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.env import (
    check_secret_spec, env_diff, env_string, generate_secret, plan_env_changes, refuse_clash, refuse_copy_clash)
from ansible_collections.launchkit.paas.plugins.module_utils.platform.fly_env import FlyEnv, not_shown
from ansible_collections.launchkit.paas.plugins.module_utils.platform.vercel_env import VercelEnv
from ansible_collections.launchkit.paas.plugins.module_utils.render.client import SERVICE_ID_PREFIXES, RenderClient, service_view
from ansible_collections.launchkit.paas.plugins.module_utils.render.deploy import LIVE, deploy_view
from ansible_collections.launchkit.paas.plugins.module_utils.rollout import record as records


class RenderEnv:
    """Render: services by name or id in one workspace; env through the key-level endpoints."""

    planned_in: Any = None  # the run's cache, whose plan a check-mode task reads and adds to

    def __init__(self, params: dict, secrets: Secrets, check_mode: bool = False) -> None:
        if not params.get("api_key"):
            raise ValueError("platform render needs api_key (RENDER_API_KEY, or the inventory variable "
                             "launchkit_render_api_key)")
        self.client = RenderClient.from_params(params, secrets)
        self.owner = params.get("owner")
        # Only a check-mode task reads the run's plan (a real task of the same run reads the vendor alone).
        self.planned_in = self.client.http.cache if check_mode else None

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

    def names(self) -> list[str]:
        """The names of every service of the workspace (the run's one list read)."""
        return [service["name"] for service in self.client.services(self.client.owner_id(self.owner))]

    def _by_id(self, service_id: str) -> dict | None:
        try:
            return self.client.get_service(service_id)
        except ApiError as exc:  # a 404 is "missing"; anything else is the API's failure
            if exc.status == 404:
                return None
            raise

    def digests(self, service: dict) -> tuple[dict[str, str], dict[str, str] | None]:
        """{key: digest of its value}, and the values when they were read for it (None: from the run);
        in check mode, as the run's earlier tasks planned them (a planned value reads as unknown)."""
        digests, values = self.client.env_digests(service["id"])
        planned = planned_env(self.planned_in, service["id"])
        return (over_plan(digests, planned),
                over_plan(values, planned, KNOWN_AFTER_APPLY) if values is not None else None)

    def digest(self, value: str, service: dict | None = None) -> str:
        del service  # one digest for the whole workspace
        return self.client.env_digest(value)

    def env(self, service: dict) -> dict[str, str]:
        return over_plan(self.client.env_vars(service["id"]), planned_env(self.planned_in, service["id"]),
                         KNOWN_AFTER_APPLY)

    def plan(self, service: dict, digests: dict[str, str], deleted: list[str]) -> None:
        """Check mode: keep what this task would write, so that the run's later tasks read it."""
        add_planned_env(self.planned_in, service["id"], digests, deleted)

    def write(self, service: dict, values: dict[str, str], deleted: list[str]) -> dict[str, Any]:
        """Key by key: Render's env endpoints set or delete one key each (a whole-set PUT would drop the
        keys this run does not manage)."""
        for key, value in values.items():
            self.client.put_env_var(service["id"], key, value)
        for key in deleted:
            self.client.delete_env_var(service["id"], key)
        return {}

    # -- the read side
    def commit(self, service: dict) -> str | None:
        """The commit id of the service's latest deploy (Render's deploys list, newest first), if it has one."""
        latest = self.client.deploys(service["id"], limit=1)
        return ((latest[0].get("commit") or {}).get("id") or None) if latest else None

    def describe(self, service: dict) -> dict[str, Any]:
        """What every platform says of a service: id, name, type, url (None without one), suspended."""
        view = service_view(service)
        return {name: view[name] for name in ("id", "name", "type", "url", "suspended")}

    def deploys(self, service: dict) -> dict[str, dict | None]:
        """The live (running) deploy and the latest one, from one page of the newest deploys."""
        history = self.client.deploys(service["id"])
        live = next((deploy for deploy in history if deploy.get("status") == LIVE), None)
        return {"live": _deploy(live), "latest": _deploy(history[0] if history else None)}


def _deploy(deploy: dict | None) -> dict | None:
    """A Render deploy in the platform-neutral shape app_info returns."""
    if deploy is None:
        return None
    view = deploy_view("", deploy)
    return {name: view[name] for name in ("id", "status", "commit", "commit_message", "created_at", "finished_at")}


PLATFORMS: dict[str, Callable[[dict, Secrets, bool], Any]] = {"render": RenderEnv, "fly": FlyEnv, "vercel": VercelEnv}


def run_app_env(params: dict, check_mode: bool, secrets: Secrets, platform: Any = None) -> dict:
    refs = list(dict.fromkeys(params["services"]))
    copy = dict(params.get("copy") or {})
    wanted_env = _wanted_env(params, refs)
    for env in wanted_env.values():
        refuse_copy_clash(env, params["remove"], copy)
        secrets.add(*env.values())
        if not check_mode:
            for key, value in env.items():
                refuse_unknown(key, value)
    record = _record_target(params, secrets)
    # A platform whose values are write-only (readable = False, as Fly.io secrets are) cannot copy them.
    if not getattr(PLATFORMS[params["platform"]], "readable", True) and (params.get("copy_from") or copy):
        raise ValueError(f"copy_from and copy read values, which {params['platform']} never shows: give the values "
                         "(from the vault) in env instead; nothing was written")
    platform = platform or PLATFORMS[params["platform"]](params, secrets, check_mode)
    source_ref = params.get("copy_from")
    found, missing = platform.find(refs + ([source_ref] if source_ref and source_ref not in refs else []))
    if source_ref and source_ref not in found:
        raise ResourceError(f"copy_from: the service '{source_ref}' does not exist on {params['platform']}; "
                            "nothing was written")
    missing = [ref for ref in missing if ref != source_ref]
    warnings = []
    if missing:
        listing = ", ".join(missing)
        if not check_mode:
            raise ResourceError(f"these services listed in {params['services_name']} do not exist on {params['platform']}: "
                                f"{listing}. Create them (or fix the names) first; nothing was written")
        warnings.append(f"check mode: {listing} (in {params['services_name']}) do not exist yet; a real run fails "
                        "unless an earlier phase creates them")
    found_refs = [ref for ref in refs if ref in found]
    digests = {ref: platform.digests(found[ref]) for ref in found_refs}
    warnings += _add_commits(params.get("commit_env_key"), params.get("commit_from"), platform,
                             {ref: found[ref] for ref in found_refs}, wanted_env)
    generated = _add_generated(params.get("generate") or [], platform, {ref: found[ref] for ref in found_refs},
                               digests, wanted_env, secrets)
    source = Source(platform, found.get(source_ref), params.get("copy_keys") or [], params["remove"], secrets)
    overwrite = set(params.get("copy_overwrite") or [])
    if record is not None:  # what the rollout created (render_service records it before the create) is owned
        overwrite |= {str(name) for name in records.read_record(record).get("created") or []}
    plans, views = {}, []
    for ref in found_refs:
        service, explicit = found[ref], wanted_env[ref]
        # Digests first (the run keeps them): the values are read only when a key may change.
        service_digests, current = digests[ref]
        copied = source.keys_for(service_digests, overwrite=ref in overwrite or service["id"] in overwrite
                                 or service["name"] in overwrite, skip=explicit)
        wanted = {key: platform.digest(value, service) for key, value in explicit.items()}
        wanted.update({key: source.digests[key] for key in copied})
        # copy: a key set to the value the service holds (or gets in this run) under another key.
        aliased = {target: wanted.get(origin, service_digests.get(origin)) for target, origin in copy.items()}
        lacking = sorted({copy[target] for target, digest in aliased.items() if digest is None})
        aliased = {target: digest for target, digest in aliased.items() if digest is not None}
        differs = any(service_digests.get(key) != digest for key, digest in [*wanted.items(), *aliased.items()]) or any(
            key in service_digests and key not in wanted for key in params["remove"])
        if differs and current is None:
            current = platform.env(service)
        if current is None:  # nothing to change: the key names are all that is needed
            current, plan = dict.fromkeys(service_digests), {"set": {}, "delete": []}
        else:
            values = {**source.values_of(copied), **explicit} if differs else dict(explicit)
            values.update({target: values.get(copy[target], current.get(copy[target])) for target in aliased})
            unshown = sorted(copy[target] for target in aliased if not isinstance(values[target], str))
            if unshown:
                raise ResourceError(f"{service['name']}: {params['platform']} does not show the value of "
                                    f"{', '.join(unshown)} to copy (copy): give the value (from the vault) in env "
                                    "instead; nothing was written")
            secrets.add(*(values[target] for target in aliased))
            plan = plan_env_changes(current, values, params["remove"], purge=False)
            # The digests decide (in check mode a value planned by an earlier task reads as unknown).
            plan["set"] = {key: env_string(value) for key, value in values.items()
                           if service_digests.get(key) != platform.digest(value, service)}
        previous = {key: current.get(key) for key in [*plan["set"], *plan["delete"]]}
        secrets.add(*(value for value in previous.values() if isinstance(value, str)))
        plans[ref] = (service, current, plan, previous, sorted(set(explicit) | set(copied) | set(aliased)), lacking)
    changed_refs = [ref for ref, planned in plans.items() if planned[2]["set"] or planned[2]["delete"]]
    refuse = getattr(platform, "refuse", None)  # what the platform would refuse, found before any write
    for ref in changed_refs if refuse is not None else []:
        refuse(plans[ref][0], plans[ref][2]["set"])
    result: dict[str, Any] = {"changed": bool(changed_refs), "platform": params["platform"], "missing": missing}
    if record is not None:
        result["record"] = _keep_record(record, params, plans, changed_refs, check_mode)
        result["changed"] = result["changed"] or result["record"]["changed"]
    for ref, (service, current, plan, previous, managed, lacking) in plans.items():
        if check_mode:
            platform.plan(service, {key: platform.digest(value, service) for key, value in plan["set"].items()},
                          plan["delete"])
            predict = getattr(platform, "predict", None)
            written: dict[str, Any] = predict(service) if predict and (plan["set"] or plan["delete"]) else {}
        else:
            written = platform.write(service, plan["set"], plan["delete"]) if (plan["set"] or plan["delete"]) else {}
        after_keys = (set(current) | set(plan["set"])) - set(plan["delete"])
        views.append({"name": service["name"], "id": service["id"], "type": service.get("type"),
                      "set_keys": sorted(plan["set"]), "removed_keys": plan["delete"],
                      "known_after_apply": sorted(key for key, value in plan["set"].items() if is_unknown(value)),
                      "unchanged_keys": [key for key in managed if key not in plan["set"]],
                      "env_keys": sorted(after_keys), "missing_sources": lacking, **written})
        unknown = sorted(key for key, value in previous.items() if not_shown(value))
        if unknown and ref in changed_refs:
            warnings.append(f"{service['name']}: {params['platform']} does not show the values {', '.join(unknown)} "
                            "had before this run, so a rollback leaves them as this run sets them")
        if lacking:
            targets = ", ".join(sorted(target for target, origin in copy.items() if origin in lacking))
            warnings.append(f"{service['name']} has no {', '.join(lacking)}: {targets} not set there (copy)")
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
        # Digests kept per service (Vercel's, per project) differ for one value: the values decide there.
        if len(held) > 1 and not _one_value(platform, [found[ref] for ref in holders], key):
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
            if not isinstance(value, str):
                raise ResourceError(f"{key} is in {', '.join(found[ref]['name'] for ref in holders)} but not in "
                                    f"{', '.join(lacking)}, and the platform does not show its value to copy: give "
                                    "it as a value (from the vault); nothing was written")
        else:
            value = generate_secret(entry.get("length") or 64, entry.get("format") or "hex")
        secrets.add(value)
        for ref in refs:
            wanted_env[ref][key] = value
    return outcome


def _one_value(platform: Any, services: list[dict], key: str) -> bool:
    """Whether every service of `services` holds one shown value under `key` (read only when the digests disagree)."""
    values = [platform.env(service).get(key) for service in services]
    return all(isinstance(value, str) for value in values) and len(set(values)) == 1


class Source:
    """The service whose env is copied (copy_from): its key digests, its values read once and only when needed."""

    def __init__(self, platform: Any, service: dict | None, keys: list[str], remove: list[str],
                 secrets: Secrets) -> None:
        self.platform, self.service, self.secrets = platform, service, secrets
        self.digests: dict[str, str] = {}
        self._values: dict[str, str] | None = None
        if service is not None:
            self.digests, self._values = platform.digests(service)
            if keys:
                absent = [key for key in keys if key not in self.digests]
                if absent:
                    raise ResourceError(f"copy_keys: {service['name']} has no {', '.join(absent)}; nothing was written")
                self.digests = {key: self.digests[key] for key in keys}
            self.digests = {key: digest for key, digest in self.digests.items() if key not in remove}
            if self._values is not None:
                self.secrets.add(*self._values.values())

    def keys_for(self, target: dict[str, str], overwrite: bool, skip: dict) -> list[str]:
        """The keys copied into a service with key digests `target`: all of them when it may be overwritten,
        else only those it lacks (a key it has keeps its own value); keys given explicitly are not copied."""
        return sorted(key for key in self.digests if key not in skip and (overwrite or key not in target))

    def values_of(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        if self._values is None:
            self._values = self.platform.env(self.service)
            self.secrets.add(*self._values.values())
        return {key: self._values[key] for key in keys}


def _record_target(params: dict, secrets: Secrets) -> records.Target | None:
    """The record when a rollback record is asked for (its backend checked before any call)."""
    return records.target_path(params, secrets)


def _keep_record(where: records.Target, params: dict, plans: dict, changed_refs: list[str], check_mode: bool) -> dict:
    """Add the previous values of the services about to change to the record, before any of them changes."""
    stored = where.stored()
    before = stored or {}
    results = [{"item": plans[ref][0]["name"], "changed": True, "previous": plans[ref][3]} for ref in changed_refs]
    extra = params["record_extra"] if (changed_refs or params["record_always"]) else {}
    after = records.merged(before, results, extra)
    changed = (bool(changed_refs) or params["record_always"]) and (stored is None or after != before)
    if changed and not check_mode:
        where.write(after)
    return {"path": where.where, "changed": changed, "summary": records.summary(after if changed else before)}
