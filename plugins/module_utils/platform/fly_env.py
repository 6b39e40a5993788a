# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the Fly.io platform of the seam (app_env, app_info, preflight).

Not a public API; it may change between any two releases.

A "service" on Fly.io is an app, by name; its env is the app's secrets. What differs from Render:

- Fly.io never shows a secret's value. A key is compared by the digests fly_secrets keeps
  (the record ``fly/<app>.secrets.json`` of the state backend, core/kept.py: Fly's digest right after our
  write and an HMAC of the value we wrote): unchanged when Fly still shows the kept digest and the wanted value has the kept HMAC. A key the
  collection never wrote reads as unknown and is written (with a warning naming it).
- The value a key had before the rollout cannot be read either: the rollback record keeps
  ``NOT_SHOWN`` for it, and a rollback leaves such a key as the rollout set it, naming it (a key the
  rollout added is removed as on any platform). ``copy_from`` and ``copy`` read values, so they are
  refused here.
- Every change of one app is one ``POST /apps/{app}/secrets`` (one new secrets version), never a call
  per key; the version is kept for the apply step (fly_deploy) and for validation.
- Writing secrets does not touch running Machines: the apply step rolls them onto the new version.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.env import NOT_SHOWN
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import (
    add_planned_env, over_plan, planned_env)
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.core.kept import KeptStore
from ansible_collections.launchkit.paas.plugins.module_utils.fly import secrets as kept
from ansible_collections.launchkit.paas.plugins.module_utils.fly.client import FlyClient, live_machines, secrets_version

#: the host name every Fly.io app answers on
FLY_DOMAIN = "fly.dev"


def fly_params(params: dict) -> dict:
    """The Fly client's connection options from the seam's fly_* options."""
    if not params.get("fly_api_token"):
        raise ValueError("platform fly needs fly_api_token (FLY_API_TOKEN, or the inventory variable "
                         "launchkit_fly_api_token)")
    return {"api_token": params["fly_api_token"], "api_url": params["fly_api_url"],
            "timeout": params["timeout"], "validate_certs": params["validate_certs"]}


def not_shown(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("value_not_shown"))


class FlyEnv:
    """Fly.io: apps by name; env through the secrets endpoint, one call per app."""

    planned_in: Any = None
    #: values can be written, never read back
    readable = False

    def __init__(self, params: dict, secrets: Secrets, check_mode: bool = False, client: FlyClient | None = None) -> None:
        self.client = client or FlyClient.from_params(fly_params(params), secrets)
        self.org = params.get("fly_org")
        self.kept = KeptStore(params, params.get("record_dir") or params.get("state_dir"), secrets)
        self.planned_in = self.client.http.cache if check_mode else None
        self._records: dict[str, dict] = {}

    def _record(self, app: str) -> dict:
        if app not in self._records:
            self._records[app] = kept.load_record(self.kept, app)
        return self._records[app]

    def find(self, refs: list[str]) -> tuple[dict[str, dict], list[str]]:
        found: dict[str, dict] = {}
        for ref in refs:
            app = self.client.app(ref)
            if app is not None:
                found[ref] = {"id": app.get("name") or ref, "name": app.get("name") or ref, "type": "fly_app",
                              "status": app.get("status"), "org": (app.get("organization") or {}).get("slug")}
        return found, [ref for ref in refs if ref not in found]

    def names(self) -> list[str]:
        return [app.get("name") for app in self.client.apps(self.org)] if self.org else []

    def digests(self, service: dict) -> tuple[dict[str, str], None]:
        """{key: the kept HMAC when Fly still shows the digest kept after our write, else Fly's own digest
        (never equal to an HMAC)}; values are never read."""
        record = self._record(service["name"])
        digests = {}
        for name, fly_digest in kept.digests_of(self.client.secrets(service["name"])).items():
            entry = record["secrets"].get(name) or {}
            same = fly_digest and entry.get("fly_digest") == fly_digest
            digests[name] = entry["value_digest"] if same else f"fly:{fly_digest}"
        return over_plan(digests, planned_env(self.planned_in, service["id"])), None

    def digest(self, value: str, service: dict | None = None) -> str:
        if service is None:
            raise ValueError("a Fly.io digest belongs to an app: the service is needed")
        return kept.value_digest(self._record(service["name"]), value)

    def env(self, service: dict) -> dict[str, Any]:
        """Every key with NOT_SHOWN for its value: Fly.io never returns one."""
        return dict.fromkeys(self.digests(service)[0], NOT_SHOWN)

    def plan(self, service: dict, digests: dict[str, str], deleted: list[str]) -> None:
        add_planned_env(self.planned_in, service["id"], digests, deleted)

    def write(self, service: dict, values: dict[str, str], deleted: list[str]) -> dict[str, Any]:
        """Set and unset in one call (one new secrets version); the digests and the version are kept."""
        app = service["name"]
        answer = kept.write_kept(self.client, self.kept, app, self._record(app), values, deleted)
        return {"secrets_version": answer.get("version")}

    def predict(self, service: dict) -> dict[str, Any]:
        """Check mode: the secrets version a write would make (the next after the last one kept; Fly.io counts up)."""
        return {"secrets_version": (self._record(service["name"]).get("version") or 0) + 1}

    # -- the read side
    def commit(self, service: dict) -> str | None:
        del service
        return None  # a Machine runs an image; Fly.io keeps no commit for it

    def describe(self, service: dict) -> dict[str, Any]:
        return {"id": service["id"], "name": service["name"], "type": service["type"],
                "url": f"https://{service['name']}.{FLY_DOMAIN}", "suspended": service.get("status") == "suspended"}

    def deploys(self, service: dict) -> dict[str, dict | None]:
        """The app's release as its started Machines run it: `latest` is the newest secrets version (the one
        kept after our last write, or the newest a Machine runs), `live` the oldest a started Machine runs. A
        Machine that no rollout rolled has no version: it runs whatever it was started with."""
        app = service["name"]
        machines = [m for m in live_machines(self.client, app, {}) if m.get("state") == "started"]
        if not machines:
            return {"live": None, "latest": None}
        running = [secrets_version(m) for m in machines]
        newest = max([v for v in running if v is not None] + [self._record(app).get("version") or 0])
        oldest = None if None in running else min(running)
        images = sorted({str((m.get("config") or {}).get("image")) for m in machines})
        return {"live": _release(app, oldest, images, machines, running),
                "latest": _release(app, newest or None, images, machines, running, latest=True)}


def _release(app: str, version: int | None, images: list[str], machines: list[dict], running: list,
             latest: bool = False) -> dict[str, Any]:
    on = sum(1 for have in running if have is not None and version is not None and have >= version)
    if latest:
        status = "live" if on == len(machines) else f"on {on} of {len(machines)} started Machines"
    else:
        status = "live"
    return {"id": f"{app}@secrets-v{version if version is not None else '?'}", "status": status,
            "commit": None, "commit_message": ", ".join(images), "created_at": None, "finished_at": None}
