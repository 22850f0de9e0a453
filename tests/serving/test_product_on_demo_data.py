"""Product analyses on generated demo traffic: both engines answer alike, equal to a
plain-Python computation over bronze (``tests/product_reference.py``), and the dbt marts
(``funnel_conversion_daily``, ``retention_cohorts_weekly``) agree with the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from cli.generate import EXPERIMENT, PURCHASE_FUNNEL, generate_traffic
from lake.hot_tier import hot_tier
from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests import product_reference as ref
from tests.engines import two_engines

TZ = "America/New_York"
START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 5)
RANGE = {"start": START.isoformat(), "end": END.isoformat()}
FUNNEL = {"steps": PURCHASE_FUNNEL, "window": "2h"}
STEPS: list[ref.Match] = [
    lambda e: e["event_type"] == "pageview" and (e["page_path"] or "").startswith("/products/"),
    lambda e: e["event_type"] == "click" and e["props"].get("element_id") == "add-to-cart",
    lambda e: e["event_type"] == "pageview" and e["page_path"] == "/checkout",
    lambda e: e["event_type"] == "purchase",
]
GOALS = [
    {"name": "signup", "type": "event", "event_name": "signup_click"},
    {"name": "blog", "type": "destination", "match": "begins_with", "value": "/blog/"},
    {"name": "pricing", "type": "destination", "match": "regex", "value": "^/pric"},
    {"name": "long", "type": "duration", "seconds": 300},
    {"name": "deep", "type": "pages_per_session", "pages": 4},
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    traffic = generate_traffic("ST-TEST", days=14, events=16_000, end=dt.date(2026, 3, 14), seed=11)
    with two_engines(tmp_path_factory, traffic.events, tz=TZ, STRATA_WAREHOUSE_MODELS="true") as (
        hot,
        cold,
    ):
        settings = hot.app.state.settings  # type: ignore[attr-defined]
        lake, paths = Lake(settings), LakePaths(settings.lake_uri)
        rows = lake.scan_delta(paths.bronze_events, EVENT_SCHEMA).collect().to_dicts()
        for goal in GOALS:
            assert (
                hot.post("/api/v1/goals", json={"tracking_id": "ST-TEST", **goal}).status_code
                == 201
            )
        yield {
            "apis": (hot, cold),
            "events": ref.people_events(rows, "ST-TEST"),
            "settings": settings,
        }


def _both(demo: dict[str, Any], method: str, path: str, **kwargs: Any) -> dict:
    answers = []
    for api in demo["apis"]:
        found = api.request(method, path, **kwargs)
        assert found.status_code == 200, found.text
        answers.append(found.json())
    hot, cold = answers
    assert hot["source"].startswith("clickhouse") and cold["source"].startswith("duckdb")
    for key in ("source", "tier", "execution_time_ms", "query_id"):
        hot.pop(key, None), cold.pop(key, None)
    assert hot == cold  # the two engines agree on every number
    return hot


CART = {"name": "cart", "event_type": "pageview", "filters": {"page_path": "/cart"}}


@pytest.mark.parametrize("order", ["ordered", "strict"])
def test_funnel_equals_the_reference(demo: dict[str, Any], order: str) -> None:
    """Strictly, the cart page comes between the click and checkout: the strict funnel
    is product → click → cart → checkout."""
    steps, matches = FUNNEL["steps"], list(STEPS)
    if order == "strict":
        steps = [*steps[:2], CART, steps[2]]
        matches = [
            *STEPS[:2],
            lambda e: e["event_type"] == "pageview" and e["page_path"] == "/cart",
            STEPS[2],
        ]
    body = {"tracking_id": "ST-TEST", "date_range": RANGE, **FUNNEL, "steps": steps, "order": order}
    answer = _both(demo, "POST", "/api/v1/funnels/analysis", json=body)
    lo, hi = ref.local_bounds(START, END, TZ)
    levels = ref.funnel_levels(
        demo["events"], matches, dt.timedelta(hours=2), lo, hi, order == "strict"
    )
    want = [sum(level >= k for level, _ in levels.values()) for k in range(1, 5)]
    waiting = [0] + [sum(lv == k and op for lv, op in levels.values()) for k in range(1, 4)]
    assert [s["users"] for s in answer["steps"]] == want
    assert [s["in_progress"] for s in answer["steps"]] == waiting
    assert want[3] > 0, "the demo must reach the last step to prove anything"


def test_funnel_breakdown_by_device_on_both_engines(demo: dict[str, Any]) -> None:
    body = {"tracking_id": "ST-TEST", "date_range": RANGE, **FUNNEL, "breakdown_by": "device"}
    answer = _both(demo, "POST", "/api/v1/funnels/analysis", json=body)
    assert {b["value"] for b in answer["breakdown"]} >= {"desktop", "mobile"}


def test_goals_equal_the_reference(demo: dict[str, Any]) -> None:
    body = {
        "tracking_id": "ST-TEST",
        "date_range": RANGE,
        "metrics": ["goal_visitors", "goal_conversions"],
        "dimensions": ["goal"],
    }
    answer = _both(demo, "POST", "/api/v1/query", json=body)
    lo, hi = ref.local_bounds(START, END, TZ)
    found = {r["goal"]: (r["goal_visitors"], r["goal_conversions"]) for r in answer["rows"]}
    assert found == {g["name"]: ref.goal_counts(demo["events"], g, lo, hi) for g in GOALS}
    assert all(v for v, _ in found.values())


def test_retention_equals_the_reference(demo: dict[str, Any]) -> None:
    body = {"tracking_id": "ST-TEST", "date_range": RANGE, "period": "week", "periods": 2}
    answer = _both(demo, "POST", "/api/v1/retention", json=body)
    found = {c["cohort"]: (c["size"], c["counts"]) for c in answer["cohorts"]}
    assert found == ref.retention_counts(demo["events"], START, END, TZ, 2)


def test_experiment_equals_the_reference(demo: dict[str, Any]) -> None:
    params = {
        "tracking_id": "ST-TEST",
        "start_date": RANGE["start"],
        "end_date": RANGE["end"],
        "goal_event_type": "purchase",
    }
    answer = _both(demo, "GET", f"/api/v1/experiments/{EXPERIMENT}", params=params)
    lo, hi = ref.local_bounds(START, END, TZ)
    want, several = ref.experiment_counts(
        demo["events"], EXPERIMENT, lambda e: e["event_type"] == "purchase", lo, hi
    )
    found = {
        v["variant"]: (v["visitors"], v["conversions"], v["revenue"]) for v in answer["variants"]
    }
    assert {k: (v, c, round(r, 6)) for k, (v, c, r) in found.items()} == {
        k: (v, c, round(r, 6)) for k, (v, c, r) in want.items()
    }
    assert answer["excluded_visitors"] == several


def test_marts_agree_with_the_api(demo: dict[str, Any]) -> None:
    """``funnel_conversion_daily`` (product → cart → checkout → purchase, 7 days) per entry
    day, and ``retention_cohorts_weekly`` per cohort week, as the API answers them."""
    hot = demo["apis"][0]
    with hot_tier(demo["settings"]) as client:
        funnel_rows = client.query(
            "SELECT site_date, step_number, count_visitors FROM funnel_conversion_daily "
            "WHERE tracking_id = 'ST-TEST' ORDER BY site_date, step_number"
        ).result_rows
        retention_rows = client.query(
            "SELECT cohort_week, week_number, count_cohort_visitors, count_returning_visitors "
            "FROM retention_cohorts_weekly WHERE tracking_id = 'ST-TEST'"
        ).result_rows
    mart_funnel: dict[str, list[int]] = {}
    for day, _, visitors in funnel_rows:
        mart_funnel.setdefault(str(day), []).append(int(visitors))
    steps = [
        {"event_type": "pageview", "filters": {"page_path": "/products/*"}},
        {"event_type": "pageview", "filters": {"page_path": "/cart"}},
        {"event_type": "pageview", "filters": {"page_path": "/checkout"}},
        {"event_type": "purchase"},
    ]
    for day in (START, END):
        body = {
            "tracking_id": "ST-TEST",
            "date_range": {"start": day.isoformat(), "end": day.isoformat()},
            "steps": steps,
            "window": "7d",
        }
        answer = hot.post("/api/v1/funnels/analysis", json=body).json()
        assert [s["users"] for s in answer["steps"]] == mart_funnel[day.isoformat()]
    body = {
        "tracking_id": "ST-TEST",
        "date_range": {"start": "2026-03-02", "end": "2026-03-08"},  # the week of 2 March
        "period": "week",
        "periods": 1,
    }
    (cohort,) = hot.post("/api/v1/retention", json=body).json()["cohorts"]
    mart = {(str(w), int(n)): (int(size), int(back)) for w, n, size, back in retention_rows}
    assert [mart[(cohort["cohort"], n)] for n in (0, 1)] == [
        (cohort["size"], count) for count in cohort["counts"]
    ]
