"""The maintenance domain: nightly lake upkeep."""

from dagster import Definitions

from orchestration.defs.maintenance.jobs import lake_maintenance, lake_maintenance_schedule

__all__ = ["maintenance_definitions"]


def maintenance_definitions() -> Definitions:
    """The upkeep job and its nightly schedule."""
    return Definitions(jobs=[lake_maintenance], schedules=[lake_maintenance_schedule])
