"""Strata's warehouse code location (beside :mod:`orchestration.definitions` in
``workspace.yaml``): the dbt models as assets, downstream of the hot tier's tables that
the pipeline's location makes, with the ``strata_marts`` job and the sensors that keep
them following the refreshes.  Empty when ``STRATA_WAREHOUSE_MODELS`` is off."""

from dagster import Definitions, definitions

from lake.settings import Settings
from orchestration.defs.partitions import pipeline_partitions
from orchestration.defs.resources import RESOURCES, warehouse_domain


@definitions
def defs() -> Definitions:
    """The warehouse domain over the pipeline's partitions (read from the settings at load
    time, as the pipeline's location reads them)."""
    settings = Settings.from_env()
    parts = pipeline_partitions(settings.partitions_start)
    domains = warehouse_domain(parts, settings.warehouse_models)
    return Definitions.merge(*domains, Definitions(resources=RESOURCES))
