"""Run the whole pipeline once from the command line, asset by asset, with progress output."""

import os
import time

from dagster import AssetKey, DagsterInstance, materialize

from orchestration.definitions import ASSETS, CHECKS
from orchestration.defs.resources import RESOURCES

__all__ = ["PIPELINE_ORDER", "run_pipeline"]

#: Topological order of the pipeline's assets.
PIPELINE_ORDER: tuple[AssetKey, ...] = (
    AssetKey(["bronze", "events"]),
    AssetKey(["silver", "sessions"]),
    AssetKey(["gold", "rollup_hourly"]),
    AssetKey(["gold", "rollup_daily"]),
    AssetKey(["clickhouse", "hot_tier"]),
)


def run_pipeline(echo: bool = True) -> dict[str, dict]:
    """Materialize every asset in order (landing files → hot tier); returns metadata per asset.

    Uses the Dagster instance of ``DAGSTER_HOME`` when set (runs then show in the UI),
    else an ephemeral one.  Raises if any step fails.
    """
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    instance = instance or DagsterInstance.ephemeral()
    by_key = {a.key: a for a in ASSETS}
    level = "WARNING" if echo else "INFO"
    quiet = {"loggers": {"console": {"config": {"log_level": level}}}}
    report: dict[str, dict] = {}
    for i, key in enumerate(PIPELINE_ORDER, 1):
        name = key.to_user_string()
        if echo:
            print(f"[{i}/{len(PIPELINE_ORDER)}] {name} ...", flush=True)
        started = time.perf_counter()
        result = materialize(
            [*ASSETS, *CHECKS],
            selection=[key],
            resources=RESOURCES,
            instance=instance,
            run_config=quiet,
        )
        meta = {
            k: getattr(v, "value", v)
            for mat in result.asset_materializations_for_node(by_key[key].node_def.name)
            for k, v in mat.metadata.items()
        }
        checks = result.get_asset_check_evaluations()
        failed = [c.check_name for c in checks if not c.passed]
        if checks:
            meta["checks"] = f"{len(checks) - len(failed)}/{len(checks)} passed" + (
                f" (failed: {', '.join(failed)})" if failed else ""
            )
        meta["seconds"] = round(time.perf_counter() - started, 3)
        report[name] = meta
        if echo:
            shown = ", ".join(
                f"{k}={v}"
                for k, v in meta.items()
                if k != "seconds" and not (isinstance(v, str) and "\n" in v)
            )
            print(f"      done in {time.perf_counter() - started:.1f}s  {shown}", flush=True)
    return report
