"""The ClickHouse hot tier as one Dagster multi-asset: the lake loaded a day partition at a
time, idempotently (the loop is :func:`lake.loads.load_hot_tier`)."""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from lake.loads import HOT_TABLES, RAW_SOURCES, load_hot_tier
from lake.transforms import CUBES
from orchestration.defs.partitions import ONE_RUN, STEP_TAG, PipelinePartitions, partition_days
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = ["hot_tier_assets"]

#: Raw hot-tier table -> the lake asset it is loaded from.
RAW_UPSTREAM = {"events": ("bronze", "events"), "sessions": ("silver", "sessions")}


def hot_tier_assets(parts: PipelinePartitions) -> AssetsDefinition:
    """The hot tier's tables (raw ``events``/``sessions`` for the hot window, and the
    rollups), made by one load."""
    specs = [
        AssetSpec(
            ["clickhouse", name],
            deps=[AssetKey(list(RAW_UPSTREAM[name]))],
            group_name="serving",
            kinds={"clickhouse"},
            description=f"{name} of the hot window (STRATA_HOT_WINDOW_DAYS) in ClickHouse, "
            "for analysts and BI tools; each day partition is replaced atomically.",
        )
        for name in RAW_SOURCES
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
        op_tags={STEP_TAG: "clickhouse/tables"},
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
        """Load this run's days of every hot-tier table from the lake, one day per lock
        hold (:func:`lake.loads.load_hot_tier`); a day the lake no longer holds is
        dropped, so the hot tier equals the lake for every day loaded."""
        loads = load_hot_tier(
            lake.lake,
            lake.paths,
            hot_tier.client,
            partition_days(context),
            catalog.timezones(),
            context.log.info,
        )
        for name, metadata in loads:
            yield MaterializeResult(asset_key=AssetKey(["clickhouse", name]), metadata=metadata)

    return clickhouse_rollups
