"""Jobs and sensors: new landing files → bronze (by landing hour); changed bronze days →
a refresh of the day partitions downstream (up to the reports' rollups and cubes in
ClickHouse); refreshed days → ClickHouse's raw tables and the quality suites."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetKey,
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

from lake.loads import RAW_SOURCES
from orchestration.defs.follow import FollowerJob, follower_job, note_to_follow
from orchestration.defs.lake.bronze import BRONZE, new_landing_hours, unconsumed_landing_files
from orchestration.defs.lake.refresh import mark_refresh_done, pending_refreshes
from orchestration.defs.lake.sessions import SESSIONS
from orchestration.defs.partitions import (
    CHANGED_DAYS_TAG,
    MARTS_DAYS_TAG,
    RAW_DAYS_TAG,
    PipelinePartitions,
    span_tags,
)
from orchestration.defs.runs import SENSOR_INTERVAL_S, busy, range_runs
from orchestration.lib.resources import LakeResource

__all__ = ["RAW_JOB", "REFRESH_JOB", "LakeAutomation", "lake_automation"]

#: The job that rebuilds the days downstream of bronze (sessions … the hot tier's rollups
#: and cubes); the raw tables follow it, the dbt marts (their own code location) them.
REFRESH_JOB = "strata_refresh"
#: The job that loads ClickHouse's raw ``events``/``sessions`` for the days refreshes
#: rebuilt, and runs the quality suites.
RAW_JOB = "strata_raw_tables"
INGEST_JOB = "strata_ingest"
#: How often the raw tables follow (seconds): each run pays a process start and the
#: suites' library import (~3 s of CPU each) on the cores the refreshes need, so they
#: follow every 30 s (covering every refresh since), not after each refresh.
RAW_INTERVAL_S = 30

#: The raw tables' assets (the refreshes leave them to :data:`RAW_JOB`).
RAW_TABLES = AssetSelection.assets(*(AssetKey(["clickhouse", name]) for name in RAW_SOURCES))


@dataclass(frozen=True)
class LakeAutomation:
    """The jobs, sensors and schedule that keep the lake and hot tier current."""

    ingest_job: Any  # what define_asset_job returns (resolved when definitions load)
    refresh_job: Any
    raw: FollowerJob
    landing_sensor: SensorDefinition
    refresh_sensor: SensorDefinition
    refresh_done_sensor: SensorDefinition
    refresh_schedule: ScheduleDefinition


def lake_automation(parts: PipelinePartitions, warehouse: bool = True) -> LakeAutomation:
    """Jobs over the pipeline's partitions, with the sensors and schedule that start them.

    A refresh brings new events into the reports (sessions, rollups, cubes, the hot
    tier's copies of them) and ends there.  ClickHouse's raw ``events``/``sessions``,
    whose load grows with the day's events, and the quality suites follow it in a job of
    their own (``strata_raw_tables``) over the days it rebuilt, so the next refresh does
    not wait for them; the dbt models, a job of another code location (``strata_marts``,
    see :mod:`orchestration.warehouse`), follow the raw tables.  ``warehouse``
    (``STRATA_WAREHOUSE_MODELS``): the raw tables' days are noted for the marts."""
    #: Landing files into bronze, by the hours they landed in.
    ingest_job = define_asset_job(
        INGEST_JOB,
        selection=AssetSelection.assets(BRONZE).without_checks(),  # refreshes run them
        partitions_def=parts.hourly,
        executor_def=in_process_executor,
    )
    #: Sessions, rollups, cubes and the hot tier's copies of them for a range of days,
    #: in one process (the embedded chdb engine admits one process per data path; a
    #: server URL lifts that).
    refreshed = AssetSelection.all() - AssetSelection.assets(BRONZE) - RAW_TABLES
    refresh_job = define_asset_job(
        REFRESH_JOB,
        selection=refreshed.without_checks(),
        partitions_def=parts.daily,
        executor_def=in_process_executor,
    )
    #: The raw tables for the days refreshes rebuilt, then the quality suites: bronze's
    #: over what bronze took since they last ran, the sessions' over the days rebuilt.
    raw = follower_job(
        RAW_JOB,
        "raw_tables",
        "the raw tables",
        RAW_TABLES | AssetSelection.checks_for_assets(BRONZE, SESSIONS),
        parts,
        RAW_DAYS_TAG,
        RAW_INTERVAL_S,
        then=MARTS_DAYS_TAG if warehouse else None,
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
        """A refresh run succeeded (every asset of it): its days are the raw tables' to
        follow (noted first: an erasure waits for neither), and the bronze changes it
        covered are done (the one place that marks them)."""
        note_to_follow(lake, RAW_DAYS_TAG, context.dagster_run.tags)
        if mark_refresh_done(lake, context.dagster_run.tags):
            context.log.info(f"refresh {context.dagster_run.run_id[:8]}: changes marked done")

    return LakeAutomation(
        ingest_job,
        refresh_job,
        raw,
        landing_sensor,
        refresh_sensor,
        refresh_done,
        refresh_schedule,
    )
