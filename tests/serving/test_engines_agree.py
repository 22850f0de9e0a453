"""The same report, rendered by the ClickHouse dialect over the hot tier and by the DuckDB
dialect over the lake's gold Delta tables, gives identical answers through
``/api/v1/query`` (exact equality of every row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from orchestration.runner import run_pipeline
from serving.backends import DuckDBBackend
from serving.deps import backend
from tests.conftest import Env, make_env

RANGE = {"start": "2026-03-02", "end": "2026-03-06"}
REPORTS = [
    {"metrics": ["pageviews", "unique_users", "sessions", "bounce_rate", "avg_session_duration"]},
    {"metrics": ["pageviews", "unique_users", "sessions", "events"], "dimensions": ["date"]},
    {"metrics": ["pageviews", "unique_users", "bounce_rate"], "dimensions": ["hour"], "limit": 500},
    {"metrics": ["unique_users", "pageviews"], "dimensions": ["date", "hour"], "limit": 500},
    {
        "metrics": ["sessions", "bounce_rate", "avg_session_duration"],
        "dimensions": ["channel"],
        "filters": {"device": ["mobile", "tablet"]},
    },
    {
        "metrics": ["pageviews", "unique_users"],
        "dimensions": ["page_path"],
        "order_by": [{"field": "unique_users", "direction": "desc"}],
        "limit": 7,
    },
    {
        "metrics": ["unique_users", "sessions"],
        "dimensions": ["country", "device", "browser"],
        "filters": {"channel": "Organic Search"},
    },
    {
        "metrics": ["pageviews"],
        "dimensions": ["utm_source", "utm_medium", "utm_campaign", "os"],
        "order_by": [{"field": "os", "direction": "asc"}],
    },
    {
        "metrics": ["pageviews", "unique_users"],
        "dimensions": ["hour"],
        "filters": {"country": "XX"},
    },
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    from ingest_gateway.app import create_app as create_gateway
    from serving.app import create_app

    monkeypatch = pytest.MonkeyPatch()
    env: Env = make_env(tmp_path_factory.mktemp("engines"), monkeypatch, tz="America/New_York")
    traffic = generate_traffic("ST-TEST", days=6, events=6000, end=dt.date(2026, 3, 6), seed=7)
    with TestClient(create_gateway(env.settings)) as gw:
        for i in range(0, len(traffic.events), 500):
            assert gw.post("/api/v1/events", json=traffic.events[i : i + 500]).status_code == 202
    run_pipeline(echo=False)
    hot = create_app(env.settings)
    cold = create_app(env.settings)
    cold.dependency_overrides[backend] = lambda: DuckDBBackend(env.settings)
    with TestClient(hot) as h, TestClient(cold) as c:
        for client in (h, c):
            client.headers["Authorization"] = f"Bearer {env.key}"
        yield h, c
    monkeypatch.undo()


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: "+".join(r.get("dimensions", ["totals"])))
def test_clickhouse_and_duckdb_answer_alike(
    clients: tuple[TestClient, TestClient], report: dict
) -> None:
    hot, cold = clients
    body = {"tracking_id": "ST-TEST", "date_range": RANGE, **report}
    a, b = hot.post("/api/v1/query", json=body), cold.post("/api/v1/query", json=body)
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    ja, jb = a.json(), b.json()
    assert ja["source"].startswith("clickhouse.") and jb["source"].startswith("duckdb.")
    assert ja["source"].split(".")[1] == jb["source"].split(".")[1]
    assert ja["total_rows"] == jb["total_rows"]
    assert ja["rows"] == jb["rows"]
    if report.get("filters") != {"country": "XX"}:
        assert ja["rows"], "the report must not be empty to prove anything"
