"""POST /api/v1/query: auth, validation, time zones and hourly answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orchestration.runner import run_pipeline
from tests.conftest import BACKFILL_H, Env, make_env

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


def _ev(client_id: str, ts: str, path: str = "/", etype: str = "pageview") -> dict:
    return {
        "tracking_id": "ST-TEST",
        "client_id": client_id,
        "event_type": etype,
        "timestamp": ts,
        "page": {"url": f"https://shop.example{path}"},
        "context": {"user_agent": UA, "ip": "3.0.0.7"},
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Env, TestClient]]:
    """Query API over a tiny hand-made data set (site time zone: Europe/Berlin, UTC+1 in
    March), built once for the module: the tests only read it."""
    from ingest_gateway.app import create_app as create_gateway
    from serving.app import create_app

    monkeypatch = pytest.MonkeyPatch()
    env = make_env(tmp_path_factory.mktemp("query-api"), monkeypatch)
    try:
        env.store.add_site(
            "ST-TEST", ["shop.example"], "Europe/Berlin", allowed_lateness_hours=BACKFILL_H
        )
        events = [
            _ev("c1", "2026-03-01T22:50:00Z", "/a"),  # 23:50 Berlin, 1 Mar
            _ev("c1", "2026-03-01T23:10:00Z", "/b"),  # 00:10 Berlin, 2 Mar (same session)
            _ev("c2", "2026-03-02T09:00:00Z", "/a"),  # bounce
            _ev("c3", "2026-03-02T10:00:00Z", "/b"),
            _ev("c3", "2026-03-02T10:00:30Z", "/b", etype="click"),
        ]
        with TestClient(create_gateway(env.settings)) as gw:
            assert gw.post("/api/v1/events", json=events).json()["accepted"] == 5
        run_pipeline(echo=False)
        # the module's tests share one key: lift the per-key rate limit
        settings = dataclasses.replace(env.settings, api_rate_limit_per_minute=1_000_000)
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {env.key}"
            yield env, client
    finally:
        monkeypatch.undo()


@pytest.fixture
def env(served: tuple[Env, TestClient]) -> Env:
    return served[0]


@pytest.fixture
def api(served: tuple[Env, TestClient]) -> TestClient:
    return served[1]


def _q(api: TestClient, **body: object):
    return api.post("/api/v1/query", json={"tracking_id": "ST-TEST", **body})


RANGE = {"start": "2026-03-01", "end": "2026-03-02"}


def test_days_are_in_the_site_time_zone_and_sessions_count_on_their_start_day(
    api: TestClient,
) -> None:
    r = _q(
        api,
        metrics=["pageviews", "unique_users", "sessions", "bounce_rate", "events"],
        dimensions=["date"],
        date_range=RANGE,
    )
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [
        {
            "date": "2026-03-01",
            "pageviews": 1,
            "unique_users": 1,
            "sessions": 1,
            "bounce_rate": 0.0,
            "events": 1,
        },
        {
            "date": "2026-03-02",
            "pageviews": 3,
            "unique_users": 3,
            "sessions": 2,
            "bounce_rate": 0.5,
            "events": 4,
        },
    ]


def test_hour_dimension_answers_from_the_hourly_totals_cube(api: TestClient) -> None:
    r = _q(
        api,
        metrics=["pageviews"],
        dimensions=["hour"],
        date_range={"start": "2026-03-02", "end": "2026-03-02"},
    )
    body = r.json()
    assert body["source"] == "clickhouse.cube_hourly_totals"
    assert body["rows"] == [
        {"hour": "2026-03-02 00:00", "pageviews": 1},
        {"hour": "2026-03-02 10:00", "pageviews": 1},
        {"hour": "2026-03-02 11:00", "pageviews": 1},
    ]


def test_filters_order_limit_and_totals(api: TestClient) -> None:
    r = _q(
        api,
        metrics=["pageviews", "avg_session_duration"],
        dimensions=["page_path"],
        filters={"page_path": ["/a", "/b"], "device": "desktop"},
        date_range=RANGE,
        order_by=[{"field": "avg_session_duration", "direction": "asc"}],
        limit=1,
    )
    body = r.json()
    assert body["total_rows"] == 2
    # /b: 2 pageviews; sessions entering on /b: c3's (30 s).  /a: (1200 s + 0 s) / 2.
    assert body["rows"] == [{"page_path": "/b", "pageviews": 2, "avg_session_duration": 30.0}]
    r = _q(api, metrics=["unique_users", "sessions"], dimensions=[], date_range=RANGE)
    assert r.json()["rows"] == [{"unique_users": 3, "sessions": 3}]


def test_requests_need_a_key_for_that_site(api: TestClient, env: Env) -> None:
    body = {"tracking_id": "ST-TEST", "metrics": ["pageviews"]}
    assert api.post("/api/v1/query", json=body, headers={"Authorization": ""}).status_code == 401
    assert (
        api.post(
            "/api/v1/query", json=body, headers={"Authorization": "Bearer sk_wrong"}
        ).status_code
        == 401
    )
    env.store.add_site("ST-OTHER", ["other.example"])
    other_key = env.store.create_key("ST-OTHER")
    r = api.post("/api/v1/query", json=body, headers={"Authorization": f"Bearer {other_key}"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"metrics": ["pageviewz"]}, "allowed: pageviews, events, unique_users"),
        ({"metrics": ["pageviews"], "dimensions": ["cityz"]}, "unknown dimension 'cityz'"),
        (
            {"metrics": ["sessions"], "dimensions": ["event_name"]},
            "metric 'sessions' is not available with 'event_name'",
        ),
        ({"metrics": ["pageviews"], "dimensions": ["properties.a b"]}, "a property key is"),
        (
            {"metrics": ["pageviews"], "filters": [{"field": "city", "op": "gt", "value": 3}]},
            "only properties.<key> fields",
        ),
        (
            {
                "metrics": ["pageviews"],
                "filters": [{"field": "properties.n", "op": "gt", "value": "x"}],
            },
            "takes one number",
        ),
        ({"metrics": ["pageviews"], "filters": {"date": "2026-03-01"}}, "unknown filter dimension"),
        ({"metrics": ["pageviews"], "order_by": [{"field": "sessions"}]}, "order_by field"),
        (
            {"metrics": ["pageviews"], "date_range": {"start": "2026-03-02", "end": "2026-03-01"}},
            "before",
        ),
        ({"metrics": ["pageviews"], "limit": 0}, "limit"),
        ({"metrics": []}, "metrics"),
    ],
)
def test_bad_requests_are_400_with_a_message(api: TestClient, body: dict, message: str) -> None:
    r = _q(api, **body)
    assert r.status_code == 400
    assert message in r.json()["detail"]


def test_per_session_ratios_and_the_visitors_alias(api: TestClient) -> None:
    metrics = ["visitors", "unique_users", "pageviews_per_session", "events_per_session"]
    r = _q(api, metrics=metrics, date_range=RANGE)
    # 4 page views and 5 events over 3 sessions, 3 visitors
    assert r.json()["rows"] == [
        {
            "visitors": 3,
            "unique_users": 3,
            "pageviews_per_session": 1.33333333333,
            "events_per_session": 1.66666666667,
        }
    ]


def test_weeks_start_on_monday_and_months_in_the_site_zone(api: TestClient) -> None:
    r = _q(api, metrics=["pageviews", "sessions"], dimensions=["week"], date_range=RANGE)
    # 2026-03-01 is a Sunday (its week began 2026-02-23); 2026-03-02 a Monday
    assert r.json()["rows"] == [
        {"week": "2026-02-23", "pageviews": 1, "sessions": 1},
        {"week": "2026-03-02", "pageviews": 3, "sessions": 2},
    ]
    r = _q(api, metrics=["pageviews", "sessions"], dimensions=["month"], date_range=RANGE)
    assert r.json()["rows"] == [{"month": "2026-03", "pageviews": 4, "sessions": 3}]


@pytest.mark.parametrize(
    ("filters", "paths"),
    [
        ([{"field": "page_path", "op": "eq", "value": "/a"}], ["/a"]),
        ([{"field": "page_path", "op": "neq", "value": "/a"}], ["/b"]),
        ([{"field": "page_path", "op": "in", "value": ["/a", "/x"]}], ["/a"]),
        ([{"field": "page_path", "op": "not_in", "value": ["/a"]}], ["/b"]),
        ([{"field": "page_path", "op": "contains", "value": "b"}], ["/b"]),
        ([{"field": "page_path", "op": "not_contains", "value": "b"}], ["/a"]),
        ([{"field": "page_path", "op": "starts_with", "value": "/"}], ["/a", "/b"]),
        ([{"field": "page_path", "op": "regex", "value": "^/(a|z)$"}], ["/a"]),
        (
            [
                {"field": "page_path", "op": "starts_with", "value": "/"},
                {"field": "browser", "op": "eq", "value": "Firefox"},
            ],
            ["/a", "/b"],
        ),
        ([{"field": "browser", "op": "eq", "value": "x' OR '1'='1"}], []),
    ],
)
def test_every_filter_op(api: TestClient, filters: list, paths: list[str]) -> None:
    r = _q(
        api,
        metrics=["pageviews"],
        dimensions=["page_path"],
        filters=filters,
        date_range=RANGE,
        order_by=[{"field": "page_path", "direction": "asc"}],
    )
    assert r.status_code == 200, r.text
    assert [row["page_path"] for row in r.json()["rows"]] == paths


def test_offset_pages_through_the_rows(api: TestClient) -> None:
    body = {
        "metrics": ["pageviews"],
        "dimensions": ["page_path"],
        "date_range": RANGE,
        "order_by": [{"field": "page_path", "direction": "asc"}],
        "limit": 1,
    }
    first, second = _q(api, **body), _q(api, **body, offset=1)
    assert first.json()["rows"] == [{"page_path": "/a", "pageviews": 2}]
    assert second.json()["rows"] == [{"page_path": "/b", "pageviews": 2}]
    assert second.json()["total_rows"] == 2
    assert _q(api, **body, offset=5).json()["rows"] == []


def test_bad_filters_are_400(api: TestClient) -> None:
    bad = [
        [{"field": "page_path", "op": "regex", "value": "("}],
        [{"field": "page_path", "op": "eq", "value": ["/a", "/b"]}],
        [{"field": "page_path", "op": "gt", "value": "1"}],
        [{"field": "date", "op": "eq", "value": "1"}],
    ]
    for filters in bad:
        r = _q(api, metrics=["pageviews"], filters=filters)
        assert r.status_code == 400, (filters, r.text)


def test_compare_to_the_previous_period(api: TestClient) -> None:
    day = {"start": "2026-03-02", "end": "2026-03-02"}
    metrics = ["pageviews", "sessions", "bounce_rate"]
    r = _q(api, metrics=metrics, date_range=day, compare="previous_period")
    body = r.json()
    assert body["comparison_range"] == {"start": "2026-03-01", "end": "2026-03-01"}
    # 2 March: c1's /b, c2 (a bounce) and c3; 1 March: c1's /a, its session not a bounce
    assert body["rows"] == [
        {
            "pageviews": 3,
            "sessions": 2,
            "bounce_rate": 0.5,
            "comparison": {"pageviews": 1, "sessions": 1, "bounce_rate": 0.0},
        }
    ]
    r = _q(
        api,
        metrics=["pageviews"],
        dimensions=["page_path"],
        date_range=day,
        compare="previous_period",
        order_by=[{"field": "page_path", "direction": "asc"}],
    )
    assert r.json()["rows"] == [
        {"page_path": "/a", "pageviews": 1, "comparison": {"pageviews": 1}},
        {"page_path": "/b", "pageviews": 2, "comparison": {"pageviews": 0}},
    ]
    r = _q(
        api, metrics=["pageviews"], dimensions=["date"], date_range=day, compare="previous_period"
    )
    assert r.json()["rows"] == [
        {"date": "2026-03-02", "pageviews": 3, "comparison": {"pageviews": 1}}
    ]


def test_compare_to_the_previous_year_and_its_limits(api: TestClient) -> None:
    from serving.analyses import comparison_range

    leap = comparison_range(dt.date(2028, 2, 29), dt.date(2028, 3, 1), "previous_year")
    assert leap[:2] == (dt.date(2027, 2, 28), dt.date(2027, 3, 1))
    back = comparison_range(dt.date(2025, 2, 1), dt.date(2025, 3, 1), "previous_year")
    assert back[2](dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    r = _q(api, metrics=["pageviews"], date_range=RANGE, compare="previous_year")
    assert r.json()["comparison_range"] == {"start": "2025-03-01", "end": "2025-03-02"}
    assert r.json()["rows"] == [{"pageviews": 4, "comparison": {"pageviews": 0}}]
    r = _q(api, metrics=["pageviews"], dimensions=["week"], compare="previous_year")
    assert r.status_code == 400 and "compare" in r.json()["detail"]
    r = _q(api, metrics=["pageviews"], compare="last_decade")
    assert r.status_code == 400
