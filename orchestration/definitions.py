"""Strata's Dagster code location: ``dagster dev -w workspace.yaml`` loads ``defs``."""

from dagster import Definitions, definitions

from lake.settings import Settings
from orchestration.defs.hot_tier.definitions import hot_tier_definitions
from orchestration.defs.lake.definitions import lake_definitions
from orchestration.defs.maintenance.definitions import maintenance_definitions
from orchestration.defs.partitions import pipeline_partitions
from orchestration.defs.resources import RESOURCES, warehouse_domain


@definitions
def defs() -> Definitions:
    """Every domain's definitions, over partitions from the settings read at load time."""
    settings = Settings.from_env()
    parts = pipeline_partitions(settings.partitions_start)
    domains = [lake_definitions(parts), hot_tier_definitions(parts), maintenance_definitions()]
    domains += warehouse_domain(parts, settings.warehouse_models)
    return Definitions.merge(*domains, Definitions(resources=RESOURCES))
