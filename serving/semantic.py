"""The semantic layer: what a report can ask for, described once and engine-neutral.

*Measures* are aggregates over rollup rows (a sum of a count column, or the distinct
members of the visitor lists, merged, never added up).  *Metrics* are what a report
asks for: a measure, or the ratio of two.  *Dimensions* are what a report groups and
filters by: a rollup column, or a time bucket in the site's zone.  The SQL dialects
(:mod:`serving.sql`) render these for ClickHouse and DuckDB; nothing here names an
engine.  Request text never reaches SQL: names are looked up here and values are bound
as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DIMENSIONS",
    "FILTERABLE",
    "FILTER_OPS",
    "MEASURES",
    "METRICS",
    "Dimension",
    "Measure",
    "Metric",
]


@dataclass(frozen=True)
class Measure:
    """An aggregate over rollup rows: ``sum`` of a column, or ``distinct`` members of lists."""

    kind: Literal["sum", "distinct"]
    column: str


@dataclass(frozen=True)
class Metric:
    """A measure, or ``numerator / denominator`` (0 when the denominator is 0), times
    ``scale`` (a unit change, e.g. milliseconds to seconds)."""

    numerator: str
    denominator: str | None = None
    description: str = ""
    scale: float = 1.0


@dataclass(frozen=True)
class Dimension:
    """A rollup column, or a time bucket (``date``/``hour`` in the site's time zone)."""

    column: str | None = None
    time: Literal["date", "hour", "week", "month"] | None = None
    description: str = ""


MEASURES: dict[str, Measure] = {
    "pageviews": Measure("sum", "count_pageviews"),
    "events": Measure("sum", "count_events"),
    "visitors": Measure("distinct", "users"),
    "sessions": Measure("sum", "count_sessions"),
    "bounces": Measure("sum", "count_bounces"),
    "session_seconds": Measure("sum", "sum_session_duration_s"),
    "engaged_ms": Measure("sum", "sum_engaged_ms"),
    "engaged_pageviews": Measure("sum", "count_engaged_pageviews"),
    "scroll_depth_sum": Measure("sum", "sum_scroll_depth"),
    "scrolled_pageviews": Measure("sum", "count_scrolled_pageviews"),
    "session_engaged_ms": Measure("sum", "sum_session_engaged_ms"),
    "revenue": Measure("sum", "sum_revenue"),
    "orders": Measure("sum", "count_orders"),
    "converted_sessions": Measure("sum", "count_converted_sessions"),
}

METRICS: dict[str, Metric] = {
    "pageviews": Metric("pageviews", description="Pageviews where they happened."),
    "events": Metric("events", description="Events of every type where they happened."),
    "unique_users": Metric("visitors", description="Distinct clients (merged, never summed)."),
    "visitors": Metric("visitors", description="Another name for unique_users."),
    "sessions": Metric("sessions", description="Sessions, on the day/hour they started."),
    "bounce_rate": Metric("bounces", "sessions", "Share of sessions that bounced."),
    "avg_session_duration": Metric(
        "session_seconds", "sessions", "Mean session length in seconds."
    ),
    "revenue": Metric("revenue", description="Revenue of purchases and transactions, as sent."),
    "orders": Metric("orders", description="Purchases and transactions."),
    "conversion_rate": Metric(
        "converted_sessions", "sessions", "Share of sessions with a purchase or transaction."
    ),
    "pageviews_per_session": Metric(
        "pageviews", "sessions", "Page views of the rows over the sessions started in them."
    ),
    "events_per_session": Metric(
        "events", "sessions", "Events of the rows over the sessions started in them."
    ),
    "avg_time_on_page": Metric(
        "engaged_ms",
        "engaged_pageviews",
        "Mean engaged seconds of the page views that reported engagement.",
        scale=0.001,
    ),
    "avg_scroll_depth": Metric(
        "scroll_depth_sum",
        "scrolled_pageviews",
        "Mean deepest scroll (percent) of the page views that reported one.",
    ),
    "avg_engaged_time": Metric(
        "session_engaged_ms",
        "sessions",
        "Mean engaged seconds per session (its page views' engaged time).",
        scale=0.001,
    ),
}

_COLUMNS = (
    "country",
    "device",
    "browser",
    "os",
    "page_path",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
)

DIMENSIONS: dict[str, Dimension] = {
    "date": Dimension(time="date", description="Day in the site's time zone (YYYY-MM-DD)."),
    "hour": Dimension(time="hour", description="Hour in the site's time zone (YYYY-MM-DD HH:00)."),
    "week": Dimension(
        time="week", description="Monday of the week, site's time zone (YYYY-MM-DD)."
    ),
    "month": Dimension(time="month", description="Month in the site's time zone (YYYY-MM)."),
    **{name: Dimension(column=name) for name in _COLUMNS},
}

#: Dimensions a filter may name (time is chosen with the date range).
FILTERABLE: tuple[str, ...] = _COLUMNS

#: Filter operators on string dimensions: op -> how many values it takes ("one"/"many").
FILTER_OPS: dict[str, str] = {
    "eq": "one",
    "neq": "one",
    "in": "many",
    "not_in": "many",
    "contains": "one",
    "not_contains": "one",
    "starts_with": "one",
    "regex": "one",
}
