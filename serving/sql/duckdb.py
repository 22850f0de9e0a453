"""DuckDB over the lake's gold tables: ``$name`` parameters, visitors from exact lists."""

from __future__ import annotations

import datetime as dt

from serving.planner import Plan
from serving.semantic import Measure

__all__ = ["DuckDBDialect"]

_CASTS = {
    "String": "VARCHAR",
    "Date": "DATE",
    "DateTime": "TIMESTAMPTZ",
    "Strings": "VARCHAR[]",
    "Count": "INTEGER",
}


class DuckDBDialect:
    """Renders reports for the gold Delta tables, whose visitor columns are exact lists."""

    name = "duckdb"

    def param(self, name: str, sql_type: str) -> str:
        """``$name`` cast to its type (the driver binds Python values)."""
        if sql_type == "Count":
            return f"${name}"  # LIMIT takes a bare parameter
        return f"CAST(${name} AS {_CASTS[sql_type]})"

    def measure(self, measure: Measure) -> str:
        """``sum(column)``, or the number of distinct members of all the rows' lists."""
        if measure.kind == "distinct":
            return f"len(list_distinct(flatten(list({measure.column}))))"
        return f"sum({measure.column})"

    def ratio(self, numerator: str, denominator: str) -> str:
        """0 when nothing is divided."""
        return f"CASE WHEN {denominator} = 0 THEN 0.0 ELSE {numerator} / {denominator} END"

    def time_dimension(self, grain: str, plan: Plan, tz_param: str) -> str:
        """Days and hours of the site's zone (daily rows are already local days)."""
        if grain == "date":
            if plan.time_grain == "date":
                return "strftime(date, '%Y-%m-%d')"
            return f"strftime(timezone({tz_param}, hour), '%Y-%m-%d')"
        return f"strftime(timezone({tz_param}, hour), '%Y-%m-%d %H:00')"

    def in_list(self, expr: str, list_param: str) -> str:
        """``expr`` is an element of the list."""
        return f"list_contains({list_param}, {expr})"

    def total_rows(self) -> str:
        """A window count over the groups."""
        return "count(*) OVER ()"

    def utc_time(self, moment: dt.datetime) -> dt.datetime:
        """An aware UTC datetime (the column is ``TIMESTAMPTZ``)."""
        return moment.astimezone(dt.UTC)
