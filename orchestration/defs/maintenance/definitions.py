"""The maintenance domain: nightly lake upkeep, daily data retention and erasures."""

from dagster import Definitions

from orchestration.defs.maintenance.erasure import (
    erase_people,
    erasure_requests,
    finish_erasure_requests,
)
from orchestration.defs.maintenance.jobs import lake_maintenance, lake_maintenance_schedule
from orchestration.defs.maintenance.retention import data_retention, data_retention_schedule

__all__ = ["maintenance_definitions"]


def maintenance_definitions() -> Definitions:
    """The upkeep and retention jobs and their daily schedules; the erasure jobs and
    the sensor that starts them."""
    return Definitions(
        jobs=[lake_maintenance, data_retention, erase_people, finish_erasure_requests],
        schedules=[lake_maintenance_schedule, data_retention_schedule],
        sensors=[erasure_requests],
    )
