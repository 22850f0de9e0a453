"""Hot and cold tiers: a range inside the hot window is answered by ClickHouse, one
reaching further back by DuckDB over the lake, whole — a visitor seen on both sides of
the window's edge is one visitor, never two added up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestration.runner import run_pipeline
from tests.conftest import make_env
from tests.samples import event_at


def test_ranges_past_the_hot_window_are_answered_whole_by_the_lake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest_gateway.app import create_app as create_gateway
    from serving.app import create_app

    env = make_env(tmp_path, monkeypatch, STRATA_HOT_WINDOW_DAYS="5")
    today = dt.datetime.now(dt.UTC).date()
    hot_day, cold_day = today - dt.timedelta(days=2), today - dt.timedelta(days=20)
    events = [
        event_at("a", cold_day, "pageview", "/x", properties={"plan": "pro"}),
        event_at("b", cold_day, "pageview", "/x"),
        event_at("a", hot_day, "pageview", "/y", properties={"plan": "pro"}),
        event_at("c", hot_day, "pageview", "/y", properties={"plan": "free"}),
    ]
    with TestClient(create_gateway(env.settings)) as gw:
        assert gw.post("/api/v1/events", json=events).json()["accepted"] == 4
    run_pipeline(echo=False)

    with TestClient(create_app(env.settings)) as api:
        api.headers["Authorization"] = f"Bearer {env.key}"

        def ask(start: dt.date, end: dt.date, **body: object) -> dict:
            rng = {"start": start.isoformat(), "end": end.isoformat()}
            answer = api.post(
                "/api/v1/query", json={"tracking_id": "ST-TEST", "date_range": rng, **body}
            )
            assert answer.status_code == 200, answer.text
            return answer.json()

        hot = ask(hot_day, today, metrics=["pageviews", "visitors"])
        assert hot["source"] == "clickhouse.cube_daily_totals"
        assert hot["rows"] == [{"pageviews": 2, "visitors": 2}]
        cold = ask(cold_day, cold_day, metrics=["pageviews", "visitors"])
        assert cold["source"] == "duckdb.cube_daily_totals"
        assert cold["rows"] == [{"pageviews": 2, "visitors": 2}]
        spanning = ask(cold_day, today, metrics=["pageviews", "visitors"])
        assert spanning["source"] == "duckdb.cube_daily_totals"
        assert spanning["rows"] == [{"pageviews": 4, "visitors": 3}]  # a once, not twice
        by_day = ask(cold_day, today, metrics=["visitors"], dimensions=["date"])
        assert by_day["rows"] == [
            {"date": cold_day.isoformat(), "visitors": 2},
            {"date": hot_day.isoformat(), "visitors": 2},
        ]
        plans = ask(cold_day, today, metrics=["visitors"], dimensions=["properties.plan"])
        assert plans["source"] == "duckdb.events"
        assert plans["rows"] == [  # equal counts: by the dimension
            {"properties.plan": "(not set)", "visitors": 1},
            {"properties.plan": "free", "visitors": 1},
            {"properties.plan": "pro", "visitors": 1},
        ]
        recent = ask(hot_day, today, metrics=["visitors"], dimensions=["properties.plan"])
        assert recent["source"] == "clickhouse.events"
        assert recent["rows"] == [
            {"properties.plan": "free", "visitors": 1},
            {"properties.plan": "pro", "visitors": 1},
        ]
