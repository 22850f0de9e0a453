"""silver/sessions: one row per session, a daily partition per UTC start date."""

import datetime as dt
from collections.abc import Iterator

import polars as pl
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
)

from lake.storage import EVENT_SCHEMA, SESSION_SCHEMA, Lake, LakePaths
from lake.transforms import SESSION_INPUT_COLUMNS, sessions_by_day
from orchestration.defs.lake.bronze import BRONZE
from orchestration.defs.lake.checks import merge_outcomes, suite_results, suite_specs
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
from orchestration.lib.preview import preview
from orchestration.lib.quality import CheckOutcome, validate
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = ["SESSIONS", "client_buckets", "silver_sessions_asset"]

SESSIONS = AssetKey(["silver", "sessions"])

#: Most bronze rows of one day processed at once (about 1.5 GB at this size).
SESSION_BUCKET_ROWS = 2_000_000


def client_buckets(lake: Lake, paths: LakePaths, days: list[dt.date]) -> int:
    """In how many client buckets to process days (and their neighbours) of bronze:
    enough that none holds more than SESSION_BUCKET_ROWS events (read from the log)."""
    day_rows = lake.partition_rows(paths.bronze_events, "event_date")
    one = dt.timedelta(days=1)
    around = [days[0] - one, *days, days[-1] + one]
    biggest = max(day_rows.get(str(d), 0) for d in around)
    return max(1, -(-biggest // SESSION_BUCKET_ROWS))


def silver_sessions_asset(parts: PipelinePartitions) -> AssetsDefinition:
    """The ``silver/sessions`` asset over the daily partitions."""

    @asset(
        key=SESSIONS,
        deps=[AssetDep(BRONZE, partition_mapping=AllPartitionMapping())],
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        group_name="lake",
        kinds={"delta", "polars"},
        check_specs=suite_specs("silver_sessions", SESSIONS),
    )
    def silver_sessions(
        context: AssetExecutionContext, lake: LakeResource, catalog: CatalogResource
    ) -> Iterator:
        """One row per session (30-minute inactivity gap, whole across hour and day
        boundaries), in the daily partition of the UTC date of its first event.

        Any landing hour of bronze may hold events of any day (late data), hence 'all'
        upstream.
        """
        yield from _build_sessions(context, lake, catalog)

    return silver_sessions


def _build_sessions(
    context: AssetExecutionContext, lake_res: LakeResource, catalog: CatalogResource
) -> Iterator:
    """Rebuild the session partitions of this run's days from bronze, one day in memory.

    Each partition is replaced atomically and validated by the silver_sessions suite
    as it is written.
    """
    lake, paths, settings = lake_res.lake, lake_res.paths, lake_res.settings
    days = partition_days(context)
    bronze = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA)

    def load_day(day: dt.date) -> pl.LazyFrame:  # one day of bronze, the columns needed
        return bronze.filter(pl.col("event_date") == day).select(SESSION_INPUT_COLUMNS)

    buckets = client_buckets(lake, paths, days)
    total, last = 0, None
    outcomes: dict[str, CheckOutcome] = {}
    for day, sessions in sessions_by_day(
        load_day,
        days[0],
        days[-1],
        settings.session_timeout_minutes,
        catalog.session_timeouts(),
        buckets,
    ):
        lake.replace_partition(sessions, paths.silver_sessions, "session_date", day)
        if sessions.height:
            merge_outcomes(outcomes, validate("silver_sessions", sessions))
        total += sessions.height
        last = sessions if sessions.height else last
        context.log.info(f"{day}: {sessions.height} sessions")
    written = lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA).filter(
        pl.col("session_date").is_between(days[0], days[-1])
    )
    stats = written.select(  # distinct clients over the range: counted, never summed
        bounces=pl.col("is_bounce").sum(), distinct_clients=pl.col("client_id").n_unique()
    ).collect()
    meta = {
        "days": len(days),
        "client_buckets": buckets,
        "sessions": total,
        "bounces": int(stats["bounces"][0] or 0),
        "distinct_clients": int(stats["distinct_clients"][0] or 0),
        "table_files": lake.file_count(paths.silver_sessions),
    }
    if last is not None:
        meta["preview"] = preview(
            last.sort("started_at"),
            ["started_at", "duration_s", "count_pageviews", "entry_page", "channel"],
        )
    yield MaterializeResult(metadata=meta)
    yield from suite_results("silver_sessions", SESSIONS, outcomes)
