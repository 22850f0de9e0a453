"""The report query: validated against the semantic layer, engine-neutral.

Routes build one from a request with :func:`report_query`; the planner picks the
table, a dialect renders it, a backend runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from serving.semantic import DIMENSIONS, FILTERABLE, METRICS

__all__ = ["ReportError", "ReportQuery", "report_query"]


class ReportError(ValueError):
    """A request that names something the semantic layer does not have; says what is allowed."""


@dataclass(frozen=True)
class ReportQuery:
    """One report: metrics × dimensions over a site's dates, filtered, ordered, limited."""

    tracking_id: str
    timezone: str
    start: dt.date
    end: dt.date
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    order_by: tuple[tuple[str, str], ...] = ()
    limit: int = 100


def _check(names: list[str], allowed: tuple[str, ...] | dict, kind: str) -> None:
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ReportError(
            f"unknown {kind} {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}"
        )
    if len(set(names)) != len(names):
        raise ReportError(f"{kind} listed twice")


def report_query(
    *,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    metrics: list[str],
    dimensions: list[str],
    filters: dict[str, str | list[str]],
    order_by: list[tuple[str, str]],
    limit: int,
) -> ReportQuery:
    """A validated :class:`ReportQuery`; raises :class:`ReportError` naming the bad field.

    Without an explicit order, rows come by the first metric, descending, unless the
    first dimension is time (then in time order).
    """
    _check(metrics, METRICS, "metric")
    _check(dimensions, DIMENSIONS, "dimension")
    _check(list(filters), FILTERABLE, "filter dimension")
    requested = {*metrics, *dimensions}
    for name, _ in order_by:
        if name not in requested:
            raise ReportError(f"order_by field {name!r} must be a requested metric or dimension")
    if end < start:
        raise ReportError("date_range.end is before date_range.start")
    order = list(order_by)
    if not order and dimensions and DIMENSIONS[dimensions[0]].time is None:
        order = [(metrics[0], "desc")]
    return ReportQuery(
        tracking_id=tracking_id,
        timezone=timezone,
        start=start,
        end=end,
        metrics=tuple(metrics),
        dimensions=tuple(dimensions),
        filters={k: (v,) if isinstance(v, str) else tuple(v) for k, v in filters.items()},
        order_by=tuple(order),
        limit=limit,
    )
