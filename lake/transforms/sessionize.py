"""Sessionization: events of one (site, client) with gaps under the timeout form a session.

A session may cross hour and day boundaries; it is built whole and dated by its
first event.  Pure ``LazyFrame -> LazyFrame`` functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from lake.schemas import (
    ENGAGEMENT_EVENT_TYPES,
    SESSION_DIMENSIONS,
    SESSION_SCHEMA,
)

__all__ = [
    "MAX_SESSION_TIMEOUT_MINUTES",
    "NOT_SET",
    "SESSION_INPUT_COLUMNS",
    "SESSION_KEY",
    "assign_sessions",
    "build_sessions",
    "client_bucket",
    "session_timeout_us",
]

#: Longest inactivity gap a site may set: a day, so an event's predecessor within the
#: gap is never more than one date partition back.
MAX_SESSION_TIMEOUT_MINUTES = 24 * 60

#: Value of a dimension the event did not carry (GA's convention).
NOT_SET = "(not set)"

_CLIENT = ["tracking_id", "client_id"]
#: What names one session: its site and id (two sites may send the same event ids).
SESSION_KEY = ["tracking_id", "session_id"]

#: The bronze columns sessionization reads (a scan reads no others).
SESSION_INPUT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "tracking_id",
    "client_id",
    "user_id",
    "event_type",
    "event_at",
    "page_path",
    "referrer_host",
    *SESSION_DIMENSIONS,
    "revenue_amount",
    "is_bot",
    "is_interactive",
)


def session_timeout_us(timeout_minutes: int, timeout_by_site: Mapping[str, int] | None) -> pl.Expr:
    """The inactivity gap of each row's site, in microseconds."""
    if not timeout_by_site:
        return pl.lit(timeout_minutes * 60_000_000, pl.Int64)
    per_site = {site: minutes * 60_000_000 for site, minutes in timeout_by_site.items()}
    return pl.col("tracking_id").replace_strict(
        per_site, default=timeout_minutes * 60_000_000, return_dtype=pl.Int64
    )


def assign_sessions(
    events: pl.LazyFrame,
    timeout_minutes: int = 30,
    timeout_by_site: Mapping[str, int] | None = None,
) -> pl.LazyFrame:
    """Add ``session_id`` to every event: a new session starts after ``timeout_minutes`` idle.

    ``timeout_by_site`` overrides the gap for some sites.  The id is ``s_`` + the first
    event's id, so it is stable however often the same events are sessionized again; as
    an event is its site and id, a session is its site and id (two sites may share an
    id: :data:`SESSION_KEY`).  Output is sorted by site, client and time.
    """
    ordered = events.sort([*_CLIENT, "event_at", "event_id"])
    # Sorted by client, so a client's first row differs from the row before it: no
    # per-client grouping (hashing) is needed, only comparisons with the previous row.
    new_client = pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(c).shift(1)) for c in _CLIENT]
    ).fill_null(True)
    gap_us = pl.col("event_at").diff().dt.total_microseconds()
    starts = new_client | (gap_us >= session_timeout_us(timeout_minutes, timeout_by_site))
    first_id = pl.when(starts).then(pl.col("event_id")).forward_fill()
    return ordered.with_columns(session_id=pl.lit("s_") + first_id)


def build_sessions(events_with_sessions: pl.LazyFrame) -> pl.LazyFrame:
    """One row per session (columns of :data:`lake.storage.SESSION_SCHEMA`).

    Attribution dimensions (channel, UTM, device, …) come from the session's first
    event; a bounce is a session with exactly one pageview and no engagement event.
    """
    is_pv = pl.col("event_type") == "pageview"
    engaged = pl.col("event_type").is_in(ENGAGEMENT_EVENT_TYPES) & pl.col(
        "is_interactive"
    ).fill_null(True)
    pv_path = pl.col("page_path").filter(is_pv)
    is_purchase = pl.col("event_type").is_in(["purchase", "transaction"])
    out = (
        events_with_sessions.group_by(SESSION_KEY)
        .agg(
            pl.col("client_id").first(),
            pl.col("user_id").drop_nulls().last(),
            started_at=pl.col("event_at").min(),
            ended_at=pl.col("event_at").max(),
            count_pageviews=is_pv.sum().cast(pl.UInt32),
            count_events=pl.len().cast(pl.UInt32),
            entry_page=pv_path.first(),
            exit_page=pv_path.last(),
            referrer_host=pl.col("referrer_host").first(),
            **{d: pl.col(d).first() for d in SESSION_DIMENSIONS},
            _engaged=engaged.any(),
            is_converted=is_purchase.any(),
            revenue=pl.col("revenue_amount").filter(is_purchase).sum(),
            is_bot=pl.col("is_bot").any(),
        )
        .with_columns(
            session_date=pl.col("started_at").dt.date(),
            duration_s=(pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds() / 1e6,
            is_bounce=(pl.col("count_pageviews") == 1) & ~pl.col("_engaged"),
            **{d: pl.col(d).fill_null(NOT_SET) for d in SESSION_DIMENSIONS},
            entry_page=pl.col("entry_page").fill_null(NOT_SET),
            exit_page=pl.col("exit_page").fill_null(NOT_SET),
        )
    )
    return out.select([pl.col(c).cast(t) for c, t in SESSION_SCHEMA.items()])


def client_bucket(buckets: int) -> pl.Expr:
    """Which of ``buckets`` groups of clients a row's client falls in (a session, and
    every event of it, always in the same one)."""
    return pl.col("client_id").hash(0xB0C) % buckets
