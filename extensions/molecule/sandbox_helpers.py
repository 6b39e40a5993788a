"""What every scenario's testinfra verifier needs from the running sandbox (.sandbox/env loaded).

Each scenario's tests put this directory on sys.path and import from here.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "sandbox" / "fixtures" / "rehearsal.json"


def testinfra_hosts() -> list[str]:
    """The molecule inventory's hosts, or the local host when run outside molecule."""
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        return ["ansible://localhost"]
    import testinfra.utils.ansible_runner  # noqa: PLC0415  pylint: disable=import-outside-toplevel
    return testinfra.utils.ansible_runner.AnsibleRunner(inventory).get_hosts("all")


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: load .sandbox/env (make test-molecule does)", pytrace=False)
    return value


def control(path: str) -> dict:
    """GET a path of the sandbox's control API (/_sandbox...)."""
    with urllib.request.urlopen(env("LAUNCHKIT_SANDBOX_URL").rstrip("/") + "/_sandbox" + path, timeout=30) as answer:
        return json.load(answer)


def sandbox_state() -> dict:
    return control("/state")


def service(state: dict, name: str) -> dict:
    matches = [s for s in state["vendors"]["render"]["services"] if s["name"] == name]
    assert len(matches) == 1, f"{len(matches)} services named {name}"
    return matches[0]


def env_of(state: dict, name: str) -> dict[str, str]:
    return state["vendors"]["render"]["env_vars"].get(service(state, name)["id"], {})


def seeded_env(name: str) -> dict[str, str]:
    services = json.loads(FIXTURE.read_text(encoding="utf-8"))["render"]["services"]
    return next(s["env_vars"] for s in services if s["name"] == name)


def assert_seeded_env_plus(name: str, *keys: str) -> None:
    """NAME's env is the fixture's with KEYS added: no other key was added, changed or removed."""
    current = env_of(sandbox_state(), name)
    before = seeded_env(name)
    assert set(current) == set(before) | set(keys), sorted(current)
    assert {other: value for other, value in current.items() if other not in keys} == before


def vendor_get(url_variable: str, path: str, token: str) -> tuple[int, Any]:
    """GET PATH of the vendor API whose base URL is in URL_VARIABLE, with TOKEN as the bearer; (status, body)."""
    request = urllib.request.Request(env(url_variable).rstrip("/") + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def fly_app(name: str) -> dict:
    """A Fly.io app of the sandbox's state: its secrets (names and digests), version and Machines."""
    apps = [app for app in sandbox_state()["vendors"]["fly"]["apps"] if app["name"] == name]
    assert len(apps) == 1, f"{len(apps)} Fly.io apps named {name}"
    return apps[0]


def machines_running(name: str, key: str) -> list[str]:
    """The value of KEY each Machine of Fly.io app NAME runs with, after checking that every Machine runs
    the app's newest secrets version and that the app holds KEY (the control API shows values: tests only)."""
    app = fly_app(name)
    assert key in {secret["name"] for secret in app["secrets"]}, f"{name} has no secret {key}"
    values = []
    for machine in app["machines"]:
        running = control(f"/fly/apps/{name}/machines/{machine['id']}/env")
        assert running["secrets_version"] == app["secrets_version"], (machine["id"], running["secrets_version"])
        values.append(running["env"][key])
    return values
