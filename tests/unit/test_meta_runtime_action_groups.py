# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml action groups stay complete and agree with what each module documents.

- every <vendor>_* module is in the <vendor> action group, but for the few named after a vendor that never call
  its API (LOCAL_MODULES: they write files on the controller), which are in no group and take no connection;
- every group entry is an existing module of that vendor, or a module of no vendor that connects through
  it (app_env writes through a platform's API with its connection options); a typo fails here, not in a
  user's play;
- each module's documented ``action_group`` membership (from the vendor's fragment ``launchkit.paas.<vendor>``)
  is exactly the set of groups that list it.

Files are read, not imported, so a module with a broken import still gets checked.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "launchkit.paas"
VENDOR_PREFIXES = ("render", "upstash", "fly", "sendgrid", "sentry", "grafana", "vercel")
MODULE_DIR = ROOT / "plugins" / "modules"
FRAGMENT_DIR = ROOT / "plugins" / "doc_fragments"

MODULES = sorted(p.stem for p in MODULE_DIR.glob("*.py") if not p.name.startswith("_"))
# Named after a vendor, but no call to its API: the module writes files on the controller.
LOCAL_MODULES = {"grafana_agent_config"}
VENDOR_MODULES = [m for m in MODULES if m.startswith(tuple(f"{v}_" for v in VENDOR_PREFIXES)) and m not in LOCAL_MODULES]


def vendor_of(module: str) -> str | None:
    return next((v for v in VENDOR_PREFIXES if module.startswith(f"{v}_")), None)


def action_groups() -> dict[str, list[str]]:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8")) or {}
    groups = {}
    for name, entries in (runtime.get("action_groups") or {}).items():
        # entries are module names (short or FQCN); a dict entry is group metadata, not a module
        groups[name] = [e.removeprefix(f"{NAMESPACE}.") for e in entries or [] if isinstance(e, str)]
    return groups


def string_constants(path: Path, owner: str | None = None) -> dict[str, str]:
    """Module-level (or class `owner`-level) NAME = "string" assignments of a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    body = tree.body
    if owner:
        body = next(node.body for node in tree.body if isinstance(node, ast.ClassDef) and node.name == owner)
    constants = {}
    for node in body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


@lru_cache(maxsize=None)
def documentation(module: str) -> dict:
    doc = string_constants(MODULE_DIR / f"{module}.py").get("DOCUMENTATION")
    assert doc, f"plugins/modules/{module}.py has no DOCUMENTATION"
    return yaml.safe_load(doc) or {}


@lru_cache(maxsize=None)
def fragment(name: str) -> dict:
    """launchkit.paas.attributes.info -> ModuleDocFragment.INFO of plugins/doc_fragments/attributes.py."""
    assert name.startswith(f"{NAMESPACE}."), f"doc fragment {name} is not from this collection"
    file_name, _dot, variable = name[len(NAMESPACE) + 1:].partition(".")
    path = FRAGMENT_DIR / f"{file_name}.py"
    assert path.is_file(), f"doc fragment {name}: {path.relative_to(ROOT)} does not exist"
    text = string_constants(path, owner="ModuleDocFragment").get((variable or "documentation").upper())
    assert text is not None, f"doc fragment {name}: ModuleDocFragment has no {(variable or 'DOCUMENTATION').upper()}"
    return yaml.safe_load(text) or {}


def documented_membership(module: str) -> set[str]:
    doc = documentation(module)
    members: set[str] = set()
    for name in doc.get("extends_documentation_fragment") or []:
        if name.startswith(f"{NAMESPACE}."):
            group_doc = ((fragment(name).get("attributes") or {}).get("action_group") or {})
            members.update(group_doc.get("membership") or [])
    own = ((doc.get("attributes") or {}).get("action_group") or {})
    members.update(own.get("membership") or [])
    return members


def test_there_are_modules_to_check():
    assert "render_env_vars" in MODULES and "upstash_redis" in MODULES


@pytest.mark.parametrize("module", VENDOR_MODULES)
def test_vendor_module_is_in_its_vendor_group(module):
    vendor = vendor_of(module)
    assert module in action_groups().get(vendor, []), (
        f"meta/runtime.yml: add {module} to action_groups.{vendor}")


@pytest.mark.parametrize("group", sorted(action_groups()))
def test_group_entries_are_existing_modules_of_that_vendor(group):
    for entry in action_groups()[group]:
        assert entry in MODULES, f"meta/runtime.yml action_groups.{group}: no module named {entry}"
        if group in VENDOR_PREFIXES and vendor_of(entry) is not None:
            assert vendor_of(entry) == group, f"action_groups.{group} lists {entry}, a module of another vendor"


@pytest.mark.parametrize("group", sorted(action_groups()))
def test_group_has_no_duplicate_entries(group):
    entries = action_groups()[group]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("module", MODULES)
def test_documented_action_group_matches_runtime(module):
    listed_in = {f"{NAMESPACE}.{group}" for group, entries in action_groups().items() if module in entries}
    assert documented_membership(module) == listed_in, (
        f"{module}: DOCUMENTATION says action groups {sorted(documented_membership(module))}, "
        f"meta/runtime.yml lists it in {sorted(listed_in)}")


@pytest.mark.parametrize("module", sorted(LOCAL_MODULES))
def test_a_module_that_calls_no_vendor_is_in_no_group_and_takes_no_connection(module):
    assert module in MODULES, f"LOCAL_MODULES names {module}, which is no module"
    assert not [group for group, entries in action_groups().items() if module in entries]
    fragments = documentation(module).get("extends_documentation_fragment") or []
    assert f"{NAMESPACE}.{vendor_of(module)}" not in fragments


@pytest.mark.parametrize("module", VENDOR_MODULES)
def test_vendor_module_uses_its_vendors_fragment(module):
    """The vendor fragment documents the auth options and the action group together."""
    fragments = documentation(module).get("extends_documentation_fragment") or []
    assert f"{NAMESPACE}.{vendor_of(module)}" in fragments
