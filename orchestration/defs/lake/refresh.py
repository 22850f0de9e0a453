"""The refresh's bookkeeping: what to rebuild after bronze changed, and marking it done
once rebuilt (shared by the sensors and ``strata pipeline``); and the same for the dbt
marts, which follow the refreshes on their own cadence."""

import datetime as dt
from collections.abc import Mapping

import polars as pl

from lake.storage import SESSION_SCHEMA, ChangedDays
from lake.transforms import RefreshRange, refresh_ranges
from orchestration.defs.partitions import (
    CHANGED_DAYS_TAG,
    MARTS_DAYS_TAG,
    NOTED_UNTIL_TAG,
    PipelinePartitions,
    tagged_days,
)
from orchestration.lib.resources import LakeResource

__all__ = [
    "mark_marts_done",
    "mark_refresh_done",
    "note_marts_pending",
    "pending_marts",
    "pending_refreshes",
]


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
    return _mark_done(ChangedDays(lake_res.lake, lake_res.paths), tags)


def _mark_done(
    changes: ChangedDays, tags: Mapping[str, str], days_tag: str = CHANGED_DAYS_TAG
) -> bool:
    """Mark the changes a run's tags name (its changed days under ``days_tag``, noted
    until) done in ``changes``; False for a run whose tags name none."""
    if days_tag not in tags or NOTED_UNTIL_TAG not in tags:
        return False
    changes.mark_done(
        [dt.date.fromisoformat(d) for d in tags[days_tag].split(",")],
        dt.datetime.fromisoformat(tags[NOTED_UNTIL_TAG]),
    )
    return True


def _marts_changes(lake_res: LakeResource) -> ChangedDays:
    return ChangedDays(lake_res.lake, lake_res.paths, lake_res.paths.marts_changed_days)


def note_marts_pending(lake_res: LakeResource, tags: Mapping[str, str]) -> list[dt.date]:
    """After a refresh run succeeded: the days it rebuilt (its partition range) are the
    marts' to rebuild; returns them ([] for a run without a range)."""
    days = tagged_days(tags)
    _marts_changes(lake_res).note(days)  # (nothing is written for no days)
    return days


def pending_marts(lake_res: LakeResource) -> list[RefreshRange]:
    """Contiguous ranges of days refreshed since the dbt marts last rebuilt them."""
    pending = _marts_changes(lake_res).pending()
    ranges: list[list[dt.date]] = []
    for day in sorted(pending):
        if ranges and day == ranges[-1][-1] + dt.timedelta(days=1):
            ranges[-1].append(day)
        else:
            ranges.append([day])
    return [RefreshRange(r[0], r[-1], tuple(r), max(pending[d] for d in r)) for r in ranges]


def mark_marts_done(lake_res: LakeResource, tags: Mapping[str, str]) -> bool:
    """After a marts run succeeded: the refreshed days it covered (its tags) are done."""
    return _mark_done(_marts_changes(lake_res), tags, MARTS_DAYS_TAG)
