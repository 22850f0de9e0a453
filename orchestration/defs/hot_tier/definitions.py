"""The hot-tier domain: ClickHouse tables loaded from the lake (rollups, cubes, raw tables)."""

from dagster import Definitions

from orchestration.defs.hot_tier.assets import hot_tier_assets
from orchestration.defs.partitions import PipelinePartitions

__all__ = ["hot_tier_definitions"]


def hot_tier_definitions(parts: PipelinePartitions) -> Definitions:
    """The hot-tier tables over ``parts``."""
    return Definitions(assets=hot_tier_assets(parts))
