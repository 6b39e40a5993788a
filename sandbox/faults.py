"""Fault injection: 429 with Retry-After, 503, dropped connections (before or after processing), slow answers;
and per-path latency (every matching request, beside the faults)."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS: tuple[str, ...] = ("429", "503", "drop", "drop_after", "slow")
#: what serves the app itself rather than a vendor's API (sandbox/apps.py)
APP_VENDORS = frozenset({"apps"})
#: a header the stand-in apps put on their own calls to a vendor's data plane (the Upstash REST API): the
#: app's traffic, which faults do not reach (they test what the collection survives, not the app)
APP_TRAFFIC_HEADER = "X-Sandbox-App-Traffic"


@dataclass
class FaultConfig:
    rate: float = 0.0
    kinds: list[str] = field(default_factory=lambda: list(FAULT_KINDS))
    retry_after: int = 1
    delay: float = 2.0
    nth: int | None = None
    vendor: str | None = None
    methods: list[str] | None = None
    path_contains: str | None = None
    seed: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> FaultConfig:
        if not isinstance(data, dict):
            raise ValueError("fault config must be a JSON object")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        config = cls(**data)
        config.check()
        return config

    def check(self) -> None:
        bad = [kind for kind in self.kinds if kind not in FAULT_KINDS]
        if bad or not self.kinds:
            raise ValueError(f"kinds must be a non-empty subset of {list(FAULT_KINDS)}, got {self.kinds}")
        if not 0.0 <= float(self.rate) <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.nth is not None and int(self.nth) < 1:
            raise ValueError("nth counts from 1")
        if self.methods is not None:
            self.methods = [method.upper() for method in self.methods]

    def matches(self, vendor: str, method: str, path: str) -> bool:
        if self.vendor is not None and self.vendor != vendor:
            return False
        # The stand-in apps are the user's app, not a vendor's API: faults reach them only when named.
        if self.vendor is None and vendor in APP_VENDORS:
            return False
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return self.path_contains is None or self.path_contains in path


class FaultInjector:
    """Decides, per vendor request, whether and how to fault it. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config: FaultConfig | None = None
        self._random = random.Random()
        self._matched = 0

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._random = random.Random(config.seed)
            self._matched = 0

    def clear(self) -> None:
        with self._lock:
            self._config = None
            self._matched = 0

    @property
    def config(self) -> FaultConfig | None:
        return self._config

    def describe(self) -> dict[str, Any]:
        with self._lock:
            if self._config is None:
                return {"active": False, "config": None, "matched": 0}
            return {"active": True, "config": asdict(self._config), "matched": self._matched}

    def pick(self, vendor: str, method: str, path: str) -> str | None:
        with self._lock:
            config = self._config
            if config is None or not config.matches(vendor, method, path):
                return None
            self._matched += 1
            if not self._should_fault(config):
                return None
            return self._random.choice(config.kinds)

    def _should_fault(self, config: FaultConfig) -> bool:
        if config.nth is not None:
            return self._matched == int(config.nth)
        return self._random.random() < float(config.rate)


@dataclass
class LatencyRule:
    """Every matching vendor request waits `delay` seconds before the sandbox handles it; with `arrivals`, it
    waits until that many requests the rule matches have arrived (itself among them), `delay` seconds at most."""

    delay: float
    vendor: str | None = None
    methods: list[str] | None = None
    path_contains: str | None = None
    arrivals: int | None = None

    def matches(self, vendor: str, method: str, path: str) -> bool:
        return FaultConfig.matches(self, vendor, method, path)  # type: ignore[arg-type]


class Latency:
    """Per-path latency, beside the faults and independent of them: a list of rules, the first match applies.

    It makes the sandbox slower, never more lenient: requests are handled as without it, only later. A rule
    with `arrivals` holds each request it matches until that many have arrived, so a test can make two runs'
    creates of one resource meet (both looked it up before either was made) on any machine's speed.
    Thread-safe; new rules, `clear` and the sandbox's reset let every held request go.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._rules: list[LatencyRule] = []
        self._arrived: list[int] = []

    def configure(self, data: Any) -> list[LatencyRule]:
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or set(data) - {"rules"}:
            raise ValueError('latency config must be {"rules": [{"delay": seconds, "vendor", "methods", '
                             '"path_contains", "arrivals"}, ...]}')
        rules = []
        for item in data["rules"]:
            if not isinstance(item, dict):
                raise ValueError("each latency rule must be a JSON object")
            unknown = set(item) - set(LatencyRule.__dataclass_fields__)
            if unknown or "delay" not in item:
                raise ValueError(f"a latency rule needs delay; unknown settings: {sorted(unknown)}")
            rule = LatencyRule(**item)
            if not 0 <= float(rule.delay) <= 60:
                raise ValueError("delay must be between 0 and 60 seconds")
            if rule.arrivals is not None and (isinstance(rule.arrivals, bool) or not isinstance(rule.arrivals, int)
                                              or rule.arrivals < 1):
                raise ValueError("arrivals must be a whole number of requests, 1 or more")
            if rule.methods is not None:
                rule.methods = [method.upper() for method in rule.methods]
            rules.append(rule)
        self._replace(rules)
        return rules

    def clear(self) -> None:
        self._replace([])

    def _replace(self, rules: list[LatencyRule]) -> None:
        with self._changed:
            self._rules = rules
            self._arrived = [0] * len(rules)
            self._changed.notify_all()

    def describe(self) -> dict[str, Any]:
        with self._changed:
            return {"rules": [{**asdict(rule), "arrived": arrived} for rule, arrived in zip(self._rules, self._arrived)]}

    def _match(self, vendor: str, method: str, path: str) -> int | None:
        return next((place for place, rule in enumerate(self._rules) if rule.matches(vendor, method, path)), None)

    def wait(self, vendor: str, method: str, path: str) -> float:
        """Hold the request as the first rule that matches it says; the seconds it waited."""
        started = time.monotonic()
        with self._changed:
            place = self._match(vendor, method, path)
            if place is None:
                return 0.0
            rules, rule = self._rules, self._rules[place]
            if rule.arrivals is not None:
                self._arrived[place] += 1
                self._changed.notify_all()
                deadline = started + float(rule.delay)
                # Until enough have arrived, the rules change (cleared, replaced) or the time is up.
                while self._rules is rules and self._arrived[place] < rule.arrivals:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._changed.wait(remaining)
                return time.monotonic() - started
        time.sleep(float(rule.delay))
        return time.monotonic() - started
