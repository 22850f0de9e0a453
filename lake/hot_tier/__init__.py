"""The ClickHouse hot tier: the client, the embedded engine's lease and every table's DDL."""

from __future__ import annotations

from lake.hot_tier.client import hot_tier
from lake.hot_tier.ddl import (
    DISTINCT_USERS_MERGE,
    ENGAGEMENT_COLUMNS,
    ROLLUP_TABLES,
    ensure_schema,
    replace_partitions,
)
from lake.hot_tier.lease import ChdbLease, HotTierBusyError, lease_for

__all__ = [
    "DISTINCT_USERS_MERGE",
    "ENGAGEMENT_COLUMNS",
    "ROLLUP_TABLES",
    "ChdbLease",
    "HotTierBusyError",
    "ensure_schema",
    "hot_tier",
    "lease_for",
    "replace_partitions",
]
