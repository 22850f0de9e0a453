"""The ClickHouse hot tier: the client, the embedded engine's lease and every table's DDL."""

from __future__ import annotations

from lake.hot_tier.client import hot_tier
from lake.hot_tier.ddl import (
    DISTINCT_USERS_MERGE,
    ROLLUP_DOCS,
    ROLLUP_TABLES,
    add_cube_rows,
    begin_cube_build,
    distinct_users_merge,
    ensure_schema,
    finish_cube_build,
    replace_partitions,
    rollup_comments,
    table_dimensions,
)
from lake.hot_tier.erasure import erase_from_hot_tier, find_in_hot_tier
from lake.hot_tier.lease import ChdbLease, HotTierBusyError, lease_for
from lake.hot_tier.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    SCHEMA_TABLE,
    HotTierBehindError,
    Migration,
    hot_tier_is_empty,
    migrate_hot_tier,
    schema_version,
)
from lake.hot_tier.raw_tables import (
    HOT_PROPERTY_PREFIX,
    RAW_TABLES,
    RawTable,
    ensure_raw_tables,
    hot_property_column,
    raw_table_ddl,
    replace_raw_day,
)
from lake.hot_tier.retention import MART_TABLES, apply_hot_retention, prune_visitor_numbers
from lake.hot_tier.state import HotTierState, cubes_to_build, hot_tier_state, ready_cubes

__all__ = [
    "DISTINCT_USERS_MERGE",
    "HOT_PROPERTY_PREFIX",
    "LATEST_VERSION",
    "MART_TABLES",
    "MIGRATIONS",
    "RAW_TABLES",
    "ROLLUP_DOCS",
    "ROLLUP_TABLES",
    "SCHEMA_TABLE",
    "ChdbLease",
    "HotTierBehindError",
    "HotTierBusyError",
    "HotTierState",
    "Migration",
    "RawTable",
    "add_cube_rows",
    "apply_hot_retention",
    "begin_cube_build",
    "cubes_to_build",
    "distinct_users_merge",
    "ensure_raw_tables",
    "ensure_schema",
    "erase_from_hot_tier",
    "find_in_hot_tier",
    "finish_cube_build",
    "hot_property_column",
    "hot_tier",
    "hot_tier_is_empty",
    "hot_tier_state",
    "lease_for",
    "migrate_hot_tier",
    "prune_visitor_numbers",
    "raw_table_ddl",
    "ready_cubes",
    "replace_partitions",
    "replace_raw_day",
    "rollup_comments",
    "schema_version",
    "table_dimensions",
]
