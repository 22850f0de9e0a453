"""Rendering a report as SQL: the shape is shared, each dialect supplies the pieces.

Result columns are ``d_<dimension>``, ``m_<metric>`` and ``_total_rows`` (the groups
before the limit); aliases are prefixed so they never shadow a column in ``WHERE``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Protocol

from serving.planner import Plan
from serving.reports import ReportQuery
from serving.semantic import DIMENSIONS, FILTER_OPS, MEASURES, METRICS, Measure

__all__ = ["Dialect", "RenderedQuery", "render_report", "utc_bounds"]


@dataclass(frozen=True)
class RenderedQuery:
    """SQL text with named parameters, for one backend."""

    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


class Dialect(Protocol):
    """What differs between engines when rendering a report."""

    name: str

    def param(self, name: str, sql_type: str) -> str:
        """A bound parameter (``sql_type``: String, Date, DateTime, Strings, Count)."""
        ...

    def measure(self, measure: Measure) -> str:
        """The aggregate of one measure over the selected rollup rows."""
        ...

    def ratio(self, numerator: str, denominator: str) -> str:
        """``numerator / denominator`` as a float, 0 when the denominator is 0."""
        ...

    def time_dimension(self, grain: str, plan: Plan, tz_param: str) -> str:
        """The ``date``/``hour``/``week``/``month`` label of a row, site's zone, as text."""
        ...

    def filter(self, op: str, expr: str, param: str) -> str:
        """``expr`` satisfies filter ``op`` (see ``FILTER_OPS``) with the bound ``param``."""
        ...

    def total_rows(self) -> str:
        """The number of result groups before the limit (a window count)."""
        ...

    def utc_time(self, moment: dt.datetime) -> Any:
        """A UTC moment as this engine's driver binds it against the hourly time column."""
        ...


def utc_bounds(start: dt.date, end: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC moments where local day ``start`` begins and local day ``end`` ends."""
    zone = zoneinfo.ZoneInfo(tz)
    lo = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return lo, hi


def _metric_sql(name: str, dialect: Dialect) -> str:
    metric = METRICS[name]
    numerator = dialect.measure(MEASURES[metric.numerator])
    if metric.denominator is None:
        return numerator
    ratio = dialect.ratio(numerator, dialect.measure(MEASURES[metric.denominator]))
    return ratio if metric.scale == 1.0 else f"({ratio}) * {metric.scale!r}"


def render_report(query: ReportQuery, plan: Plan, dialect: Dialect) -> RenderedQuery:
    """The report as SQL over ``plan.table`` in ``dialect``; every value bound."""
    params: dict[str, Any] = {"tracking_id": query.tracking_id, "tz": query.timezone}
    tz = dialect.param("tz", "String")
    where = [f"tracking_id = {dialect.param('tracking_id', 'String')}"]
    if plan.time_grain == "date":
        where.append(
            f"date BETWEEN {dialect.param('start', 'Date')} AND {dialect.param('end', 'Date')}"
        )
        params.update(start=query.start, end=query.end)
    else:
        lo, hi = utc_bounds(query.start, query.end, query.timezone)
        first, after = dialect.param("lo", "DateTime"), dialect.param("hi", "DateTime")
        where.append(f"hour >= {first} AND hour < {after}")
        params.update(lo=dialect.utc_time(lo), hi=dialect.utc_time(hi))

    def dimension_sql(name: str) -> str:
        dim = DIMENSIONS[name]
        if dim.time is not None:
            return dialect.time_dimension(dim.time, plan, tz)
        assert dim.column is not None
        return dim.column

    for i, f in enumerate(query.filters):
        many = FILTER_OPS[f.op] == "many"
        param = dialect.param(f"f{i}", "Strings" if many else "String")
        where.append(dialect.filter(f.op, dimension_sql(f.field), param))
        params[f"f{i}"] = list(f.values) if many else f.values[0]
    select = [f"{dimension_sql(d)} AS d_{d}" for d in query.dimensions]
    select += [f"{_metric_sql(m, dialect)} AS m_{m}" for m in query.metrics]
    select.append(f"{dialect.total_rows()} AS _total_rows")
    sql = f"SELECT {', '.join(select)} FROM {plan.table} WHERE {' AND '.join(where)}"
    if query.dimensions:
        sql += f" GROUP BY {', '.join(f'd_{d}' for d in query.dimensions)}"
    alias = {**{d: f"d_{d}" for d in query.dimensions}, **{m: f"m_{m}" for m in query.metrics}}
    ordered = {name for name, _ in query.order_by}
    order = [f"{alias[name]} {direction.upper()}" for name, direction in query.order_by]
    order += [f"d_{d} ASC" for d in query.dimensions if d not in ordered]
    if order:
        sql += f" ORDER BY {', '.join(order)}"
    sql += f" LIMIT {dialect.param('limit', 'Count')} OFFSET {dialect.param('offset', 'Count')}"
    params.update(limit=query.limit, offset=query.offset)
    return RenderedQuery(sql, params)
