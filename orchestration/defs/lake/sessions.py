"""silver/sessions: one row per session, a daily partition per UTC start date."""

from collections.abc import Iterator

import polars as pl
from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
)

from lake.loads import client_buckets, load_sessions
from lake.storage import SESSION_SCHEMA
from orchestration.defs.lake.bronze import BRONZE, BRONZE_AS_IT_STANDS
from orchestration.defs.lake.checks import merge_outcomes, suite_results, suite_specs
from orchestration.defs.partitions import ONE_RUN, PipelinePartitions, partition_days
from orchestration.lib.preview import preview
from orchestration.lib.quality import CheckOutcome, validate
from orchestration.lib.resources import CatalogResource, LakeResource

__all__ = ["SESSIONS", "silver_sessions_asset"]

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
    buckets = client_buckets(lake, paths, days)
    total, last = 0, None
    outcomes: dict[str, CheckOutcome] = {}
    for day, sessions in load_sessions(
        lake, paths, days, settings.session_timeout_minutes, catalog.session_timeouts(), buckets
    ):
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
