# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight action reads each phase role's argument spec with PyYAML's safe loader: the options it
checks are exactly those Ansible reads from the same file (names, types, choices, defaults)."""
from __future__ import annotations

from pathlib import Path

import pytest
from ansible.parsing.dataloader import DataLoader

from ansible_collections.launchkit.paas.plugins.action.preflight import role_options

ROOT = Path(__file__).resolve().parents[4]
SPECS = sorted(ROOT.glob("roles/*/meta/argument_specs.yml"))


def plain(value):
    """Ansible's tagged containers and strings as plain Python values."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def test_every_role_has_a_spec():
    assert len(SPECS) >= 10, SPECS


@pytest.mark.parametrize("specs_file", SPECS, ids=[path.parts[-3] for path in SPECS])
def test_the_options_are_those_ansible_reads(specs_file):
    expected = ((DataLoader().load_from_file(str(specs_file)) or {}).get("argument_specs") or {}) \
        .get("main", {}).get("options") or {}
    options = role_options(str(specs_file))
    assert plain(options) == plain(expected)
    # Every phase role has an entry point main with options (rotation and rollback_record have other entry points).
    assert bool(options) == (specs_file.parts[-3] not in ("rotation", "rollback_record")), specs_file
