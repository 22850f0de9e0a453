"""Strata's Dagster code location: ``dagster dev -w workspace.yaml`` loads ``defs``."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from orchestration.defs.hot_tier import assets as hot_tier_assets
from orchestration.defs.lake import assets as lake_assets
from orchestration.defs.lake import checks as lake_checks
from orchestration.defs.lake.sensors import landing_sensor, pipeline_job
from orchestration.defs.maintenance.jobs import lake_maintenance, lake_maintenance_schedule
from orchestration.defs.resources import RESOURCES

ASSETS = load_assets_from_modules([lake_assets, hot_tier_assets])
CHECKS = load_asset_checks_from_modules([lake_checks])

defs = Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[pipeline_job, lake_maintenance],
    sensors=[landing_sensor],
    schedules=[lake_maintenance_schedule],
    resources=RESOURCES,
)
