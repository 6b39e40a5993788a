#!/usr/bin/env python
"""Seed the running sandbox with what a rehearsal starts from (skips what exists): the app's Render
services and Fly.io apps (with their started Machines), and "external" databases (a Supabase or Neon stand-in: a database with a password-protected
owner on the sandbox's PostgreSQL, reached by URL like any hosted Postgres), the DNS records the
stack's person has created for its custom domains, how the stand-in apps answer (``apps``), and the
Slack incoming webhooks the stacks' alerts go to (``slack``)."""
from __future__ import annotations

import json
import os
import sys
import urllib.request


def call(method: str, path: str, body: dict | None = None) -> dict:
    base = os.environ.get("LAUNCHKIT_SANDBOX_URL", "http://127.0.0.1:8765")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


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
    databases = wanted.get("postgres", {}).get("databases", [])
    if databases:
        created = call("POST", "/_sandbox/seed", {"postgres": {"databases": databases}})
        for database in created["postgres"]["databases"]:
            print(f"database {database['name']} (owner {database['user']}, password login): {database['action']}")


if __name__ == "__main__":
    main(sys.argv[1])
