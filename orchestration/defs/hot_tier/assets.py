"""The ClickHouse hot tier as two Dagster multi-assets: the rollups and cubes (a refresh
ends with them) and the raw ``events``/``sessions`` (a job of their own follows the
refreshes), each loaded from the lake a day partition at a time, idempotently (the
loops are :func:`lake.loads.load_hot_aggregates` and :func:`lake.loads.load_raw_tables`)."""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from lake.loads import HOT_TABLES, RAW_SOURCES, load_hot_aggregates, load_raw_tables
from lake.transforms import CUBES
from orchestration.defs.partitions import ONE_RUN, STEP_TAG, PipelinePartitions, partition_days
from orchestration.lib.quality import warm_up
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = ["AGGREGATES_STEP", "RAW_STEP", "hot_tier_assets"]

#: The steps' names (``strata pipeline`` reports each under its name).
AGGREGATES_STEP, RAW_STEP = "clickhouse/tables", "clickhouse/raw"

#: Raw hot-tier table -> the lake asset it is loaded from.
RAW_UPSTREAM = {"events": ("bronze", "events"), "sessions": ("silver", "sessions")}


def _results(loads: Iterator[tuple[str, dict]]) -> Iterator[MaterializeResult]:
    for name, metadata in loads:
        yield MaterializeResult(asset_key=AssetKey(["clickhouse", name]), metadata=metadata)


def hot_tier_assets(parts: PipelinePartitions) -> list[AssetsDefinition]:
    """The hot tier's tables: the rollups and cubes made by one load, the raw
    ``events``/``sessions`` of the hot window (STRATA_HOT_WINDOW_DAYS) by another."""
    aggregate_specs = [
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
    raw_specs = [
        AssetSpec(
            ["clickhouse", name],
            deps=[AssetKey(list(RAW_UPSTREAM[name]))],
            group_name="serving",
            kinds={"clickhouse"},
            description=f"{name} of the hot window (STRATA_HOT_WINDOW_DAYS) in ClickHouse, "
            "for analysts and BI tools; each day partition is replaced atomically.",
        )
        for name in RAW_SOURCES
    ]

    @multi_asset(
        specs=aggregate_specs,
        name="clickhouse_rollups",
        op_tags={STEP_TAG: AGGREGATES_STEP},
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        pool="clickhouse",
    )
    def clickhouse_rollups(
        context: AssetExecutionContext, lake: LakeResource, hot_tier: HotTierResource
    ) -> Iterator[MaterializeResult]:
        """Load this run's days of every rollup and cube from the lake, a few days per
        lock hold (:func:`lake.loads.load_hot_aggregates`); a day the lake no longer
        holds is dropped, so the hot tier equals the lake for every day loaded."""
        yield from _results(
            load_hot_aggregates(
                lake.lake, lake.paths, hot_tier.client, partition_days(context), context.log.info
            )
        )

    @multi_asset(
        specs=raw_specs,
        name="clickhouse_raw",
        op_tags={STEP_TAG: RAW_STEP},
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        pool="clickhouse",
    )
    def clickhouse_raw(
        context: AssetExecutionContext,
        lake: LakeResource,
        hot_tier: HotTierResource,
        catalog: CatalogResource,
    ) -> Iterator[MaterializeResult]:
        """Load this run's days of bronze's events and silver's sessions into the raw
        tables, one day per lock hold (:func:`lake.loads.load_raw_tables`), with each
        row's day in its site's time zone; days outside the hot window are dropped."""
        warm_up()  # the quality suites' library loads meanwhile (they run after this)
        yield from _results(
            load_raw_tables(
                lake.lake,
                lake.paths,
                hot_tier.client,
                partition_days(context),
                catalog.timezones(),
                context.log.info,
            )
        )

    return [clickhouse_rollups, clickhouse_raw]
