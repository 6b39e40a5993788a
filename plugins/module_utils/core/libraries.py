# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the third-party libraries a module may run without.

Not a public API; it may change between any two releases.

A module_utils file imports its library with ``optional_import``; the import error it keeps is
what ``core.module.run`` reports (``requires``), as a failed task that names the library, before
any of the module's logic runs.
"""
from __future__ import annotations

import importlib
from typing import Any


def optional_import(name: str) -> tuple[Any, ImportError | None]:
    """The named module and None, or None and the ImportError to report when a run needs it."""
    try:
        return importlib.import_module(name), None
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return None, exc
