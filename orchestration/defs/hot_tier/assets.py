"""The ClickHouse hot tier: gold rollups loaded a day partition at a time, idempotently."""

import datetime as dt
from collections.abc import Iterator

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from lake.hot_tier import (
    add_cube_rows,
    begin_cube_build,
    cubes_to_build,
    ensure_raw_tables,
    ensure_schema,
    finish_cube_build,
    migrate_hot_tier,
    replace_partitions,
    replace_raw_day,
    table_dimensions,
)
from lake.storage import EVENT_SCHEMA, SESSION_SCHEMA, ChangedDays, DataVersion
from lake.transforms import CUBES, ROLLUP_METRIC_COLUMNS, complete_measures, local_date
from orchestration.defs.partitions import (
    CHANGED_DAYS_TAG,
    NOTED_UNTIL_TAG,
    ONE_RUN,
    PipelinePartitions,
    partition_days,
)
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = ["HOT_TABLES", "hot_tier_assets", "mark_refresh_done"]

#: Hot-tier aggregate table (rollups and cubes) -> (its time column, the gold partition
#: column of a day).
HOT_TABLES = {
    "rollup_hourly": ("hour", "utc_date"),
    "rollup_daily": ("date", "date"),
    **{name: (cube.time_column, cube.partition_column) for name, cube in CUBES.items()},
}


#: Raw hot-tier table -> (its upstream lake asset, the lake table's partition column, the
#: time whose site-local date is ``site_date``).
RAW_SOURCES = {
    "events": (("bronze", "events"), "event_date", "event_at"),
    "sessions": (("silver", "sessions"), "session_date", "started_at"),
}


def hot_tier_assets(parts: PipelinePartitions) -> AssetsDefinition:
    """The hot tier's tables (raw ``events``/``sessions`` for the hot window, and the
    rollups), made by one load."""
    specs = [
        AssetSpec(
            ["clickhouse", name],
            deps=[AssetKey(list(source))],
            group_name="serving",
            kinds={"clickhouse"},
            description=f"{name} of the hot window (STRATA_HOT_WINDOW_DAYS) in ClickHouse, "
            "for analysts and BI tools; each day partition is replaced atomically.",
        )
        for name, (source, _, _) in RAW_SOURCES.items()
    ] + [
        AssetSpec(
            ["clickhouse", name],
            deps=[AssetKey(["gold", name])],
            group_name="serving",
            kinds={"clickhouse"},
            description=f"{name} in ClickHouse (AggregatingMergeTree; distinct users as "
            + ("exact bitmaps of visitor numbers" if name in CUBES else "uniqCombined64(20) states")
            + "); each day partition is replaced atomically.",
        )
        for name in HOT_TABLES
    ]

    @multi_asset(
        specs=specs,
        name="clickhouse_rollups",
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        pool="clickhouse",
    )
    def clickhouse_rollups(
        context: AssetExecutionContext,
        lake: LakeResource,
        hot_tier: HotTierResource,
        catalog: CatalogResource,
    ) -> Iterator[MaterializeResult]:
        """Load this run's days of both gold rollups into ClickHouse, one day per lock hold.

        A day gold no longer holds is dropped, so the hot tier equals the lake for every
        day loaded.  A refresh run (tags set by the sensor or ``strata pipeline``) then
        marks the bronze changes it covered as done, unless the dbt models follow.
        """
        yield from _load(context, lake, hot_tier, catalog.timezones())

    return clickhouse_rollups


def _load(
    context: AssetExecutionContext,
    lake_res: LakeResource,
    hot: HotTierResource,
    timezones: dict[str, str],
) -> Iterator[MaterializeResult]:
    lake, paths, settings = lake_res.lake, lake_res.paths, lake_res.settings
    with hot.client() as client:
        for version in migrate_hot_tier(client, settings, context.log.info):
            context.log.info(f"hot tier schema migrated to version {version}")
        ensure_schema(client, settings.aggregate_retention_days, settings.clickhouse_cluster)
        ensure_raw_tables(client, settings.hot_window_days, settings.clickhouse_cluster)
        to_build = cubes_to_build(client, settings.clickhouse_cluster)
    days = partition_days(context)
    yield from _load_raw(context, lake_res, hot, days, timezones)
    for name, (time_col, part_col) in HOT_TABLES.items():
        columns = ["tracking_id", time_col, *table_dimensions(name), *ROLLUP_METRIC_COLUMNS]
        gold = lake.scan_delta(paths.gold(name), {})  # the table's log read once, not per day
        exists = bool(gold.collect_schema().names())
        gold = complete_measures(gold) if exists else gold
        if name in to_build:
            retention = settings.aggregate_retention_days
            built_days, loaded = _build_cube(
                context, hot, name, gold if exists else None, columns, retention
            )
            yield MaterializeResult(
                asset_key=AssetKey(["clickhouse", name]),
                metadata={"days": len(days), "rows": loaded, "built_whole_days": built_days},
            )
            continue
        loaded = 0
        for day in days:
            rows = (
                gold.filter(pl.col(part_col) == day).select(columns).collect() if exists else None
            )
            with hot.client() as client:
                replace_partitions(
                    client,
                    name,
                    rows.to_arrow() if rows is not None and rows.height else None,
                    [day.isoformat()],
                    settings.clickhouse_cluster,
                )
            loaded += rows.height if rows is not None else 0
        context.log.info(f"{name}: {loaded} rows over {len(days)} days")
        yield MaterializeResult(
            asset_key=AssetKey(["clickhouse", name]), metadata={"days": len(days), "rows": loaded}
        )
    DataVersion(lake, paths).renew()  # cached query answers are stale from now on
    if not settings.warehouse_models:  # else the dbt models, built last, mark it
        mark_refresh_done(context, lake_res)


