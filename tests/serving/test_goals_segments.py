"""Goals and segments on hand-built visitors, worked by hand, on both engines.

Site ST-TEST in UTC; range 2026-03-02..2026-03-03 (everyone in GB: one address).

    a  03-02 09:00 /, 09:01 /pricing, 09:03 signup {plan: pro}, 09:20 /docs/start
       -> one session of 1,200 s with 3 page views
    b  03-02 10:00 /blog/x, 10:00:30 /blog/y (30 s, 2 views); 03-03 12:00 /pricing
    c  03-03 15:00 /docs/api, 15:10 purchase 120, 15:11 signup {plan: free} (660 s, 1 view)
    d  (mobile) 03-02 08:00 signup {plan: pro}, 08:05 /docs (300 s, 1 view)
    e  03-01 11:00 / (before the range); 03-02 20:00 /about
    bot 03-02 signup and /docs
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import two_engines
from tests.serving.events_by_hand import BOT_UA, MOBILE_UA, ev

RANGE = {"start": "2026-03-02", "end": "2026-03-03"}


def _signup(client: str, when: str, plan: str, **extra: object) -> dict:
    return ev(client, when, "event", "/", event_name="signup", properties={"plan": plan}, **extra)


EVENTS = [
    ev("a", "2026-03-02 09:00:00", path="/"),
    ev("a", "2026-03-02 09:01:00", path="/pricing"),
    _signup("a", "2026-03-02 09:03:00", "pro"),
    ev("a", "2026-03-02 09:20:00", path="/docs/start"),
    ev("b", "2026-03-02 10:00:00", path="/blog/x"),
    ev("b", "2026-03-02 10:00:30", path="/blog/y"),
    ev("b", "2026-03-03 12:00:00", path="/pricing"),
    ev("c", "2026-03-03 15:00:00", path="/docs/api"),
    ev("c", "2026-03-03 15:10:00", "purchase", "/checkout", revenue={"amount": 120}),
    _signup("c", "2026-03-03 15:11:00", "free"),
    _signup("d", "2026-03-02 08:00:00", "pro", ua=MOBILE_UA),
    ev("d", "2026-03-02 08:05:00", path="/docs", ua=MOBILE_UA),
    ev("e", "2026-03-01 11:00:00", path="/"),
    ev("e", "2026-03-02 20:00:00", path="/about"),
    _signup("bot", "2026-03-02 09:00:00", "pro", ua=BOT_UA),
    ev("bot", "2026-03-02 09:01:00", path="/docs", ua=BOT_UA),
]

GOALS = [
    {"name": "Signed up", "type": "event", "event_type": "event", "event_name": "signup"},
    {"name": "Pro signup", "type": "event", "event_name": "signup", "filters": {"plan": "pro"}},
    {"name": "Read docs", "type": "destination", "match": "begins_with", "value": "/docs"},
    {"name": "Saw pricing", "type": "destination", "match": "equals", "value": "/pricing"},
    {"name": "Blog", "type": "destination", "match": "regex", "value": "^/blog/.+"},
    {"name": "Stayed 10 min", "type": "duration", "seconds": 600},
    {"name": "Two pages", "type": "pages_per_session", "pages": 2},
]
#: name -> (goal visitors, goal conversions), worked from the table above
EXPECTED = {
    "Signed up": (3, 3),
    "Pro signup": (2, 2),
    "Read docs": (3, 3),
    "Saw pricing": (2, 2),
    "Blog": (1, 2),
    "Stayed 10 min": (2, 2),  # a (1,200 s), c (660 s)
    "Two pages": (2, 2),  # a (3 views), b's first session (2)
}


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as clients:
        for goal in GOALS:  # one metadata database behind both
            answer = clients[0].post("/api/v1/goals", json={"tracking_id": "ST-TEST", **goal})
            assert answer.status_code == 201, answer.text
        yield clients


def _query(api: TestClient, **body: object) -> dict:
    answer = api.post("/api/v1/query", json={"tracking_id": "ST-TEST", "date_range": RANGE, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_each_goal_type_counts_visitors_and_conversions(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    metrics = ["goal_visitors", "goal_conversions", "goal_conversion_rate"]
    rows = _query(apis[engine], metrics=metrics, dimensions=["goal"])["rows"]
    found = {r["goal"]: (r["goal_visitors"], r["goal_conversions"]) for r in rows}
    assert found == EXPECTED
    rates = {r["goal"]: r["goal_conversion_rate"] for r in rows}
    assert rates == {name: round(v / 5, 12) for name, (v, _) in EXPECTED.items()}  # 5 visitors
    names = [r["goal"] for r in rows]  # by visitors, then name
    assert names[:3] == ["Read docs", "Signed up", "Pro signup"] and names[-1] == "Blog"


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_goal_by_device_with_a_goal_filter(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    rows = _query(
        apis[engine],
        metrics=["goal_visitors", "goal_conversion_rate"],
        dimensions=["goal", "device"],
        filters={"goal": "Signed up"},
    )["rows"]
    found = {r["device"]: (r["goal_visitors"], r["goal_conversion_rate"]) for r in rows}
    assert found == {"desktop": (2, 0.5), "mobile": (1, 1.0)}  # a, c of 4; d of 1


SEGMENTS = [
    # a property and a behaviour: a Pro signup who saw /pricing: a
    (
        {
            "conditions": [
                {"property": "properties.plan", "op": "eq", "value": "pro"},
                {"did": {"event_type": "pageview", "filters": {"page_path": "/pricing"}}},
            ]
        },
        1,
        3,
    ),
    ({"conditions": [{"revenue_above": 100}]}, 1, 1),  # c
    ({"conditions": [{"first_seen_before": "2026-03-02"}]}, 1, 1),  # e
    ({"conditions": [{"did": {"event_type": "pageview"}, "max_times": 1}]}, 3, 3),  # c d e
    (
        {
            "match": "any",
            "conditions": [{"revenue_above": 100}, {"first_seen_after": "2026-03-01"}],
        },
        4,
        8,
    ),  # a b c d (first seen after 03-01; c also by revenue); not e (first seen 03-01)
]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
@pytest.mark.parametrize(("segment", "visitors", "pageviews"), SEGMENTS)
def test_segments_narrow_reports(
    apis: tuple[TestClient, TestClient],
    engine: int,
    segment: dict,
    visitors: int,
    pageviews: int,
) -> None:
    answer = _query(apis[engine], metrics=["visitors", "pageviews"], segment=segment)
    assert answer["rows"] == [{"visitors": visitors, "pageviews": pageviews}]
    assert answer["source"].endswith(".events")


def test_saved_segment_answers_as_inline(apis: tuple[TestClient, TestClient]) -> None:
    segment, visitors, pageviews = SEGMENTS[0]
    created = apis[0].post(
        "/api/v1/segments", json={"tracking_id": "ST-TEST", "name": "Pro readers", **segment}
    )
    assert created.status_code == 201, created.text
    segment_id = created.json()["segment_id"]
    for api in apis:
        answer = _query(api, metrics=["visitors", "pageviews"], segment_id=segment_id)
        assert answer["rows"] == [{"visitors": visitors, "pageviews": pageviews}]
    assert (
        apis[0]
        .post(
            "/api/v1/query",
            json={"tracking_id": "ST-TEST", "metrics": ["visitors"], "segment_id": "segment_nope"},
        )
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    ("goal", "field"),
    [
        ({"name": "x", "type": "destination", "match": "regex", "value": "(?<=a)"}, "value"),
        ({"name": "x", "type": "destination", "value": "/a"}, "match"),
        ({"name": "x", "type": "duration"}, "seconds"),
        ({"name": "x", "type": "pages_per_session"}, "pages"),
        ({"name": "x", "type": "event"}, "goal"),
        ({"name": "x", "type": "event", "event_name": "a", "colour": 1}, "colour"),
        ({"name": "x", "type": "teleport"}, "type"),
    ],
)
def test_bad_goals_are_400_naming_the_field(
    apis: tuple[TestClient, TestClient], goal: dict, field: str
) -> None:
    answer = apis[0].post("/api/v1/goals", json={"tracking_id": "ST-TEST", **goal})
    assert answer.status_code == 400 and field in answer.json()["detail"], answer.text


def test_goal_crud(apis: tuple[TestClient, TestClient]) -> None:
    api = apis[0]
    made = api.post("/api/v1/goals", json={"tracking_id": "ST-TEST", **GOALS[0], "name": "tmp"})
    goal_id = made.json()["goal_id"]
    assert api.get(f"/api/v1/goals/{goal_id}").json()["event_name"] == "signup"
    changed = api.put(
        f"/api/v1/goals/{goal_id}",
        json={"tracking_id": "ST-TEST", "name": "tmp2", "type": "pages_per_session", "pages": 3},
    )
    assert changed.status_code == 200 and changed.json()["pages"] == 3
    assert api.delete(f"/api/v1/goals/{goal_id}").status_code == 204
    names = [g["name"] for g in api.get("/api/v1/goals", params={"tracking_id": "ST-TEST"}).json()]
    assert names == [g["name"] for g in GOALS]
