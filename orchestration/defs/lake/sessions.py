"""silver/sessions: one row per session, a daily partition per UTC start date, and its
Great Expectations suite as checks run at the end of a refresh."""

from collections.abc import Iterator

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetChecksDefinition,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
    multi_asset_check,
)

from lake.loads import client_buckets, load_sessions
from lake.storage import SESSION_SCHEMA
from orchestration.defs.lake.bronze import BRONZE, BRONZE_AS_IT_STANDS
from orchestration.defs.lake.checks import merge_outcomes, suite_results, suite_specs
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
from orchestration.lib.preview import preview
from orchestration.lib.quality import CheckOutcome, validate
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = ["SESSIONS", "silver_sessions_asset", "silver_sessions_checks"]

SESSIONS = AssetKey(["silver", "sessions"])


def silver_sessions_asset(parts: PipelinePartitions) -> AssetsDefinition:
    """The ``silver/sessions`` asset over the daily partitions."""

    @asset(
        key=SESSIONS,
        deps=[AssetDep(BRONZE, partition_mapping=BRONZE_AS_IT_STANDS)],
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        group_name="lake",
        kinds={"delta", "polars"},
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
    """Rebuild the session partitions of this run's days from bronze, one day in memory;
    each partition is replaced atomically."""
    lake, paths, settings = lake_res.lake, lake_res.paths, lake_res.settings
    days = partition_days(context)
    buckets = client_buckets(lake, paths, days)
    total, last = 0, None
    for day, sessions in load_sessions(
        lake, paths, days, settings.session_timeout_minutes, catalog.session_timeouts(), buckets
    ):
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


def silver_sessions_checks() -> AssetChecksDefinition:
    """The silver_sessions suite (:mod:`orchestration.lib.quality`) as checks of
    ``silver/sessions``, over the partitions the run rebuilt.

    A check step of its own: ``strata pipeline`` runs it right after the sessions,
    Dagster's daemon in the job that follows each refresh (``strata_raw_tables``), after
    the raw tables' load, while the refreshes go on (the suite's library alone takes
    seconds to import; the raw tables' step starts that on a thread).
    """

    @multi_asset_check(specs=suite_specs("silver_sessions", SESSIONS), name="silver_sessions_suite")
    def silver_sessions_suite(context: AssetCheckExecutionContext, lake: LakeResource) -> Iterator:
        """Validate the run's session partitions, a day at a time."""
        lake_, paths = lake.lake, lake.paths
        written = lake_.scan_delta(paths.silver_sessions, SESSION_SCHEMA)
        outcomes: dict[str, CheckOutcome] = {}
        for day in partition_days(context):
            day_rows = written.filter(pl.col("session_date") == day)
            merge_outcomes(outcomes, validate("silver_sessions", day_rows))
        yield from suite_results("silver_sessions", SESSIONS, outcomes)

    return silver_sessions_suite
