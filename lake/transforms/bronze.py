"""Bronze: landed events merged into the event table, one row per ``event_id``."""

from __future__ import annotations

import polars as pl

__all__ = ["merge_new_events"]


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
