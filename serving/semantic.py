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
    "PROPERTY_KEY",
    "PROPERTY_PREFIX",
    "RAW_COLUMNS",
    "RAW_DIMENSIONS",
    "RAW_MEASURES",
    "RAW_ROWS",
    "RAW_TIME",
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

#: Dimensions only the raw tables answer (the planner sends these to ``events`` or
#: ``sessions``); ``properties.<key>`` (a custom property) is one too.
RAW_DIMENSIONS: dict[str, str] = {
    "entry_page": "Path of the session's first page view (sessions).",
    "exit_page": "Path of the session's last page view (sessions).",
    "referrer_host": "External referrer host of the session's first event (sessions).",
    "event_type": "pageview, event, click, purchase … (events).",
    "event_name": "Name of a custom event (events).",
    "region": "Region of the IP, with a MaxMind City database (events).",
    "city": "City of the IP, with a MaxMind City database (events).",
}
DIMENSIONS.update(
    {name: Dimension(column=name, description=text) for name, text in RAW_DIMENSIONS.items()}
)

#: A custom property as a dimension or filter field: ``properties.<key>``.
PROPERTY_PREFIX = "properties."
#: The keys a ``properties.<key>`` field may name (bound as a parameter all the same).
PROPERTY_KEY = r"[A-Za-z0-9_$][A-Za-z0-9_.:$-]{0,127}"

#: Dimensions a filter may name (time is chosen with the date range).
FILTERABLE: tuple[str, ...] = (*_COLUMNS, *RAW_DIMENSIONS)

#: What each raw table groups by: dimension -> its column there.  ``events`` holds each
#: event's own attributes; ``sessions`` a session's (its first event's), on the day it
#: started, with ``page_path`` meaning the entry page as in the rollups.
RAW_COLUMNS: dict[str, dict[str, str]] = {
    "events": {
        **{c: c for c in _COLUMNS},
        **{c: c for c in ("event_type", "event_name", "region", "city")},
    },
    "sessions": {
        **{c: c for c in _COLUMNS if c != "page_path"},
        "page_path": "entry_page",
        **{c: c for c in ("entry_page", "exit_page", "referrer_host")},
    },
}

#: Rows of a raw table that reports count: people, and no engagement records (written
#: as the hot tier's ``exposures`` projection of ``events`` is keyed, so that ClickHouse
#: can answer from it).
RAW_ROWS: dict[str, str] = {
    "events": "NOT is_bot AND NOT (event_type = 'engagement')",
    "sessions": "NOT is_bot",
}

_ORDER = "event_type IN ('purchase', 'transaction')"

#: The measures each raw table answers, as portable SQL over its rows (distinct
#: visitors are exact here: the rows are the raw ones; each dialect counts them its own
#: way, ``Dialect.raw_visitors``).
RAW_MEASURES: dict[str, dict[str, str]] = {
    "events": {
        "pageviews": "sum(CASE WHEN event_type = 'pageview' THEN 1 ELSE 0 END)",
        "events": "count(*)",
        "visitors": "count(DISTINCT client_id)",
        "revenue": f"sum(CASE WHEN {_ORDER} THEN coalesce(revenue_amount, 0) ELSE 0 END)",
        "orders": f"sum(CASE WHEN {_ORDER} THEN 1 ELSE 0 END)",
    },
    "sessions": {
        "sessions": "count(*)",
        "bounces": "sum(CASE WHEN is_bounce THEN 1 ELSE 0 END)",
        "session_seconds": "sum(duration_s)",
        "visitors": "count(DISTINCT client_id)",
        "pageviews": "sum(count_pageviews)",
        "events": "sum(count_events)",
        "converted_sessions": "sum(CASE WHEN is_converted THEN 1 ELSE 0 END)",
        "revenue": "sum(coalesce(revenue, 0))",
    },
}

#: (time column, partition date column) of each raw table.
RAW_TIME: dict[str, tuple[str, str]] = {
    "events": ("event_at", "event_date"),
    "sessions": ("started_at", "session_date"),
}

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
    "gt": "number",
    "gte": "number",
    "lt": "number",
    "lte": "number",
}
