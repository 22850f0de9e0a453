"""Which table answers a report, and the parameterized SQL that asks it."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from serving.registry import METRICS, dimension_sql

__all__ = ["Plan", "plan_query"]


@dataclass(frozen=True)
class Plan:
    """A ready query: SQL with named parameters, and the table it reads."""

    table: str
    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


def _utc_bounds(start: dt.date, end: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(tz)
    lo = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return lo.replace(tzinfo=None), hi.replace(tzinfo=None)


def plan_query(
    *,
    tracking_id: str,
    timezone: str,
    start: dt.date,
    end: dt.date,
    metrics: list[str],
    dimensions: list[str],
    filters: dict[str, list[str]],
    order_by: list[tuple[str, str]],
    limit: int,
) -> Plan:
    """Build the report query; every name must already be validated against the registry.

    Result columns are ``d_<dimension>``, ``m_<metric>`` and ``_total_rows``.

    Hourly questions go to ``rollup_hourly`` (UTC hours, converted to the site's zone);
    everything else to ``rollup_daily`` (already in the site's zone).
    """
    table = "rollup_hourly" if "hour" in dimensions else "rollup_daily"
    params: dict[str, Any] = {"tracking_id": tracking_id, "tz": timezone, "limit": limit}
    where = ["tracking_id = {tracking_id:String}"]
    if table == "rollup_daily":
        where.append("date BETWEEN {start:Date} AND {end:Date}")
        params.update(start=start, end=end)
    else:
        lo, hi = _utc_bounds(start, end, timezone)
        where.append("hour >= {lo:DateTime} AND hour < {hi:DateTime}")
        params.update(lo=lo, hi=hi)
    for i, (name, values) in enumerate(sorted(filters.items())):
        where.append(f"{dimension_sql(name, table)} IN {{f{i}:Array(String)}}")
        params[f"f{i}"] = values
    # Output aliases are prefixed so they never shadow a column in WHERE.
    select = [f"{dimension_sql(d, table)} AS d_{d}" for d in dimensions]
    select += [f"{METRICS[m]} AS m_{m}" for m in metrics]
    select.append("count() OVER () AS _total_rows")
    sql = f"SELECT {', '.join(select)} FROM {table} WHERE {' AND '.join(where)}"
    if dimensions:
        sql += f" GROUP BY {', '.join(f'd_{d}' for d in dimensions)}"
    alias = {**{d: f"d_{d}" for d in dimensions}, **{m: f"m_{m}" for m in metrics}}
    order = [f"{alias[name]} {direction.upper()}" for name, direction in order_by]
    order += [f"d_{d} ASC" for d in dimensions if d not in {n for n, _ in order_by}]
    if order:
        sql += f" ORDER BY {', '.join(order)}"
    sql += " LIMIT {limit:UInt32}"
    return Plan(table, sql, params)
