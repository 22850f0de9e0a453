"""Changed days: event dates bronze added rows to, until the partitions built from them catch up.

Bronze notes each date it appends to; a refresh of the downstream partitions marks the
notes it covered as done.  Both are appends to one small Delta table (no row is ever
updated), so a note written while a refresh runs is never lost: it is newer than the
refresh's mark and stays pending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from lake.schemas import UTC_US
from lake.storage.io import Lake
from lake.storage.paths import LakePaths

__all__ = ["CHANGES_SCHEMA", "ChangedDays"]

CHANGES_SCHEMA: dict[str, pl.DataType] = {
    "event_date": pl.Date(),
    "at": UTC_US,
    "done": pl.Boolean(),
}


class ChangedDays:
    """The ``bronze/changed_days`` table of one lake (or, with ``uri``, another table of
    the same shape: the days a job that follows the refreshes has yet to cover,
    ``paths.raw_changed_days`` and ``paths.marts_changed_days``)."""

    def __init__(self, lake: Lake, paths: LakePaths, uri: str | None = None) -> None:
        self.lake, self.uri = lake, uri or paths.changed_days

    def _append(self, dates: Iterable[dt.date], at: dt.datetime, done: bool) -> None:
        days = sorted(set(dates))
        if days:
            frame = pl.DataFrame(
                {"event_date": days, "at": [at] * len(days), "done": [done] * len(days)},
                schema=CHANGES_SCHEMA,
            )
            self.lake.append_delta(frame, self.uri)

    def note(self, dates: Iterable[dt.date]) -> None:
        """Record that bronze rows of ``dates`` were appended (call after the append)."""
        self._append(dates, dt.datetime.now(dt.UTC), done=False)

    def pending(self) -> dict[dt.date, dt.datetime]:
        """Dates with a note newer than their last done mark, with their newest note."""
        table = self.lake.scan_delta(self.uri, CHANGES_SCHEMA)
        latest = table.group_by("event_date").agg(
            noted=pl.col("at").filter(~pl.col("done")).max(),
            done=pl.col("at").filter(pl.col("done")).max(),
        )
        rows = (
            latest.filter(
                pl.col("noted").is_not_null()
                & (pl.col("done").is_null() | (pl.col("noted") > pl.col("done")))
            )
            .sort("event_date")
            .collect()
        )
        return dict(zip(rows["event_date"], rows["noted"], strict=True))

    def mark_done(self, dates: Iterable[dt.date], noted_until: dt.datetime) -> None:
        """Notes of ``dates`` up to ``noted_until`` are covered by a finished refresh."""
        self._append(dates, noted_until, done=True)
