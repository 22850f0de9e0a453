"""Which events bronze already holds, for deduplicating new batches fast and completely.

An event is identified by its site and id, ``(tracking_id, event_id)``: two sites may
use the same event id (and one site must never suppress another's events).  An
acknowledged event is stored once whatever its retries carry, a different timestamp
(so another day) included, so new events are checked against **every** id in bronze,
not only the days a batch touches.

For that, bronze keeps an id index beside it (``bronze/event_id_index``): one row per
stored event with a 64-bit hash of its key and its ``event_date``, 12 bytes an event in
memory.  A run loads the index rows of the sites it sees once and adds what it
appends; only a new event whose hash is already known is checked exactly against
bronze, on the dates the index gives for that hash, so a hash collision can never
drop an event.  The index is written before bronze: a crash in between leaves an index
row without an event, which the exact check treats as unseen.

Polars hashes are stable within a Polars version, not across versions; the index
table's name carries a fingerprint of the hash function, so an upgrade that changes it
builds a new index from bronze (one scan of three columns) instead of trusting old
hashes.
"""

from __future__ import annotations

import polars as pl

from lake.schemas import EVENT_SCHEMA
from lake.storage.io import Lake
from lake.transforms.bronze import EVENT_KEY, first_copies, only_new_events

__all__ = ["ID_INDEX_SCHEMA", "KnownIds", "event_key_hash", "index_fingerprint"]

_SEED = 0x5EED

#: ``bronze/event_id_index``: one row per event appended to bronze.
ID_INDEX_SCHEMA: dict[str, pl.DataType] = {
    "tracking_id": pl.String(),
    "h": pl.Int64(),  # Delta has no unsigned integers
    "event_date": pl.Date(),
}


def event_key_hash() -> pl.Expr:
    """64-bit hash of ``(tracking_id, event_id)``, as signed column ``h``."""
    return pl.struct(*EVENT_KEY).hash(_SEED).reinterpret(signed=True).alias("h")


def index_fingerprint() -> str:
    """Hex fingerprint of :func:`event_key_hash` (changes if Polars' hashing does)."""
    probe = pl.DataFrame({"tracking_id": ["ST-PROBE"], "event_id": ["fingerprint"]})
    return f"{probe.select(event_key_hash()).item():016x}"


class KnownIds:
    """The id index of one bronze table, loaded a site at a time.

    ``bronze_uri`` is the events table; ``index_uri`` its index (see
    :meth:`lake.storage.LakePaths.event_id_index`).
    """

    def __init__(self, lake: Lake, bronze_uri: str, index_uri: str) -> None:
        self.lake = lake
        self.bronze_uri = bronze_uri
        self.index_uri = index_uri
        self.by_site: dict[str, pl.DataFrame] = {}  # tracking_id -> (h, event_date)
        self._checked = False

    def _bronze(self) -> pl.LazyFrame:
        return self.lake.scan_delta(self.bronze_uri, EVENT_SCHEMA)

    def _ensure_index(self) -> None:
        """Build the index from bronze when bronze exists and the index does not."""
        if self._checked:
            return
        self._checked = True
        if self.lake.delta_table(self.index_uri) is not None:
            return
        if self.lake.delta_table(self.bronze_uri) is None:
            return
        built = (
            self._bronze()
            .select("tracking_id", event_key_hash(), "event_date")
            .collect()
            .sort("tracking_id")
        )
        self.lake.append_delta(built, self.index_uri)

    def _load(self, sites: list[str]) -> pl.DataFrame:
        self._ensure_index()
        missing = [s for s in sites if s not in self.by_site]
        if missing:
            loaded = (
                self.lake.scan_delta(self.index_uri, ID_INDEX_SCHEMA)
                .filter(pl.col("tracking_id").is_in(missing))
                .collect()
            )
            parts = loaded.partition_by("tracking_id", as_dict=True, include_key=False)
            empty = pl.DataFrame(schema={"h": pl.Int64(), "event_date": pl.Date()})
            for site in missing:
                self.by_site[site] = parts.get((site,), empty)
        return pl.concat([self.by_site[s] for s in sites])

    def only_new(self, new: pl.DataFrame) -> pl.DataFrame:
        """The events of ``new`` bronze does not hold (first copy of each), as
        :func:`lake.transforms.bronze.only_new_events` defines it.

        Decided on the key columns alone; the wide rows are copied only when some must
        go (usually none do, and ``new`` itself is returned).
        """
        hashes = new.select(event_key_hash())["h"]
        if hashes.is_duplicated().any() and new.select(EVENT_KEY).is_duplicated().any():
            new = first_copies(new.lazy()).collect()
            hashes = new.select(event_key_hash())["h"]
        sites = new["tracking_id"].unique().to_list()
        known = self._load(sites)
        suspect = hashes.is_in(known["h"].implode())
        if not suspect.any():
            return new
        suspects = new.filter(suspect)  # seen hash: decide by the exact keys
        days = known.filter(pl.col("h").is_in(hashes.filter(suspect).implode()))["event_date"]
        exact = self._bronze().filter(
            pl.col("event_date").is_in(days.unique().implode())
            & pl.col("tracking_id").is_in(sites)
            & pl.col("event_id").is_in(suspects["event_id"].unique().implode())
        )
        unseen = only_new_events(suspects.lazy(), exact).collect()
        return pl.concat([new.filter(~suspect), unseen])

    def record(self, fresh: pl.DataFrame) -> None:
        """Add events about to be appended to bronze to the index (call before the append)."""
        self._ensure_index()
        rows = fresh.select("tracking_id", event_key_hash(), "event_date").sort("tracking_id")
        self.lake.append_delta(rows, self.index_uri)
        for (site,), part in rows.partition_by("tracking_id", as_dict=True).items():
            if site in self.by_site:
                self.by_site[site] = pl.concat([self.by_site[site], part.drop("tracking_id")])
