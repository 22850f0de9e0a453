"""The dbt marts' own cadence: a job over the days refreshes rebuilt, the sensor that
plans it, and the one that marks those days done when it succeeds."""

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    Definitions,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    run_status_sensor,
    sensor,
)

from orchestration.defs.lake.refresh import mark_marts_done, pending_marts
from orchestration.defs.partitions import MARTS_DAYS_TAG, PipelinePartitions
from orchestration.defs.runs import SENSOR_INTERVAL_S, busy, range_runs
from orchestration.lib.resources import LakeResource

__all__ = ["MARTS_INTERVAL_S", "MARTS_JOB", "marts_automation"]

#: The dbt marts over the days refreshes rebuilt, and how often they follow (seconds).
MARTS_JOB = "strata_marts"
MARTS_INTERVAL_S = 300


def marts_automation(parts: PipelinePartitions) -> Definitions:
    """The dbt marts' job, the sensor that plans it over the days refreshes rebuilt since
    it last ran, and the sensor that marks them done when it succeeds."""
    marts_job = define_asset_job(
        MARTS_JOB,
        selection=AssetSelection.groups("warehouse"),
        partitions_def=parts.daily,
        executor_def=in_process_executor,
    )

    @sensor(
        job=marts_job,
        minimum_interval_seconds=MARTS_INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def marts_sensor(context: SensorEvaluationContext, lake: LakeResource):
        """Request one marts run per contiguous range of days refreshed since the marts
        last covered them (none while a marts run is queued or running)."""
        if busy(context, MARTS_JOB):
            return SkipReason("a marts run is under way")
        ranges = pending_marts(lake)
        if not ranges:
            return SkipReason("the marts are up to date with the refreshes")
        return range_runs(ranges, "marts-", MARTS_DAYS_TAG)

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

    return Definitions(jobs=[marts_job], sensors=[marts_sensor, marts_done])
