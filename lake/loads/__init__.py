"""The pipeline's loops, as plain functions that yield what they wrote: landing →
bronze, bronze → silver sessions, → gold rollups and cubes, lake → the hot tier.

Dagster's assets (``orchestration``) only wrap them (checks, metadata, logs); each
loop holds about one day (or one chunk of landing files) in memory at a time.
"""

from __future__ import annotations

from lake.loads.bronze import (
    BRONZE_CHUNK_ROWS,
    BronzeChunk,
    ingest_landing,
    unconsumed_landing_files,
)
from lake.loads.groups import grouped
from lake.loads.hot_tier import HOT_TABLES, RAW_SOURCES, load_hot_aggregates, load_raw_tables
from lake.loads.rollups import day_batches, keep_expired_sites, load_cubes, load_rollup
from lake.loads.sessions import (
    SESSION_BUCKET_ROWS,
    client_buckets,
    load_sessions,
    sessions_by_day,
)

__all__ = [
    "BRONZE_CHUNK_ROWS",
    "HOT_TABLES",
    "RAW_SOURCES",
    "SESSION_BUCKET_ROWS",
    "BronzeChunk",
    "client_buckets",
    "day_batches",
    "grouped",
    "ingest_landing",
    "keep_expired_sites",
    "load_cubes",
    "load_hot_aggregates",
    "load_raw_tables",
    "load_rollup",
    "load_sessions",
    "sessions_by_day",
    "unconsumed_landing_files",
]
