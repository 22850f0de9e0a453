"""The event ids bronze already holds, as 64-bit hashes, for deduplicating new batches fast.

Checking a batch against the exact ids of the days it touches means reading those
ids again for every batch.  Instead, a run loads each touched day's ids once as
hashes (8 bytes an event) and adds what it appends; only the rare new event whose
hash is already known is checked exactly against bronze, so a hash collision can
never drop an event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from lake.transforms.bronze import first_copies, only_new_events

__all__ = ["KnownIds"]

_SEED = 0x5EED


def _hashes(ids: pl.Expr) -> pl.Expr:
    return ids.hash(_SEED).alias("h")


class KnownIds:
    """Hashes of the ids in bronze's days that one run touches.

    ``bronze`` returns a lazy scan of the table as it is now (it changes as the run
    appends).
    """

    def __init__(self, bronze: Callable[[], pl.LazyFrame]) -> None:
        self.bronze = bronze
        self.by_day: dict[dt.date, pl.DataFrame] = {}

    def _load(self, days: list[dt.date]) -> pl.DataFrame:
        missing = [d for d in days if d not in self.by_day]
        if missing:
            loaded = (
                self.bronze()
                .filter(pl.col("event_date").is_in(missing))
                .select("event_date", _hashes(pl.col("event_id")))
                .collect()
            )
            parts = loaded.partition_by("event_date", as_dict=True, include_key=False)
            for d in missing:
                self.by_day[d] = parts.get((d,), pl.DataFrame(schema={"h": pl.UInt64}))
        return pl.concat([self.by_day[d] for d in days])

    def only_new(self, new: pl.DataFrame) -> pl.DataFrame:
        """The events of ``new`` bronze does not hold (first copy of each), as
        :func:`lake.transforms.bronze.only_new_events` defines it.

        Decided on the id column alone; the wide rows are copied only when some must
        go (usually none do, and ``new`` itself is returned).
        """
        hashes = new.select(_hashes(pl.col("event_id")))["h"]
        if hashes.is_duplicated().any() and new["event_id"].is_duplicated().any():
            new = first_copies(new.lazy()).collect()
            hashes = new.select(_hashes(pl.col("event_id")))["h"]
        days = new["event_date"].unique().to_list()
        suspect = hashes.is_in(self._load(days)["h"].implode())
        if not suspect.any():
            return new
        suspects = new.filter(suspect)  # seen hash: decide by the exact ids
        exact = self.bronze().filter(
            pl.col("event_date").is_in(days)
            & pl.col("event_id").is_in(suspects["event_id"].implode())
        )
        unseen = only_new_events(suspects.lazy(), exact).collect()
        return pl.concat([new.filter(~suspect), unseen])

    def add(self, appended: pl.DataFrame) -> None:
        """Remember events just appended to bronze."""
        hashed = appended.select("event_date", _hashes(pl.col("event_id")))
        for (d,), part in hashed.partition_by("event_date", as_dict=True).items():
            if d in self.by_day:
                self.by_day[d] = pl.concat([self.by_day[d], part.select("h")])
