"""Bronze: landed events merged into the event table, one row per ``event_id``."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = ["merge_new_events", "split_quarantine"]


def merge_new_events(existing: pl.LazyFrame, new: pl.LazyFrame) -> pl.LazyFrame:
    """Union existing bronze rows with newly landed ones, keeping the first copy of each id.

    Duplicates come from SDK retries, re-sent batches and re-flushed WAL segments;
    the earliest received copy wins, and rows already in bronze win over new ones,
    so merging the same files twice changes nothing.
    """
    return (
        pl.concat([existing.with_columns(_old=0), new.with_columns(_old=1)], how="vertical")
        .sort(["event_id", "_old", "received_at"])
        .unique(subset="event_id", keep="first", maintain_order=True)
        .drop("_old")
    )


def split_quarantine(
    new: pl.DataFrame,
    max_ahead_s: int,
    allowed_lateness_h: float,
    lateness_by_site: Mapping[str, float] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split landed events into (for bronze, for quarantine with a ``reason`` column).

    Quarantined: events stamped more than ``max_ahead_s`` after they were received (a
    client clock running ahead), and events that arrived later after they happened
    than their site allows (``lateness_by_site``, else ``allowed_lateness_h``).
    """
    allowed: pl.Expr = pl.lit(allowed_lateness_h, pl.Float64)
    if lateness_by_site:
        allowed = pl.col("tracking_id").replace_strict(
            dict(lateness_by_site), default=allowed_lateness_h, return_dtype=pl.Float64
        )
    age_s = (pl.col("received_at") - pl.col("event_at")).dt.total_seconds()
    reason = (
        pl.when(-age_s > max_ahead_s)
        .then(pl.lit(f"event_at more than {max_ahead_s} s after received_at"))
        .when(age_s > allowed * 3600)
        .then(
            pl.format(
                "arrived {} h after it happened; the site allows {} h",
                (age_s / 3600).round(1),
                allowed,
            )
        )
    )
    marked = new.with_columns(reason=reason)
    keep = marked.filter(pl.col("reason").is_null()).drop("reason")
    return keep, marked.filter(pl.col("reason").is_not_null())
