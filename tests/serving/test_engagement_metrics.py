"""Time on page, scroll depth and engaged time per session, on a hand-worked day,
answered alike by ClickHouse (hot tier) and DuckDB (the lake's gold tables)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import two_engines
from tests.samples import day_event


def _ev(client: str, time: str, kind: str, path: str, ms: int | None = None, sd: int | None = None):
    if kind != "engagement":
        return day_event(client, time, kind, path)
    return day_event(client, time, kind, path, engagement={"engaged_ms": ms, "scroll_depth": sd})


EVENTS = [
    # client a: /a (20 s, 40 %), then /b reported twice (30 s + 10 s, deepest 90 %)
    _ev("a", "10:00:00", "pageview", "/a"),
    _ev("a", "10:00:30", "engagement", "/a", 20_000, 40),
    _ev("a", "10:01:00", "pageview", "/b"),
    _ev("a", "10:01:40", "engagement", "/b", 30_000, 90),
    _ev("a", "10:02:00", "engagement", "/b", 10_000, 60),
    # client b: /a for 5 s, no scroll reported; client c: /a, no engagement at all
    _ev("b", "11:00:00", "pageview", "/a"),
    _ev("b", "11:00:10", "engagement", "/a", 5_000, None),
    _ev("c", "12:00:00", "pageview", "/a"),
]
METRICS = [
    "pageviews",
    "events",
    "bounce_rate",
    "avg_time_on_page",
    "avg_scroll_depth",
    "avg_engaged_time",
]
DAY = {"start": "2026-03-01", "end": "2026-03-01"}


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as both:
        yield both


def _rows(api: TestClient, **body: object) -> list[dict]:
    r = api.post(
        "/api/v1/query",
        json={"tracking_id": "ST-TEST", "metrics": METRICS, "date_range": DAY, **body},
    )
    assert r.status_code == 200, r.text
    return r.json()["rows"]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_totals_of_the_hand_worked_day(apis: tuple[TestClient, TestClient], engine: int) -> None:
    assert _rows(apis[engine]) == [
        {
            "pageviews": 4,
            "events": 4,  # engagement records are not events
            "bounce_rate": 0.666666666667,  # b and c: one page view, nothing else
            "avg_time_on_page": 21.6666666667,  # (20 + 40 + 5) s over 3 page views reporting
            "avg_scroll_depth": 65.0,  # (40 + 90) % over the 2 page views reporting one
            "avg_engaged_time": 21.6666666667,  # (60 + 5 + 0) s over 3 sessions
        }
    ]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_per_page(apis: tuple[TestClient, TestClient], engine: int) -> None:
    rows = _rows(apis[engine], dimensions=["page_path"], order_by=[{"field": "page_path"}])
    assert rows == [
        {
            "page_path": "/b",
            "pageviews": 1,
            "events": 1,
            "bounce_rate": 0.0,  # no session entered on /b
            "avg_time_on_page": 40.0,  # both reports of the one page view add up
            "avg_scroll_depth": 90.0,  # the deepest of them
            "avg_engaged_time": 0.0,
        },
        {
            "page_path": "/a",
            "pageviews": 3,
            "events": 3,
            "bounce_rate": 0.666666666667,
            "avg_time_on_page": 12.5,  # (20 + 5) s over a's and b's page views
            "avg_scroll_depth": 40.0,  # only a's page view reported a scroll depth
            "avg_engaged_time": 21.6666666667,  # sessions count on their entry page
        },
    ]
