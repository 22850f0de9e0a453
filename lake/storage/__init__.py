"""Storage: lake paths, table schemas, Parquet/Delta I/O, changed days, the event id
index, the WAL segment format, retention and erasure."""

from __future__ import annotations

from lake.schemas import (
    CONSUMED_SCHEMA,
    ENGAGEMENT_EVENT_TYPES,
    EVENT_SCHEMA,
    EVENT_TYPES,
    ROLLUP_DIMENSIONS,
    SESSION_DIMENSIONS,
    SESSION_SCHEMA,
    TELEMETRY_EVENT_TYPES,
    UTC_US,
)
from lake.storage.changes import CHANGES_SCHEMA, ChangedDays
from lake.storage.erasure import (
    LakeErasure,
    Person,
    clients_of_user,
    erase_from_lake,
    erase_from_wal,
    find_in_lake,
    purge_history,
)
from lake.storage.io import Lake
from lake.storage.known_ids import ID_INDEX_SCHEMA, KnownIds, event_key_hash, index_fingerprint
from lake.storage.paths import LakePaths
from lake.storage.retention import (
    RetentionPolicy,
    apply_lake_retention,
    held_from,
    retained_visitors,
)
from lake.storage.version import DataVersion
from lake.storage.wal_segments import (
    WAL_COLUMNS,
    WalRow,
    encode_frame,
    read_segment,
    rewrite_segment,
    sealed_segments,
    segments,
)

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
    "WAL_COLUMNS",
    "ChangedDays",
    "DataVersion",
    "KnownIds",
    "Lake",
    "LakeErasure",
    "LakePaths",
    "Person",
    "RetentionPolicy",
    "WalRow",
    "apply_lake_retention",
    "clients_of_user",
    "encode_frame",
    "erase_from_lake",
    "erase_from_wal",
    "event_key_hash",
    "find_in_lake",
    "held_from",
    "index_fingerprint",
    "purge_history",
    "read_segment",
    "retained_visitors",
    "rewrite_segment",
    "sealed_segments",
    "segments",
]
