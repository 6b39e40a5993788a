# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the metric families of a /metrics page and the series names Prometheus stores.

Not a public API; it may change between any two releases.

Families come from the ``# TYPE`` lines and from sample names no typed family claims (untyped). A
query names the series Prometheus stores, so each family gives the names its type exposes: a
histogram ``x_bucket``, ``x_sum``, ``x_count``; a summary ``x``, ``x_sum``, ``x_count``; a counter
``x_total`` (and ``x`` when its TYPE line names it without ``_total``, as the 0.0.4 text format
does). A family with labels but no sample yet (a counter nothing has counted) still has its names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
TYPE_LINE = re.compile(r"#\s*TYPE\s+([A-Za-z_:][A-Za-z0-9_:]*)\s+(\w+)")

SUFFIXES = {
    "histogram": ("_bucket", "_sum", "_count"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "summary": ("", "_sum", "_count"),
    "info": ("_info",),
}


@dataclass
class Exposition:
    """The families ({name: type}) of a page, and every series name a query may use."""

    families: dict[str, str] = field(default_factory=dict)
    series: set[str] = field(default_factory=set)


def series_names(family: str, kind: str) -> set[str]:
    """The series names Prometheus stores for a family of this type."""
    if kind == "counter":
        return {family} if family.endswith("_total") else {family, f"{family}_total"}
    return {family + suffix for suffix in SUFFIXES.get(kind, ("",))}


def parse_exposition(text: str) -> Exposition:
    """The families and series names of a page in the Prometheus text format (or OpenMetrics)."""
    exposition = Exposition()
    samples = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            typed = TYPE_LINE.match(line)
            if typed:
                name, kind = typed.groups()
                exposition.families[name] = kind.lower()
                exposition.series |= series_names(name, kind.lower())
        elif line:
            sample = NAME.match(line)
            if sample:
                samples.append(sample.group())
    for name in samples:
        if name not in exposition.series:
            exposition.families.setdefault(name, "untyped")
            exposition.series.add(name)
    return exposition
