"""DuckDB over the lake's gold tables: ``$name`` parameters, visitors from exact lists."""

from __future__ import annotations

import datetime as dt

from serving.planner import Plan
from serving.report_query import is_property
from serving.semantic import Measure

__all__ = ["DuckDBDialect"]

_CASTS = {
    "String": "VARCHAR",
    "Date": "DATE",
    "DateTime": "TIMESTAMPTZ",
    "Strings": "VARCHAR[]",
    "Count": "INTEGER",
    "Number": "DOUBLE",
}


class DuckDBDialect:
    """Renders reports for the gold Delta tables, whose visitor columns are exact lists."""

    name = "duckdb"

    def param(self, name: str, sql_type: str) -> str:
        """``$name`` cast to its type (the driver binds Python values)."""
        if sql_type == "Count":
            return f"${name}"  # LIMIT takes a bare parameter
        return f"CAST(${name} AS {_CASTS[sql_type]})"

    def measure(self, measure: Measure, spread: bool, table: str) -> str:
        """``sum(column)``, or the distinct visitors: over rows spread one per visitor
        (see :meth:`aggregate_source`), sums take each row's first copy only."""
        if measure.kind == "distinct":
            assert spread, "distinct visitors are counted over spread rows"
            return "count(DISTINCT _visitor)"
        if spread:
            return f"sum({measure.column}) FILTER (WHERE _nth = 0)"
        return f"sum({measure.column})"

    def row_visitors(self, table: str) -> str:
        """The length of the row's exact visitor list (no unnesting)."""
        return "sum(len(users))"

    def raw_visitors(self, plan: Plan) -> str:
        """``count(DISTINCT client_id)``: exact."""
        return "count(DISTINCT client_id)"

    def aggregate_source(self, table: str, visitors: bool) -> str:
        """With ``visitors``, each row once per member of its visitor list (``_visitor``,
        ``_nth`` from 0; a row with an empty list once, its visitor NULL): a plain
        ``count(DISTINCT)`` over that is several times faster than uniting the lists."""
        if not visitors:
            return table
        return (
            f"(SELECT *, unnest(CASE WHEN len(users) = 0 THEN [NULL::VARCHAR] ELSE users END)"
            f" AS _visitor, unnest(range(greatest(len(users), 1))) AS _nth FROM {table})"
            f" AS {table}"
        )

    def ratio(self, numerator: str, denominator: str) -> str:
        """0 when nothing is divided."""
        return f"CASE WHEN {denominator} = 0 THEN 0.0 ELSE {numerator} / {denominator} END"

    def property(self, key: str, key_param: str) -> str:
        """The JSON properties' value as text (non-strings as their JSON text)."""
        path = "'$.\"' || " + key_param + " || '\"'"  # keys never hold quotes
        return f"coalesce(json_extract_string(properties, {path}), '(not set)')"

    def matched_property(self, key: str, key_param: str) -> str:
        """As :meth:`property` (its ``coalesce`` costs nothing here)."""
        return self.property(key, key_param)

    def number(self, expr: str) -> str:
        """``TRY_CAST``: text that is no number compares false."""
        return f"TRY_CAST({expr} AS DOUBLE)"

    def client_hash(self) -> str:
        """``md5`` is lower-case hex already: its first eight digits."""
        return "substr(md5(client_id), 1, 8)"

    def time_dimension(self, grain: str, plan: Plan, tz_param: str) -> str:
        """Days, weeks, months and hours of the site's zone (daily rows are local days)."""
        col = plan.time_column
        if grain == "hour":
            return f"strftime(timezone({tz_param}, {col}), '%Y-%m-%d %H:00')"
        day = "date" if plan.time_grain == "date" else f"CAST(timezone({tz_param}, {col}) AS DATE)"
        if grain == "week":  # ISO weeks start on Monday
            return f"strftime(date_trunc('week', {day}), '%Y-%m-%d')"
        if grain == "month":
            return f"strftime({day}, '%Y-%m')"
        return f"strftime({day}, '%Y-%m-%d')"

    def visitor_pairs(self, plan: Plan, dimensions: tuple[str, ...]) -> str | None:
        """Raw rows by a custom property: ``hash(client_id)`` (DuckDB counts distinct
        clients per group of JSON-extracted values ~1.4x slower than it groups pairs;
        exact but for a 64-bit collision, as ClickHouse's ``client_key``)."""
        if plan.is_raw and any(is_property(d) for d in dimensions):
            return "hash(client_id)"
        return None

    def time_group(self, grain: str, plan: Plan, tz_param: str) -> str | None:
        """None: rows group by their time label."""
        return None

    def filter(self, op: str, expr: str, param: str) -> str:
        """String tests; ``regexp_matches`` is RE2, as ClickHouse's ``match``."""
        return {
            "eq": f"{expr} = {param}",
            "neq": f"{expr} != {param}",
            "in": f"list_contains({param}, {expr})",
            "not_in": f"NOT list_contains({param}, {expr})",
            "contains": f"contains({expr}, {param})",
            "not_contains": f"NOT contains({expr}, {param})",
            "starts_with": f"starts_with({expr}, {param})",
            "regex": f"regexp_matches({expr}, {param})",
            "gt": f"{expr} > {param}",
            "gte": f"{expr} >= {param}",
            "lt": f"{expr} < {param}",
            "lte": f"{expr} <= {param}",
        }[op]

    def total_rows(self) -> str:
        """A window count over the groups."""
        return "count(*) OVER ()"

    def local_date(self, column: str, tz_param: str) -> str:
        """``timezone`` then a cast to DATE."""
        return f"CAST(timezone({tz_param}, {column}) AS DATE)"

    def day_number(self, date: str) -> str:
        """``date_diff`` from 1970-01-01."""
        return f"date_diff('day', DATE '1970-01-01', {date})"

    def month_number(self, date: str) -> str:
        """From ``year`` and ``month``."""
        return f"(year({date}) * 12 + month({date}) - 1)"

    def arg_min(self, value: str, by: str) -> str:
        """``arg_min``."""
        return f"arg_min({value}, {by})"

    def epoch_us(self, column: str) -> str:
        """``epoch_us``."""
        return f"epoch_us({column})"

    def utc_time(self, moment: dt.datetime) -> dt.datetime:
        """An aware UTC datetime (the column is ``TIMESTAMPTZ``)."""
        return moment.astimezone(dt.UTC)

    def visitor_key(self) -> str:
        """A 64-bit hash of ``client_id`` (bronze keeps no numbers): grouping, sorting and
        shipping it is far cheaper than the text, and exact but for a 64-bit collision
        (as ``client_key`` on ClickHouse)."""
        return "hash(client_id)"

    def coded_text(self, expr: str) -> str:
        """``expr`` as it is (the lake's Parquet has no dictionary to keep)."""
        return expr

    def timed_values(self, moment: str, value: str, condition: str) -> str:
        """A filtered ``list`` of structs."""
        return f"list({{'t': {moment}, 'v': {value}}}) FILTER (WHERE {condition})"

    def sum_since(self, pairs: str, start: str) -> str:
        """``list_sum`` over the filtered list."""
        return (
            f"coalesce(list_sum(list_transform(list_filter({pairs}, x -> x.t >= {start}), "
            f"x -> x.v)), 0)"
        )

    def visitor_days(self, tracking_id_param: str, before_param: str, end_param: str | None) -> str:
        """The lake cube's visitor lists (client ids), one row per visitor and day."""
        until = f" AND date <= {end_param}" if end_param is not None else ""
        return (
            f"SELECT unnest(users) AS v, date AS day FROM cube_daily_totals "
            f"WHERE tracking_id = {tracking_id_param}{until}"
        )
