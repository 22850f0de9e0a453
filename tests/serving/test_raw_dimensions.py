"""Dimensions only the raw tables hold (custom properties, event types and names, entry
and exit pages, referrers) and every filter op, on a hand-worked day, on both engines:
ClickHouse's ``events``/``sessions`` and DuckDB over bronze and silver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import ask, two_engines
from tests.samples import day_event

EVENTS = [
    day_event(
        "a",
        "10:00:00",
        "pageview",
        "/home",
        page={"url": "https://shop.example/home", "referrer": "https://news.example/x"},
    ),
    day_event(
        "a",
        "10:01:00",
        "event",
        "/home",
        event_name="signup",
        properties={"plan": "pro", "seats": 3},
    ),
    day_event("a", "10:02:00", "pageview", "/pricing"),
    day_event("b", "11:00:00", "pageview", "/home"),
    day_event(
        "b",
        "11:01:00",
        "event",
        "/home",
        event_name="signup",
        properties={"plan": "free", "seats": 1},
    ),
    day_event("b", "11:02:00", "event", "/home", event_name="share", properties={"plan": "pro"}),
    day_event(
        "c",
        "12:00:00",
        "pageview",
        "/blog",
        page={"url": "https://shop.example/blog", "referrer": "https://www.google.com/search"},
    ),
    day_event("d", "13:00:00", "pageview", "/home"),
    day_event("d", "13:00:30", "click", "/home", event_name="cta", properties={"seats": "10"}),
]
DAY = {"start": "2026-03-01", "end": "2026-03-01"}


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as both:
        yield both


def _ask(api: TestClient, **body: object) -> dict:
    return ask(api, DAY, **body)


ENGINES = pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])


@ENGINES
def test_event_type_and_event_name_come_from_raw_events(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    by_type = _ask(apis[engine], metrics=["events", "visitors"], dimensions=["event_type"])
    assert by_type["source"].endswith(".events")
    assert by_type["rows"] == [
        {"event_type": "pageview", "events": 5, "visitors": 4},
        {"event_type": "event", "events": 3, "visitors": 2},
        {"event_type": "click", "events": 1, "visitors": 1},
    ]
    by_name = _ask(
        apis[engine],
        metrics=["events", "pageviews"],
        dimensions=["event_name"],
        order_by=[{"field": "event_name", "direction": "asc"}],
    )
    assert by_name["rows"] == [
        {"event_name": "(not set)", "events": 5, "pageviews": 5},
        {"event_name": "cta", "events": 1, "pageviews": 0},
        {"event_name": "share", "events": 1, "pageviews": 0},
        {"event_name": "signup", "events": 2, "pageviews": 0},
    ]


@ENGINES
def test_a_custom_property_breakdown(apis: tuple[TestClient, TestClient], engine: int) -> None:
    answer = _ask(apis[engine], metrics=["events", "visitors"], dimensions=["properties.plan"])
    assert answer["rows"] == [
        {"properties.plan": "(not set)", "events": 6, "visitors": 4},
        {"properties.plan": "pro", "events": 2, "visitors": 2},
        {"properties.plan": "free", "events": 1, "visitors": 1},
    ]
    both = _ask(
        apis[engine],
        metrics=["events"],
        dimensions=["event_name", "properties.plan"],
        filters={"event_name": ["signup", "share"]},
        order_by=[{"field": "event_name", "direction": "asc"}, {"field": "properties.plan"}],
    )
    assert both["rows"] == [
        {"event_name": "share", "properties.plan": "pro", "events": 1},
        {"event_name": "signup", "properties.plan": "pro", "events": 1},
        {"event_name": "signup", "properties.plan": "free", "events": 1},
    ]


@ENGINES
@pytest.mark.parametrize(
    ("op", "value", "events"),
    [("gt", 2, 2), ("gte", 3, 2), ("lt", 3, 1), ("lte", 1, 1), ("gt", 10, 0), ("gte", 10.0, 1)],
)
def test_numeric_property_filters(
    apis: tuple[TestClient, TestClient], engine: int, op: str, value: float, events: int
) -> None:
    # seats: a's signup 3, b's signup 1, d's click "10" (a string that is a number)
    answer = _ask(
        apis[engine],
        metrics=["events"],
        filters=[{"field": "properties.seats", "op": op, "value": value}],
    )
    assert answer["rows"] == [{"events": events}]


@ENGINES
@pytest.mark.parametrize(
    ("op", "value", "events"),
    [
        ("eq", "signup", 2),
        ("neq", "signup", 7),
        ("in", ["share", "cta"], 2),
        ("not_in", ["signup"], 7),
        ("contains", "ig", 2),
        ("not_contains", "a", 7),
        ("starts_with", "s", 3),
        ("regex", "^(sh|ct)", 2),
        ("eq", "x' OR '1'='1", 0),
        ("in", ["'); DROP TABLE events; --"], 0),
    ],
)
def test_every_string_op_on_a_raw_field(
    apis: tuple[TestClient, TestClient], engine: int, op: str, value: object, events: int
) -> None:
    answer = _ask(
        apis[engine],
        metrics=["events"],
        filters=[{"field": "event_name", "op": op, "value": value}],
    )
    assert answer["rows"] == [{"events": events}]


@ENGINES
def test_entry_exit_pages_and_referrers_come_from_raw_sessions(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    entry = _ask(apis[engine], metrics=["sessions", "bounce_rate"], dimensions=["entry_page"])
    assert entry["source"].endswith(".sessions")
    assert entry["rows"] == [
        {"entry_page": "/home", "sessions": 3, "bounce_rate": 0.0},
        {"entry_page": "/blog", "sessions": 1, "bounce_rate": 1.0},
    ]
    exits = _ask(
        apis[engine],
        metrics=["sessions"],
        dimensions=["exit_page"],
        order_by=[{"field": "exit_page", "direction": "asc"}],
    )
    assert exits["rows"] == [
        {"exit_page": "/blog", "sessions": 1},
        {"exit_page": "/home", "sessions": 2},
        {"exit_page": "/pricing", "sessions": 1},
    ]
    referrers = _ask(
        apis[engine],
        metrics=["sessions", "pageviews_per_session"],
        dimensions=["referrer_host"],
        order_by=[{"field": "referrer_host", "direction": "asc"}],
    )
    assert referrers["rows"] == [
        {"referrer_host": "(not set)", "sessions": 2, "pageviews_per_session": 1.0},
        {"referrer_host": "google.com", "sessions": 1, "pageviews_per_session": 1.0},
        {"referrer_host": "news.example", "sessions": 1, "pageviews_per_session": 2.0},
    ]


@ENGINES
def test_region_and_city_without_a_city_database_are_not_set(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    answer = _ask(apis[engine], metrics=["pageviews"], dimensions=["region", "city"])
    assert answer["rows"] == [{"region": "(not set)", "city": "(not set)", "pageviews": 5}]


@ENGINES
@pytest.mark.parametrize(
    "body",
    [
        {"metrics": ["events"], "dimensions": ["properties.x'); DROP TABLE events; --"]},
        {"metrics": ["events"], "dimensions": ["event_name'--"]},
        {"metrics": ["events'--"]},
        {"metrics": ["events"], "filters": {"event_name; DROP": "x"}},
    ],
)
def test_injection_in_names_is_a_400(
    apis: tuple[TestClient, TestClient], engine: int, body: dict
) -> None:
    answer = apis[engine].post("/api/v1/query", json={"tracking_id": "ST-TEST", **body})
    assert answer.status_code == 400 and answer.json()["detail"]
