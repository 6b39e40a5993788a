#!/usr/bin/env python
"""Write an inventory of N rehearsal stacks and the sandbox seed they start from.

Each stack is a copy of one of the rehearsal stacks (inventories/sandbox/host_vars; by default
RekindlePro on Render + Upstash + an external Postgres, and SyncKairos on Fly.io + Upstash + a pooled
Postgres, taken in turn), renamed so that every vendor object it touches is its own: the stack's
name token (``rekindlepro`` -> ``rekindlepro07``) is replaced in its host_vars and in its slice of
sandbox/fixtures/rehearsal.json, so services, apps, Fly org, Redis, database and its owner, Sentry team
and project, Grafana folder, custom domain, Slack channel and webhook all differ per stack. Metric names
stay the app's own (the same app deployed N times exposes the same metric names; each stack's queries
select its own service).

    scripts/scale-inventory.py OUT_DIR [--stacks 20] [--templates rekindlepro_staging,synckairos_staging]

writes OUT_DIR/hosts.yml, OUT_DIR/group_vars/all.yml (the rehearsal's), OUT_DIR/host_vars/<host>.yml
and OUT_DIR/seed.json (seed it with scripts/sandbox-seed.py OUT_DIR/seed.json, or POST /_sandbox/seed).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_INVENTORY = ROOT / "inventories" / "sandbox"
FIXTURE = ROOT / "sandbox" / "fixtures" / "rehearsal.json"
DEFAULT_TEMPLATES = ("rekindlepro_staging", "synckairos_staging")
SLACK_SECRET = re.compile(r"(/slack/services/T[A-Z0-9]+/B[A-Z0-9]+/)([A-Za-z0-9]+)")


def stack_token(template: str) -> str:
    """The name every vendor object of a rehearsal stack carries: its `launchkit_stack`."""
    text = (SANDBOX_INVENTORY / "host_vars" / f"{template}.yml").read_text(encoding="utf-8")
    match = re.search(r"^launchkit_stack:\s*(\S+)", text, re.MULTILINE)
    if not match:
        sys.exit(f"scale-inventory: {template} has no launchkit_stack")
    return match.group(1)


def renamer(token: str, copy: str):
    """A function renaming the stack's token to ``copy`` in text: whole words only, and not metric or
    variable names (``synckairos_active_sessions`` stays), nor the migrations folder it reads."""
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(token)}(?![A-Za-z0-9_])")

    def rename(text: str) -> str:
        text = word.sub(copy, text)
        text = text.replace(f"sandbox-files/{copy}/", f"sandbox-files/{token}/")
        # a webhook's secret segment is 24 letters or digits: its tail becomes the copy's name
        return SLACK_SECRET.sub(lambda m: m.group(1) + (m.group(2)[:24 - len(copy)] + copy)[-24:], text)
    return rename


def mentions(value: object, token: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(token)}(?![A-Za-z0-9_])", json.dumps(value)) is not None


def fixture_slice(fixture: dict, token: str) -> dict:
    """The part of the rehearsal seed that belongs to one stack: list items and map entries naming it."""
    chosen: dict = {}
    for vendor, sections in fixture.items():
        for section, value in sections.items():
            if isinstance(value, list):
                items = [item for item in value if mentions(item, token)]
            else:
                items = {key: item for key, item in value.items() if mentions({key: item}, token)}
            if items:
                chosen.setdefault(vendor, {})[section] = items
    return chosen


def merge(seed: dict, part: dict) -> None:
    for vendor, sections in part.items():
        for section, value in sections.items():
            target = seed.setdefault(vendor, {})
            if isinstance(value, list):
                target.setdefault(section, []).extend(value)
            else:
                entries = target.setdefault(section, {})
                for key, item in value.items():
                    if isinstance(item, dict) and isinstance(entries.get(key), dict):
                        entries[key].update(item)
                    else:
                        entries[key] = item


def restore_metric_prefixes(part: dict, token: str) -> None:
    for metrics in (part.get("apps", {}).get("metrics") or {}).values():
        metrics["prefix"] = token


def stacks(count: int, templates: list[str]) -> list[tuple[str, str, str, str]]:
    """(host, template, token, copy token) for each of ``count`` stacks, templates taken in turn."""
    rows = []
    for index in range(count):
        template = templates[index % len(templates)]
        token = stack_token(template)
        copy = f"{token}{index + 1:02d}"
        rows.append((template.replace(token, copy, 1), template, token, copy))
    return rows


def write(out: Path, count: int, templates: list[str]) -> list[str]:
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    (out / "host_vars").mkdir(parents=True, exist_ok=True)
    (out / "group_vars").mkdir(exist_ok=True)
    shutil.copy(SANDBOX_INVENTORY / "group_vars" / "all.yml", out / "group_vars" / "all.yml")
    files = str(SANDBOX_INVENTORY.parent / "sandbox-files")
    seed: dict = {}
    hosts = []
    for host, template, token, copy in stacks(count, templates):
        rename = renamer(token, copy)
        text = (SANDBOX_INVENTORY / "host_vars" / f"{template}.yml").read_text(encoding="utf-8")
        text = rename(text).replace("{{ inventory_dir }}/../sandbox-files", files)
        (out / "host_vars" / f"{host}.yml").write_text(text, encoding="utf-8")
        part = json.loads(rename(json.dumps(fixture_slice(fixture, token))))
        restore_metric_prefixes(part, token)
        merge(seed, part)
        hosts.append(host)
    (out / "hosts.yml").write_text(
        "---\n# Written by scripts/scale-inventory.py: copies of rehearsal stacks, renamed per stack.\n"
        "stacks:\n  hosts:\n" + "".join(f"    {host}:\n" for host in hosts), encoding="utf-8")
    (out / "seed.json").write_text(json.dumps(seed, indent=1) + "\n", encoding="utf-8")
    return hosts


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# An id or a secret: a word with a digit in it, or a long one of mixed case. A vendor's random part may have
# no digit (SendGrid's key id is 22 letters, digits, - and _: about one in forty has no digit).
RANDOM = re.compile(r"[A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*"
                    r"|(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])[A-Za-z0-9_-]{16,}")


def owns(text: str, copy: str) -> bool:
    """Whether ``text`` names stack ``copy`` (``rekindlepro01``, not ``rekindlepro011``)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(copy)}(?![0-9])", text) is not None


