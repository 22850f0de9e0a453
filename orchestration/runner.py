"""Run the pipeline once from the command line, asset by asset, with progress output
(and the maintenance jobs that need its refresh: erasures, the hot tier's rebuild)."""

import contextlib
import datetime as dt
import os
import resource
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetKey, DagsterInstance, Definitions, materialize

from lake.catalog import Erasure
from lake.settings import Settings
from lake.transforms import RefreshRange
from orchestration import definitions as pipeline_location
from orchestration import warehouse as warehouse_location
from orchestration.defs.hot_tier.assets import AGGREGATES_STEP, RAW_STEP
from orchestration.defs.lake.bronze import BRONZE, new_landing_hours, unconsumed_landing_files
from orchestration.defs.lake.refresh import mark_refresh_done, pending_refreshes
from orchestration.defs.lake.sensors import RAW_JOB, REFRESH_JOB
from orchestration.defs.maintenance.erasure import begin_erasure, finish_erasure
from orchestration.defs.partitions import (
    STEP_TAG,
    PipelinePartitions,
    pipeline_partitions,
    range_tags,
    span_tags,
)
from orchestration.defs.warehouse.sensors import MARTS_JOB
from orchestration.lib.resources import CatalogResource, HotTierResource, LakeResource

__all__ = [
    "WAREHOUSE_STEP",
    "refresh_steps",
    "run_erasures",
    "run_hot_tier_rebuild",
    "run_pipeline",
    "run_retention",
]

#: The step dbt runs in: reported as a count of models and dbt tests.
WAREHOUSE_STEP = "warehouse/dbt build"


def refresh_steps(
    pipeline: Definitions, warehouse: Definitions
) -> tuple[tuple[str, tuple[AssetKey, ...]], ...]:
    """What a refresh rebuilds, in order: the pipeline location's ``strata_refresh`` and
    ``strata_raw_tables`` jobs' asset nodes in dependency order, then the warehouse
    location's ``strata_marts`` job's (the dbt models, when there are; under Dagster's
    daemon the raw tables and the marts follow on their own cadence), each with its name
    (the asset's key, or the node's ``STEP_TAG`` when it makes several assets) and the
    keys of it the job selects."""
    steps = []
    jobs = ((pipeline, REFRESH_JOB), (pipeline, RAW_JOB), (warehouse, MARTS_JOB))
    for definitions, job_name in jobs:
        if job_name not in {getattr(job, "name", None) for job in definitions.jobs or []}:
            continue  # no marts job: STRATA_WAREHOUSE_MODELS is off
        assets = definitions.assets or []
        by_node = {a.node_def.name: a for a in assets if hasattr(a, "node_def")}
        job = definitions.resolve_job_def(job_name)
        selected = job.asset_layer.selected_asset_keys
        for node in job.graph.nodes_in_topological_order:
            if node.definition.name not in by_node:
                continue  # a check of its own (its asset's step runs it: materialize does)
            keys = tuple(sorted(by_node[node.definition.name].keys & selected))
            name = keys[0].to_user_string() if len(keys) == 1 else node.definition.tags[STEP_TAG]
            steps.append((name, keys))
    return tuple(steps)


@contextlib.contextmanager
def _dbt_output(is_dbt: bool) -> Iterator[None]:
    """dbt's own log lines (dagster-dbt re-prints each on stdout) go to
    ``$STRATA_HOME/dbt/logs/refresh.log``; the step prints its summary instead."""
    if not is_dbt:
        yield
        return
    log = Settings.from_env().home / "dbt" / "logs" / "refresh.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out, contextlib.redirect_stdout(out):
        yield


