"""Pure Polars transforms of the lake's tables and the planning of their refreshes."""

from __future__ import annotations

from lake.transforms.bronze import (
    EVENT_KEY,
    allowed_lateness,
    first_copies,
    only_new_events,
    split_quarantine,
)
from lake.transforms.cubes import CUBES, Cube, cube_of
from lake.transforms.refresh_plan import RefreshRange, refresh_ranges
from lake.transforms.rollups import (
    ADDED_MEASURES,
    COMMERCE_MEASURES,
    ENGAGEMENT_MEASURES,
    ROLLUP_EVENT_COLUMNS,
    ROLLUP_METRIC_COLUMNS,
    attach_sessions,
    complete_measures,
    local_date,
    long_sessions,
    merge_client_parts,
    pageview_engagement,
    rollup_daily,
    rollup_day,
    rollup_hourly,
)
from lake.transforms.sessionize import (
    MAX_SESSION_TIMEOUT_MINUTES,
    NOT_SET,
    SESSION_INPUT_COLUMNS,
    SESSION_KEY,
    assign_sessions,
    build_sessions,
    client_bucket,
)

__all__ = [
    "ADDED_MEASURES",
    "COMMERCE_MEASURES",
    "CUBES",
    "ENGAGEMENT_MEASURES",
    "EVENT_KEY",
    "MAX_SESSION_TIMEOUT_MINUTES",
    "NOT_SET",
    "ROLLUP_EVENT_COLUMNS",
    "ROLLUP_METRIC_COLUMNS",
    "SESSION_INPUT_COLUMNS",
    "SESSION_KEY",
    "Cube",
    "RefreshRange",
    "allowed_lateness",
    "assign_sessions",
    "attach_sessions",
    "build_sessions",
    "client_bucket",
    "complete_measures",
    "cube_of",
    "first_copies",
    "local_date",
    "long_sessions",
    "merge_client_parts",
    "only_new_events",
    "pageview_engagement",
    "refresh_ranges",
    "rollup_daily",
    "rollup_day",
    "rollup_hourly",
    "split_quarantine",
]
