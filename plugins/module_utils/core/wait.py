# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: time, and the one polling loop every wait uses.

Not a public API; it may change between any two releases.

Every wait (a deploy going live, a database becoming available, a domain verified, an event
arriving) calls ``poll`` with a ``Clock``; tests pass a fake clock, so no unit test sleeps. A long
wait passes ``on_change`` too, which hears every state it sees change (``core/progress.py`` prints
it in the controller), so a person watching a ten-minute build sees it move.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Generic, Hashable, TypeVar

T = TypeVar("T")
_NOTHING = object()


@dataclass
class Clock:
    """Time and sleep, replaceable in tests."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Polled(Generic[T]):
    """The last value seen, and whether it satisfied the wait before the deadline."""

    value: T
    done: bool


@dataclass
class Deadline:
    """What is left of a time budget."""

    seconds: float
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.end = self.clock.now() + self.seconds

    def left(self) -> float:
        return self.end - self.clock.now()

    def passed(self) -> bool:
        return self.left() <= 0


def poll(fetch: Callable[[], T], done: Callable[[T], bool], timeout: float, clock: Clock | None = None,
         interval: float = 2.0, first_delay: float = 0.25,
         on_change: Callable[[T | None, T], None] | None = None,
         state: Callable[[T], Hashable] | None = None) -> Polled[T]:
    """Call `fetch` until `done(value)` or `timeout` seconds have passed, backing off up to `interval`.

    `fetch` is called at least once; the caller decides what a timeout means (an error naming the
    last state seen, or a warning). `on_change(before, after)` is called with the first value (before
    None) and then with each value whose `state(value)` (the value itself by default) differs from the
    last one reported.
    """
    clock = clock or Clock()
    deadline = Deadline(timeout, clock)
    delay = min(first_delay, interval)
    seen: object = _NOTHING
    before: T | None = None
    while True:
        value = fetch()
        if on_change is not None:
            now = state(value) if state is not None else value
            if now != seen:
                on_change(before, value)
                seen, before = now, value
        if done(value):
            return Polled(value, True)
        if deadline.passed():
            return Polled(value, False)
        clock.sleep(min(delay, max(deadline.left(), 0.0)) or delay)
        delay = min(interval, delay * 2)
