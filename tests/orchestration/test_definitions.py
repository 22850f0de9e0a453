"""The Dagster code locations: graph shape, validation, and the landing sensor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dagster import build_sensor_context
from fastapi.testclient import TestClient

from orchestration import warehouse
from orchestration.definitions import defs
from orchestration.defs.resources import RESOURCES
from orchestration.runner import run_pipeline
from tests.conftest import Env
from tests.samples import GOOD

ROOT = Path(__file__).resolve().parents[2]

_EVENTS_AND_SESSIONS = ["intermediate/int_events_filtered", "intermediate/int_sessions_filtered"]

#: Snapshot of the asset graph: key -> (group, upstream keys).  Update on purpose.
_CUBES = {  # cube -> the rollup it is made from
    "cube_daily_totals": "rollup_daily",
    "cube_hourly_totals": "rollup_hourly",
    "cube_daily_channels": "rollup_daily",
    "cube_daily_technology": "rollup_daily",
    "cube_daily_pages": "rollup_daily",
}
GRAPH = {
    "bronze/events": ("lake", []),
    "silver/sessions": ("lake", ["bronze/events"]),
    "gold/rollup_hourly": ("lake", ["bronze/events", "silver/sessions"]),
    "gold/rollup_daily": ("lake", ["bronze/events", "silver/sessions"]),
    "clickhouse/events": ("serving", ["bronze/events"]),
    "clickhouse/sessions": ("serving", ["silver/sessions"]),
    "clickhouse/rollup_hourly": ("serving", ["gold/rollup_hourly"]),
    "clickhouse/rollup_daily": ("serving", ["gold/rollup_daily"]),
    **{f"gold/{c}": ("lake", [f"gold/{p}"]) for c, p in _CUBES.items()},
    **{f"clickhouse/{c}": ("serving", [f"gold/{c}"]) for c in _CUBES},
    "staging/stg_strata__events": ("warehouse", ["clickhouse/events"]),
    "staging/stg_strata__sessions": ("warehouse", ["clickhouse/sessions"]),
    "intermediate/int_events_filtered": ("warehouse", ["staging/stg_strata__events"]),
    "intermediate/int_sessions_filtered": ("warehouse", ["staging/stg_strata__sessions"]),
    "intermediate/int_funnel_events_matched": ("warehouse", ["intermediate/int_events_filtered"]),
    "intermediate/int_visitors_first_seen": ("warehouse", ["intermediate/int_events_filtered"]),
    **{
        f"marts/{mart}": ("warehouse", sorted(["staging/stg_strata__events", *parents]))
        for mart, parents in {
            "site_traffic_daily": _EVENTS_AND_SESSIONS,
            "page_performance_daily": _EVENTS_AND_SESSIONS,
            "ecommerce_revenue_daily": [*_EVENTS_AND_SESSIONS, "marts/site_traffic_daily"],
            "channel_performance_daily": ["intermediate/int_sessions_filtered"],
            "funnel_conversion_daily": ["intermediate/int_funnel_events_matched"],
        }.items()
    },
    "marts/retention_cohorts_weekly": (
        "warehouse",
        ["intermediate/int_events_filtered", "intermediate/int_visitors_first_seen"],
    ),
}


def _graph(definitions) -> dict[str, tuple[str, list[str]]]:
    """Each asset a code location makes: its group and upstream keys (an upstream key of
    another location is there as an external asset, which this location does not make)."""
    graph = definitions.resolve_asset_graph()
    return {
        key.to_user_string(): (
            graph.get(key).group_name,
            sorted(p.to_user_string() for p in graph.get(key).parent_keys),
        )
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }


def test_asset_graph_snapshot() -> None:
    """The pipeline's location makes everything up to the hot tier, the warehouse's the
    dbt models downstream of it: together the graph above."""
    pipeline, marts = _graph(defs()), _graph(warehouse.defs())
    assert not pipeline.keys() & marts.keys()
    assert {**pipeline, **marts} == GRAPH
    assert {group for group, _ in marts.values()} == {"warehouse"}
    checks = {
        c.asset_key.to_user_string()
        for c in warehouse.defs().resolve_asset_graph().asset_check_keys
    }
    assert "marts/funnel_conversion_daily" in checks and "clickhouse/events" not in checks


def test_the_pipelines_location_loads_without_dbt() -> None:
    """What every bronze and refresh run process loads: no dbt (a second and a half)."""
    code = (
        "import sys; from orchestration.definitions import defs; defs(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dbt', 'dagster_dbt'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    with_dbt = subprocess.run(
        [
            sys.executable,
            "-c",
            code.replace("orchestration.definitions", "orchestration.warehouse"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert with_dbt.stdout.strip() == "['dagster_dbt', 'dbt']", with_dbt.stderr


def test_dagster_definitions_validate() -> None:
    out = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_sensor_requests_a_run_for_new_landing_files_only(env: Env) -> None:
    from ingest_gateway.app import create_app

    def evaluate():
        with build_sensor_context(resources=RESOURCES) as ctx:
            return defs().resolve_sensor_def("landing_sensor")(ctx)

    assert "no new landing files" in str(evaluate())
    with TestClient(create_app(env.settings)) as gw:
        gw.post("/api/v1/events", json=GOOD)
    first = evaluate()
    assert first.run_key and first.tags["strata/new_files"] == "1"
    run_pipeline(echo=False)
    assert "no new landing files" in str(evaluate())


def test_instance_settings_limit_refresh_runs_and_retry_failures(tmp_path: Path) -> None:
    from dagster import DagsterInstance

    shutil.copy(ROOT / "orchestration" / "dagster.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        limits = instance.get_concurrency_config()
        assert limits.pool_config.default_pool_limit == 1
        runs = limits.run_queue_config
        assert [(t["key"], t["limit"]) for t in runs.tag_concurrency_limits] == [
            ("strata/changed_days", 1),
            ("strata/raw_days", 1),
            ("strata/marts_days", 1),
        ]
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert instance.run_coordinator.dequeue_interval_seconds == 1
