#!/usr/bin/env python
"""Print what a rehearsal provisioned in the sandbox, with every secret masked."""
from __future__ import annotations

import glob
import json
import os
import re
import urllib.request

MASK = "********"


def get(path: str) -> dict:
    base = os.environ.get("LAUNCHKIT_SANDBOX_URL", "http://127.0.0.1:8765")
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.loads(response.read())


def masked_url(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", rf"\g<1>{MASK}@", url or "")


def main() -> None:
    state = get("/_sandbox/state")["vendors"]
    render, upstash = state.get("render", {}), state.get("upstash", {})
    print("\n=== Rehearsal summary (secrets masked) ===")
    for kv in render.get("key_values", []):
        policy = (kv.get("options") or {}).get("maxmemoryPolicy")
        url = (kv.get("connectionInfo") or {}).get("internalConnectionString", "")
        print(f"Render Key Value  {kv['name']:<28} {kv['id']}  {kv.get('status')}  policy={policy}  {masked_url(url)}")
    for db in upstash.get("databases", []):
        url = f"rediss://default:{MASK}@{db.get('endpoint')}:{db.get('port')}"
        print(f"Upstash Redis     {db['database_name']:<28} {db['database_id']}  {db.get('state')}  "
              f"eviction={db.get('eviction')}  tls={db.get('tls')}  {url}")
    for db in render.get("postgres", []):
        url = (db.get("connectionInfo") or {}).get("internalConnectionString", "")
        print(f"Render Postgres   {db['name']:<28} {db['id']}  {db.get('status')}  PostgreSQL {db.get('version')}  "
              f"plan={db.get('plan')}  {masked_url(url)}")
    env_vars, running = render.get("env_vars", {}), render.get("running_env_vars", {})
    for service in render.get("services", []):
        keys = sorted(env_vars.get(service["id"], {}))
        waiting = sorted(set(keys) - set(running.get(service["id"], {})))
        applied = f"not yet running with: {', '.join(waiting)}" if waiting else "running with every key"
        print(f"Render service    {service['name']:<28} {service['id']}  env keys: {', '.join(keys)}  ({applied})")
    for app in state.get("fly", {}).get("apps", []):
        keys = sorted(secret["name"] for secret in app.get("secrets", []))
        machines = app.get("machines", [])
        current = sum(1 for machine in machines if machine.get("secrets_version") == app.get("secrets_version"))
        print(f"Fly.io app        {app['name']:<28} org {app.get('org')}  secrets v{app.get('secrets_version')}: "
              f"{', '.join(keys)}  ({current} of {len(machines)} Machines running it)")
    for db in upstash.get("integration_databases", []):
        print(f"Upstash Redis     {db['database_name']:<28} {db['database_id']}  {db.get('state')}  "
              f"made through the {db.get('via')} integration (adopted by URL, never managed)  "
              f"REST /upstash-rest/{db.get('rest_endpoint')}  token {MASK}")
    vercel = state.get("vercel", {})
    states = {d["id"]: d for d in vercel.get("deployments", [])}
    for project in vercel.get("projects", []):
        keys = sorted({e["key"] for e in project.get("env", []) if "production" in (e.get("target") or [])})
        live = states.get(project.get("production") or "")
        waiting = sorted(set(keys) - set(live["env_keys"])) if live else keys
        applied = (f"production {live['id']} {live['state']}" if live else "no production deployment") + (
            f", not yet running with: {', '.join(waiting)}" if waiting else ", running with every key")
        print(f"Vercel project    {project['name']:<28} {project['id']}  {project.get('production_url')}  "
              f"production env keys: {', '.join(keys)}  ({applied})")
    names = {service["id"]: service["name"] for service in render.get("services", [])}
    for domain in render.get("custom_domains", []):
        redirect = f"  redirects to {domain['redirectForName']}" if domain.get("redirectForName") else ""
        path = next((s["serviceDetails"].get("healthCheckPath") for s in render.get("services", [])
                     if s["id"] == domain["serviceId"]), None)
        print(f"Custom domain     {domain['name']:<28} {names.get(domain['serviceId'], domain['serviceId'])}  "
              f"{domain['verificationStatus']}{redirect}  (health check path: {path or 'not set'})")
    grafana = state.get("grafana", {})
    for folder in grafana.get("folders", []):
        dashboards = [d for d in grafana.get("dashboards", []) if d.startswith(folder + "-")]
        rules = [r for r in grafana.get("alert_rules", []) if r.startswith(folder + "-")]
        print(f"Grafana folder    {folder:<28} {len(dashboards)} dashboards, {len(rules)} alert rules")
    if grafana:
        print(f"Grafana           contact points: {', '.join(sorted(set(grafana.get('contact_points', [])))) or 'none'}; "
              f"test notifications delivered: {grafana.get('notifications', 0)}")
    reports = os.environ.get("LAUNCHKIT_REPORT_DIR") or os.path.join(
        os.environ.get("LAUNCHKIT_STATE_DIR", ".launchkit/state"), "..", "reports")
    for report in sorted(glob.glob(os.path.join(reports, "*", "rollout-report.md"))):
        with open(report, encoding="utf-8") as handle:
            verdict = next((line.strip() for line in handle if line.startswith("Stack ")), "")
        print(f"Rollout report    {os.path.normpath(report)}  {verdict}")
    log = get("/_sandbox/log/summary")
    print(f"API calls: {log.get('reads')} reads, {log.get('writes')} writes, {log.get('faults')} faults injected")


if __name__ == "__main__":
    main()