def masked(text: str, copy: str) -> str:
    """``text`` with the stack's name, ids, secrets, ports and counts taken out: what a copy of the same
    stack must show the same. Another stack's name keeps its letters (``rekindlepro#``), so a value
    pointing at another stack still differs."""
    text = UUID.sub("<uuid>", text.replace(copy, "<stack>"))
    return RANDOM.sub(lambda m: "<id>" if len(m.group()) >= 12 else re.sub(r"[0-9]+", "#", m.group()), text)


def wiring(vendors: dict, copy: str, services: dict[str, dict]) -> dict[str, bool]:
    """Whether the stack's env points at its own Redis, database, SendGrid key and Sentry project."""
    databases = [db for db in vendors["upstash"]["databases"] if owns(db["database_name"], copy)]
    keys = [key["secret"] for key in vendors["sendgrid"]["keys"] if owns(key["name"], copy)]
    projects = {int(project["id"]) for project in vendors["sentry"]["projects"] if owns(project["slug"], copy)}
    dsn_keys = [key["public"] for key in vendors["sentry"]["keys"] if key["projectId"] in projects]
    checks: dict[str, bool] = {}
    envs = [vendors["render"]["env_vars"].get(service_id, {}) for service_id in services]
    for env in envs:
        if "REDIS_URL" in env:
            checks["REDIS_URL is its own Redis"] = checks.get("REDIS_URL is its own Redis", True) and any(
                f"{db['password']}@" in env["REDIS_URL"] and env["REDIS_URL"].endswith(f":{db['port']}") for db in databases)
        if "UPSTASH_REDIS_REST_TOKEN" in env:
            checks["REST token is its own"] = checks.get("REST token is its own", True) and any(
                env["UPSTASH_REDIS_REST_TOKEN"] == db["rest_token"] for db in databases)
        if "DATABASE_URL" in env:
            checks["DATABASE_URL is its own"] = checks.get("DATABASE_URL is its own", True) and \
                env["DATABASE_URL"].rsplit("/", 1)[-1].split("?")[0] == copy
        if "SENDGRID_API_KEY" in env:
            checks["SendGrid key is its own"] = checks.get("SendGrid key is its own", True) and env["SENDGRID_API_KEY"] in keys
        if "SENTRY_DSN" in env:
            checks["Sentry DSN is its own"] = checks.get("Sentry DSN is its own", True) and any(
                f"//{public}@" in env["SENTRY_DSN"] for public in dsn_keys)
    return checks


