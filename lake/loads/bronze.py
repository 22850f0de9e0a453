"""Landing → bronze: merge newly landed files into ``bronze/events``, a chunk at a time.

Each chunk of landing files is read, split into events for bronze and events for
quarantine (with the reason), checked against every event key bronze holds (the id
index, :mod:`lake.storage.known_ids`), recorded in the index, appended, its dates noted
as changed (what the refresh of sessions and rollups picks up) and its files marked
consumed.  A crash in between re-reads the chunk, whose events are then known and
skipped, but noted again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import polars as pl

from lake.loads.groups import grouped
from lake.schemas import CONSUMED_SCHEMA, EVENT_SCHEMA
from lake.storage.changes import ChangedDays
from lake.storage.io import Lake
from lake.storage.known_ids import KnownIds, index_fingerprint
from lake.storage.paths import LakePaths
from lake.transforms.bronze import allowed_lateness, split_quarantine

__all__ = ["BRONZE_CHUNK_ROWS", "BronzeChunk", "ingest_landing", "unconsumed_landing_files"]

#: Landed rows one bronze step holds in memory at a time.
BRONZE_CHUNK_ROWS = 500_000


@dataclass(frozen=True)
class BronzeChunk:
    """What one chunk of landing files did to bronze."""

    files: int
    fresh: pl.DataFrame  # the events appended, with each row's allowed lateness (hours)
    duplicates: int
    quarantined: pl.DataFrame  # with a ``reason`` column


def unconsumed_landing_files(lake: Lake, paths: LakePaths) -> list[str]:
    """Landing files not yet merged into bronze."""
    consumed = lake.scan_delta(paths.landing_consumed, CONSUMED_SCHEMA).select("path").collect()
    done = set(consumed["path"].to_list())
    return [f for f in lake.list_files(paths.landing_events) if f not in done]


def _consumed(files: list[str]) -> pl.DataFrame:
    now = dt.datetime.now(dt.UTC)
    return pl.DataFrame({"path": files, "consumed_at": [now] * len(files)}, schema=CONSUMED_SCHEMA)


def _chunks(lake: Lake, files: list[str], max_rows: int) -> Iterator[list[str]]:
    """Files grouped so one group holds about ``max_rows`` rows (at least one file)."""
    return grouped(files, lake.parquet_rows, max_rows)


def ingest_landing(
    lake: Lake,
    paths: LakePaths,
    files: list[str],
    lateness_by_site: Mapping[str, float],
    max_clock_ahead_s: int,
    chunk_rows: int = BRONZE_CHUNK_ROWS,
    log: Callable[[str], None] = lambda _: None,
) -> Iterator[BronzeChunk]:
    """Merge ``files`` into bronze, yielding what each chunk did (for checks and metadata).

    Quarantined events are written to ``quarantine/bronze_events/`` as they are found.
    Settings (lateness, the first partition) are the lake's.
    """
    settings = lake.settings
    changes = ChangedDays(lake, paths)
    known = KnownIds(lake, paths.bronze_events, paths.event_id_index(index_fingerprint()))
    lateness = allowed_lateness(settings.allowed_lateness_hours, lateness_by_site)
    for chunk in _chunks(lake, files, chunk_rows):
        new = lake.read_parquet(chunk, EVENT_SCHEMA)
        new, quarantined = split_quarantine(
            new,
            max_clock_ahead_s,
            settings.allowed_lateness_hours,
            lateness_by_site,
            settings.partitions_start,
        )
        if quarantined.height:  # kept with the reason, out of bronze and the reports
            stamp = dt.datetime.now(dt.UTC)
            uri = f"{paths.quarantine('bronze_events')}/{stamp:%Y%m%dT%H%M%S%f}.parquet"
            lake.write_parquet(quarantined.to_arrow(), uri)
            reasons = quarantined["reason"].value_counts().rows()
            log(f"quarantined {quarantined.height} events: {reasons[:5]}")
        chunk_dates = new["event_date"].unique().to_list()
        fresh = known.only_new(new)
        if fresh.height:
            known.record(fresh)  # before the append: see lake.storage.known_ids
            lake.append_partitioned(fresh, paths.bronze_events, "event_date")
        changes.note(chunk_dates)
        lake.append_delta(_consumed(chunk), paths.landing_consumed)
        log(f"{len(chunk)} files: {fresh.height} new events")
        done = BronzeChunk(
            files=len(chunk),
            fresh=fresh.with_columns(allowed_lateness_h=lateness),
            duplicates=new.height - fresh.height,
            quarantined=quarantined,
        )
        del new, fresh, quarantined  # the next chunk is read while the caller holds this one
        yield done
