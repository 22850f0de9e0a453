"""Jobs and sensors: new landing files → bronze; changed bronze days → a partition refresh."""

import hashlib

from dagster import (
    AssetSelection,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    build_schedule_from_partitioned_job,
    define_asset_job,
    in_process_executor,
    sensor,
)

from orchestration.defs.lake.bronze import BRONZE, unconsumed_landing_files
from orchestration.defs.partitions import DAILY, range_tags
from orchestration.lib.refresh import pending_refreshes
from orchestration.lib.strata_resource import StrataResource

__all__ = [
    "ingest_job",
    "landing_sensor",
    "refresh_job",
    "refresh_schedule",
    "refresh_sensor",
]

#: Landing files into bronze (unpartitioned: it takes whatever arrived, any dates).
ingest_job = define_asset_job(
    "strata_ingest", selection=AssetSelection.assets(BRONZE), executor_def=in_process_executor
)

#: Sessions, rollups and hot tier for a range of days, in one process (the embedded chdb
#: engine admits one process per data path; a ClickHouse server URL lifts that).
refresh_job = define_asset_job(
    "strata_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(BRONZE),
    partitions_def=DAILY,
    executor_def=in_process_executor,
)

#: Nightly safety net: rebuild yesterday once its last sessions have ended.
refresh_schedule = build_schedule_from_partitioned_job(
    refresh_job, hour_of_day=1, minute_of_hour=7, name="nightly_refresh"
)


@sensor(job=ingest_job, minimum_interval_seconds=30)
def landing_sensor(context: SensorEvaluationContext, strata: StrataResource):
    """Request a bronze run when landing holds files bronze has not consumed yet."""
    files = unconsumed_landing_files(strata)
    if not files:
        return SkipReason("no new landing files")
    run_key = hashlib.sha1("\n".join(files).encode()).hexdigest()
    return RunRequest(run_key=run_key, tags={"strata/new_files": str(len(files))})


@sensor(job=refresh_job, minimum_interval_seconds=30)
def refresh_sensor(context: SensorEvaluationContext, strata: StrataResource):
    """Request one refresh run per contiguous range of days bronze changed.

    The run key names the range and its newest change, so a range is requested once
    per change; the run marks the changes done when its hot tier load finishes.
    """
    refreshes = pending_refreshes(strata)
    if not refreshes:
        return SkipReason("every partition is up to date with bronze")
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"{r.first}..{r.last}@{r.noted_until.isoformat()}", tags=range_tags(r)
            )
            for r in refreshes
        ]
    )
