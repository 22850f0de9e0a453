"""Funnels on hand-built visitors, every answer worked by hand, on both engines.

Site ST-TEST in UTC; range 2026-03-02..2026-03-03; the reference design's purchase
funnel (product page, add-to-cart click, checkout page, purchase) with a 1 h window.

    v1  10:00 /products/a  10:05 cart-click  10:10 /checkout  10:20 purchase      -> 4
    v2  10:00 /products/b  10:02 /about      10:30 cart-click                     -> 2
    v3  11:00 /products/c  12:00:00 cart-click (= entry + 1 h)  12:00:01 /checkout -> 2
    v4  13:00 /products/d  13:50 /products/e  14:20 cart-click  14:25 /checkout   -> 3
    v5  (03-03) 23:30 /products/a  23:40 cart-click: window open at the range end -> 2
    v6  (03-03) 22:00 /products/x only: window closed at 23:00                    -> 1
    v7  (03-01) 23:50 /products/a  (03-02) 00:10 cart-click: entered before range -> -
    v8  (03-03) 23:20 /products/z 23:25 cart-click 23:30 /checkout (03-04) 00:10 purchase -> 4
    bot the whole funnel at 10:00-10:03                                            -> -
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.engines import two_engines
from tests.serving.events_by_hand import BOT_UA, add_to_cart, ev

RANGE = {"start": "2026-03-02", "end": "2026-03-03"}

FEATURED = {"properties": {"list": "featured"}}
EVENTS = [
    ev("v1", "2026-03-02 10:00:00", path="/products/a", **FEATURED),
    add_to_cart("v1", "2026-03-02 10:05:00"),
    ev("v1", "2026-03-02 10:10:00", path="/checkout"),
    ev("v1", "2026-03-02 10:20:00", "purchase", "/checkout", revenue={"amount": 50}),
    ev("v2", "2026-03-02 10:00:00", path="/products/b"),
    ev("v2", "2026-03-02 10:02:00", path="/about"),
    add_to_cart("v2", "2026-03-02 10:30:00"),
    ev("v3", "2026-03-02 11:00:00", path="/products/c", **FEATURED),
    add_to_cart("v3", "2026-03-02 12:00:00"),
    ev("v3", "2026-03-02 12:00:01", path="/checkout"),
    ev("v4", "2026-03-02 13:00:00", path="/products/d"),
    ev("v4", "2026-03-02 13:50:00", path="/products/e"),
    add_to_cart("v4", "2026-03-02 14:20:00"),
    ev("v4", "2026-03-02 14:25:00", path="/checkout"),
    ev("v5", "2026-03-03 23:30:00", path="/products/a"),
    add_to_cart("v5", "2026-03-03 23:40:00"),
    ev("v6", "2026-03-03 22:00:00", path="/products/x"),
    ev("v7", "2026-03-01 23:50:00", path="/products/a"),
    add_to_cart("v7", "2026-03-02 00:10:00"),
    ev("v8", "2026-03-03 23:20:00", path="/products/z"),
    add_to_cart("v8", "2026-03-03 23:25:00"),
    ev("v8", "2026-03-03 23:30:00", path="/checkout"),
    ev("v8", "2026-03-04 00:10:00", "purchase", "/checkout", revenue={"amount": 20}),
    ev("bot", "2026-03-02 10:00:00", path="/products/a", ua=BOT_UA),
    add_to_cart("bot", "2026-03-02 10:01:00", ua=BOT_UA),
    ev("bot", "2026-03-02 10:02:00", path="/checkout", ua=BOT_UA),
    ev("bot", "2026-03-02 10:03:00", "purchase", "/checkout", ua=BOT_UA),
]

#: The reference design's create-funnel body, verbatim but for the site and window.
FUNNEL = {
    "tracking_id": "ST-TEST",
    "name": "Purchase Funnel",
    "steps": [
        {"name": "View Product", "event_type": "pageview", "filters": {"page_path": "/products/*"}},
        {"name": "Add to Cart", "event_type": "click", "filters": {"element_id": "add-to-cart"}},
        {"name": "Checkout", "event_type": "pageview", "filters": {"page_path": "/checkout"}},
        {"name": "Purchase", "event_type": "purchase"},
    ],
    "window": "1h",
}


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS) as clients:
        yield clients


def _analyse(api: TestClient, **changes: object) -> dict:
    body = {**FUNNEL, "date_range": RANGE, **changes}
    answer = api.post("/api/v1/funnels/analysis", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _users(answer: dict) -> list[int]:
    return [s["users"] for s in answer["steps"]]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_ordered_funnel_counts_each_visitor_at_their_best_entry(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    answer = _analyse(apis[engine])
    assert answer["source"] == ("clickhouse.events", "duckdb.events")[engine]
    assert answer["total_users"] == 7
    assert _users(answer) == [7, 6, 3, 2]
    assert [s["in_progress"] for s in answer["steps"]] == [0, 0, 1, 0]  # v5
    assert [s["drop_off"] for s in answer["steps"]] == [0, 1, 2, 1]
    assert [s["conversion_rate"] for s in answer["steps"]] == [
        1.0,
        round(6 / 7, 12),
        0.5,
        round(2 / 3, 12),
    ]
    assert [s["drop_off_rate"] for s in answer["steps"]] == [
        0.0,
        round(1 / 7, 12),
        round(2 / 6, 12),
        round(1 / 3, 12),
    ]
    assert answer["overall_conversion_rate"] == round(2 / 7, 12)


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_time_to_convert_per_step(apis: tuple[TestClient, TestClient], engine: int) -> None:
    steps = _analyse(apis[engine])["steps"]
    # step 2 after step 1: v1 300, v2 1800, v3 3600, v4 1800 (its later entry), v5 600, v8 300
    second = steps[1]["time_to_convert"]
    assert second["count"] == 6
    assert second["avg_seconds"] == 1400.0
    assert second["median_seconds"] == 1200.0  # (600 + 1800) / 2
    assert second["p90_seconds"] == 2700.0  # 1800 + 0.5 * (3600 - 1800)
    assert second["text"] == "23m 20s"
    counts = {(b["from_seconds"], b["to_seconds"]): b["count"] for b in second["histogram"]}
    assert counts[(300, 900)] == 3 and counts[(900, 3600)] == 2 and counts[(3600, 21600)] == 1
    assert steps[2]["time_to_convert"]["avg_seconds"] == 300.0  # v1, v4, v8: 5 min each
    assert steps[3]["time_to_convert"]["avg_seconds"] == 1500.0  # v1 600, v8 2400


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_overall_time_to_convert(apis: tuple[TestClient, TestClient], engine: int) -> None:
    answer = _analyse(apis[engine])
    assert answer["avg_time_to_convert_seconds"] == 2100.0  # v1 1200, v8 3000
    assert answer["avg_time_to_convert"] == "35m 0s"


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_window_edge_is_inclusive(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """v3: the click exactly 1 h after entry counts, the checkout 1 s later does not."""
    two_steps = {**FUNNEL, "steps": FUNNEL["steps"][:3]}
    only_v3 = [{"field": "page_path", "op": "eq", "value": "/products/c"}]
    steps = [dict(s) for s in two_steps["steps"]]
    steps[0]["filters"] = only_v3
    answer = _analyse(apis[engine], steps=steps)
    assert _users(answer) == [1, 1, 0]
    wider = _analyse(apis[engine], steps=steps, window="3601s")
    assert _users(wider) == [1, 1, 1]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_strict_order_breaks_on_any_other_event(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """v2's /about between product and click ends its chain at step 1."""
    answer = _analyse(apis[engine], order="strict")
    assert _users(answer) == [7, 5, 3, 2]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_any_order_counts_distinct_steps_from_any_entry(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """v7's click at 00:10 is an entry in range (any step enters): one step done."""
    answer = _analyse(apis[engine], order="any")
    assert _users(answer) == [8, 6, 3, 2]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_exclusion_drops_the_visitor(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """/about between product and click excludes v2 from the funnel."""
    exclusion = {"event_type": "pageview", "filters": {"page_path": "/about"}, "to_step": 2}
    answer = _analyse(apis[engine], exclusions=[exclusion])
    assert _users(answer) == [6, 5, 3, 2]
    assert answer["excluded_visitors"] == 1


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_breakdown_by_the_entry_event(apis: tuple[TestClient, TestClient], engine: int) -> None:
    answer = _analyse(apis[engine], breakdown_by="properties.list")
    by_value = {b["value"]: _users(b) for b in answer["breakdown"]}
    assert by_value == {"(not set)": [5, 4, 2, 1], "featured": [2, 2, 1, 1]}
    assert [b["value"] for b in answer["breakdown"]] == ["(not set)", "featured"]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_counting_sessions(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """30-minute sessions (a gap of 30 min or more starts a new one): v3's click (60 min
    later), v4's two entries (50 min apart) and its click (30 min after the second), and
    v8's purchase (40 min after checkout) each fall in another session.  Units: v1, v2,
    v3, v4 (twice), v5, v6, v8; step 2: v1, v2, v5, v8; step 3: v1, v8; step 4: v1."""
    answer = _analyse(apis[engine], count_by="sessions")
    assert answer["count_by"] == "sessions"
    assert _users(answer) == [8, 4, 2, 1]
    # v5's session, and v8's (its window, 23:20 + 1 h, still open at midnight)
    assert [s["in_progress"] for s in answer["steps"]] == [0, 0, 1, 1]


def test_saved_funnel_round_trip_and_analysis(apis: tuple[TestClient, TestClient]) -> None:
    hot = apis[0]
    created = hot.post("/api/v1/funnels", json=FUNNEL)
    assert created.status_code == 201, created.text
    funnel_id = created.json()["funnel_id"]
    assert created.json()["steps"][1]["filters"] == {"element_id": "add-to-cart"}
    listed = hot.get("/api/v1/funnels", params={"tracking_id": "ST-TEST"}).json()
    assert funnel_id in [f["funnel_id"] for f in listed]
    analysis = hot.get(
        f"/api/v1/funnels/{funnel_id}/analysis",
        params={"start_date": RANGE["start"], "end_date": RANGE["end"]},
    )
    assert analysis.status_code == 200, analysis.text
    assert analysis.json()["funnel_id"] == funnel_id
    assert _users(analysis.json()) == [7, 6, 3, 2]
    changed = hot.put(f"/api/v1/funnels/{funnel_id}", json={**FUNNEL, "order": "strict"})
    assert changed.status_code == 200, changed.text
    again = hot.get(
        f"/api/v1/funnels/{funnel_id}/analysis",
        params={"start_date": RANGE["start"], "end_date": RANGE["end"]},
    )
    assert _users(again.json()) == [7, 5, 3, 2]
    assert hot.delete(f"/api/v1/funnels/{funnel_id}").status_code == 204
    assert hot.get(f"/api/v1/funnels/{funnel_id}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": FUNNEL["steps"] * 5 + [FUNNEL["steps"][0]]}, "steps"),
        ({"steps": FUNNEL["steps"][:1]}, "steps"),
        ({"window": "0m"}, "window"),
        ({"window": "91d"}, "window"),
        ({"window": "soon"}, "window"),
        ({"colour": "red"}, "colour"),
        ({"order": "sideways"}, "order"),
        ({"breakdown_by": "entry_page"}, "breakdown_by"),
        (
            {
                "steps": [
                    {
                        "event_type": "pageview",
                        "filters": [{"field": "page_path", "op": "regex", "value": "(?<=x)"}],
                    },
                    FUNNEL["steps"][1],
                ]
            },
            "steps[0].filters[0]",
        ),
        ({"steps": [{"name": "nothing"}, FUNNEL["steps"][1]]}, "steps[0]"),
        ({"steps": [{"event_type": "pageview", "bogus": 1}, FUNNEL["steps"][1]]}, "bogus"),
    ],
)
def test_bad_definitions_are_400_naming_the_field(
    apis: tuple[TestClient, TestClient], change: dict, field: str
) -> None:
    for path in ("/api/v1/funnels", "/api/v1/funnels/analysis"):
        answer = apis[0].post(path, json={**FUNNEL, **change})
        assert answer.status_code == 400, (path, answer.text)
        assert field in answer.json()["detail"], answer.json()


