"""The lake domain: bronze, sessions, rollups and cubes, with their jobs, sensors and schedule."""

from dagster import Definitions

from lake.settings import Settings
from orchestration.defs.lake.bronze import bronze_events_asset, bronze_events_checks
from orchestration.defs.lake.cubes import cube_assets
from orchestration.defs.lake.rollups import rollup_assets
from orchestration.defs.lake.sensors import lake_automation
from orchestration.defs.lake.sessions import silver_sessions_asset, silver_sessions_checks
from orchestration.defs.partitions import PipelinePartitions

__all__ = ["lake_definitions"]


def lake_definitions(parts: PipelinePartitions) -> Definitions:
    """Assets of the lake over ``parts``, and what keeps them current."""
    auto = lake_automation(parts, Settings.from_env().warehouse_models)
    return Definitions(
        assets=[
            bronze_events_asset(parts),
            silver_sessions_asset(parts),
            *rollup_assets(parts),
            cube_assets(parts),
        ],
        asset_checks=[bronze_events_checks(), silver_sessions_checks()],
        jobs=[auto.ingest_job, auto.refresh_job, auto.raw.job],
        sensors=[
            auto.landing_sensor,
            auto.refresh_sensor,
            auto.refresh_done_sensor,
            auto.raw.sensor,
            auto.raw.done_sensor,
        ],
        schedules=[auto.refresh_schedule],
    )
