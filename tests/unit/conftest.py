# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.launchkit.paas`` importable from a plain checkout.

Under ``ansible-test units`` the collection already sits at ``.../ansible_collections/launchkit/paas``
and nothing is done. From a clean checkout (CI, a developer's clone) the git-ignored
``.build/collections/ansible_collections/launchkit/paas`` symlink to the repository root is created
when missing (or, if the checkout is read-only, the same tree in a temporary folder) and put first
on ``sys.path``.
"""
from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

UNIT_DIR = Path(__file__).resolve().parent
ROOT = UNIT_DIR.parents[1]  # tests/unit -> tests -> collection root
PACKAGE = "ansible_collections.launchkit.paas"


def _checkout_is_imported() -> bool:
    try:
        module = importlib.import_module(PACKAGE)
    except ImportError:
        return False
    return any(Path(entry).resolve() == ROOT for entry in getattr(module, "__path__", []))


def _link_collection(base: Path) -> bool:
    link = base / "ansible_collections" / "launchkit" / "paas"
    if (link / "galaxy.yml").is_file() and link.resolve() == ROOT:
        return True
    try:
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():  # stale: points somewhere else
            link.unlink()
        link.symlink_to(os.path.relpath(ROOT, link.parent), target_is_directory=True)
    except FileExistsError:  # another xdist worker made it first
        pass
    except OSError:
        return False
    return link.resolve() == ROOT


def _make_importable() -> None:
    if _checkout_is_imported():
        return
    base = ROOT / ".build" / "collections"
    if not _link_collection(base):
        base = Path(tempfile.mkdtemp(prefix="launchkit-paas-collections-"))
        if not _link_collection(base):
            raise RuntimeError(f"cannot make {PACKAGE} importable from {ROOT}")
    sys.path.insert(0, str(base))
    for name in [n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    if not _checkout_is_imported():
        raise RuntimeError(f"{PACKAGE} does not resolve to {ROOT} after linking it under {base}")


_make_importable()
# The shared fakes (launchkit_fakes.py) live next to this file.
if str(UNIT_DIR) not in sys.path:
    sys.path.insert(0, str(UNIT_DIR))
# The repository root, so that unit tests can check requests with ``sandbox.conformance``.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
