"""Rendering a report as SQL: the shape is shared, each dialect supplies the pieces.

Result columns are ``d_<i>`` (the i-th dimension), ``m_<i>`` (the i-th metric) and
``_total_rows`` (the groups before the limit); aliases are numbered so no request text
(``properties.<key>``) becomes an identifier, and prefixed so they never shadow a column
in ``WHERE``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from serving.planner import Plan
from serving.report_query import ReportQuery, is_property
from serving.semantic import (
    DIMENSIONS,
    FILTER_OPS,
    MEASURES,
    METRICS,
    PROPERTY_PREFIX,
    RAW_COLUMNS,
    RAW_MEASURES,
    RAW_ROWS,
    RAW_TIME,
)
from serving.sql.dialect import Dialect, RenderedQuery, utc_bounds

__all__ = ["Dialect", "RenderedQuery", "render_report", "utc_bounds"]


def _measure_sql(name: str, plan: Plan, dialect: Dialect, spread: bool) -> str:
    if plan.is_raw:
        return dialect.raw_visitors(plan) if name == "visitors" else RAW_MEASURES[plan.table][name]
    if plan.rows_are_groups and MEASURES[name].kind == "distinct":
        return dialect.row_visitors(plan.table)
    return dialect.measure(MEASURES[name], spread, plan.table)


def _metric_sql(name: str, plan: Plan, dialect: Dialect, spread: bool) -> str:
    metric = METRICS[name]
    numerator = _measure_sql(metric.numerator, plan, dialect, spread)
    if metric.denominator is None:
        return numerator
    denominator = _measure_sql(metric.denominator, plan, dialect, spread)
    ratio = dialect.ratio(numerator, denominator)
    return ratio if metric.scale == 1.0 else f"({ratio}) * {metric.scale!r}"


def render_report(query: ReportQuery, plan: Plan, dialect: Dialect) -> RenderedQuery:
    """The report as SQL over ``plan.table`` in ``dialect``; every value bound."""
    params: dict[str, Any] = {"tracking_id": query.tracking_id, "tz": query.timezone}
    tz = dialect.param("tz", "String")
    where = [f"tracking_id = {dialect.param('tracking_id', 'String')}"]
    if plan.is_raw:
        time_col, date_col = RAW_TIME[plan.table]
        lo, hi = utc_bounds(query.start, query.end, query.timezone)
        first, after = dialect.param("lo", "DateTime"), dialect.param("hi", "DateTime")
        where += [
            RAW_ROWS[plan.table],  # the UTC days a local day can touch, for pruning
            f"{date_col} BETWEEN {dialect.param('d0', 'Date')} AND {dialect.param('d1', 'Date')}",
            f"{time_col} >= {first} AND {time_col} < {after}",
        ]
        one = dt.timedelta(days=1)
        params.update(
            lo=dialect.utc_time(lo),
            hi=dialect.utc_time(hi),
            d0=query.start - one,
            d1=query.end + one,
        )
        if query.segment is not None:
            from serving.sql.conditions import Binder, segment_sql

            bind = Binder(dialect, params, prefix="sg")
            where.append(
                segment_sql(query.segment, query.tracking_id, query.timezone, lo, hi, bind)
            )
        if plan.sample_below is not None:  # hex strings of one length sort as numbers
            where.append(f"{dialect.client_hash()} < {dialect.param('sample', 'String')}")
            params["sample"] = f"{plan.sample_below:08x}"
    elif plan.time_grain == "date":
        where.append(
            f"date BETWEEN {dialect.param('start', 'Date')} AND {dialect.param('end', 'Date')}"
        )
        params.update(start=query.start, end=query.end)
    else:
        lo, hi = utc_bounds(query.start, query.end, query.timezone)
        first, after = dialect.param("lo", "DateTime"), dialect.param("hi", "DateTime")
        where.append(f"hour >= {first} AND hour < {after}")
        params.update(lo=dialect.utc_time(lo), hi=dialect.utc_time(hi))

    keys: dict[str, str] = {}  # property key -> its parameter

    def dimension_sql(name: str) -> str:
        if is_property(name):
            key = name[len(PROPERTY_PREFIX) :]
            if key not in keys:
                keys[key] = f"k{len(keys)}"
                params[keys[key]] = key
            return dialect.property(key, dialect.param(keys[key], "String"))
        dim = DIMENSIONS[name]
        if dim.time is not None:
            return dialect.time_dimension(dim.time, plan, tz)
        assert dim.column is not None
        if plan.is_raw:
            return f"coalesce({RAW_COLUMNS[plan.table][name]}, '(not set)')"
        return dim.column

    for i, f in enumerate(query.filters):
        takes = FILTER_OPS[f.op]
        if takes == "number":
            param = dialect.param(f"f{i}", "Number")
            where.append(dialect.filter(f.op, dialect.number(dimension_sql(f.field)), param))
            params[f"f{i}"] = float(f.values[0])
            continue
        many = takes == "many"
        param = dialect.param(f"f{i}", "Strings" if many else "String")
        where.append(dialect.filter(f.op, dimension_sql(f.field), param))
        params[f"f{i}"] = list(f.values) if many else f.values[0]
    select = [f"{dimension_sql(d)} AS d_{i}" for i, d in enumerate(query.dimensions)]
    needed = {n for m in query.metrics for n in (METRICS[m].numerator, METRICS[m].denominator)}
    pair_key = dialect.visitor_pairs(plan, query.dimensions) if "visitors" in needed else None
    if plan.is_raw and pair_key is not None:
        groups = _groups(query, plan, dialect, tz)
        measures = sorted(n for n in needed if n is not None and n != "visitors")
        return _render_pairs(
            query, plan, dialect, select, where, groups, measures, pair_key, params
        )
    spread = (
        not plan.is_raw
        and not plan.rows_are_groups
        and any(MEASURES[n].kind == "distinct" for n in needed if n is not None)
    )
    source = plan.table if plan.is_raw else dialect.aggregate_source(plan.table, spread)
    select += [
        f"{_metric_sql(m, plan, dialect, spread)} AS m_{i}" for i, m in enumerate(query.metrics)
    ]
    select.append(f"{dialect.total_rows()} AS _total_rows")
    sql = f"SELECT {', '.join(select)} FROM {source} WHERE {' AND '.join(where)}"
    if query.dimensions:
        sql += f" GROUP BY {', '.join(_groups(query, plan, dialect, tz))}"
    return RenderedQuery(sql + _order_and_page(query, dialect, params), params)


def _groups(query: ReportQuery, plan: Plan, dialect: Dialect, tz: str) -> list[str]:
    """What rows are grouped by: each dimension's alias, or for a time dimension the
    expression its label is made of when the dialect groups by that instead."""
    groups = []
    for i, name in enumerate(query.dimensions):
        grain = DIMENSIONS[name].time if name in DIMENSIONS else None
        groups.append((grain and dialect.time_group(grain, plan, tz)) or f"d_{i}")
    return groups


def _order_and_page(query: ReportQuery, dialect: Dialect, params: dict[str, Any]) -> str:
    """``ORDER BY`` (the requested order, then every dimension) and the page."""
    dims = {d: f"d_{i}" for i, d in enumerate(query.dimensions)}
    alias = {**dims, **{m: f"m_{i}" for i, m in enumerate(query.metrics)}}
    ordered = {name for name, _ in query.order_by}
    order = [f"{alias[name]} {direction.upper()}" for name, direction in query.order_by]
    order += [f"{a} ASC" for d, a in dims.items() if d not in ordered]
    sql = f" ORDER BY {', '.join(order)}" if order else ""
    params.update(limit=query.limit, offset=query.offset)
    return sql + (
        f" LIMIT {dialect.param('limit', 'Count')} OFFSET {dialect.param('offset', 'Count')}"
    )


def _render_pairs(
    query: ReportQuery,
    plan: Plan,
    dialect: Dialect,
    select: list[str],
    where: list[str],
    groups: list[str],
    measures: list[str],
    pair_key: str,
    params: dict[str, Any],
) -> RenderedQuery:
    """Raw rows grouped by answer row and visitor first (:meth:`Dialect.visitor_pairs`):
    each other measure (``measures``) is summed per pair, then over the pairs; visitors
    are the pairs."""
    part = {name: f"p_{i}" for i, name in enumerate(measures)}
    inner = [*select, f"{pair_key} AS _visitor"]
    inner += [f"{RAW_MEASURES[plan.table][n]} AS {part[n]}" for n in measures]
    dims = [f"d_{i}" for i in range(len(query.dimensions))]
    sql = (
        f"SELECT {', '.join(inner)} FROM {plan.table} WHERE {' AND '.join(where)} "
        f"GROUP BY {', '.join([*groups, '_visitor'])}"
    )

    def measure(name: str) -> str:
        return "count(*)" if name == "visitors" else f"sum({part[name]})"

    outer = list(dims)
    for i, name in enumerate(query.metrics):
        metric = METRICS[name]
        value = measure(metric.numerator)
        if metric.denominator is not None:
            value = dialect.ratio(value, measure(metric.denominator))
            value = value if metric.scale == 1.0 else f"({value}) * {metric.scale!r}"
        outer.append(f"{value} AS m_{i}")
    outer.append(f"{dialect.total_rows()} AS _total_rows")
    sql = f"SELECT {', '.join(outer)} FROM ({sql}) AS pairs"
    if dims:
        sql += f" GROUP BY {', '.join(dims)}"
    return RenderedQuery(sql + _order_and_page(query, dialect, params), params)
