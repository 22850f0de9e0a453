"""Rollups: hourly (UTC) and daily (site time zone) aggregates with mergeable distinct state.

Each row holds, for one site × time bucket × page × session attributes:
pageviews and events of that page in that bucket; the exact set of distinct
client ids (``users``, a list: the hot tier turns it into a ``uniqCombined64``
state, so distinct users are merged, never summed); and the sessions that
*started* in that bucket with that page as entry page (count, bounces, summed
duration).  Each session sits on exactly one row, so session counts add up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from lake.schemas import ROLLUP_DIMENSIONS, SESSION_DIMENSIONS, TELEMETRY_EVENT_TYPES
from lake.transforms.sessionize import NOT_SET, client_bucket

__all__ = [
    "ADDED_MEASURES",
    "COMMERCE_MEASURES",
    "ENGAGEMENT_MEASURES",
    "ROLLUP_EVENT_COLUMNS",
    "ROLLUP_METRIC_COLUMNS",
    "attach_sessions",
    "complete_measures",
    "local_date",
    "long_sessions",
    "merge_client_parts",
    "pageview_engagement",
    "rollup_daily",
    "rollup_day",
    "rollup_hourly",
]

#: The bronze columns a rollup reads.
ROLLUP_EVENT_COLUMNS = (
    "tracking_id",
    "client_id",
    "event_id",
    "event_type",
    "event_at",
    "page_path",
    "engaged_ms",
    "scroll_depth",
    "revenue_amount",
)

#: Engagement measures (in the order the hot tier appends them): engaged ms of the row's
#: page views, how many page views reported engagement, the sum of their deepest scroll
#: and how many reported one; and the engaged ms of the sessions started on the row.
ENGAGEMENT_MEASURES = (
    "sum_engaged_ms",
    "count_engaged_pageviews",
    "sum_scroll_depth",
    "count_scrolled_pageviews",
    "sum_session_engaged_ms",
)

#: Commerce measures (appended after the engagement ones): revenue and orders of the
#: row's purchases and transactions, and the sessions started on the row that converted.
COMMERCE_MEASURES = ("sum_revenue", "count_orders", "count_converted_sessions")

#: Measures added after the first release, in the order the hot tier appends them.
ADDED_MEASURES = (*ENGAGEMENT_MEASURES, *COMMERCE_MEASURES)

ROLLUP_METRIC_COLUMNS = (
    "count_pageviews",
    "count_events",
    "users",
    "count_sessions",
    "count_bounces",
    "sum_session_duration_s",
    *ADDED_MEASURES,
)


def local_date(col: str, tz_by_site: Mapping[str, str]) -> pl.Expr:
    """Date of ``col`` in each site's own time zone (UTC for sites not listed)."""
    expr: pl.Expr = pl.col(col).dt.date()
    for site, tz in tz_by_site.items():
        if tz != "UTC":
            local = pl.col(col).dt.convert_time_zone(tz).dt.date()
            expr = pl.when(pl.col("tracking_id") == site).then(local).otherwise(expr)
    return expr


def complete_measures(rollup: pl.LazyFrame) -> pl.LazyFrame:
    """A gold rollup (or cube) scan with every measure: days built before a measure was
    added have none, which means 0."""
    have = rollup.collect_schema().names()
    zero = {c: pl.lit(0.0 if c == "sum_revenue" else 0) for c in ADDED_MEASURES}
    return rollup.with_columns(v.alias(c) for c, v in zero.items() if c not in have).with_columns(
        pl.col(c).fill_null(0) for c in ADDED_MEASURES
    )


def attach_sessions(events: pl.LazyFrame, sessions: pl.LazyFrame) -> pl.LazyFrame:
    """Each event with the attributes of the session it belongs to (inner join).

    A client's sessions never overlap, so an event belongs to the one whose
    ``[started_at, ended_at]`` holds it: no re-sessionization is needed.  Events of
    sessions not in ``sessions`` (bots, when only human sessions are given) drop out.
    """
    return events.join(
        sessions.select("tracking_id", "client_id", "started_at", "ended_at", *SESSION_DIMENSIONS),
        on=["tracking_id", "client_id"],
    ).filter(pl.col("event_at").is_between(pl.col("started_at"), pl.col("ended_at")))


#: Events that are orders: a purchase or a transaction.
_ORDER = pl.col("event_type").is_in(["purchase", "transaction"])


