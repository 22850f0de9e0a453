"""Revenue, orders and conversion rate on a hand-worked day, on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import two_engines
from tests.samples import day_event


def _ev(client: str, time: str, kind: str, path: str, amount: float | None = None) -> dict:
    if amount is None:
        return day_event(client, time, kind, path)
    revenue = {"amount": amount, "currency": "USD"}
    return day_event(client, time, kind, path, event_name="buy", revenue=revenue)


EVENTS = [
    _ev("a", "10:00:00", "pageview", "/p"),
    _ev("a", "10:01:00", "purchase", "/p", 30.0),
    _ev("b", "11:00:00", "pageview", "/p"),
    _ev("b", "11:02:00", "purchase", "/p", 12.5),
    _ev("b", "11:03:00", "transaction", "/p", 7.5),
    _ev("c", "12:00:00", "pageview", "/q"),
]
METRICS = ["revenue", "orders", "sessions", "conversion_rate"]


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as both:
        yield both


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_revenue_orders_and_conversion(apis: tuple[TestClient, TestClient], engine: int) -> None:
    api = apis[engine]
    day = {"start": "2026-03-01", "end": "2026-03-01"}
    body = {"tracking_id": "ST-TEST", "metrics": METRICS, "date_range": day}
    totals = api.post("/api/v1/query", json=body).json()["rows"]
    # 30 + 12.5 + 7.5 over three orders; a and b converted, c did not
    assert totals == [
        {"revenue": 50.0, "orders": 3, "sessions": 3, "conversion_rate": 0.666666666667}
    ]
    by_page = {**body, "dimensions": ["page_path"], "order_by": [{"field": "page_path"}]}
    assert api.post("/api/v1/query", json=by_page).json()["rows"] == [
        {"page_path": "/q", "revenue": 0, "orders": 0, "sessions": 1, "conversion_rate": 0.0},
        {"page_path": "/p", "revenue": 50, "orders": 3, "sessions": 2, "conversion_rate": 1.0},
    ]
