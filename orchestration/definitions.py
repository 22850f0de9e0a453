"""Strata's pipeline code location (``dagster dev -w workspace.yaml`` loads ``defs``):
landing → bronze → sessions, rollups, cubes → the hot tier, and maintenance.  The dbt
marts are a code location of their own (:mod:`orchestration.warehouse`), so the runs
here never import dbt (a second and a half of every run's start)."""

from dagster import Definitions, definitions

from lake.settings import Settings
from orchestration.defs.hot_tier.definitions import hot_tier_definitions
from orchestration.defs.lake.definitions import lake_definitions
from orchestration.defs.maintenance.definitions import maintenance_definitions
from orchestration.defs.partitions import pipeline_partitions
from orchestration.defs.resources import RESOURCES


@definitions
def defs() -> Definitions:
    """The pipeline's domains, over partitions from the settings read at load time."""
    settings = Settings.from_env()
    parts = pipeline_partitions(settings.partitions_start)
    domains = [lake_definitions(parts), hot_tier_definitions(parts), maintenance_definitions()]
    return Definitions.merge(*domains, Definitions(resources=RESOURCES))