def pageview_engagement(events: pl.LazyFrame) -> pl.LazyFrame:
    """Each page view's engagement, keyed ``(tracking_id, event_id)`` of the page view.

    An engagement record belongs to the client's latest page view of the same path at
    or before it (a tracker reports a page when it is left, maybe more than once: after
    a tab was hidden and shown again); a page view's engaged time is the sum of its
    records' ``engaged_ms``, its scroll depth the deepest ``scroll_depth`` reported.
    """
    by = ["tracking_id", "client_id", "page_path"]
    path = pl.col("page_path").fill_null(NOT_SET)
    views = (
        events.filter(pl.col("event_type") == "pageview")
        .select("tracking_id", "client_id", "event_at", page_path=path, view_id="event_id")
        .sort("event_at")
    )
    records = (
        events.filter(pl.col("event_type").is_in(TELEMETRY_EVENT_TYPES))
        .select(
            "tracking_id", "client_id", "event_at", "engaged_ms", "scroll_depth", page_path=path
        )
        .sort("event_at")
    )
    return (
        records.join_asof(views, on="event_at", by=by, strategy="backward", check_sortedness=False)
        .filter(pl.col("view_id").is_not_null())
        .group_by("tracking_id", "view_id")
        .agg(
            view_engaged_ms=pl.col("engaged_ms").fill_null(0).sum(),
            view_scroll_depth=pl.col("scroll_depth").max().cast(pl.Int64),
        )
        .rename({"view_id": "event_id"})
    )


def _rollup(
    events: pl.LazyFrame,
    sessions: pl.LazyFrame,
    time_key: str,
    event_time: pl.Expr,
    session_time: pl.Expr,
    engagement: bool = True,
) -> pl.LazyFrame:
    human = sessions.filter(~pl.col("is_bot"))
    keys = ["tracking_id", time_key, *ROLLUP_DIMENSIONS]
    actions = events.filter(~pl.col("event_type").is_in(TELEMETRY_EVENT_TYPES)).select(
        "tracking_id",
        "client_id",
        "event_id",
        "event_type",
        "event_at",
        "revenue_amount",
        page_path=pl.col("page_path").fill_null(NOT_SET),
    )
    if engagement:
        on = ["tracking_id", "event_id"]
        actions = actions.join(pageview_engagement(events), on=on, how="left")
    else:  # no engagement records in these events: skip the as-of join
        actions = actions.with_columns(
            view_engaged_ms=pl.lit(None, pl.Int64), view_scroll_depth=pl.lit(None, pl.Int64)
        )
    attached = attach_sessions(actions, human)
    if engagement:
        by_session = attached.group_by("tracking_id", "client_id", "started_at").agg(
            session_engaged_ms=pl.col("view_engaged_ms").sum()
        )
        human = human.join(by_session, on=["tracking_id", "client_id", "started_at"], how="left")
    else:
        human = human.with_columns(session_engaged_ms=pl.lit(None, pl.Int64))
    event_side = (
        attached.with_columns(event_time.alias(time_key))
        .group_by(keys)
        .agg(
            count_pageviews=(pl.col("event_type") == "pageview").sum().cast(pl.UInt64),
            count_events=pl.len().cast(pl.UInt64),
            users=pl.col("client_id").unique().sort(),
            sum_engaged_ms=pl.col("view_engaged_ms").sum().cast(pl.UInt64),
            count_engaged_pageviews=pl.col("view_engaged_ms").is_not_null().sum().cast(pl.UInt64),
            sum_scroll_depth=pl.col("view_scroll_depth").sum().cast(pl.UInt64),
            count_scrolled_pageviews=pl.col("view_scroll_depth")
            .is_not_null()
            .sum()
            .cast(pl.UInt64),
            sum_revenue=pl.col("revenue_amount").filter(_ORDER).sum().cast(pl.Float64),
            count_orders=_ORDER.sum().cast(pl.UInt64),
        )
    )
    session_side = (
        human.with_columns(session_time.alias(time_key), page_path=pl.col("entry_page"))
        .group_by(keys)
        .agg(
            count_sessions=pl.len().cast(pl.UInt64),
            count_bounces=pl.col("is_bounce").sum().cast(pl.UInt64),
            sum_session_duration_s=pl.col("duration_s").sum(),
            sum_session_engaged_ms=pl.col("session_engaged_ms").sum().cast(pl.UInt64),
            count_converted_sessions=pl.col("is_converted").sum().cast(pl.UInt64),
        )
    )
    floats = ("users", "sum_session_duration_s", "sum_revenue")
    counts = [c for c in ROLLUP_METRIC_COLUMNS if c not in floats]
    return event_side.join(session_side, on=keys, how="full", coalesce=True).with_columns(
        pl.col(counts).fill_null(0),
        pl.col("sum_session_duration_s", "sum_revenue").fill_null(0.0),
        pl.col("users").fill_null(pl.lit([], pl.List(pl.String))),
    )


