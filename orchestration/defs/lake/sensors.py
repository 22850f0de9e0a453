"""Sensor: new landing files start a pipeline run."""

import hashlib

from dagster import (
    AssetSelection,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from orchestration.defs.lake.assets import unconsumed_landing_files
from orchestration.lib.strata_resource import StrataResource

__all__ = ["landing_sensor", "pipeline_job"]

#: Everything from bronze to the hot tier, in one process (the embedded chdb engine
#: admits one process per data path; a ClickHouse server URL lifts that).
pipeline_job = define_asset_job(
    "strata_pipeline", selection=AssetSelection.all(), executor_def=in_process_executor
)


@sensor(job=pipeline_job, minimum_interval_seconds=30)
def landing_sensor(context: SensorEvaluationContext, strata: StrataResource):
    """Request a pipeline run when landing holds files bronze has not consumed yet."""
    files = unconsumed_landing_files(strata)
    if not files:
        return SkipReason("no new landing files")
    run_key = hashlib.sha1("\n".join(files).encode()).hexdigest()
    return RunRequest(run_key=run_key, tags={"strata/new_files": str(len(files))})
