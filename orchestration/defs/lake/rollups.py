"""Gold rollups, a daily partition at a time: hourly (UTC days) and daily (site-local days)."""

import datetime as dt

from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    TimeWindowPartitionMapping,
    asset,
)

from lake.loads import load_rollup
from orchestration.defs.lake.bronze import BRONZE, BRONZE_AS_IT_STANDS
from orchestration.defs.lake.sessions import SESSIONS
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = ["rollup_assets"]


def _build(
    context: AssetExecutionContext,
    lake_res: LakeResource,
    catalog: CatalogResource,
    name: str,
) -> MaterializeResult:
    """Rebuild rollup ``name`` for this run's days (:func:`lake.loads.load_rollup`)."""
    lake, paths = lake_res.lake, lake_res.paths
    policy = catalog.retention_policy(lake_res.settings, dt.datetime.now(dt.UTC).date())
    days = partition_days(context)
    rows = pageviews = 0
    for day, out in load_rollup(lake, paths, name, days, catalog.timezones(), policy):
        rows += out.height
        pageviews += int(out["count_pageviews"].sum())
        context.log.info(f"{name} {day}: {out.height} rows")
    files = lake.file_count(paths.gold(name))
    return MaterializeResult(metadata={"rows": rows, "pageviews": pageviews, "table_files": files})


def _rollup_asset(
    parts: PipelinePartitions, name: str, sessions_window: tuple[int, int], doc: str
) -> AssetsDefinition:
    """A gold rollup asset over daily partitions; ``sessions_window`` are the offsets of
    the silver days its days read (a partition mapping Dagster's UI shows)."""
    start, end = sessions_window
    mapping = TimeWindowPartitionMapping(start_offset=start, end_offset=end)

    @asset(
        key=["gold", name],
        deps=[
            AssetDep(BRONZE, partition_mapping=BRONZE_AS_IT_STANDS),
            AssetDep(SESSIONS, partition_mapping=mapping),
        ],
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        group_name="lake",
        kinds={"delta", "polars"},
        description=doc,  # one factory, two assets: the text differs per asset
    )
    def rollup(
        context: AssetExecutionContext, lake: LakeResource, catalog: CatalogResource
    ) -> MaterializeResult:
        return _build(context, lake, catalog, name)

    return rollup


def rollup_assets(parts: PipelinePartitions) -> list[AssetsDefinition]:
    """``gold/rollup_hourly`` (a UTC day's events belong to sessions started that day or
    the one before) and ``gold/rollup_daily`` (a site-local day's sessions started within
    UTC D-2..D+1)."""
    return [
        _rollup_asset(
            parts,
            "rollup_hourly",
            (-1, 0),
            "Per UTC hour × page × session attributes: pageviews, events, distinct users "
            "(exact key lists), sessions started, bounces, session seconds; a partition "
            "per UTC day.",
        ),
        _rollup_asset(
            parts,
            "rollup_daily",
            (-2, 1),
            "Per site-local date × page × session attributes; same measures as hourly.",
        ),
    ]
