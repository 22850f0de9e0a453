"""Funnel steps sent at the same moment, on both engines: a later step at the very
moment of the previous one counts ("at or after"), whatever the events' ids.

Site ST-TEST in UTC, 2026-03-02; product page, add-to-cart click, checkout page; 1 h.

    m1  10:00:00 cart-click (id m1-b), /products/a (id m1-c), /checkout (id m1-a):
        all at one moment, so in step order: product, click, checkout        -> 3
    m2  11:00:00 /products/b, 11:00:00 cart-click                            -> 2
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import two_engines
from tests.serving.events_by_hand import add_to_cart, ev

EVENTS = [
    add_to_cart("m1", "2026-03-02 10:00:00", event_id="m1-b"),
    ev("m1", "2026-03-02 10:00:00", path="/products/a", event_id="m1-c"),
    ev("m1", "2026-03-02 10:00:00", path="/checkout", event_id="m1-a"),
    ev("m2", "2026-03-02 11:00:00", path="/products/b", event_id="m2-b"),
    add_to_cart("m2", "2026-03-02 11:00:00", event_id="m2-a"),
]
STEPS = [
    {"name": "View Product", "event_type": "pageview", "filters": {"page_path": "/products/*"}},
    {"name": "Add to Cart", "event_type": "click", "filters": {"element_id": "add-to-cart"}},
    {"name": "Checkout", "event_type": "pageview", "filters": {"page_path": "/checkout"}},
]


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as clients:
        yield clients


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
@pytest.mark.parametrize("order", ["ordered", "strict"])
def test_steps_at_one_moment_count_in_step_order(
    apis: tuple[TestClient, TestClient], engine: int, order: str
) -> None:
    body = {
        "tracking_id": "ST-TEST",
        "date_range": {"start": "2026-03-02", "end": "2026-03-02"},
        "steps": STEPS,
        "window": "1h",
        "order": order,
    }
    answer = apis[engine].post("/api/v1/funnels/analysis", json=body)
    assert answer.status_code == 200, answer.text
    steps = answer.json()["steps"]
    assert [s["users"] for s in steps] == [2, 2, 1]
    assert [s["time_to_convert"]["avg_seconds"] for s in steps] == [None, 0.0, 0.0]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
@pytest.mark.parametrize(("value", "users"), [("(not set)", [2, 2]), ("", [0, 0])])
def test_a_property_step_on_absent_values(
    apis: tuple[TestClient, TestClient], engine: int, value: str, users: list[int]
) -> None:
    """Page views have no ``element_id``: ``(not set)`` matches them (m1's and m2's
    product pages), the empty text matches none; the click step (``add-to-cart``, a
    value an absent property can never equal) follows at the same moment."""
    body = {
        "tracking_id": "ST-TEST",
        "date_range": {"start": "2026-03-02", "end": "2026-03-02"},
        "steps": [{"event_type": "pageview", "filters": {"element_id": value}}, STEPS[1]],
        "window": "1h",
    }
    answer = apis[engine].post("/api/v1/funnels/analysis", json=body)
    assert answer.status_code == 200, answer.text
    assert [s["users"] for s in answer.json()["steps"]] == users