def test_saving_needs_the_write_scope(apis: tuple[TestClient, TestClient]) -> None:
    from lake.catalog import MetadataStore

    settings = apis[0].app.state.settings  # type: ignore[attr-defined]
    reader = MetadataStore(settings.metadata_url).create_key("ST-TEST")
    answer = apis[0].post(
        "/api/v1/funnels", json=FUNNEL, headers={"Authorization": f"Bearer {reader}"}
    )
    assert answer.status_code == 403 and "write" in answer.json()["detail"]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_a_segment_narrows_the_funnel(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """Visitors who saw /checkout at least once: v1, v3, v4, v8."""
    segment = {
        "conditions": [{"did": {"event_type": "pageview", "filters": {"page_path": "/checkout"}}}]
    }
    answer = _analyse(apis[engine], segment=segment)
    assert _users(answer) == [4, 4, 3, 2]


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_breakdown_by_the_entry_date(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """2 March: v1 (4), v2 (2), v3 (2), v4 (3); 3 March: v5 (2), v6 (1), v8 (4)."""
    answer = _analyse(apis[engine], breakdown_by="date")
    by_value = {b["value"]: _users(b) for b in answer["breakdown"]}
    assert by_value == {"2026-03-02": [4, 4, 2, 1], "2026-03-03": [3, 2, 1, 1]}
