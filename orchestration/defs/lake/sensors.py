"""Jobs and sensors: new landing files → bronze (by landing hour); changed bronze days →
a refresh of the day partitions downstream."""

import datetime as dt
import hashlib

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)

from orchestration.defs.lake.bronze import BRONZE, new_landing_hours, unconsumed_landing_files
from orchestration.defs.partitions import DAILY, HOURLY, range_tags, span_tags
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
    "strata_ingest",
    selection=AssetSelection.assets(BRONZE),
    partitions_def=HOURLY,
    executor_def=in_process_executor,
)

#: Sessions, rollups and hot tier for a range of days, in one process (the embedded chdb
#: engine admits one process per data path; a ClickHouse server URL lifts that).
refresh_job = define_asset_job(
    "strata_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(BRONZE),
    partitions_def=DAILY,
    executor_def=in_process_executor,
)


@schedule(
    job=refresh_job,
    cron_schedule="7 1 * * *",
    name="nightly_refresh",
    default_status=DefaultScheduleStatus.RUNNING,
)
def refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """Nightly safety net: rebuild yesterday (UTC) once its last sessions have ended."""
    when = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    yesterday = (when.astimezone(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=f"nightly-{yesterday}", partition_key=yesterday)


@sensor(job=ingest_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def landing_sensor(context: SensorEvaluationContext, strata: StrataResource):
    """Request a bronze run over the landing hours that hold files bronze has not consumed."""
    files = unconsumed_landing_files(strata)
    hours = new_landing_hours(files)
    if not hours:
        return SkipReason("no new landing files")
    run_key = hashlib.sha1("\n".join(files).encode()).hexdigest()
    return RunRequest(
        run_key=run_key, tags={**span_tags(hours), "strata/new_files": str(len(files))}
    )


@sensor(job=refresh_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
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
