# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: where a long wait says what it sees while it waits.

Not a public API; it may change between any two releases.

A wait (``core/wait.py`` ``poll`` with an ``on_change``) reports each state it sees change through
``say``. Run inside the controller (``plugins/plugin_utils/in_process.py``) the action plugin points
it at Ansible's display for the task's host; run as a plain module, nothing listens and it stays
silent, since a module's standard output is its JSON result. A line carries names, ids, states and
dashboard URLs: never a secret.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

_listener: list[Callable[[str], None]] = []


def say(line: str) -> None:
    """Hand `line` to the listener of this task, if any."""
    for listener in _listener[-1:]:
        listener(line)


@contextmanager
def listening(listener: Callable[[str], None] | None) -> Iterator[None]:
    """`listener` hears the lines said while the block runs (None: nothing does)."""
    if listener is None:
        yield
        return
    _listener.append(listener)
    try:
        yield
    finally:
        _listener.remove(listener)
