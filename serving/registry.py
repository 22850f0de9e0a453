"""What a report may ask for: metrics, dimensions and filters, each mapped to fixed SQL.

Request text never reaches SQL: names are looked up here and values are bound
as query parameters.
"""

from __future__ import annotations

from lake.hot_tier import DISTINCT_USERS_MERGE

__all__ = ["DIMENSIONS", "FILTERABLE", "METRICS", "dimension_sql"]

#: Metric -> ClickHouse aggregate over a rollup table.  Distinct users merge their
#: uniqCombined64 states; sessions are counted once, on the row of their entry page.
METRICS: dict[str, str] = {
    "pageviews": "sum(count_pageviews)",
    "events": "sum(count_events)",
    "unique_users": DISTINCT_USERS_MERGE,
    "sessions": "sum(count_sessions)",
    "bounce_rate": "if(sum(count_sessions) = 0, 0, sum(count_bounces) / sum(count_sessions))",
    "avg_session_duration": (
        "if(sum(count_sessions) = 0, 0, sum(sum_session_duration_s) / sum(count_sessions))"
    ),
}

_PLAIN = (
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

#: Dimensions a report can group by.
DIMENSIONS: tuple[str, ...] = ("date", "hour", *_PLAIN)

#: Dimensions a filter may name (time is chosen with ``date_range``).
FILTERABLE: tuple[str, ...] = _PLAIN


def dimension_sql(name: str, table: str) -> str:
    """SQL for a dimension on ``table``; the site's zone is bound as ``{tz:String}``."""
    if name == "date":
        return (
            "toString(date)" if table == "rollup_daily" else "toString(toDate(hour, {tz:String}))"
        )
    if name == "hour":
        return "formatDateTime(toTimeZone(hour, {tz:String}), '%Y-%m-%d %H:00')"
    if name in _PLAIN:
        return name
    raise KeyError(name)
