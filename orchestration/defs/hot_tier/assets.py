"""ClickHouse hot tier: gold rollups loaded a day partition at a time, idempotently."""

import datetime as dt

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, asset

from lake.hot_tier import ensure_schema, hot_tier, replace_partitions
from lake.storage import ROLLUP_DIMENSIONS, ChangedDays
from lake.transforms import ROLLUP_METRIC_COLUMNS
from orchestration.defs.lake.rollups import gold_rollup_daily, gold_rollup_hourly
from orchestration.defs.partitions import (
    CHANGED_DAYS_TAG,
    DAILY,
    NOTED_UNTIL_TAG,
    ONE_RUN,
    partition_days,
)
from orchestration.lib.strata_resource import StrataResource

__all__ = ["clickhouse_hot_tier"]

_TABLES = {"rollup_hourly": ("hour", "utc_date"), "rollup_daily": ("date", "date")}


@asset(
    key=["clickhouse", "hot_tier"],
    deps=[gold_rollup_hourly, gold_rollup_daily],
    partitions_def=DAILY,
    backfill_policy=ONE_RUN,
    group_name="serving",
    kinds={"clickhouse"},
    pool="clickhouse",
    description="rollup_hourly and rollup_daily in ClickHouse (AggregatingMergeTree, "
    "uniqCombined64(20) states for distinct users); each day partition is replaced atomically.",
)
def clickhouse_hot_tier(
    context: AssetExecutionContext, strata: StrataResource
) -> MaterializeResult:
    """Load this run's days of both gold rollups into ClickHouse, one day per lock hold.

    A day gold no longer holds is dropped, so the hot tier equals the lake for every
    day loaded.  A refresh run (tags set by the sensor or ``strata pipeline``) then
    marks the bronze changes it covered as done.
    """
    settings, lake, paths = strata.settings(), strata.lake(), strata.paths()
    with hot_tier(settings) as client:
        ensure_schema(client)
    loaded = dict.fromkeys(_TABLES, 0)
    days = partition_days(context)
    for name, (time_col, part_col) in _TABLES.items():
        columns = ["tracking_id", time_col, *ROLLUP_DIMENSIONS, *ROLLUP_METRIC_COLUMNS]
        gold = lake.scan_delta(paths.gold(name), {})  # the table's log read once, not per day
        exists = bool(gold.collect_schema().names())
        for day in days:
            rows = (
                gold.filter(pl.col(part_col) == day).select(columns).collect() if exists else None
            )
            with hot_tier(settings) as client:
                replace_partitions(
                    client,
                    name,
                    rows.to_arrow() if rows is not None and rows.height else None,
                    [day.isoformat()],
                )
            loaded[name] += rows.height if rows is not None else 0
        context.log.info(f"{name}: {loaded[name]} rows over {len(days)} days")
    tags = context.run.tags
    if CHANGED_DAYS_TAG in tags and NOTED_UNTIL_TAG in tags:
        ChangedDays(lake, paths).mark_done(
            [dt.date.fromisoformat(d) for d in tags[CHANGED_DAYS_TAG].split(",")],
            dt.datetime.fromisoformat(tags[NOTED_UNTIL_TAG]),
        )
    return MaterializeResult(
        metadata={"days": len(days), **{f"{k}_rows": v for k, v in loaded.items()}}
    )
