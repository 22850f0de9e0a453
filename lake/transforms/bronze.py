"""Bronze: landed events merged into the event table, one row per ``(tracking_id, event_id)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from lake.schemas import EVENT_TYPES

__all__ = ["EVENT_KEY", "allowed_lateness", "first_copies", "only_new_events", "split_quarantine"]

#: What identifies an event: ids are the sender's, so only unique within a site.
EVENT_KEY: tuple[str, str] = ("tracking_id", "event_id")


def allowed_lateness(default_h: float, by_site: Mapping[str, float] | None) -> pl.Expr:
    """Hours after it happened each row's event may still arrive (its site's, else the default)."""
    if not by_site:
        return pl.lit(default_h, pl.Float64)
    return pl.col("tracking_id").replace_strict(
        dict(by_site), default=default_h, return_dtype=pl.Float64
    )


def split_quarantine(
    new: pl.DataFrame,
    max_ahead_s: int,
    allowed_lateness_h: float,
    lateness_by_site: Mapping[str, float] | None = None,
    first_day: dt.date | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split landed events into (for bronze, for quarantine with a ``reason`` column).

    Quarantined: events stamped more than ``max_ahead_s`` after they were received (a
    client clock running ahead), and events that arrived later after they happened
    than their site allows (``lateness_by_site``, else ``allowed_lateness_h``), and
    events dated before ``first_day``, the first date partition; and rows no event
    can be without (an id, site, client or known type: the gateway's contract rules
    them out, so these would come from a foreign writer to landing).
    """
    allowed = allowed_lateness(allowed_lateness_h, lateness_by_site)
    age_s = (pl.col("received_at") - pl.col("event_at")).dt.total_seconds()
    missing = [pl.col(c).is_null() for c in ("event_id", "tracking_id", "client_id", "event_at")]
    reason = (
        pl.when(pl.any_horizontal(missing))
        .then(pl.lit("event_id, tracking_id, client_id or event_at missing"))
        .when(~pl.col("event_type").is_in(EVENT_TYPES))
        .then(pl.format("unknown event_type {}", pl.col("event_type")))
        .when(-age_s > max_ahead_s)
        .then(pl.lit(f"event_at more than {max_ahead_s} s after received_at"))
        .when(pl.col("event_date") < (first_day or dt.date.min))
        .then(pl.lit(f"event_date before the first partition, {first_day}"))
        .when(age_s > allowed * 3600)
        .then(
            pl.format(
                "arrived {} h after it happened; the site allows {} h",
                (age_s / 3600).round(1),
                allowed,
            )
        )
    )
    reasons = new.select(reason.alias("reason"))["reason"]  # a few columns: no wide copy
    if reasons.null_count() == new.height:
        return new, new.head(0).with_columns(reason=pl.lit(None, pl.String))
    marked = new.with_columns(reason=reasons)
    keep = marked.filter(pl.col("reason").is_null()).drop("reason")
    return keep, marked.filter(pl.col("reason").is_not_null())


def only_new_events(new: pl.LazyFrame, known_ids: pl.LazyFrame) -> pl.LazyFrame:
    """The landed events bronze does not hold yet, one row per :data:`EVENT_KEY`.

    Duplicates come from SDK retries, re-sent batches and re-flushed WAL segments:
    rows already in bronze win, and among new copies the earliest received wins.
    Only the existing keys are needed, so bronze is appended to, never rewritten.
    """
    key = list(EVENT_KEY)
    return first_copies(new).join(known_ids.select(key), on=key, how="anti")


def first_copies(new: pl.LazyFrame) -> pl.LazyFrame:
    """One row per :data:`EVENT_KEY`: the copy received first (the earlier row on a tie).

    Decided on the two narrow columns and applied as a filter, so the wide rows are
    never sorted or hashed (a whole-row ``unique`` was ~6 s per million events).
    """
    rows = new.with_row_index("_row")
    firsts = (
        rows.select("_row", *EVENT_KEY, "received_at")
        .sort(["received_at", "_row"])
        .unique(subset=list(EVENT_KEY), keep="first")
        .select("_row")
    )
    return rows.join(firsts, on="_row", how="semi").drop("_row")
