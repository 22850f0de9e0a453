"""Gold cubes, a daily partition at a time: each re-aggregates the same day of its rollup."""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from lake.loads import load_cubes
from lake.transforms import CUBES
from orchestration.defs.partitions import ONE_RUN, STEP_TAG, PipelinePartitions, partition_days
from orchestration.lib.resources import LakeResource

__all__ = ["cube_assets"]


def cube_assets(parts: PipelinePartitions) -> AssetsDefinition:
    """``gold/cube_*`` (:data:`lake.transforms.CUBES`), made together from the same day
    partitions of ``gold/rollup_daily`` and ``gold/rollup_hourly``."""
    specs = [
        AssetSpec(
            ["gold", name],
            deps=[AssetKey(["gold", cube.rollup])],
            group_name="lake",
            kinds={"delta", "polars"},
            description=f"{cube.description} Measures as in {cube.rollup} (visitors as exact "
            "key lists); a partition per day.",
        )
        for name, cube in CUBES.items()
    ]

    @multi_asset(
        specs=specs,
        name="gold_cubes",
        op_tags={STEP_TAG: "gold/cubes"},
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
    )
    def gold_cubes(
        context: AssetExecutionContext, lake: LakeResource
    ) -> Iterator[MaterializeResult]:
        """Rebuild every cube's days of this run from its rollup, replacing a day at a time
        (a day the rollup no longer holds is emptied); a cube not built before is made
        for every day its rollup holds."""
        yield from _build(context, lake)

    return gold_cubes


def _build(context: AssetExecutionContext, lake_res: LakeResource) -> Iterator[MaterializeResult]:
    days = partition_days(context)
    for name, rows, written in load_cubes(lake_res.lake, lake_res.paths, days):
        context.log.info(f"{name}: {rows} rows over {written} days")
        yield MaterializeResult(
            asset_key=AssetKey(["gold", name]), metadata={"days": len(days), "rows": rows}
        )
