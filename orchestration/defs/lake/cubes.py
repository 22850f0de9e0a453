"""Gold cubes, a daily partition at a time: each re-aggregates the same day of its rollup."""

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

from lake.transforms import CUBES, complete_measures, cube_of
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
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
    lake, paths = lake_res.lake, lake_res.paths
    days = partition_days(context)
    rollups = {}  # each table's log read once, not per day; None: not built yet
    for rollup in ("rollup_daily", "rollup_hourly"):
        scan = lake.scan_delta(paths.gold(rollup), {})
        rollups[rollup] = complete_measures(scan) if scan.collect_schema().names() else None
    for name, cube in CUBES.items():
        rollup, part_col = rollups[cube.rollup], cube.partition_column
        todo = days
        if rollup is not None and lake.delta_table(paths.gold(name)) is None:
            # a new cube (a Strata upgrade): made once for every day its rollup holds
            held = lake.partition_rows(paths.gold(cube.rollup), part_col)
            todo = sorted({*days, *(dt.date.fromisoformat(d) for d in held)})
        rows = 0
        for day in todo if rollup is not None else []:
            out = cube_of(rollup.filter(pl.col(part_col) == day), cube).collect()
            lake.replace_partition(out, paths.gold(name), part_col, day)
            rows += out.height
        context.log.info(f"{name}: {rows} rows over {len(todo)} days")
        yield MaterializeResult(
            asset_key=AssetKey(["gold", name]), metadata={"days": len(days), "rows": rows}
        )
