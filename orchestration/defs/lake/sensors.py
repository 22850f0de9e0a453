"""Jobs and sensors: new landing files → bronze (by landing hour); changed bronze days →
a refresh of the day partitions downstream."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
    schedule,
    sensor,
)

from orchestration.defs.lake.bronze import BRONZE, new_landing_hours, unconsumed_landing_files
from orchestration.defs.lake.refresh import mark_refresh_done, note_marts_pending, pending_refreshes
from orchestration.defs.partitions import CHANGED_DAYS_TAG, PipelinePartitions, span_tags
from orchestration.defs.runs import SENSOR_INTERVAL_S, busy, range_runs
from orchestration.lib.resources import LakeResource

__all__ = ["REFRESH_JOB", "LakeAutomation", "lake_automation"]

#: The job that rebuilds the days downstream of bronze (sessions … hot tier; the dbt marts
#: follow in their own code location).
REFRESH_JOB = "strata_refresh"
INGEST_JOB = "strata_ingest"


@dataclass(frozen=True)
class LakeAutomation:
    """The jobs, sensors and schedule that keep the lake and hot tier current."""

    ingest_job: Any  # what define_asset_job returns (resolved when definitions load)
    refresh_job: Any
    landing_sensor: SensorDefinition
    refresh_sensor: SensorDefinition
    refresh_done_sensor: SensorDefinition
    refresh_schedule: ScheduleDefinition


def lake_automation(parts: PipelinePartitions, warehouse: bool = True) -> LakeAutomation:
    """Jobs over the pipeline's partitions, with the sensors and schedule that start them.

    The dbt models are a job of another code location (``strata_marts``, see
    :mod:`orchestration.warehouse`) that follows the refreshes over the days they
    rebuilt: a refresh, which brings new events into the reports, does not wait for dbt
    (nor import it).  ``warehouse`` (``STRATA_WAREHOUSE_MODELS``): a refresh's days are
    noted for the marts to follow."""
    #: Landing files into bronze, by the hours they landed in.
    ingest_job = define_asset_job(
        INGEST_JOB,
        selection=AssetSelection.assets(BRONZE).without_checks(),  # refreshes run them
        partitions_def=parts.hourly,
        executor_def=in_process_executor,
    )
    #: Sessions, rollups and hot tier for a range of days, in one process (the embedded
    #: chdb engine admits one process per data path; a server URL lifts that), and
    #: bronze's checks, over what bronze took since they last ran.
    refreshed = AssetSelection.all() - AssetSelection.assets(BRONZE)
    refresh_job = define_asset_job(
        REFRESH_JOB,
        selection=refreshed | AssetSelection.checks_for_assets(BRONZE),
        partitions_def=parts.daily,
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

    @sensor(
        job=ingest_job,
        minimum_interval_seconds=SENSOR_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def landing_sensor(context: SensorEvaluationContext, lake: LakeResource):
        """Request a bronze run over the landing hours that hold files bronze has not
        consumed (none while one is queued or running: the next takes what it left)."""
        if busy(context, INGEST_JOB):
            return SkipReason("a bronze run is under way")
        files = unconsumed_landing_files(lake)
        hours = new_landing_hours(files)
        if not hours:
            return SkipReason("no new landing files")
        run_key = hashlib.sha1("\n".join(files).encode()).hexdigest()
        return RunRequest(
            run_key=run_key, tags={**span_tags(hours), "strata/new_files": str(len(files))}
        )

    @sensor(
        job=refresh_job,
        minimum_interval_seconds=SENSOR_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def refresh_sensor(context: SensorEvaluationContext, lake: LakeResource):
        """Request one refresh run per contiguous range of days bronze changed.

        The run key names the range and its newest change, so a range is requested once
        per change; ``refresh_done`` marks the changes done when the run succeeds.  While
        a planned refresh is queued or running nothing more is asked: changes noted
        meanwhile go in the next run, not in a queue of runs each redoing the day.
        """
        if busy(context, REFRESH_JOB, CHANGED_DAYS_TAG):
            return SkipReason("a planned refresh is under way")
        refreshes = pending_refreshes(lake, parts)
        if not refreshes:
            return SkipReason("every partition is up to date with bronze")
        return range_runs(refreshes)

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[refresh_job],
        name="refresh_done",
        minimum_interval_seconds=SENSOR_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def refresh_done(context: RunStatusSensorContext, lake: LakeResource) -> None:
        """A refresh run succeeded (every asset of it): the bronze changes it covered are
        done (the one place that marks them), and its days are the marts' to follow."""
        if mark_refresh_done(lake, context.dagster_run.tags):
            context.log.info(f"refresh {context.dagster_run.run_id[:8]}: changes marked done")
        if warehouse:
            note_marts_pending(lake, context.dagster_run.tags)

    return LakeAutomation(
        ingest_job,
        refresh_job,
        landing_sensor,
        refresh_sensor,
        refresh_done,
        refresh_schedule,
    )
