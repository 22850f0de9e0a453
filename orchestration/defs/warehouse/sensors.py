"""The dbt marts' own cadence: a job over the days the raw tables' loads covered (which
follow the refreshes), the sensor that plans it, and the one that marks those days done
when it succeeds (:func:`orchestration.defs.follow.follower_job`)."""

from dagster import AssetSelection, Definitions

from orchestration.defs.follow import follower_job
from orchestration.defs.partitions import MARTS_DAYS_TAG, PipelinePartitions

__all__ = ["MARTS_INTERVAL_S", "MARTS_JOB", "marts_automation"]

#: The dbt marts over the days refreshes rebuilt, and how often they follow (seconds).
MARTS_JOB = "strata_marts"
MARTS_INTERVAL_S = 300


def marts_automation(parts: PipelinePartitions) -> Definitions:
    """The dbt marts' job, the sensor that plans it over the days loaded into the raw
    tables since it last ran (every 5 minutes), and the sensor that marks them done."""
    marts = follower_job(
        MARTS_JOB,
        "marts",
        "the marts",
        AssetSelection.groups("warehouse"),
        parts,
        MARTS_DAYS_TAG,
        MARTS_INTERVAL_S,
    )
    return Definitions(jobs=[marts.job], sensors=[marts.sensor, marts.done_sensor])
