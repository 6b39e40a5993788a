# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to launchkit.paas: the logic of grafana_query, PromQL through a Grafana data source.

Not a public API; it may change between any two releases. ``POST /ds/query`` answers per refId a
list of data frames (``schema.fields``, ``data.values`` column by column); each number field of a
frame is one series, its labels on the field, its times in the frame's time field.
"""
from __future__ import annotations

from typing import Any

from ansible_collections.launchkit.paas.plugins.module_utils.core.resource import ResourceError
from ansible_collections.launchkit.paas.plugins.module_utils.core.secrets import Secrets
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.client import GrafanaClient
from ansible_collections.launchkit.paas.plugins.module_utils.grafana.options import checked_uid

OPTIONS: dict[str, dict] = {
    "datasource_uid": {"type": "str", "required": True},
    "queries": {"type": "list", "elements": "dict", "required": True, "options": {
        "ref_id": {"type": "str", "required": True},
        "expr": {"type": "str", "required": True},
        "instant": {"type": "bool", "default": True},
    }},
    "from": {"type": "str", "default": "now-5m"},
    "to": {"type": "str", "default": "now"},
    "require_series": {"type": "bool", "default": False},
}


def validate(params: dict) -> None:
    checked_uid(params["datasource_uid"], "datasource_uid")
    refs = [query["ref_id"] for query in params["queries"]]
    if not refs:
        raise ValueError("queries needs at least one query ({ref_id, expr})")
    twice = sorted({ref for ref in refs if refs.count(ref) > 1})
    if twice:
        raise ValueError(f"queries: ref_id {', '.join(twice)} is used more than once; each query needs its own")
    empty = [query["ref_id"] for query in params["queries"] if not query["expr"].strip()]
    if empty:
        raise ValueError(f"queries {', '.join(empty)}: expr is empty")


def request_queries(params: dict) -> list[dict]:
    return [{"refId": query["ref_id"], "datasource": {"uid": params["datasource_uid"]}, "expr": query["expr"],
             "instant": query["instant"], "range": not query["instant"]} for query in params["queries"]]


#: what a frame's ``entities`` list for a field, in place of the ``null`` JSON cannot hold otherwise
ENTITIES = {"NaN": float("nan"), "Inf": float("inf"), "NegInf": float("-inf")}


def decoded(values: list, entities: dict | None) -> list:
    """A field's values with NaN and infinities put back where ``entities`` says (Grafana's DataFrameJSON)."""
    values = list(values)
    for name, indexes in (entities or {}).items():
        for index in indexes or []:
            if name in ENTITIES and 0 <= index < len(values):
                values[index] = ENTITIES[name]
    return values


def frame_series(frame: dict) -> list[dict[str, Any]]:
    fields = (frame.get("schema") or {}).get("fields") or []
    columns = (frame.get("data") or {}).get("values") or []
    entities = (frame.get("data") or {}).get("entities") or []
    times = next((columns[n] for n, field in enumerate(fields) if field.get("type") == "time" and n < len(columns)), None)
    series = []
    for n, field in enumerate(fields):
        if field.get("type") == "time" or n >= len(columns):
            continue
        values = decoded(columns[n] or [], entities[n] if n < len(entities) else None)
        points = [[times[i] if times and i < len(times) else None, value] for i, value in enumerate(values)]
        series.append({"name": field.get("name"), "labels": field.get("labels") or {}, "values": points,
                       "last": values[-1] if values else None})
    return series


def run_query(params: dict, check_mode: bool, secrets: Secrets, client: GrafanaClient | None = None) -> dict:
    validate(params)
    client = client or GrafanaClient.from_params(params, secrets)
    answer = client.query(request_queries(params), params["from"], params["to"])
    results: dict[str, dict] = {}
    for query in params["queries"]:
        found = (answer.get("results") or {}).get(query["ref_id"]) or {}
        series = [item for frame in found.get("frames") or [] for item in frame_series(frame)]
        results[query["ref_id"]] = {"expr": query["expr"], "series": series, "error": found.get("error") or None}
    if answer.get("failed"):
        failed = [f"{ref} ({result['expr']}): {result['error']}" for ref, result in results.items() if result["error"]]
        raise ResourceError("Grafana could not run " + ("; ".join(failed) or "the queries (no query error given)"),
                            results=results)
    if params["require_series"]:
        empty = [f"{ref} ({result['expr']})" + (f": {result['error']}" if result["error"] else "")
                 for ref, result in results.items() if not result["series"]]
        if empty:
            raise ResourceError(f"no series for {'; '.join(empty)} between {params['from']} and {params['to']}",
                                results=results)
    return {"changed": False, "results": results}
