"""``POST /ds/query`` for sandbox/grafana.py: each query of a Prometheus data source is run on the real
Prometheus the data source names (``/api/v1/query`` when ``instant``, else ``/api/v1/query_range``), and the
result comes back in Grafana's data-frame JSON (grafana-plugin-sdk-go ``data/frame_json.go``): per refId
``{"status", "frames": [{"schema": {"refId", "fields": [Time, Value+labels]}, "data": {"values": [...]}}]}``,
or ``{"status": 400, "error": ...}`` for a query Prometheus refused; the whole answer is then 400
(``pkg/api/ds_query.go`` ``toJsonStreamingResponse``).
"""
from __future__ import annotations

import math

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from .apps import released
from .errors import BadRequest
from .routing import Request, Response

if TYPE_CHECKING:
    from .grafana import GrafanaAPI

RELATIVE = re.compile(r"^now(?:-(\d+)(ms|s|m|h|d|w|y))?$")
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
QUERY_TIMEOUT = 10


def epoch(text: str, now: float) -> float:
    """A Grafana time (``now``, ``now-5m`` or epoch milliseconds) in Unix seconds."""
    text = str(text).strip()
    found = RELATIVE.match(text)
    if found:
        return now - (int(found[1]) * UNITS[found[2]] if found[1] else 0)
    if text.isdigit():
        return int(text) / 1000
    raise BadRequest(f"bad request data: invalid time range: {text!r}")


def frames(result: dict[str, Any], ref: str) -> list[dict[str, Any]]:
    """Prometheus's ``data`` (vector or matrix) as one frame per series."""
    out = []
    for series in result.get("result") or []:
        points = series.get("values") or ([series["value"]] if "value" in series else [])
        labels = dict(series.get("metric") or {})
        name = labels.pop("__name__", "")
        value = {"name": "Value", "type": "number", "typeInfo": {"frame": "float64"}, "labels": labels,
                 "config": {"displayNameFromDS": name} if name else {}}
        out.append({"schema": {"name": name, "refId": ref, "meta": {"type": "timeseries-multi", "typeVersion": [0, 1]},
                               "fields": [{"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"}}, value]},
                    "data": encoded([[int(float(t) * 1000) for t, _v in points], [float(v) for _t, v in points]])})
    return out


def encoded(columns: list[list[Any]]) -> dict[str, Any]:
    """A frame's ``data`` as Grafana writes it: JSON has no NaN or infinities, so such a value is ``null``
    in ``values`` and its index is listed under ``NaN``, ``Inf`` or ``NegInf`` in the field's ``entities``
    (grafana-plugin-sdk-go ``data/frame_json.go``; Grafana's ``DataFrameJSON``)."""
    values, entities = [], []
    for column in columns:
        lookup: dict[str, list[int]] = {}
        plain = []
        for index, value in enumerate(column):
            if isinstance(value, float) and not math.isfinite(value):
                lookup.setdefault("NaN" if math.isnan(value) else "Inf" if value > 0 else "NegInf", []).append(index)
                plain.append(None)
            else:
                plain.append(value)
        values.append(plain)
        entities.append(lookup or None)
    return {"values": values, **({"entities": entities} if any(entities) else {})}


class Query:
    def __init__(self, vendor: GrafanaAPI) -> None:
        self.vendor = vendor

    def routes(self) -> list[tuple[str, str, Any]]:
        return [("POST", "/ds/query", self.query)]

    def query(self, request: Request) -> Response:
        body = request.body
        now = time.time()
        start, end = epoch(body["from"], now), epoch(body["to"], now)
        planned = []
        for index, query in enumerate(body["queries"]):
            ref = query.get("refId") or "A"
            uid = (query.get("datasource") or {}).get("uid") or ""
            source = self.vendor.datasources.get(uid)
            if source is None:
                raise BadRequest(f"bad request data: query {index}: data source {uid!r} not found")
            planned.append((ref, source["type"], source["url"], query))
        with released(self.vendor.context.lock):
            results = {ref: self._run(kind, url, query, start, end) for ref, kind, url, query in planned}
        failed = any("error" in result for result in results.values())
        return Response(400 if failed else 200, {"results": results})

    @staticmethod
    def _run(kind: str, url: str, query: dict[str, Any], start: float, end: float) -> dict[str, Any]:
        ref = query.get("refId") or "A"
        if kind != "prometheus":
            return {"status": 400, "error": f"the sandbox runs no {kind} data source", "errorSource": "downstream"}
        expr = query.get("expr")
        if not isinstance(expr, str) or not expr:
            return {"status": 400, "error": "query expression is empty", "errorSource": "plugin"}
        if query.get("instant"):
            path, params = "/api/v1/query", {"query": expr, "time": f"{end:.3f}"}
        else:
            step = max(float(query.get("intervalMs") or 1000) / 1000,
                       (end - start) / max(int(query.get("maxDataPoints") or 11000), 1), 0.001)
            path, params = "/api/v1/query_range", {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}",
                                                   "step": f"{step:.3f}"}
        try:
            request = urllib.request.Request(url.rstrip("/") + path, data=urllib.parse.urlencode(params).encode(),
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
            with urllib.request.urlopen(request, timeout=QUERY_TIMEOUT) as answer:
                payload = json.load(answer)
        except urllib.error.HTTPError as exc:
            try:
                payload = json.load(exc)
            except ValueError:
                payload = {"error": f"{exc.code} {exc.reason}", "errorType": "server_error"}
        except (OSError, ValueError) as exc:
            return {"status": 502, "error": f"Post \"{url}{path}\": {exc}", "errorSource": "downstream"}
        if payload.get("status") != "success":
            return {"status": 400, "error": f"{payload.get('errorType', 'error')}: {payload.get('error', '')}",
                    "errorSource": "downstream"}
        return {"status": 200, "frames": frames(payload.get("data") or {}, ref)}
