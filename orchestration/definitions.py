"""Strata's Dagster code location: ``dagster dev -w workspace.yaml`` loads ``defs``."""

from dagster import Definitions, load_assets_from_modules

from orchestration.defs.hot_tier import assets as hot_tier_assets
from orchestration.defs.lake import bronze, rollups, sessions
from orchestration.defs.lake.sensors import (
    ingest_job,
    landing_sensor,
    refresh_job,
    refresh_schedule,
    refresh_sensor,
)
from orchestration.defs.maintenance.jobs import lake_maintenance, lake_maintenance_schedule
from orchestration.defs.resources import RESOURCES

ASSETS = load_assets_from_modules([bronze, sessions, rollups, hot_tier_assets])

defs = Definitions(
    assets=ASSETS,
    jobs=[ingest_job, refresh_job, lake_maintenance],
    sensors=[landing_sensor, refresh_sensor],
    schedules=[refresh_schedule, lake_maintenance_schedule],
    resources=RESOURCES,
)
