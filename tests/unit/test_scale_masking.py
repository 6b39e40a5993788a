# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/scale-inventory.py's masked(): two copies of a stack must read the same once their names, ids and
secrets are taken out (tests/system/test_scale.py compares them), whatever characters a vendor's random part
happens to hold; a name of ours stays readable."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.worker_sandbox import load_script  # noqa: E402  pylint: disable=wrong-import-position

SCALE = load_script("scale-inventory.py")


@pytest.mark.parametrize("key", ["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",
                                 "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"])
def test_a_sendgrid_key_is_masked_with_or_without_a_digit(key):
    assert SCALE.masked(f"rekindlepro01-api SENDGRID_API_KEY={key}", "rekindlepro01") == \
        "<stack>-api SENDGRID_API_KEY=SG.<id>.<id>"


def test_names_of_ours_stay_and_another_stacks_name_differs():
    assert SCALE.masked("scoop-recurring-jobs maxmemoryPolicy", "scoop01") == "scoop-recurring-jobs maxmemoryPolicy"
    assert SCALE.masked("scoop02.example:6379", "scoop01") == "scoop#.example:#"
