"""The hot tier's raw tables for analysts and BI tools: ``events`` and ``sessions`` hold
exactly bronze's and silver's rows of the hot window, with TTLs and a comment on every
table and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from lake.hot_tier import hot_tier
from lake.hot_tier.raw_tables import RAW_TABLES, raw_table_ddl
from lake.storage import EVENT_SCHEMA, SESSION_SCHEMA, Lake, LakePaths
from orchestration.runner import run_pipeline
from tests.conftest import make_env


def test_events_and_sessions_of_the_hot_window_equal_bronze_and_silver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest_gateway.app import create_app

    env = make_env(tmp_path, monkeypatch, STRATA_HOT_WINDOW_DAYS="3")
    today = dt.datetime.now(dt.UTC).date()
    oldest = today - dt.timedelta(days=3)
    traffic = generate_traffic("ST-TEST", days=6, events=3000, end=today - dt.timedelta(days=1))
    extra = {
        "tracking_id": "ST-TEST",
        "client_id": "props",
        "event_id": "with-props",
        "event_type": "event",
        "event_name": "signup",
        "timestamp": f"{today - dt.timedelta(days=1)}T12:00:00Z",
        "properties": {"plan": "pro", "seats": 3, "tags": ["a", "b"]},
    }
    with TestClient(create_app(env.settings)) as gw:
        for i in range(0, len(traffic.events), 500):
            assert gw.post("/api/v1/events", json=traffic.events[i : i + 500]).status_code == 202
        assert gw.post("/api/v1/events", json=extra).json()["accepted"] == 1
    run_pipeline(echo=False)

    lake, paths = Lake(env.settings), LakePaths(env.settings.lake_uri)
    bronze = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA).collect()
    silver = lake.scan_delta(paths.silver_sessions, SESSION_SCHEMA).collect()
    want_events = bronze.filter(pl.col("event_date") >= oldest)
    want_sessions = silver.filter(pl.col("session_date") >= oldest)
    assert want_events.height < bronze.height  # some days are older than the window
    with hot_tier(env.settings) as ch:
        got_events = ch.query("SELECT tracking_id, event_id, event_date FROM events").result_rows
        got_sessions = ch.query("SELECT session_id, session_date FROM sessions").result_rows
        props = ch.query(
            "SELECT properties, properties_json FROM events WHERE event_id = 'with-props'"
        ).result_rows
        tables = dict(
            ch.query(
                "SELECT name, create_table_query FROM system.tables "
                "WHERE database = currentDatabase() AND name NOT LIKE '%\\\\_\\\\_%'"
            ).result_rows
        )
        uncommented = ch.query(
            "SELECT table, name FROM system.columns WHERE database = currentDatabase() "
            "AND table IN ('events', 'sessions', 'rollup_hourly', 'rollup_daily') AND comment = ''"
        ).result_rows
        table_comments = dict(
            ch.query(
                "SELECT name, comment FROM system.tables WHERE database = currentDatabase() "
                "AND name IN ('events', 'sessions', 'rollup_hourly', 'rollup_daily')"
            ).result_rows
        )
    assert sorted((t, e, d) for t, e, d in got_events) == sorted(
        want_events.select("tracking_id", "event_id", "event_date").rows()
    )
    assert sorted(got_sessions) == sorted(want_sessions.select("session_id", "session_date").rows())
    assert props == [
        (
            {"plan": "pro", "seats": "3", "tags": '["a","b"]'},
            '{"plan":"pro","seats":3,"tags":["a","b"]}',
        )
    ]
    assert "TTL event_date + toIntervalDay(3)" in tables["events"]
    assert "TTL session_date + toIntervalDay(3)" in tables["sessions"]
    assert "toIntervalDay(730)" in tables["rollup_daily"]
    assert "toIntervalDay(730)" in tables["rollup_hourly"]
    assert uncommented == []
    assert all(table_comments.values()), table_comments


def test_cluster_mode_renders_replicated_tables_behind_distributed_ones() -> None:
    local, front = raw_table_ddl(RAW_TABLES["events"], 30, cluster="analytics")
    assert local.startswith("CREATE TABLE IF NOT EXISTS events_local ON CLUSTER 'analytics' (")
    zk_path = "/clickhouse/tables/{shard}/{database}/events_local"
    assert f"ENGINE = ReplicatedMergeTree('{zk_path}', '{{replica}}')" in local
    assert "TTL event_date + INTERVAL 30 DAY" in local
    assert front == (
        "CREATE TABLE IF NOT EXISTS events ON CLUSTER 'analytics' AS events_local ENGINE = "
        "Distributed('analytics', currentDatabase(), 'events_local', "
        "cityHash64(tracking_id, client_id))"
    )


def test_cluster_mode_renders_replicated_rollups_and_loads_each_shard() -> None:
    from lake.hot_tier.ddl import rollup_cluster_ddl, staged_names

    statements = rollup_cluster_ddl("rollup_daily", 730, "analytics")
    local, front, staging_local, staging_front = statements[:4]
    zk_path = "/clickhouse/tables/{shard}/{database}/rollup_daily_local"
    assert local.startswith("CREATE TABLE IF NOT EXISTS rollup_daily_local ON CLUSTER 'analytics'")
    assert f"ENGINE = ReplicatedAggregatingMergeTree('{zk_path}', '{{replica}}')" in local
    assert "users AggregateFunction(uniqCombined64(20), String)" in local
    assert "TTL toDate(date) + INTERVAL 730 DAY" in local
    assert front == (
        "CREATE TABLE IF NOT EXISTS rollup_daily ON CLUSTER 'analytics' AS rollup_daily_local "
        "ENGINE = Distributed('analytics', currentDatabase(), 'rollup_daily_local', "
        "cityHash64(tracking_id))"
    )
    assert "rollup_daily__staging_local ON CLUSTER 'analytics'" in staging_local
    assert "TTL" not in staging_local
    assert "AS rollup_daily__staging_local ENGINE = Distributed(" in staging_front
    comments = [s for s in statements if "COMMENT COLUMN" in s]
    assert comments and all(
        s.startswith("ALTER TABLE rollup_daily_local ON CLUSTER 'analytics' COMMENT COLUMN")
        for s in comments
    )
    assert staged_names("events", "analytics") == (
        "events_local ON CLUSTER 'analytics'",
        "events__staging_local ON CLUSTER 'analytics'",
        "events__staging_local",
    )
    assert staged_names("events", None) == ("events", "events__staging", "events__staging")
    raw_staging = raw_table_ddl(RAW_TABLES["sessions"], 30, "analytics", "__staging")
    assert raw_staging[0].startswith(
        "CREATE TABLE IF NOT EXISTS sessions__staging_local ON CLUSTER 'analytics'"
    )


def test_cluster_name_is_checked_when_settings_are_read(tmp_path: Path) -> None:
    from lake.settings import Settings

    base = {"STRATA_HOME": str(tmp_path)}
    assert Settings.from_env({**base, "STRATA_CLICKHOUSE_CLUSTER": "analytics"}).clickhouse_cluster
    with pytest.raises(ValueError, match="STRATA_CLICKHOUSE_CLUSTER"):
        Settings.from_env({**base, "STRATA_CLICKHOUSE_CLUSTER": "x' ON CLUSTER y"})