def rollup_hourly(
    events: pl.LazyFrame, sessions: pl.LazyFrame, engagement: bool = True
) -> pl.LazyFrame:
    """Hourly rollup keyed by the UTC hour; ``utc_date`` is its partition column.

    ``events`` are bronze rows; ``sessions`` must hold every session they belong to.
    Sessions are counted in the hour they started, so a caller rolling up one day
    filters the result to that day (sessions passed only for their events fall outside).
    """
    return _rollup(
        events,
        sessions,
        "hour",
        pl.col("event_at").dt.truncate("1h"),
        pl.col("started_at").dt.truncate("1h"),
        engagement,
    ).with_columns(utc_date=pl.col("hour").dt.date())


def rollup_daily(
    events: pl.LazyFrame,
    sessions: pl.LazyFrame,
    tz_by_site: Mapping[str, str],
    engagement: bool = True,
) -> pl.LazyFrame:
    """Daily rollup keyed by the date in each site's time zone (reports are in that zone).

    ``engagement=False`` says ``events`` hold no engagement records (a faster plan).
    """
    return _rollup(
        events,
        sessions,
        "date",
        local_date("event_at", tz_by_site),
        local_date("started_at", tz_by_site),
        engagement,
    )


def merge_client_parts(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """One rollup from rollups of disjoint groups of clients (see ``client_bucket``).

    Counts and durations add up; the user lists are disjoint, so joined they are the
    exact distinct users of each row.
    """
    if len(parts) == 1:
        return parts[0]
    whole = pl.concat(parts)
    keys = [c for c in whole.columns if c not in ROLLUP_METRIC_COLUMNS]
    summed = [c for c in ROLLUP_METRIC_COLUMNS if c != "users"]
    users = pl.col("users").explode().drop_nulls().sort()
    return (
        whole.group_by(keys)
        .agg(*(pl.col(c).sum() for c in summed), users=users)
        .select(whole.columns)
    )


_DAY = dt.timedelta(days=1)


def long_sessions(sessions: pl.LazyFrame) -> pl.DataFrame:
    """Sessions spanning two or more midnights (rare): the only ones a window of
    neighbouring start days misses."""
    span = pl.col("ended_at").dt.date() - pl.col("session_date")
    return sessions.filter(span >= pl.duration(days=2)).collect()


def _sessions_around(
    sessions: pl.LazyFrame, long: pl.DataFrame, first: dt.date, last: dt.date
) -> pl.LazyFrame:
    return pl.concat(
        [
            sessions.filter(pl.col("session_date").is_between(first, last)),
            long.lazy().filter(pl.col("session_date") < first),
        ]
    )


def rollup_day(
    events: pl.LazyFrame,
    sessions: pl.LazyFrame,
    long: pl.DataFrame,
    day: dt.date,
    tz_by_site: Mapping[str, str],
    daily: bool,
    buckets: int = 1,
) -> pl.DataFrame:
    """One day partition of the daily (site-local days) or hourly (a UTC day) rollup.

    ``events`` and ``sessions`` are all of bronze and silver (lazy; only the days
    needed are read); ``long`` is :func:`long_sessions` of silver.  A UTC day D needs
    its events and the sessions they belong to (started on D-1 or D, or long ones); a
    site-local day D lies within UTC D-1..D+1, its sessions started on D-2..D+1.
    Session measures land on the day a session started, so rows of other days (from
    sessions passed only for their events) are dropped.  Very large days go
    ``buckets`` groups of clients at a time (see ``client_bucket``), merged exactly.
    """
    if daily:
        day_events = events.filter(pl.col("event_date").is_between(day - _DAY, day + _DAY)).filter(
            local_date("event_at", tz_by_site) == day
        )
        around = _sessions_around(sessions, long, day - 2 * _DAY, day + _DAY)
    else:
        day_events = events.filter(pl.col("event_date") == day)
        around = _sessions_around(sessions, long, day - _DAY, day)
    part_col = "date" if daily else "utc_date"
    telemetry = day_events.filter(pl.col("event_type").is_in(TELEMETRY_EVENT_TYPES))
    engagement = telemetry.select(pl.len()).collect().item() > 0
    parts = []
    for b in range(buckets):
        ev, ss = day_events.select(ROLLUP_EVENT_COLUMNS), around
        if buckets > 1:
            mine = client_bucket(buckets) == b
            ev, ss = ev.filter(mine), ss.filter(mine)
        df = (
            rollup_daily(ev, ss, tz_by_site, engagement)
            if daily
            else rollup_hourly(ev, ss, engagement)
        )
        parts.append(df.filter(pl.col(part_col) == day).collect())
    return merge_client_parts(parts)
