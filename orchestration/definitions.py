"""Strata's Dagster code location: ``dagster dev -w workspace.yaml`` loads ``defs``."""

from dagster import Definitions, definitions

from lake.settings import Settings
from orchestration.defs.hot_tier.definitions import hot_tier_definitions
from orchestration.defs.lake.definitions import lake_definitions
from orchestration.defs.maintenance.definitions import maintenance_definitions
from orchestration.defs.partitions import pipeline_partitions
from orchestration.defs.resources import RESOURCES


@definitions
def defs() -> Definitions:
    """Every domain's definitions, over partitions from the settings read at load time."""
    parts = pipeline_partitions(Settings.from_env().partitions_start)
    domains = [lake_definitions(parts), hot_tier_definitions(parts), maintenance_definitions()]
    return Definitions.merge(*domains, Definitions(resources=RESOURCES))
