"""The custom report: plan it, render it for the backend's dialect, run it, shape rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from serving.backends import Backend, Tiers
from serving.planner import Plan, plan_report, tier_of
from serving.report_query import Filter, ReportQuery, is_property
from serving.semantic import DIMENSIONS, MEASURES, METRICS
from serving.sql import render_report

__all__ = ["ReportAnswer", "comparison_range", "run_report"]

#: Ratios are rounded to 12 significant digits here, after either engine: sums of floats
#: added in another order differ in the last bits, and nobody reads a rate to 16 digits.
_RATIO_DIGITS = 12


@dataclass
class ReportAnswer:
    """Rows keyed by dimension and metric names, the groups before the limit, and who answered."""

    rows: list[dict[str, Any]]
    total_rows: int
    source: str
    execution_time_ms: float
    comparison_range: tuple[dt.date, dt.date] | None = None
    is_sampled: bool = False


def _value(metric: str, value: Any, factor: float = 1.0) -> Any:
    """A metric's value as JSON wants it; over a sample (``factor`` > 1), counts and sums
    are estimated for all visitors (counts rounded to whole numbers, amounts to cents),
    while ratios, which the factor does not change, stay as they are."""
    if value is None:  # DuckDB's sum over no rows (ClickHouse says 0)
        value = 0
    if METRICS[metric].denominator is not None:
        return float(f"{float(value):.{_RATIO_DIGITS}g}")
    if factor != 1.0:
        estimate = float(value) * factor
        return round(estimate, 2) if METRICS[metric].numerator == "revenue" else round(estimate)
    return int(value) if isinstance(value, int) or float(value).is_integer() else float(value)


def comparison_range(
    start: dt.date, end: dt.date, compare: str
) -> tuple[dt.date, dt.date, Callable[[dt.date], dt.date]]:
    """The range a report is compared with, and how a day of it maps onto the report's.

    ``previous_period``: as many days, just before; ``previous_year``: the same dates a
    year earlier (29 February maps to the 28th).
    """
    if compare == "previous_period":
        days = (end - start).days + 1
        shift = dt.timedelta(days=days)
        return start - shift, end - shift, lambda d: d + shift

    def back(d: dt.date) -> dt.date:
        return d.replace(year=d.year - 1, day=min(d.day, 28 if d.month == 2 else d.day))

    def forward(d: dt.date) -> dt.date:
        return (
            d.replace(year=d.year + 1, day=28)
            if (d.month, d.day) == (2, 29)
            else (d.replace(year=d.year + 1))
        )

    return back(start), back(end), forward


def _shifted(value: Any, dimension: str, forward: Callable[[dt.date], dt.date]) -> Any:
    """A comparison row's time label moved onto the report's range."""
    if dimension == "date":
        return forward(dt.date.fromisoformat(value)).isoformat()
    if dimension == "hour":
        return f"{forward(dt.date.fromisoformat(value[:10])).isoformat()}{value[10:]}"
    return value


def _compared(query: ReportQuery, answer: ReportAnswer, backend: Tiers, compare: str) -> None:
    """Add each row's ``comparison`` metrics (0 where the other range has no such row)."""
    start, end, forward = comparison_range(query.start, query.end, compare)
    other = run_report(
        dataclasses.replace(query, start=start, end=end, limit=10_000, offset=0), backend
    )
    dims = query.dimensions
    by_key = {tuple(_shifted(row[d], d, forward) for d in dims): row for row in other.rows}
    for row in answer.rows:
        match = by_key.get(tuple(row[d] for d in dims), {})
        row["comparison"] = {m: match.get(m, 0) for m in query.metrics}
    answer.comparison_range = (start, end)


def run_report(
    query: ReportQuery, backend: Backend | Tiers, compare: str | None = None
) -> ReportAnswer:
    """Answer ``query`` on the tier the planner picks (or on one pinned ``backend``;
    blocking); with ``compare``, each row also carries the same metrics over the
    comparison range (see :func:`comparison_range`), planned on its own."""
    tiers = backend if isinstance(backend, Tiers) else Tiers.single(backend)
    answer = _run(query, tiers)
    if compare is not None:
        _compared(query, answer, tiers, compare)
    return answer


def _counts_visitors(metric: str) -> bool:
    found = METRICS[metric]
    names = (found.numerator, found.denominator)
    return any(n in MEASURES and MEASURES[n].kind == "distinct" for n in names if n)


def _ranked_first(query: ReportQuery, plan: Plan) -> bool:
    """Worth answering in two steps: visitors asked, but the rows ranked by other
    metrics or by dimensions, and no time dimension (counting distinct visitors is most
    of such a report's cost, ranking by sums is cheap; on the raw tables the second step
    counts the visitors of the page's rows only — not for a custom property, whose value
    would be looked up in every event's map twice)."""
    if not query.dimensions or not query.order_by:
        return False
    if any(is_property(d) or DIMENSIONS[d].time is not None for d in query.dimensions):
        return False
    visitors = [m for m in query.metrics if _counts_visitors(m)]
    ranked_by = {name for name, _ in query.order_by}
    return bool(visitors) and len(visitors) < len(query.metrics) and not ranked_by & {*visitors}


def _run(query: ReportQuery, tiers: Tiers) -> ReportAnswer:
    """One query, or for a top-N that counts visitors (:func:`_ranked_first`) two: the
    page of rows ranked by the other metrics, then every metric for those rows only."""
    tier = tier_of(query, tiers.first_hot_day())
    plan = plan_report(query, tier, tiers.backend(tier).cubes())
    if not _ranked_first(query, plan):
        return _run_once(query, plan, tiers)
    sums = tuple(m for m in query.metrics if not _counts_visitors(m))
    ranked = _run_once(dataclasses.replace(query, metrics=sums), plan, tiers)
    if not ranked.rows:
        return ranked
    dims = query.dimensions
    only = tuple(Filter(d, "in", tuple(sorted({str(row[d]) for row in ranked.rows}))) for d in dims)
    narrowed = dataclasses.replace(query, filters=(*query.filters, *only), limit=10_000, offset=0)
    full = _run_once(narrowed, plan, tiers)  # filters on its own dimensions: same table
    by_key = {tuple(row[d] for d in dims): row for row in full.rows}
    keys = [tuple(row[d] for d in dims) for row in ranked.rows]
    if any(key not in by_key for key in keys):  # a load replaced days in between
        return _run_once(query, plan, tiers)
    rows = [by_key[key] for key in keys]
    elapsed = round(ranked.execution_time_ms + full.execution_time_ms, 2)
    return ReportAnswer(rows, ranked.total_rows, full.source, elapsed, is_sampled=full.is_sampled)


def _run_once(query: ReportQuery, plan: Plan, tiers: Tiers) -> ReportAnswer:
    backend = tiers.backend(plan.tier)
    rendered = render_report(query, plan, backend.dialect)
    started = time.perf_counter()
    result = backend.run(rendered)
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    total = int(result.rows[0][-1]) if result.rows else 0
    names = [*query.dimensions, *query.metrics]  # the d_<i>, m_<i> columns, in order
    rows = []
    for raw in result.rows:
        row: dict[str, Any] = {}
        for name, column, value in zip(names, result.columns, raw[:-1], strict=False):
            row[name] = _value(name, value, plan.sample_factor) if column[0] == "m" else value
        rows.append(row)
    source = f"{backend.source}.{plan.table}"
    return ReportAnswer(rows, total, source, elapsed, is_sampled=plan.sample_below is not None)
