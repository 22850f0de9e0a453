"""Jobs and sensors: new landing files → bronze (by landing hour); changed bronze days →
a refresh of the day partitions downstream."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetSelection,
    DagsterInvariantViolationError,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
    schedule,
    sensor,
)

from lake.transforms import RefreshRange
from orchestration.defs.lake.bronze import BRONZE, new_landing_hours, unconsumed_landing_files
from orchestration.defs.lake.refresh import (
    mark_marts_done,
    mark_refresh_done,
    note_marts_pending,
    pending_marts,
    pending_refreshes,
)
from orchestration.defs.partitions import (
    CHANGED_DAYS_TAG,
    PipelinePartitions,
    range_tags,
    span_tags,
)
from orchestration.lib.resources import LakeResource

__all__ = ["MARTS_JOB", "REFRESH_JOB", "LakeAutomation", "lake_automation"]

#: The job that rebuilds the days downstream of bronze (sessions … hot tier, dbt marts).
REFRESH_JOB = "strata_refresh"
INGEST_JOB = "strata_ingest"
#: The dbt marts over the days refreshes rebuilt, and how often they follow (seconds).
MARTS_JOB = "strata_marts"
MARTS_INTERVAL_S = 300

#: The sensors' minimum interval (seconds): below the daemon's own loop (it evaluates
#: sensors every 5 s at most), so they look on every loop.  An interval of 5 made them
#: look every *other* loop (10 s): the daemon measures the interval from the end of the
#: last evaluation, a little under 5 s before the next loop.  Short is safe because a
#: sensor asks for nothing while a run of its job is still queued or running
#: (:func:`_busy`): new files and changes wait for that run and then go in one run, so
#: a short interval adds no runs under load — it only takes the wait out of the lag.
SENSOR_INTERVAL_S = 1

_UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def _busy(context: SensorEvaluationContext, job: str, tag: str | None = None) -> bool:
    """A run of ``job`` (with ``tag``, if given) is queued or running.  Asking for another
    now would only queue it behind (runs of one job share the embedded engine and the
    same partitions), and each run pays a process start and code load of ~3 s."""
    try:
        instance = context.instance
    except DagsterInvariantViolationError:  # a context built without an instance (tests)
        return False
    runs = instance.get_runs(RunsFilter(job_name=job, statuses=_UNFINISHED), limit=50)
    return any(tag is None or tag in run.tags for run in runs)


def _range_runs(ranges: list[RefreshRange], key_prefix: str = "") -> SensorResult:
    """One run per range, keyed by the range and its newest change (so a range is asked
    for once per change), tagged so that its success marks those changes done."""
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"{key_prefix}{r.first}..{r.last}@{r.noted_until.isoformat()}",
                tags=range_tags(r),
            )
            for r in ranges
        ]
    )


@dataclass(frozen=True)
class LakeAutomation:
    """The jobs, sensors and schedule that keep the lake and hot tier current."""

    ingest_job: Any  # what define_asset_job returns (resolved when definitions load)
    refresh_job: Any
    landing_sensor: SensorDefinition
    refresh_sensor: SensorDefinition
    refresh_done_sensor: SensorDefinition
    refresh_schedule: ScheduleDefinition
    marts: tuple[Any, SensorDefinition, SensorDefinition] | None  # job, sensor, done sensor


def lake_automation(parts: PipelinePartitions, warehouse: bool = True) -> LakeAutomation:
    """Jobs over the pipeline's partitions, with the sensors and schedule that start them.

    The dbt models are a job of their own (``strata_marts``) that follows the refreshes
    every :data:`MARTS_INTERVAL_S` over the days they rebuilt: a refresh, which brings
    new events into the reports, does not wait for dbt.  ``warehouse=False``
    (``STRATA_WAREHOUSE_MODELS=false``) has no dbt models, hence no marts job."""
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
    marts = AssetSelection.groups("warehouse")
    refreshed = AssetSelection.all() - AssetSelection.assets(BRONZE) - marts
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
        if _busy(context, INGEST_JOB):
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
        if _busy(context, REFRESH_JOB, CHANGED_DAYS_TAG):
            return SkipReason("a planned refresh is under way")
        refreshes = pending_refreshes(lake, parts)
        if not refreshes:
            return SkipReason("every partition is up to date with bronze")
        return _range_runs(refreshes)

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
        _marts_automation(parts, marts) if warehouse else None,
    )


def _marts_automation(
    parts: PipelinePartitions, marts: AssetSelection
) -> tuple[Any, SensorDefinition, SensorDefinition]:
    """The dbt marts' job, the sensor that plans it over the days refreshes rebuilt since
    it last ran, and the sensor that marks them done when it succeeds."""
    marts_job = define_asset_job(
        MARTS_JOB, selection=marts, partitions_def=parts.daily, executor_def=in_process_executor
    )

    @sensor(
        job=marts_job,
        minimum_interval_seconds=MARTS_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def marts_sensor(context: SensorEvaluationContext, lake: LakeResource):
        """Request one marts run per contiguous range of days refreshed since the marts
        last covered them (none while a marts run is queued or running)."""
        if _busy(context, MARTS_JOB):
            return SkipReason("a marts run is under way")
        ranges = pending_marts(lake)
        if not ranges:
            return SkipReason("the marts are up to date with the refreshes")
        return _range_runs(ranges, "marts-")

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[marts_job],
        name="marts_done",
        minimum_interval_seconds=SENSOR_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def marts_done(context: RunStatusSensorContext, lake: LakeResource) -> None:
        """A marts run succeeded: the refreshed days it covered are done."""
        mark_marts_done(lake, context.dagster_run.tags)

    return marts_job, marts_sensor, marts_done
