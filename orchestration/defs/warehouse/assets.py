"""The dbt models as Dagster assets: built after the hot tables load, for the same days."""

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.partitions import ONE_RUN, STEP_TAG, PipelinePartitions, partition_days
from orchestration.lib.dbt_project import StrataDbtTranslator
from orchestration.lib.resources import LakeResource

__all__ = ["refresh_vars", "warehouse_assets"]


def refresh_vars(days: list[dt.date]) -> dict[str, str]:
    """dbt vars of a refresh over the UTC ``days``: the site-local days they can hold
    (a UTC day's events fall on the day before, the day itself or the day after)."""
    one = dt.timedelta(days=1)
    return {
        "strata_days_from": (min(days) - one).isoformat(),
        "strata_days_to": (max(days) + one).isoformat(),
    }


def warehouse_assets(parts: PipelinePartitions, manifest: Path) -> AssetsDefinition:
    """Every dbt model of ``manifest`` as an asset partitioned like the hot tier."""

    @dbt_assets(
        manifest=manifest,
        name="warehouse_models",
        op_tags={STEP_TAG: "warehouse/dbt build"},
        dagster_dbt_translator=StrataDbtTranslator(),
        partitions_def=parts.daily,
        backfill_policy=ONE_RUN,
        pool="clickhouse",
    )
    def warehouse_models(
        context: AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource
    ) -> Iterator[Any]:
        """``dbt build`` of this run's days: models rebuild the site-local days the
        refresh touched (incremental by day partition) and dbt's tests run as asset
        checks.  In embedded mode dbt takes the hot-tier lease for its whole run."""
        settings = lake.settings
        # dbt runs in dbt_project/: pin where this installation lives, so a relative
        # STRATA_HOME (the default ./.strata) still names the same engine and lake
        os.environ["STRATA_HOME"] = str(settings.home)
        os.environ["STRATA_CLICKHOUSE_URL"] = settings.clickhouse_url
        target = settings.home / "dbt" / "runs" / context.run.run_id[:8]
        args = ["build", "--vars", json.dumps(refresh_vars(partition_days(context)))]
        yield from dbt.cli(args, context=context, target_path=target).stream()

    return warehouse_models
