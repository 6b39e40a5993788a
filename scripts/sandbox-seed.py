#!/usr/bin/env python
"""Seed the running sandbox with the app services a rehearsal starts from (skips those that exist)."""
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


if __name__ == "__main__":
    main(sys.argv[1])
