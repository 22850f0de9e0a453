"""Sessionization: events of one (site, client) with gaps under the timeout form a session.

A session may cross hour and day boundaries; it is built whole and dated by its
first event.  Pure ``LazyFrame -> LazyFrame`` functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping

import polars as pl

from lake.storage.schemas import (
    ENGAGEMENT_EVENT_TYPES,
    SESSION_DIMENSIONS,
    SESSION_SCHEMA,
    TELEMETRY_EVENT_TYPES,
)

__all__ = [
    "MAX_SESSION_TIMEOUT_MINUTES",
    "NOT_SET",
    "SESSION_INPUT_COLUMNS",
    "assign_sessions",
    "build_sessions",
    "client_bucket",
    "sessions_by_day",
]

#: Longest inactivity gap a site may set: a day, so an event's predecessor within the
#: gap is never more than one date partition back.
MAX_SESSION_TIMEOUT_MINUTES = 24 * 60

#: Value of a dimension the event did not carry (GA's convention).
NOT_SET = "(not set)"

_CLIENT = ["tracking_id", "client_id"]

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


def _timeout_us(timeout_minutes: int, timeout_by_site: Mapping[str, int] | None) -> pl.Expr:
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
    event's id, so it is stable however often the same events are sessionized again.
    Output is sorted by site, client and time.
    """
    ordered = events.sort([*_CLIENT, "event_at", "event_id"])
    # Sorted by client, so a client's first row differs from the row before it: no
    # per-client grouping (hashing) is needed, only comparisons with the previous row.
    new_client = pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(c).shift(1)) for c in _CLIENT]
    ).fill_null(True)
    gap_us = pl.col("event_at").diff().dt.total_microseconds()
    starts = new_client | (gap_us >= _timeout_us(timeout_minutes, timeout_by_site))
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
        events_with_sessions.group_by("session_id")
        .agg(
            pl.col("tracking_id").first(),
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


def _midnight_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def sessions_by_day(
    load_day: Callable[[dt.date], pl.LazyFrame],
    first: dt.date,
    last: dt.date,
    timeout_minutes: int = 30,
    timeout_by_site: Mapping[str, int] | None = None,
    buckets: int = 1,
) -> Iterator[tuple[dt.date, pl.DataFrame]]:
    """Yield ``(day, sessions that started that UTC day)`` for every day ``first..last``.

    Streams one day of events at a time (``load_day`` scans a day's events with
    :data:`SESSION_INPUT_COLUMNS`): the events of sessions still open at midnight are
    carried into the next day, and a day is yielded once none of its sessions can grow
    any more, so memory holds about one day however long the range.  ``buckets`` > 1
    splits each day further by a hash of the client (a session never spans clients),
    for days too big to sort at once.  The day before ``first`` is read only to know
    which early events continue an older session; days after ``last`` only until the
    sessions started by ``last`` have ended.  The result equals sessionizing all
    events at once (sessions are whole across midnights).  Telemetry records
    (engagement pings) are left out: they neither start nor extend a session.
    """
    if timeout_minutes > MAX_SESSION_TIMEOUT_MINUTES or any(
        m > MAX_SESSION_TIMEOUT_MINUTES for m in (timeout_by_site or {}).values()
    ):
        raise ValueError(f"session timeouts above {MAX_SESSION_TIMEOUT_MINUTES} minutes")
    limit_us = _timeout_us(timeout_minutes, timeout_by_site)
    one_day = dt.timedelta(days=1)
    bucket = client_bucket(buckets)

    def load(day: dt.date, b: int) -> pl.LazyFrame:
        scan = load_day(day).filter(~pl.col("event_type").is_in(TELEMETRY_EVENT_TYPES))
        return scan if buckets == 1 else scan.filter(bucket == b)

    done: dict[dt.date, list[pl.DataFrame]] = defaultdict(list)
    carry = [load(first - one_day, b).collect() for b in range(buckets)]
    # Sessions that started after ``last`` are not wanted; those before ``first`` are
    # carried (their events decide which early events continue them) but not kept.
    wanted = pl.col("session_date").is_between(first, last)
    day, next_out = first, first
    while next_out <= last:
        open_wanted: list[dt.date] = []
        for b in range(buckets):
            events = pl.concat([carry[b].lazy(), load(day, b)], how="vertical_relaxed")
            with_ids = assign_sessions(events, timeout_minutes, timeout_by_site).collect()
            idle_us = (pl.lit(_midnight_after(day)) - pl.col("ended_at")).dt.total_microseconds()
            sessions = (
                build_sessions(with_ids.lazy()).with_columns(_open=idle_us < limit_us).collect()
            )
            closed = sessions.filter(~pl.col("_open") & wanted).drop("_open")
            for (start,), part in closed.partition_by("session_date", as_dict=True).items():
                done[start].append(part)
            still_open = sessions.filter(pl.col("_open") & (pl.col("session_date") <= last))
            carry[b] = with_ids.join(
                still_open.select("session_id"), on="session_id", how="semi"
            ).drop("session_id")
            open_wanted += still_open.filter(wanted)["session_date"].to_list()
        oldest_open = min(open_wanted, default=None)
        while next_out <= min(day, last) and (oldest_open is None or next_out < oldest_open):
            parts = done.pop(next_out, [])
            yield next_out, (pl.concat(parts) if parts else pl.DataFrame(schema=SESSION_SCHEMA))
            next_out += one_day
        day += one_day