def stack_view(snapshot: dict, copy: str, token: str) -> dict:  # noqa: ARG001 - token kept for callers' symmetry
    """One stack's vendor objects and env in /_sandbox/state, as comparable across copies (see masked)."""
    vendors = snapshot["vendors"]

    def mine(items, field=None):
        return [item for item in items if owns(item[field] if field else item, copy)]

    def norm(value):
        return masked(value, copy) if isinstance(value, str) else value

    def fly_app(app):
        return {"org": norm(app["org"]), "secrets": sorted(secret["name"] for secret in app["secrets"]),
                "machines": sorted((machine["state"], machine["secrets_version"] == app["secrets_version"],
                                    tuple(machine.get("env_keys", []))) for machine in app["machines"])}

    services = {service["id"]: service for service in mine(vendors["render"]["services"], "name")}
    view = {
        "render": {norm(service["name"]): {
            "type": service["type"], "suspended": service["suspended"],
            "plan": service.get("serviceDetails", {}).get("plan"),
            "health": service.get("serviceDetails", {}).get("healthCheckPath"),
            "env": {key: norm(value) for key, value in vendors["render"]["env_vars"].get(service_id, {}).items()}}
            for service_id, service in services.items()},
        "fly": {norm(app["name"]): fly_app(app) for app in mine(vendors["fly"]["apps"], "name")},
        "upstash": {norm(db["database_name"]): {key: db.get(key) for key in ("primary_region", "tls", "eviction", "state")}
                    for db in mine(vendors["upstash"]["databases"], "database_name")},
        "sentry": {"teams": sorted(norm(team["slug"]) for team in mine(vendors["sentry"]["teams"], "slug")),
                   "projects": sorted((norm(project["slug"]), project["platform"])
                                      for project in mine(vendors["sentry"]["projects"], "slug"))},
        "grafana": {section: sorted(norm(name) for name in mine(vendors["grafana"][section]))
                    for section in ("folders", "dashboards", "alert_rules", "contact_points")},
        "sendgrid": sorted((norm(key["name"]), tuple(key["scopes"])) for key in mine(vendors["sendgrid"]["keys"], "name")),
        "slack": sorted(norm(hook) for hook in mine(vendors["slack"]["webhooks"])),
        "app requests": {norm(app): sorted((row["method"], norm(row["path"]), row["status"]) for row in rows)
                         for app, rows in vendors["apps"]["requests"].items() if owns(app, copy)},
        "wiring": wiring(vendors, copy, services),
    }
    return view


def policy_tree(env: dict[str, str]) -> dict:
    """Grafana's notification policy tree (GRAFANA_URL, GRAFANA_TOKEN): one per organisation, which every
    stack of a run shares; each stack merges its own route into it."""
    request = urllib.request.Request(env["GRAFANA_URL"].rstrip("/") + "/api/v1/provisioning/policies",
                                     headers={"Authorization": f"Bearer {env['GRAFANA_TOKEN']}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def routes_of(tree: dict, copy: str) -> int:
    """How many routes of the tree's root select stack ``copy``."""
    return sum(1 for route in tree.get("routes") or [] if owns(json.dumps(route), copy))


def difference(expected: object, got: object, where: str = "") -> str:
    """The first place two views differ, for a reader."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got), key=str):
            if expected.get(key) != got.get(key):
                return difference(expected.get(key), got.get(key), f"{where}/{key}")
    return f"{where or '/'}: {expected!r} != {got!r}"[:300]


def attribute(log: list[dict], snapshot: dict, copies: list[str]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Each request of the sandbox's log given to the stack whose name, or an object id of which, its path
    holds; the rest (lists and creates on account-wide paths) counted apart. (per stack, rest)."""
    vendors = snapshot["vendors"]
    ids: dict[str, str] = {}
    for copy in copies:
        for service in vendors["render"]["services"]:
            if owns(service["name"], copy):
                ids[service["id"]] = copy
        for db in vendors["upstash"]["databases"]:
            if owns(db["database_name"], copy):
                ids[db["database_id"]] = copy
        for app in vendors["fly"]["apps"]:
            if owns(app["name"], copy):
                ids.update({machine["id"]: copy for machine in app["machines"]})
        for key in vendors["sendgrid"]["keys"]:
            if owns(key["name"], copy):
                ids[key["api_key_id"]] = copy
    per = {copy: {"reads": 0, "writes": 0} for copy in copies}
    rest = {"reads": 0, "writes": 0}
    for entry in log:
        text = f"{entry['path']}?{entry.get('query') or ''}"
        owner = next((copy for copy in copies if owns(text, copy)), None) or next(
            (copy for found, copy in ids.items() if found in text), None)
        (per[owner] if owner else rest)["writes" if entry["write"] else "reads"] += 1
    return per, rest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--stacks", type=int, default=20)
    parser.add_argument("--templates", default=",".join(DEFAULT_TEMPLATES),
                        help="rehearsal hosts to copy, in turn (default: %(default)s)")
    args = parser.parse_args()
    hosts = write(args.out, args.stacks, args.templates.split(","))
    print(f"{len(hosts)} stacks in {args.out}: {', '.join(hosts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
