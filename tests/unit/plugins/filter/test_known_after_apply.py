# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""known_after_apply: in check mode, the stand-in for a value only the real run can know."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.filter.known_after_apply import FilterModule, known_after_apply
from ansible_collections.launchkit.paas.plugins.module_utils.core.plan import KNOWN_AFTER_APPLY


def test_an_empty_value_in_check_mode_is_known_after_apply():
    assert known_after_apply("", True) == KNOWN_AFTER_APPLY == "(known after apply)"
    assert known_after_apply(None, True) == KNOWN_AFTER_APPLY


def test_a_known_value_stays_unless_the_run_changes_its_target_first():
    assert known_after_apply("redis://h:6379", True) == "redis://h:6379"
    assert known_after_apply("redis://h:6379", True, changing=True) == KNOWN_AFTER_APPLY


def test_a_real_run_never_gets_the_stand_in():
    assert known_after_apply("", False) == ""
    assert known_after_apply("redis://h:6379", False, changing=True) == "redis://h:6379"


def test_registered_under_its_name():
    assert FilterModule().filters()["known_after_apply"] is known_after_apply
