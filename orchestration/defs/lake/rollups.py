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

from lake.storage import EVENT_SCHEMA, SESSION_SCHEMA
from lake.transforms import (
    ROLLUP_EVENT_COLUMNS,
    client_bucket,
    local_date,
    merge_client_parts,
    rollup_daily,
    rollup_hourly,
)
from orchestration.defs.lake.bronze import BRONZE
from orchestration.defs.lake.sessions import SESSIONS, client_buckets
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = ["rollup_assets"]

_DAY = dt.timedelta(days=1)


def _long_sessions(sessions: pl.LazyFrame) -> pl.DataFrame:
    """Sessions spanning two or more midnights (rare): the only ones older day ranges miss."""
    span = pl.col("ended_at").dt.date() - pl.col("session_date")
    return sessions.filter(span >= pl.duration(days=2)).collect()


def _sessions_around(
    sessions: pl.LazyFrame, long: pl.DataFrame, first: dt.date, last: dt.date
) -> pl.LazyFrame:
    """Sessions started ``first..last`` plus the long ones started earlier."""
    return pl.concat(
        [
            sessions.filter(pl.col("session_date").is_between(first, last)),
            long.lazy().filter(pl.col("session_date") < first),
        ]
    )


def _build(
    context: AssetExecutionContext,
    lake_res: LakeResource,
    catalog: CatalogResource,
    name: str,
    daily: bool,
) -> MaterializeResult:
    """Rebuild rollup ``name`` for this run's days, replacing one day partition at a time.

    A UTC day D needs its events and the sessions they belong to (started on D-1 or D,
    or long ones); a site-local day D lies within UTC D-1..D+1, its sessions started
    on D-2..D+1.  Session measures land on the day a session started, so rows of
    other days (from sessions passed only for their events) are filtered out.
    """
    lake, paths = lake_res.lake, lake_res.paths
    events = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)
    sessions = lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
    long = _long_sessions(sessions)
    tz = catalog.timezones()
    part_col = "date" if daily else "utc_date"
    days = partition_days(context)
    buckets = client_buckets(lake, paths, days)  # very large days: a group of clients at a time
    rows = pageviews = 0
    for day in days:
        if daily:
            day_events = events.filter(
                pl.col("event_date").is_between(day - _DAY, day + _DAY)
            ).filter(local_date("event_at", tz) == day)
            around = _sessions_around(sessions, long, day - 2 * _DAY, day + _DAY)
        else:
            day_events = events.filter(pl.col("event_date") == day)
            around = _sessions_around(sessions, long, day - _DAY, day)
        parts = []
        for b in range(buckets):
            mine = client_bucket(buckets) == b
            ev, ss = day_events.select(ROLLUP_EVENT_COLUMNS), around
            if buckets > 1:
                ev, ss = ev.filter(mine), ss.filter(mine)
            df = rollup_daily(ev, ss, tz) if daily else rollup_hourly(ev, ss)
            parts.append(df.filter(pl.col(part_col) == day).collect())
        out = merge_client_parts(parts)
        lake.replace_partition(out, paths.gold(name), part_col, day)
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
