"""Gold rollups, a daily partition at a time: hourly (UTC days) and daily (site-local days)."""

import datetime as dt

import polars as pl
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    TimeWindowPartitionMapping,
    asset,
)

from lake.storage import EVENT_SCHEMA, SESSION_SCHEMA, Lake, RetentionPolicy
from lake.transforms import long_sessions, rollup_day
from orchestration.defs.lake.bronze import BRONZE
from orchestration.defs.lake.sessions import SESSIONS, client_buckets
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = ["keep_expired_sites", "rollup_assets"]


def keep_expired_sites(
    lake: Lake, uri: str, column: str, day: dt.date, out: pl.DataFrame, policy: RetentionPolicy
) -> pl.DataFrame:
    """``out`` for ``day`` with the rows of sites whose raw data of ``day`` has expired
    taken from the partition as it is: a refresh reaching into such a day (a late event
    next to it) rebuilds it from what bronze still holds, and an expired site's
    aggregates, kept longer than its raw rows, must not be lost to that."""
    if day >= policy.latest_cutoff("raw"):
        return out
    expired = policy.expired("raw", "_day")
    table = lake.delta_table(uri)
    before = pl.DataFrame()
    if table is not None:
        found = pl.from_arrow(table.to_pyarrow_table(partitions=[(column, "=", str(day))]))
        assert isinstance(found, pl.DataFrame)
        before = found.with_columns(pl.lit(day).alias(column))
    fresh = out.with_columns(_day=pl.lit(day)).filter(~expired).drop("_day")
    if not before.height:
        return fresh
    kept = before.with_columns(_day=pl.lit(day)).filter(expired).drop("_day")
    return pl.concat([fresh, kept.select(fresh.columns).cast(fresh.schema)])


def _build(
    context: AssetExecutionContext,
    lake_res: LakeResource,
    catalog: CatalogResource,
    name: str,
    daily: bool,
) -> MaterializeResult:
    """Rebuild rollup ``name`` for this run's days (:func:`lake.transforms.rollup_day`),
    replacing one day partition at a time."""
    lake, paths = lake_res.lake, lake_res.paths
    events = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)
    sessions = lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
    long, tz = long_sessions(sessions), catalog.timezones()
    days = partition_days(context)
    buckets = client_buckets(lake, paths, days)  # very large days: a group of clients at a time
    column = "date" if daily else "utc_date"
    policy = catalog.retention_policy(lake_res.settings, dt.datetime.now(dt.UTC).date())
    rows = pageviews = 0
    for day in days:
        out = rollup_day(events, sessions, long, day, tz, daily, buckets)
        out = keep_expired_sites(lake, paths.gold(name), column, day, out, policy)
        lake.replace_partition(out, paths.gold(name), column, day)
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
            AssetDep(BRONZE, partition_mapping=AllPartitionMapping()),
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
        return _build(context, lake, catalog, name, daily=name == "rollup_daily")

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