def _step(
    instance: DagsterInstance,
    assets: list[Any],
    resources: dict[str, Any],
    keys: tuple[AssetKey, ...],
    tags: dict[str, str],
    echo: bool,
    is_dbt: bool = False,
) -> dict:
    """Materialize ``keys`` (for the partitions ``tags`` name); their metadata and checks.

    Several keys (one load making several tables) report ``<table>_<figure>``.
    """
    level = "WARNING" if echo else "INFO"
    with _dbt_output(is_dbt):
        result = materialize(
            assets,
            selection=list(keys),
            resources=resources,
            instance=instance,
            tags=tags,
            run_config={"loggers": {"console": {"config": {"log_level": level}}}},
        )
    meta: dict = {}
    if is_dbt:  # the dbt models: how many were built, not each one's metadata
        built = result.get_asset_materialization_events()
        meta["models"] = len({e.asset_key for e in built})
    for event in result.get_asset_materialization_events() if not is_dbt else ():
        mat = event.event_specific_data.materialization  # type: ignore[union-attr]
        prefix = f"{mat.asset_key.path[-1]}_" if len(keys) > 1 else ""
        for k, v in mat.metadata.items():
            name = k if (len(keys) == 1 or k == "days") else prefix + k
            meta[name] = getattr(v, "value", v)
    checks = result.get_asset_check_evaluations()
    meta["_checks"] = (len(checks), [c.check_name for c in checks if not c.passed])
    return meta


#: Figures that describe a state, not a count: the last range's is kept (distinct counts
#: are never summed; a table's file count is its count now).
_STATES = ("distinct_", "table_files", "client_buckets", "built_whole_days")


def _adds_up(name: str) -> bool:
    return not any(state in name for state in _STATES)


