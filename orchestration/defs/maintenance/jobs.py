"""Lake upkeep as a scheduled Dagster job: compact, vacuum, drop consumed landing files."""

import datetime as dt

import polars as pl
from dagster import DefaultScheduleStatus, OpExecutionContext, ScheduleDefinition, job, op

from lake.storage import CONSUMED_SCHEMA, LakePaths, index_fingerprint
from lake.transforms import CUBES
from orchestration.lib.resources import LakeResource

__all__ = ["lake_maintenance", "lake_maintenance_schedule"]


def _delta_tables(paths: LakePaths) -> dict[str, str]:
    return {
        "bronze/events": paths.bronze_events,
        "bronze/event_id_index": paths.event_id_index(index_fingerprint()),
        "bronze/landing_consumed": paths.landing_consumed,
        "bronze/changed_days": paths.changed_days,
        "gold/raw_changed_days": paths.raw_changed_days,
        "gold/marts_changed_days": paths.marts_changed_days,
        "silver/sessions": paths.silver_sessions,
        "gold/rollup_hourly": paths.gold("rollup_hourly"),
        "gold/rollup_daily": paths.gold("rollup_daily"),
        **{f"gold/{cube}": paths.gold(cube) for cube in CUBES},
    }


@op
def compact_and_vacuum(context: OpExecutionContext, lake: LakeResource) -> None:
    """Merge small files of every Delta table, then vacuum files past the retention period."""
    hours = lake.settings.vacuum_retention_hours
    for name, uri in _delta_tables(lake.paths).items():
        stats = lake.lake.compact(uri)
        deleted = lake.lake.vacuum(uri, hours)
        context.log.info(f"{name}: compacted {stats}, vacuumed {deleted} files")


@op
def remove_consumed_landing(context: OpExecutionContext, lake: LakeResource) -> None:
    """Delete landing files bronze consumed longer ago than the landing retention.

    Bronze dedups by event id, so a file consumed twice changes nothing; deleting only
    consumed files means nothing that has not reached bronze is ever dropped.
    """
    paths, retention_h = lake.paths, lake.settings.landing_retention_hours
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(hours=retention_h)
    consumed = lake.lake.scan_delta(paths.landing_consumed, CONSUMED_SCHEMA)
    old = consumed.filter(pl.col("consumed_at") <= cutoff).select("path").unique().collect()
    deleted = lake.lake.delete_files(old["path"].to_list())
    if old.height:  # a transaction of its own: cursor rows bronze appends meanwhile stay
        lake.lake.delete_rows_before(paths.landing_consumed, "consumed_at", cutoff)
    context.log.info(f"deleted {deleted} landing files consumed before {cutoff:%Y-%m-%d %H:%M}")


@job
def lake_maintenance() -> None:
    """Nightly upkeep of the lake: compact and vacuum its Delta tables, delete consumed
    landing files."""
    remove_consumed_landing()
    compact_and_vacuum()


lake_maintenance_schedule = ScheduleDefinition(
    job=lake_maintenance,
    cron_schedule="17 3 * * *",
    name="nightly_lake_maintenance",
    default_status=DefaultScheduleStatus.RUNNING,
)
