"""ClickHouse: typed ``{name:Type}`` parameters, visitors merged from uniqCombined64 states."""

from __future__ import annotations

import datetime as dt

from lake.hot_tier import DISTINCT_USERS_MERGE
from serving.planner import Plan
from serving.semantic import Measure

__all__ = ["ClickHouseDialect"]

_TYPES = {
    "String": "String",
    "Date": "Date",
    "DateTime": "DateTime",
    "Strings": "Array(String)",
    "Count": "UInt32",
}


class ClickHouseDialect:
    """Renders reports for the hot tier's ``AggregatingMergeTree`` rollups."""

    name = "clickhouse"

    def param(self, name: str, sql_type: str) -> str:
        """``{name:Type}``."""
        return f"{{{name}:{_TYPES[sql_type]}}}"

    def measure(self, measure: Measure) -> str:
        """``sum(column)``, or the merge of the visitors' states."""
        if measure.kind == "distinct":
            return DISTINCT_USERS_MERGE
        return f"sum({measure.column})"

    def ratio(self, numerator: str, denominator: str) -> str:
        """0 when nothing is divided."""
        return f"if({denominator} = 0, 0, {numerator} / {denominator})"

    def time_dimension(self, grain: str, plan: Plan, tz_param: str) -> str:
        """Days and hours of the site's zone (daily rows are already local days)."""
        if grain == "date":
            if plan.time_grain == "date":
                return "toString(date)"
            return f"toString(toDate(hour, {tz_param}))"
        return f"formatDateTime(toTimeZone(hour, {tz_param}), '%Y-%m-%d %H:00')"

    def in_list(self, expr: str, list_param: str) -> str:
        """``expr IN array``."""
        return f"{expr} IN {list_param}"

    def total_rows(self) -> str:
        """A window count over the groups."""
        return "count() OVER ()"

    def utc_time(self, moment: dt.datetime) -> dt.datetime:
        """Naive UTC (the column is ``DateTime('UTC')``)."""
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
