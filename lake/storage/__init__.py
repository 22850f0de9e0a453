"""Storage: lake paths, table schemas, Parquet/Delta I/O, changed days and the event id index."""

from __future__ import annotations

from lake.storage.bronze import (
    CONSUMED_SCHEMA,
    BronzeChunk,
    ingest_landing,
    unconsumed_landing_files,
)
from lake.storage.changes import CHANGES_SCHEMA, ChangedDays
from lake.storage.io import Lake
from lake.storage.known_ids import ID_INDEX_SCHEMA, KnownIds, event_key_hash, index_fingerprint
from lake.storage.paths import LakePaths
from lake.storage.retention import RetentionPolicy, apply_lake_retention, held_from
from lake.storage.schemas import (
    ENGAGEMENT_EVENT_TYPES,
    EVENT_SCHEMA,
    EVENT_TYPES,
    ROLLUP_DIMENSIONS,
    SESSION_DIMENSIONS,
    SESSION_SCHEMA,
    TELEMETRY_EVENT_TYPES,
    UTC_US,
)
from lake.storage.version import DataVersion

__all__ = [
    "CHANGES_SCHEMA",
    "CONSUMED_SCHEMA",
    "ENGAGEMENT_EVENT_TYPES",
    "EVENT_SCHEMA",
    "EVENT_TYPES",
    "ID_INDEX_SCHEMA",
    "ROLLUP_DIMENSIONS",
    "SESSION_DIMENSIONS",
    "SESSION_SCHEMA",
    "TELEMETRY_EVENT_TYPES",
    "UTC_US",
    "BronzeChunk",
    "ChangedDays",
    "DataVersion",
    "KnownIds",
    "Lake",
    "LakePaths",
    "RetentionPolicy",
    "apply_lake_retention",
    "event_key_hash",
    "held_from",
    "index_fingerprint",
    "ingest_landing",
    "unconsumed_landing_files",
]
