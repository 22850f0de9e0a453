"""Cross-engine check: sessions from Polars equal sessions computed by ClickHouse SQL (chdb)
over the same bronze events."""

from __future__ import annotations

import datetime as dt

import polars as pl
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from lake.hot_tier import hot_tier
from lake.storage import ENGAGEMENT_EVENT_TYPES, LakePaths
from orchestration.runner import run_pipeline
from tests.conftest import Env
from tests.reference import SESSION_SUMMARY

SESSIONS_SQL = """
WITH ordered AS (
    SELECT *,
        lagInFrame(event_at, 1, toDateTime64('1970-01-01 00:00:00', 6, 'UTC')) OVER w AS prev_at,
        row_number() OVER w AS n
    FROM bronze
    WINDOW w AS (PARTITION BY tracking_id, client_id ORDER BY event_at, event_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
numbered AS (
    SELECT *,
        sum(if(n = 1 OR dateDiff('microsecond', prev_at, event_at) >= {gap_us:Int64}, 1, 0))
            OVER (PARTITION BY tracking_id, client_id ORDER BY event_at, event_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seq
    FROM ordered
),
tagged AS (
    SELECT *,
        's_' || first_value(event_id) OVER (
            PARTITION BY tracking_id, client_id, seq ORDER BY event_at, event_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS session_id
    FROM numbered
)
SELECT session_id, any(client_id), min(event_at), max(event_at),
       countIf(event_type = 'pageview') AS pv, count() AS events,
       pv = 1 AND countIf(event_type IN {engaged:Array(String)}) = 0
FROM tagged GROUP BY session_id
"""


def test_polars_sessions_equal_clickhouse_sql_sessions(env: Env) -> None:
    from ingest_gateway.app import create_app

    traffic = generate_traffic("ST-TEST", days=2, events=3000, end=dt.date(2026, 3, 2), seed=7)
    with TestClient(create_app(env.settings)) as gw:
        for i in range(0, len(traffic.events), 500):
            assert gw.post("/api/v1/events", json=traffic.events[i : i + 500]).status_code == 202
    run_pipeline(echo=False)
    paths = LakePaths(env.settings.lake_uri)
    bronze = pl.read_delta(paths.bronze_events).select(
        "event_id", "tracking_id", "client_id", "event_type", "event_at"
    )
    polars_sessions = set(pl.read_delta(paths.silver_sessions).select(*SESSION_SUMMARY).rows())
    with hot_tier(env.settings) as client:
        client.command(
            "CREATE TEMPORARY TABLE bronze (event_id String, tracking_id String, client_id String,"
            " event_type String, event_at DateTime64(6, 'UTC'))"
        )
        client.insert_arrow("bronze", bronze.to_arrow())
        rows = client.query(
            SESSIONS_SQL,
            parameters={"gap_us": 30 * 60 * 1_000_000, "engaged": list(ENGAGEMENT_EVENT_TYPES)},
        ).result_rows
    clickhouse_sessions = {
        (
            sid,
            cid,
            start.replace(tzinfo=dt.UTC) if start.tzinfo is None else start,
            end.replace(tzinfo=dt.UTC) if end.tzinfo is None else end,
            pv,
            n,
            bool(bounce),
        )
        for sid, cid, start, end, pv, n, bounce in rows
    }
    assert len(polars_sessions) > 500
    assert clickhouse_sessions == polars_sessions
