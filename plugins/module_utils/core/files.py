# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the files the collection keeps on the controller (records, reports, the run cache).

Not a public API; it may change between any two releases.
"""
from __future__ import annotations

import os
import tempfile


def read_text(path: str) -> str | None:
    """The file's text, or None when there is no such file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_text(path: str, text: str, mode: int = 0o600) -> None:
    """Replace `path` with `text` atomically: `mode` (0600 unless told), its directory made 0700 when missing.

    A reader sees the old file or the new one, never half of one; the text is on disk before the
    file takes its name.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