#: Days of the lake a cube build reads at a time (and loads in one lease hold).
_BUILD_DAYS = 7


def _build_cube(
    context: AssetExecutionContext,
    hot: HotTierResource,
    name: str,
    gold: pl.LazyFrame | None,
    columns: list[str],
    retention_days: int,
) -> tuple[int, int]:
    """Make hot-tier cube ``name`` whole from every day the lake's cube holds within the
    aggregate retention (a new cube, or one an older Strata made with sketches), a few
    days per lease hold; reports read its rollup until it is swapped in."""
    _, part_col = HOT_TABLES[name]
    oldest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=retention_days)
    days: list[dt.date] = []
    if gold is not None:
        found = gold.select(pl.col(part_col).unique()).collect().to_series()
        days = sorted(d for d in found.to_list() if d >= oldest)
    with hot.client() as client:
        begin_cube_build(client, name, retention_days)
    loaded = 0
    for i in range(0, len(days), _BUILD_DAYS):
        assert gold is not None
        some = days[i : i + _BUILD_DAYS]
        rows = gold.filter(pl.col(part_col).is_in(some)).select(columns).collect()
        with hot.client() as client:
            add_cube_rows(client, name, rows.to_arrow())
        loaded += rows.height
    with hot.client() as client:
        finish_cube_build(client, name)
    context.log.info(f"{name}: built whole, {loaded} rows over {len(days)} days")
    return len(days), loaded


def mark_refresh_done(context: AssetExecutionContext, lake_res: LakeResource) -> None:
    """A refresh run's last asset marks the bronze changes the run covered as done (the
    tags say which); until then they stay pending and the next refresh redoes them."""
    tags = context.run.tags
    if CHANGED_DAYS_TAG in tags and NOTED_UNTIL_TAG in tags:
        ChangedDays(lake_res.lake, lake_res.paths).mark_done(
            [dt.date.fromisoformat(d) for d in tags[CHANGED_DAYS_TAG].split(",")],
            dt.datetime.fromisoformat(tags[NOTED_UNTIL_TAG]),
        )


def _load_raw(
    context: AssetExecutionContext,
    lake_res: LakeResource,
    hot: HotTierResource,
    days: list,
    timezones: dict[str, str],
) -> Iterator[MaterializeResult]:
    """Bronze's and silver's rows of this run's days into ``events`` and ``sessions``, with
    ``site_date`` (the day in the site's time zone); days older than the hot window are
    dropped (their TTL would remove them anyway)."""
    lake, paths, settings = lake_res.lake, lake_res.paths, lake_res.settings
    oldest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=settings.hot_window_days)
    tables = {
        "events": lake.scan_delta(paths.bronze_events, EVENT_SCHEMA),
        "sessions": lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA),
    }
    for name, scan in tables.items():
        _, part_col, time_col = RAW_SOURCES[name]
        site_date = local_date(time_col, timezones).alias("site_date")
        loaded = 0
        for day in days:
            rows = (
                scan.filter(pl.col(part_col) == day).with_columns(site_date).collect()
                if day >= oldest
                else None
            )
            with hot.client() as client:
                replace_raw_day(
                    client,
                    name,
                    rows if rows is not None else pl.DataFrame(),
                    day,
                    settings.clickhouse_cluster,
                )
            loaded += rows.height if rows is not None else 0
        context.log.info(f"{name}: {loaded} rows over {len(days)} days")
        yield MaterializeResult(
            asset_key=AssetKey(["clickhouse", name]), metadata={"days": len(days), "rows": loaded}
        )
