# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment (extensions/ee/execution-environment.yml, docs/awx.md): `ansible-builder create`
writes its build context offline (scripts/ee-context.sh), and the context holds the collection as built, its
Python requirements and the system packages of every program a module runs."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Every program a module runs (looked up with shutil.which), and the bindep.txt packages that carry it.
PROGRAM_PACKAGES = {
    "pg_dump": {"postgresql-client", "postgresql"},
    "pg_restore": {"postgresql-client", "postgresql"},
    "promtool": {"prometheus", "golang-github-prometheus"},
}


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("ee") / "context"
    done = subprocess.run(["bash", str(ROOT / "scripts" / "ee-context.sh"), str(target)], cwd=ROOT,
                          env={**os.environ, "PYTHON": sys.executable, "ANSIBLE_NOCOLOR": "1"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return target


def bindep_packages(text: str) -> set[str]:
    return {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}


def programs_run_by_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "plugins").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r"shutil\.which\(\s*(?:[a-z_]+\s+or\s+)?\"([a-z_]+)\"", text))
        if re.search(r"\bsubprocess\.|run_command\(", text):
            found.update(re.findall(r"\[\s*\"(pg_[a-z]+|psql|promtool|redis-cli)\"", text))
    return found


def test_the_build_context_holds_the_collection_and_its_requirements(context):
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert galaxy == {"collections": [{"name": "/build/collections/launchkit-paas.tar.gz", "type": "file"}]}
    with tarfile.open(build / "collections" / "launchkit-paas.tar.gz") as tarball:
        names = set(tarball.getnames())
    assert {"MANIFEST.json", "bindep.txt", "requirements.txt", "meta/execution-environment.yml",
            "playbooks/site.yml", "plugins/modules/postgres_backup.py"} <= names
    assert not any(name.startswith(("tests/", "sandbox/", "extensions/")) for name in names)
    containerfile = (context / "Containerfile").read_text()
    assert "COPY _build /build" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "/output/scripts/assemble" in containerfile  # python and system requirements, with the introspected ones


def test_bindep_carries_every_program_a_module_runs():
    programs = programs_run_by_modules()
    assert {"pg_dump", "promtool"} <= programs
    assert programs <= set(PROGRAM_PACKAGES), f"no bindep package known for {programs - set(PROGRAM_PACKAGES)}"
    packages = bindep_packages((ROOT / "bindep.txt").read_text())
    for program in programs:
        assert PROGRAM_PACKAGES[program] <= packages, program


def test_the_collection_declares_its_ee_dependencies():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta == {"version": 1, "dependencies": {"python": "requirements.txt", "system": "bindep.txt"}}
    definition = yaml.safe_load((ROOT / "extensions" / "ee" / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    assert definition["dependencies"]["python"] == "../../requirements.txt"
    assert definition["dependencies"]["system"] == "../../bindep.txt"
