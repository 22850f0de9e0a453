"""Data retention as a daily Dagster job (and ``strata retention``): expired days leave
the lake (Delta delete, then vacuum) and the hot tier (rows deleted from the raw
tables, rollups, cubes and marts); the run's metadata reports what left each table."""

import datetime as dt
from typing import Any

from dagster import (
    DefaultScheduleStatus,
    MetadataValue,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)

from lake.hot_tier import apply_hot_retention, prune_visitor_numbers
from lake.storage import apply_lake_retention, held_from, retained_visitors
from lake.transforms import CUBES
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = ["GOLD_TABLES", "data_retention", "data_retention_schedule"]

#: The gold tables with the column their days are partitioned by.
GOLD_TABLES = {
    "rollup_hourly": "utc_date",
    "rollup_daily": "date",
    **{name: cube.partition_column for name, cube in CUBES.items()},
}


@op
def apply_data_retention(
    context: OpExecutionContext,
    lake: LakeResource,
    hot_tier: HotTierResource,
    catalog: CatalogResource,
) -> dict[str, int]:
    """Delete what is older than each site's retention, everywhere, and report it."""
    today = dt.datetime.now(dt.UTC).date()
    policy = catalog.retention_policy(lake.settings, today, held_from(lake.lake, lake.paths))
    context.log.info(
        f"raw kept from {policy.cutoff('raw')}, aggregates from {policy.cutoff('aggregate')} "
        f"({len(policy.overrides)} sites with their own retention; held from "
        f"{policy.hold_from or 'nothing'})"
    )
    report = apply_lake_retention(lake.lake, lake.paths, policy, GOLD_TABLES, context.log.info)
    retained = retained_visitors(
        lake.lake, [lake.paths.bronze_events], [lake.paths.gold("cube_daily_totals")]
    )
    with hot_tier.client() as client:
        cluster = lake.settings.clickhouse_cluster
        report |= apply_hot_retention(client, policy, cluster, context.log.info)
        report |= prune_visitor_numbers(client, retained, cluster, context.log.info)
    metadata: dict[str, Any] = {k: MetadataValue.int(v) for k, v in report.items()}
    metadata["raw_kept_from"] = MetadataValue.text(str(policy.cutoff("raw")))
    metadata["aggregates_kept_from"] = MetadataValue.text(str(policy.cutoff("aggregate")))
    context.add_output_metadata(metadata)
    return report


@job
def data_retention() -> None:
    """Delete raw data older than the raw retention and aggregates older than the
    aggregate retention (per site), in the lake and the hot tier."""
    apply_data_retention()


data_retention_schedule = ScheduleDefinition(
    job=data_retention,
    cron_schedule="47 2 * * *",
    name="daily_data_retention",
    default_status=DefaultScheduleStatus.RUNNING,
)
