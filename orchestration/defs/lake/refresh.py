"""The refresh's bookkeeping: what to rebuild after bronze changed, and marking it done
once rebuilt (shared by the sensors and ``strata pipeline``).  The jobs that follow the
refreshes keep theirs in :mod:`orchestration.defs.follow`."""

import datetime as dt
from collections.abc import Mapping

import polars as pl

from lake.storage import SESSION_SCHEMA, ChangedDays
from lake.transforms import RefreshRange, refresh_ranges
from orchestration.defs.follow import mark_done
from orchestration.defs.partitions import CHANGED_DAYS_TAG, PipelinePartitions
from orchestration.lib.resources import LakeResource

__all__ = ["mark_refresh_done", "pending_refreshes"]


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


def mark_refresh_done(lake_res: LakeResource, tags: Mapping[str, str]) -> bool:
    """After a refresh run succeeded: mark the bronze changes it covered (its tags say
    which) as done; until then they stay pending and the next refresh redoes them.
    Returns False for a run that covered none (a backfill, the nightly schedule)."""
    return mark_done(ChangedDays(lake_res.lake, lake_res.paths), tags, CHANGED_DAYS_TAG)
