"""The same report, rendered by the ClickHouse dialect over the hot tier and by the DuckDB
dialect over the lake's gold Delta tables, gives identical answers through
``/api/v1/query`` (exact equality of every row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cli.generate import generate_traffic
from tests.engines import two_engines

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
    {
        "metrics": ["visitors", "pageviews_per_session", "events_per_session", "conversion_rate"],
        "dimensions": ["week", "month"],
    },
    {"metrics": ["pageviews", "visitors"], "dimensions": ["week", "hour"], "limit": 500},
    {
        "metrics": ["pageviews", "sessions", "revenue", "orders"],
        "dimensions": ["page_path", "channel"],
        "filters": [
            {"field": "page_path", "op": "starts_with", "value": "/products"},
            {"field": "channel", "op": "not_in", "value": ["Direct"]},
            {"field": "browser", "op": "regex", "value": "^(Chrome|Firefox)$"},
            {"field": "os", "op": "not_contains", "value": "Windows"},
        ],
        "limit": 10,
        "offset": 5,
    },
    {"metrics": ["pageviews", "sessions"], "dimensions": ["date"], "compare": "previous_period"},
]
#: Reports only the raw tables answer; with a custom property, DuckDB counts visitors as
#: (row, visitor) pairs and ClickHouse with a hash set per row.
RAW_REPORTS = [
    {
        "metrics": ["visitors", "events", "revenue", "orders", "pageviews"],
        "dimensions": ["date", "properties.position"],
        "filters": [{"field": "device", "op": "neq", "value": "tablet"}],
        "limit": 50,
    },
    {"metrics": ["events", "visitors"], "dimensions": ["properties.position"], "offset": 1},
    {"metrics": ["visitors", "events"], "dimensions": ["event_name", "hour"], "limit": 500},
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    traffic = generate_traffic("ST-TEST", days=6, events=6000, end=dt.date(2026, 3, 6), seed=7)
    with two_engines(tmp_path_factory, traffic.events, tz="America/New_York") as apis:
        yield apis


@pytest.mark.parametrize(
    "report", [*REPORTS, *RAW_REPORTS], ids=lambda r: "+".join(r.get("dimensions", ["totals"]))
)
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


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: "+".join(r.get("dimensions", ["totals"])))
def test_cubes_answer_as_the_rollups_do(
    clients: tuple[TestClient, TestClient], report: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"tracking_id": "ST-TEST", "date_range": RANGE, **report}
    for api in clients:
        with_cubes = api.post("/api/v1/query", json=body).json()
        with monkeypatch.context() as m:
            m.setattr("serving.planner.CUBES", {})  # the planner then stops at the rollups
            fresh = {"Cache-Control": "no-cache"}  # the cache holds the cube's answer
            rollups = api.post("/api/v1/query", json=body, headers=fresh).json()
        assert ".rollup_" in rollups["source"]
        assert (with_cubes["rows"], with_cubes["total_rows"]) == (
            rollups["rows"],
            rollups["total_rows"],
        )


TOP_N = [
    {
        "metrics": ["pageviews", "visitors", "bounce_rate"],
        "dimensions": ["page_path"],
        "limit": 5,
        "offset": 3,
    },
    {
        "metrics": ["unique_users", "sessions", "avg_session_duration"],
        "dimensions": ["channel", "device"],
        "order_by": [{"field": "sessions", "direction": "desc"}],
        "filters": {"country": ["US", "DE", "GB", "FR"]},
    },
    {
        "metrics": ["visitors", "pageviews"],
        "dimensions": ["country"],
        "order_by": [{"field": "country", "direction": "asc"}],
        "limit": 4,
    },
    # raw tables: events (its "(not set)" names among the ranked rows) and sessions
    {"metrics": ["events", "visitors"], "dimensions": ["event_name"], "limit": 3},
    {"metrics": ["sessions", "visitors"], "dimensions": ["referrer_host", "device"], "limit": 4},
]


def _approx(rows: list[dict]) -> list[dict]:
    """Rows with float metrics compared to 11 digits: summed in another order (fewer rows
    read), a ratio's 12th digit may round the other way."""
    return [
        {k: pytest.approx(v, rel=1e-11) if isinstance(v, float) else v for k, v in row.items()}
        for row in rows
    ]


@pytest.mark.parametrize(
    "report", [*REPORTS, *TOP_N], ids=lambda r: "+".join(r.get("dimensions", ["totals"]))
)
def test_ranking_before_counting_visitors_changes_no_answer(
    clients: tuple[TestClient, TestClient], report: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"tracking_id": "ST-TEST", "date_range": RANGE, **report}
    fresh = {"Cache-Control": "no-cache"}
    for api in clients:
        two_steps = api.post("/api/v1/query", json=body, headers=fresh).json()
        with monkeypatch.context() as m:
            m.setattr("serving.analyses.report._ranked_first", lambda *_: False)
            one_step = api.post("/api/v1/query", json=body, headers=fresh).json()
        assert (two_steps["total_rows"], two_steps["source"]) == (
            one_step["total_rows"],
            one_step["source"],
        )
        assert two_steps["rows"] == _approx(one_step["rows"])
        assert two_steps["rows"] or report.get("filters") == {"country": "XX"}
