"""The custom report: plan it, render it for the backend's dialect, run it, shape rows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from serving.backends import Backend
from serving.planner import plan_report
from serving.reports import ReportQuery
from serving.semantic import METRICS
from serving.sql import render_report

__all__ = ["ReportAnswer", "run_report"]

#: Ratios are rounded to 12 significant digits here, after either engine: sums of floats
#: added in another order differ in the last bits, and nobody reads a rate to 16 digits.
_RATIO_DIGITS = 12


@dataclass(frozen=True)
class ReportAnswer:
    """Rows keyed by dimension and metric names, the groups before the limit, and who answered."""

    rows: list[dict[str, Any]]
    total_rows: int
    source: str
    execution_time_ms: float


def _value(metric: str, value: Any) -> Any:
    if METRICS[metric].denominator is not None:
        return float(f"{float(value):.{_RATIO_DIGITS}g}")
    return int(value) if isinstance(value, int) or float(value).is_integer() else float(value)


def run_report(query: ReportQuery, backend: Backend) -> ReportAnswer:
    """Answer ``query`` on ``backend`` (blocking)."""
    plan = plan_report(query)
    rendered = render_report(query, plan, backend.dialect)
    started = time.perf_counter()
    result = backend.run(rendered)
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    total = int(result.rows[0][-1]) if result.rows else 0
    names = [c[2:] for c in result.columns[:-1]]  # strip the d_/m_ prefixes
    rows = []
    for raw in result.rows:
        row: dict[str, Any] = {}
        for name, column, value in zip(names, result.columns, raw[:-1], strict=False):
            row[name] = _value(name, value) if column.startswith("m_") else value
        rows.append(row)
    return ReportAnswer(rows, total, f"{backend.source}.{plan.table}", elapsed)
