"""What to rebuild after bronze changed: shared by the sensor and ``strata pipeline``."""

import datetime as dt

import polars as pl

from lake.storage import SESSION_SCHEMA, ChangedDays
from lake.transforms import RefreshRange, refresh_ranges
from orchestration.defs.partitions import PipelinePartitions
from orchestration.lib.resources import LakeResource

__all__ = ["pending_refreshes"]


def pending_refreshes(lake_res: LakeResource, parts: PipelinePartitions) -> list[RefreshRange]:
    """Partition ranges whose sessions, rollups and hot tier lag behind bronze."""
    lake, paths = lake_res.lake, lake_res.paths
    pending = ChangedDays(lake, paths).pending()
    if not pending:
        return []
    # Only sessions still running the day before the earliest change can matter; the
    # filter on ended_at lets Parquet statistics skip older files.
    earliest = dt.datetime.combine(min(pending) - dt.timedelta(days=1), dt.time(), dt.UTC)
    crossing = (
        lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
        .filter(pl.col("ended_at") >= earliest)
        .select("session_date", end_date=pl.col("ended_at").dt.date())
        .filter(pl.col("end_date") > pl.col("session_date"))
        .collect()
    )
    return refresh_ranges(pending, crossing, parts.bounds())
