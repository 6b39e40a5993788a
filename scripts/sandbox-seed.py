#!/usr/bin/env python
"""Seed the running sandbox with what a rehearsal starts from (skips what exists): the app's Render
services and Fly.io apps (with their started Machines), and "external" databases (a Supabase or Neon stand-in: a database with a password-protected
owner on the sandbox's PostgreSQL, reached by URL like any hosted Postgres), the DNS records the
stack's person has created for its custom domains, how the stand-in apps answer (``apps``), the
Slack incoming webhooks the stacks' alerts go to (``slack``), Vercel projects already deployed (``vercel``)
and Upstash databases made through the Vercel integration (``upstash.integration_databases``).

What a stack's person keeps in a vault and an inventory cannot name in advance (an integration database's
Redis URL has a port of the sandbox's choosing) is written to ``<state dir>/seeded-secrets.json``
(``$LAUNCHKIT_SANDBOX_STATE_DIR``, which .sandbox/env exports, else ``.sandbox``), e.g.
``{"cloudgreet": {"REDIS_URL", "REDIS_REST_URL", "REDIS_REST_TOKEN", "REDIS_REST_READONLY_TOKEN", "DATABASE_URL"}}``."""
from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# integration database -> the stack whose vault holds its URLs, and the database of that stack
VAULTS = {"cloudgreet-redis": ("cloudgreet", "cloudgreet")}


def call(method: str, path: str, body: dict | None = None) -> dict:
    base = os.environ.get("LAUNCHKIT_SANDBOX_URL", "http://127.0.0.1:8765")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def write_secrets(secrets: dict[str, dict[str, str]]) -> None:
    """Merge ``secrets`` into <state dir>/seeded-secrets.json (readable by the owner only)."""
    state = Path(os.environ.get("LAUNCHKIT_SANDBOX_STATE_DIR") or ROOT / ".sandbox")
    target = state / "seeded-secrets.json"
    current = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    for stack, values in secrets.items():
        current.setdefault(stack, {}).update(values)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    target.chmod(0o600)
    print(f"vault values of {', '.join(sorted(secrets))} written to {target}")


def vault_values(seeded: dict, base: str) -> dict[str, dict[str, str]]:
    """What each stack's vault holds of what a seed answered (``/_sandbox/seed``): an integration database's
    Redis URL, REST URL and tokens, and a stand-in Supabase database's URL (tests/system uses it too)."""
    secrets: dict[str, dict[str, str]] = {}
    for database in (seeded.get("upstash") or {}).get("integration_databases") or []:
        stack = VAULTS.get(database["database_name"], (database["database_name"], ""))[0]
        secrets.setdefault(stack, {}).update({"REDIS_URL": database["redis_url"],
                                              "REDIS_REST_URL": base + database["rest_path"],
                                              "REDIS_REST_TOKEN": database["rest_token"],
                                              "REDIS_REST_READONLY_TOKEN": database["read_only_rest_token"]})
    for database in (seeded.get("postgres") or {}).get("databases") or []:
        for stack, stack_database in VAULTS.values():
            if stack_database == database["name"] and database.get("url"):
                secrets.setdefault(stack, {})["DATABASE_URL"] = database["url"]
    return secrets


def seed_vercel_stack(wanted: dict) -> dict[str, dict[str, str]]:
    """Upstash databases made through the Vercel integration (kept when they exist), then Vercel projects
    already deployed; the integration databases' URLs and REST token go to their stack's vault values."""
    secrets: dict[str, dict[str, str]] = {}
    base = os.environ.get("LAUNCHKIT_SANDBOX_URL", "http://127.0.0.1:8765")
    integration = (wanted.get("upstash") or {}).get("integration_databases") or []
    if integration:
        made = call("POST", "/_sandbox/seed", {"upstash": {"integration_databases": integration}})
        for database in made["upstash"]["integration_databases"]:
            print(f"Upstash database {database['database_name']} (made through the {database['via']} integration)")
        secrets = vault_values(made, base)
    vercel = wanted.get("vercel")
    if vercel:
        for project in call("POST", "/_sandbox/seed", {"vercel": vercel})["vercel"]["projects"]:
            print(f"Vercel project {project['name']}: {project['action']}")
    return secrets


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        wanted = json.load(handle)
    existing = {service["name"] for service in call("GET", "/_sandbox/state")["vendors"]["render"]["services"]}
    services = [s for s in wanted.get("render", {}).get("services", []) if s["name"] not in existing]
    if services:
        created = call("POST", "/_sandbox/seed", {"render": {"services": services}})
        for service in created["render"]["services"]:
            print(f"seeded Render service {service['name']} ({service['id']})")
    else:
        print("sandbox already holds the rehearsal's services")
    records = wanted.get("render", {}).get("dns", {})
    if records:
        call("POST", "/_sandbox/render/dns", {"records": records})
        print(f"DNS records created for {', '.join(sorted(records))} (Render verifies them on request)")
    fly = wanted.get("fly")
    if fly:  # apps that exist are left as they are
        for app in call("POST", "/_sandbox/seed", {"fly": fly})["fly"]["apps"]:
            print(f"Fly app {app['name']}: {app['action']} ({len(app['machines'])} machines)")
    apps = wanted.get("apps") or {}
    if apps:  # the stand-in apps' own shapes (a /health in the app's own words); seeding them again changes nothing
        call("POST", "/_sandbox/seed", {"apps": apps})
        print(f"stand-in apps: {', '.join(f'{name} answers /health in its {shape} shape' for name, shape in sorted((apps.get('health') or {}).items()))}")
        for name, resource in sorted((apps.get("resources") or {}).items()):
            print(f"stand-in apps: {name} stores {resource['path']} (gauge {resource['gauge']})")
    slack = wanted.get("slack")
    if slack:  # webhooks at fixed URLs (seeding one again keeps it)
        channels = [hook["channel"] for hook in call("POST", "/_sandbox/seed", {"slack": slack})["slack"]["webhooks"]]
        print(f"Slack webhooks for {', '.join(channels)}")
    secrets = seed_vercel_stack(wanted)
    databases = wanted.get("postgres", {}).get("databases", [])
    if databases:
        created = call("POST", "/_sandbox/seed", {"postgres": {"databases": databases}})
        for database in created["postgres"]["databases"]:
            print(f"database {database['name']} (owner {database['user']}, password login): {database['action']}")
        for stack, values in vault_values(created, "").items():
            secrets.setdefault(stack, {}).update(values)
    if secrets:
        write_secrets(secrets)


if __name__ == "__main__":
    main(sys.argv[1])