def _merge(report: dict[str, dict], name: str, meta: dict, seconds: float) -> None:
    """Fold one step's metadata into the report: counts add up over ranges, other
    figures (distinct clients, table files) are the last range's."""
    into = report.setdefault(name, {"seconds": 0.0})
    ran, failed = meta.pop("_checks")
    seen_ran, seen_failed = into.pop("_checks", (0, []))
    for k, v in meta.items():
        add = k in into and _adds_up(k) and isinstance(v, int | float)
        into[k] = into[k] + v if add else v
    into["_checks"] = (seen_ran + ran, seen_failed + failed)
    into["seconds"] = round(into["seconds"] + seconds, 3)
    into["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    into["step_peak_rss_mb"] = max(into.get("step_peak_rss_mb", 0), step_peak_mb())


def reset_step_peak() -> None:
    """Start measuring a step's own peak memory: Linux resets the process's high-water
    mark (``VmHWM``) when 5 is written to ``/proc/self/clear_refs``; elsewhere the
    step's peak is the process's so far."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def step_peak_mb() -> int:
    """The resident memory high-water mark since :func:`reset_step_peak` (MB), the
    embedded engine's included (it lives in the process)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _finish(report: dict[str, dict]) -> None:
    for meta in report.values():
        ran, failed = meta.pop("_checks")
        if ran:
            meta["checks"] = f"{ran - len(failed)}/{ran} passed" + (
                f" (failed: {', '.join(failed)})" if failed else ""
            )


class _Runner:
    """Materializes steps with progress output and folds their metadata into a report."""

    def __init__(self, echo: bool) -> None:
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
        self.instance = instance or DagsterInstance.ephemeral()
        self.echo = echo
        self.report: dict[str, dict] = {}
        # both code locations in this one process (under Dagster's daemon they stay apart)
        pipeline, warehouse = pipeline_location.defs(), warehouse_location.defs()
        self.assets = [
            *(pipeline.assets or []),
            *(pipeline.asset_checks or []),
            *(warehouse.assets or []),
        ]
        self.resources = {**(pipeline.resources or {}), **(warehouse.resources or {})}
        self.settings = Settings.from_env()
        self.steps = refresh_steps(pipeline, warehouse)

    def run(self, name: str, keys: tuple[AssetKey, ...], tags: dict[str, str], label: str) -> None:
        """One step: its keys materialized for the partitions ``tags`` name."""
        if self.echo:
            print(f"{label} {name} ...", flush=True)
        reset_step_peak()
        started = time.perf_counter()
        meta = _step(
            self.instance,
            self.assets,
            self.resources,
            keys,
            tags,
            self.echo,
            name == WAREHOUSE_STEP,
        )
        seconds = time.perf_counter() - started
        if self.echo:
            shown = [f"{k}={v}" for k, v in meta.items() if k[0] != "_" and "\n" not in str(v)]
            ran, failed = meta["_checks"]
            if ran:
                shown.append(f"checks={ran - len(failed)}/{ran} passed")
                shown += [f"FAILED {check}" for check in failed]
            peak = f"peak {step_peak_mb():,} MB"
            print(f"      done in {seconds:.1f}s ({peak})  {', '.join(shown)}", flush=True)
        _merge(self.report, name, meta, seconds)


def run_pipeline(echo: bool = True) -> dict[str, dict]:
    """Bronze over the hours with new landing files, then every day range it changed.

    Returns metadata per asset, with ``seconds``, ``checks`` and the process's
    ``peak_rss_mb`` so far and ``step_peak_rss_mb`` (the step's own peak); counts
    add up over the ranges, distinct counts do not.
    Uses the Dagster instance of ``DAGSTER_HOME`` when set (runs then show in the
    UI), else an ephemeral one.
    Raises if any step fails; the changes a failed refresh did not finish stay
    pending and the next run redoes them.
    """
    runner = _Runner(echo)
    lake = LakeResource()
    parts = pipeline_partitions(runner.settings.partitions_start)
    hours = new_landing_hours(unconsumed_landing_files(lake))
    if hours:
        runner.run(BRONZE.to_user_string(), (BRONZE,), span_tags(hours), "[bronze]")
    elif echo:
        print("no new landing files", flush=True)
    if not _refresh_pending(runner, lake, parts) and echo:
        print("every partition is up to date with bronze", flush=True)
    _erase_open(runner, lake, parts)
    _finish(runner.report)
    return runner.report


def _refresh_pending(runner: _Runner, lake: LakeResource, parts: PipelinePartitions) -> int:
    """Every step over each range of days bronze changed; returns how many ranges."""
    refreshes = pending_refreshes(lake, parts)
    for i, refresh in enumerate(refreshes, 1):
        label = f"[{i}/{len(refreshes)}: {refresh.first}..{refresh.last}]"
        tags = range_tags(refresh)
        for name, keys in runner.steps:
            runner.run(name, keys, tags, label)
        mark_refresh_done(lake, tags)  # every step succeeded (as the refresh_done sensor)
    return len(refreshes)


def _erase_open(runner: _Runner, lake: LakeResource, parts: PipelinePartitions) -> list[Erasure]:
    """Every open erasure to its end: begin, refresh its days, finish (again when a
    racing writer copied rows back, at most three times)."""
    store = CatalogResource().erasures
    hot = HotTierResource()
    log: Callable[[str], None] = print if runner.echo else (lambda _: None)
    finished = []
    for erasure in store.open():
        for _ in range(3):
            current = store.get(erasure.erasure_id)
            assert current is not None
            if current.status != "rebuilding":
                begin_erasure(current, store, lake, hot, log)
            _refresh_pending(runner, lake, parts)
            current = store.get(erasure.erasure_id)
            assert current is not None
            if finish_erasure(current, store, lake, hot, log):
                break
        else:
            raise RuntimeError(f"erasure {erasure.erasure_id}: rows kept coming back")
        done = store.get(erasure.erasure_id)
        assert done is not None
        finished.append(done)
    return finished


def run_erasures(echo: bool = True) -> list[Erasure]:
    """Every open erasure request carried out now (``strata erase``): the person's rows
    leave every store, their days are rebuilt, old file versions are purged.  Returns
    the erasures finished, with their counts; raises if one fails (it stays open)."""
    runner = _Runner(echo)
    finished = _erase_open(
        runner, LakeResource(), pipeline_partitions(runner.settings.partitions_start)
    )
    _finish(runner.report)
    if echo:
        for erasure in finished:
            print(f"erasure {erasure.erasure_id} ({erasure.tracking_id}): {erasure.status}")
            width = max(map(len, erasure.counts), default=0)
            for name, count in erasure.counts.items():
                print(f"  {name:<{width}}  {count:>10,}")
        if not finished:
            print("no erasure requested")
    return finished


def _site_days(lake_res: LakeResource, site: str) -> list[str]:
    """The days the lake holds rows of ``site`` on (bronze, the hourly and daily rollups)."""
    lake, paths = lake_res.lake, lake_res.paths
    days: set[str] = set()
    for uri, column in (
        (paths.bronze_events, "event_date"),
        (paths.gold("rollup_hourly"), "utc_date"),
        (paths.gold("rollup_daily"), "date"),
    ):
        scan = lake.scan_delta(uri, {"tracking_id": pl.String(), column: pl.Date()})
        found = scan.filter(pl.col("tracking_id") == site).select(column).unique().collect()
        days |= {d.isoformat() for d in found[column].drop_nulls()}
    return sorted(days)


def run_hot_tier_rebuild(
    days: int | None = None, echo: bool = True, site: str | None = None
) -> dict[str, dict]:
    """Every hot-tier table (and the dbt marts) loaded again from the lake, for the days
    the lake holds (the last ``days`` only, if given; only the days ``site`` has rows
    on, if given): ``strata hot-tier rebuild``.

    ClickHouse is a cache of the lake: after its data was lost or damaged this makes
    it whole again (tables that are gone are created first).  Raw ``events`` and
    ``sessions`` are loaded for the days inside the hot window, as a refresh does.  A
    load replaces whole day partitions, so the other sites' rows of those days are
    loaded again too (the same rows).
    """
    runner = _Runner(echo)
    lake_res = LakeResource()
    lake, paths = lake_res.lake, lake_res.paths
    found = (
        _site_days(lake_res, site)
        if site is not None
        else [
            *lake.partition_rows(paths.bronze_events, "event_date"),
            *lake.partition_rows(paths.gold("rollup_hourly"), "utc_date"),
            *lake.partition_rows(paths.gold("rollup_daily"), "date"),
        ]
    )
    if not found:
        if echo:
            print("the lake holds no days yet: nothing to rebuild", flush=True)
        return {}
    first = min(dt.date.fromisoformat(d) for d in found)
    last = max(dt.date.fromisoformat(d) for d in found)
    if days is not None:
        first = max(first, dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days))
    refresh = RefreshRange(first, last, (), dt.datetime.now(dt.UTC))
    tags = {k: v for k, v in range_tags(refresh).items() if k.startswith("dagster/")}
    label = f"[rebuild {first}..{last}]"  # marks no bronze change done: it covers none
    for name, keys in runner.steps:
        if name in (AGGREGATES_STEP, RAW_STEP, WAREHOUSE_STEP):
            runner.run(name, keys, tags, label)
    _finish(runner.report)
    return runner.report


def run_retention(echo: bool = True) -> dict[str, int]:
    """The ``data_retention`` job at once (``strata retention``): what it removed per table.

    Uses the Dagster instance of ``DAGSTER_HOME`` when set (the run shows in the UI),
    else an ephemeral one.  Raises if the job fails.
    """
    from orchestration.defs.maintenance.retention import data_retention
    from orchestration.defs.resources import RESOURCES

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    result = data_retention.execute_in_process(
        resources=RESOURCES, instance=instance or DagsterInstance.ephemeral()
    )
    report: dict[str, int] = result.output_for_node("apply_data_retention")
    if echo:
        width = max(map(len, report), default=0)
        print("removed per table:")
        for name, count in report.items():
            print(f"  {name:<{width}}  {count:>10,}")
    return report
