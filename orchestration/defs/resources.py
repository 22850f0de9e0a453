"""The only place resources are built."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from dagster import Definitions

from orchestration.defs.partitions import PipelinePartitions
from orchestration.lib.dbt_launcher import DBT_PROJECT_DIR
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = ["RESOURCES", "warehouse_domain"]

#: Unset fields read the ``STRATA_*`` settings when a run starts.
RESOURCES: dict[str, Any] = {
    "lake": LakeResource(),
    "hot_tier": HotTierResource(),
    "catalog": CatalogResource(),
}


def warehouse_domain(parts: PipelinePartitions, enabled: bool) -> list[Definitions]:
    """The dbt models and their ``dbt`` resource (dbt through Strata's launcher, installed
    beside this Python: it holds the hot-tier lease), or nothing when
    ``STRATA_WAREHOUSE_MODELS`` is off — dbt then costs no import (seconds) either."""
    if not enabled:
        return []
    from dagster_dbt import DbtCliResource

    from orchestration.defs.warehouse.definitions import warehouse_definitions

    dbt = DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(Path(sys.executable).with_name("strata-dbt")),
    )
    return [warehouse_definitions(parts), Definitions(resources={"dbt": dbt})]
