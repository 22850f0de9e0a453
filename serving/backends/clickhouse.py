"""Run a planned report on the ClickHouse hot tier."""

from __future__ import annotations

from typing import Any

from lake.hot_tier import ensure_schema, hot_tier
from lake.settings import Settings
from serving.planner import Plan

__all__ = ["prepare_hot_tier", "run_plan"]


def prepare_hot_tier(settings: Settings) -> None:
    """Create the hot-tier tables if the pipeline has not yet, so reports answer zeros."""
    with hot_tier(settings) as client:
        ensure_schema(client)


def run_plan(settings: Settings, plan: Plan) -> tuple[list[dict[str, Any]], int]:
    """Rows (aliases stripped of their ``d_``/``m_`` prefix) and the ungrouped row count."""
    with hot_tier(settings) as client:
        result = client.query(plan.sql, parameters=plan.parameters)
        names = result.column_names
        raw = result.result_rows
    total = int(raw[0][-1]) if raw else 0
    keys = [n[2:] for n in names[:-1]]
    rows = [dict(zip(keys, r[:-1], strict=True)) for r in raw]
    return rows, total
