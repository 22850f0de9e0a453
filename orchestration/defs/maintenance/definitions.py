"""The maintenance domain: nightly lake upkeep and daily data retention."""

from dagster import Definitions

from orchestration.defs.maintenance.jobs import lake_maintenance, lake_maintenance_schedule
from orchestration.defs.maintenance.retention import data_retention, data_retention_schedule

__all__ = ["maintenance_definitions"]


def maintenance_definitions() -> Definitions:
    """The upkeep and retention jobs and their daily schedules."""
    return Definitions(
        jobs=[lake_maintenance, data_retention],
        schedules=[lake_maintenance_schedule, data_retention_schedule],
    )
