"""The dbt marts, built by ``strata pipeline`` (dagster-dbt) on the embedded engine, equal
an independent Polars computation over bronze and silver; late data rebuilds only the
day partitions it touched; ``strata dbt build`` passes with its schema tests."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from lake.hot_tier import hot_tier
from lake.storage import EVENT_SCHEMA, SESSION_SCHEMA, Lake, LakePaths
from orchestration.runner import run_pipeline
from tests import warehouse_reference as ref
from tests.conftest import Env, make_env

TZ = "America/New_York"

#: mart -> (its key columns, the reference computing it from (events, sessions)).
MARTS = {
    "site_traffic_daily": (("tracking_id", "site_date"), ref.site_traffic_daily),
    "channel_performance_daily": (
        ("tracking_id", "site_date", "channel"),
        lambda e, s: ref.channel_performance_daily(s),
    ),
    "page_performance_daily": (
        ("tracking_id", "site_date", "page_path"),
        ref.page_performance_daily,
    ),
    "ecommerce_revenue_daily": (("tracking_id", "site_date"), ref.ecommerce_revenue_daily),
    "funnel_conversion_daily": (
        ("tracking_id", "site_date", "step_number"),
        lambda e, s: ref.funnel_conversion_daily(e),
    ),
    "retention_cohorts_weekly": (
        ("tracking_id", "cohort_week", "week_number"),
        lambda e, s: ref.retention_cohorts_weekly(e),
    ),
}


def _mart(env: Env, name: str) -> dict:
    keys = MARTS[name][0]
    with hot_tier(env.settings) as ch:
        result = ch.query(f"SELECT * FROM {name}")
    out = {}
    for row in result.named_results():
        out[tuple(row.pop(k) for k in keys)] = row
    return out


def _reference(env: Env, name: str) -> dict:
    lake, paths = Lake(env.settings), LakePaths(env.settings.lake_uri)
    bronze = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA).collect()
    silver = lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA).collect()
    events, sessions = ref.human_events(bronze, TZ), ref.human_sessions(silver, TZ)
    return MARTS[name][1](events, sessions)


def _assert_equal(got: dict, want: dict, name: str) -> None:
    assert sorted(got) == sorted(want), name
    for key, row in want.items():
        for column, value in row.items():
            exact = value is None or isinstance(value, str)
            expected = value if exact else pytest.approx(value, rel=1e-9)
            assert got[key][column] == expected, (name, key, column)


def _same(a: dict, b: dict, key: tuple) -> bool:
    """Row ``key`` is in both with equal values (floats to 1e-9: sums in another order)."""
    if key not in a or key not in b:
        return False
    return all(
        b[key][c] == (v if v is None or isinstance(v, str) else pytest.approx(v, rel=1e-9))
        for c, v in a[key].items()
    )


def _parts(env: Env, table: str) -> dict[str, set[str]]:
    with hot_tier(env.settings) as ch:
        rows = ch.query(
            "SELECT partition, name FROM system.parts WHERE active AND "
            "database = currentDatabase() AND table = {t:String}",
            parameters={"t": table},
        ).result_rows
    parts: dict[str, set[str]] = {}
    for partition, name in rows:
        parts.setdefault(partition, set()).add(name)
    return parts


def _send(env: Env, events: list[dict]) -> None:
    from ingest_gateway.app import create_app

    with TestClient(create_app(env.settings)) as gw:
        for i in range(0, len(events), 500):
            assert gw.post("/api/v1/events", json=events[i : i + 500]).status_code == 202


def test_marts_equal_an_independent_computation_and_late_data_rebuilds_only_its_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, monkeypatch, tz=TZ, STRATA_WAREHOUSE_MODELS="true")
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    _send(env, generate_traffic("ST-TEST", days=12, events=5000, end=end, seed=11).events)
    report = run_pipeline(echo=False)
    assert report["warehouse/dbt build"]["models"] == 12
    assert "failed" not in report["warehouse/dbt build"]["checks"]

    before = {}
    for name in MARTS:
        before[name] = _mart(env, name)
        _assert_equal(before[name], _reference(env, name), name)
    assert any(r["count_orders"] for r in before["ecommerce_revenue_daily"].values())
    assert any(
        k[2] == 4 and r["count_visitors"] for k, r in before["funnel_conversion_daily"].items()
    )
    assert any(
        k[2] > 0 and r["count_returning_visitors"]
        for k, r in before["retention_cohorts_weekly"].items()
    )
    parts_before = _parts(env, "site_traffic_daily")
    with hot_tier(env.settings) as ch:  # dbt's descriptions are the marts' comments
        uncommented = ch.query(
            "SELECT table, name FROM system.columns WHERE database = currentDatabase() "
            "AND table IN {marts:Array(String)} AND comment = ''",
            parameters={"marts": list(MARTS)},
        ).result_rows
        table_comments = dict(
            ch.query(
                "SELECT name, comment FROM system.tables WHERE database = currentDatabase() "
                "AND name IN {marts:Array(String)}",
                parameters={"marts": list(MARTS)},
            ).result_rows
        )
    assert uncommented == []
    assert sorted(table_comments) == sorted(MARTS) and all(table_comments.values())

    # a late page view, 6 days ago at noon New York time, by a new visitor
    late_day = end - dt.timedelta(days=5)
    late = {
        "tracking_id": "ST-TEST",
        "client_id": "late-visitor",
        "event_id": "late-1",
        "event_type": "pageview",
        "timestamp": f"{late_day}T17:00:00Z",
        "page": {"url": "https://shop.example/late-page"},
    }
    _send(env, [late])
    run_pipeline(echo=False)

    for name in MARTS:
        after = _mart(env, name)
        _assert_equal(after, _reference(env, name), name)
        if name == "retention_cohorts_weekly":
            continue  # rebuilt whole (a late event can move a visitor's first week)
        changed = {k for k in set(after) | set(before[name]) if not _same(after, before[name], k)}
        if name == "funnel_conversion_daily":
            assert changed == set()  # a page view outside the funnel changes no funnel
        else:
            assert changed and {k[1] for k in changed} == {late_day}, (name, changed)
    parts_after = _parts(env, "site_traffic_daily")
    untouched = [p for p in parts_before if abs(dt.date.fromisoformat(p) - late_day).days > 3]
    assert untouched
    for partition in untouched:  # rebuilt only the days the refresh covered
        assert parts_after[partition] == parts_before[partition], partition
    assert parts_after[late_day.isoformat()] != parts_before[late_day.isoformat()]


def test_strata_dbt_build_runs_the_project_with_its_schema_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, monkeypatch)
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    _send(env, generate_traffic("ST-TEST", days=3, events=1500, end=end, seed=5).events)
    run_pipeline(echo=False)  # STRATA_WAREHOUSE_MODELS=false: no marts yet
    strata = str(Path(sys.executable).with_name("strata"))

    def dbt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [strata, "dbt", *args], capture_output=True, text=True, env=os.environ, timeout=600
        )

    built = dbt("build")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Completed successfully" in built.stdout
    assert "ERROR=0" in built.stdout and "PASS=" in built.stdout
    shown = dbt(
        "show",
        "--inline",
        "select sum(count_pageviews) as n from {{ ref('site_traffic_daily') }}",
        "--output",
        "json",
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lake, paths = Lake(env.settings), LakePaths(env.settings.lake_uri)
    bronze = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA).collect()
    pageviews = bronze.filter(~pl.col("is_bot") & (pl.col("event_type") == "pageview")).height
    payload = shown.stdout[shown.stdout.index("{") : shown.stdout.rindex("}") + 1]
    assert json.loads(payload)["show"] == [{"n": pageviews}]
    docs = dbt("docs", "generate")
    assert docs.returncode == 0, docs.stdout + docs.stderr
    catalog = env.settings.home / "dbt" / "target" / "catalog.json"
    assert catalog.exists(), docs.stdout + docs.stderr  # dbt says why it wrote none
