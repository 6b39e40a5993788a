# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: time, and the one polling loop every wait uses.

Not a public API; it may change between any two releases.

Every wait (a deploy going live, a database becoming available, a domain verified, an event
arriving) calls ``poll`` with a ``Clock``; tests pass a fake clock, so no unit test sleeps.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


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
         interval: float = 2.0, first_delay: float = 0.25) -> Polled[T]:
    """Call `fetch` until `done(value)` or `timeout` seconds have passed, backing off up to `interval`.

    `fetch` is called at least once; the caller decides what a timeout means (an error naming the
    last state seen, or a warning).
    """
    clock = clock or Clock()
    deadline = Deadline(timeout, clock)
    delay = min(first_delay, interval)
    while True:
        value = fetch()
        if done(value):
            return Polled(value, True)
        if deadline.passed():
            return Polled(value, False)
        clock.sleep(min(delay, max(deadline.left(), 0.0)) or delay)
        delay = min(interval, delay * 2)
