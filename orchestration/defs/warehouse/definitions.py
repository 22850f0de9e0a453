"""The warehouse domain: the dbt project's models, downstream of the hot tier, and the
job and sensors that keep them following the refreshes."""

from dagster import Definitions

from orchestration.defs.partitions import PipelinePartitions
from orchestration.defs.warehouse.assets import warehouse_assets
from orchestration.defs.warehouse.sensors import marts_automation
from orchestration.lib.dbt_project import prepared_manifest

__all__ = ["warehouse_definitions"]


def warehouse_definitions(parts: PipelinePartitions) -> Definitions:
    """The dbt models over ``parts`` (the manifest is parsed first if the project changed)
    and their job and sensors."""
    return Definitions.merge(
        Definitions(assets=[warehouse_assets(parts, prepared_manifest())]),
        marts_automation(parts),
    )
