"""Retention on hand-built visitors of a New York site (UTC-5 in January and February),
worked by hand, on both engines.  Weeks start on Monday: 2026-01-26, 02-02, 02-09, 02-16.

    s  01-20 10:00 NY (first), 01-27 10:00
    p  01-26 10:00 NY (first), 02-08 22:00 NY (= 02-09 03:00 UTC: week 02-02 here, 02-09
       in UTC), 02-17 10:00
    q  01-31 22:00 NY (= 02-01 03:00 UTC: January here, February in UTC), 02-02 11:00
    t  01-31 10:00 NY (first), 02-20 10:00
    r  02-03 07:00 NY (first), 02-10 07:00, 02-11 07:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from serving.analyses.retention import RetentionSpec, _grid, period_of
from tests.engines import two_engines
from tests.serving.events_by_hand import ev

EVENTS = [
    ev("s", "2026-01-20 15:00:00", path="/"),
    ev("s", "2026-01-27 15:00:00", path="/"),
    ev("p", "2026-01-26 15:00:00", path="/"),
    ev("p", "2026-02-09 03:00:00", path="/"),
    ev("p", "2026-02-17 15:00:00", path="/pricing"),
    ev("q", "2026-02-01 03:00:00", path="/"),
    ev("q", "2026-02-02 16:00:00", path="/pricing"),
    ev("t", "2026-01-31 15:00:00", path="/"),
    ev("t", "2026-02-20 15:00:00", path="/"),
    ev("r", "2026-02-03 12:00:00", path="/"),
    ev("r", "2026-02-10 12:00:00", path="/"),
    ev("r", "2026-02-11 12:00:00", path="/pricing"),
]
WEEKS = {"start": "2026-01-26", "end": "2026-02-08"}


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    with two_engines(tmp_path_factory, EVENTS, tz="America/New_York") as clients:
        yield clients


def _grid_of(api: TestClient, **body: object) -> dict:
    answer = api.post("/api/v1/retention", json={"tracking_id": "ST-TEST", **body})
    assert answer.status_code == 200, answer.text
    return {c["cohort"]: (c["size"], c["counts"]) for c in answer.json()["cohorts"]}


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_weekly_first_time_cohorts_in_the_sites_zone(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """Cohort 01-26: p, q, t (s came before the range).  Week 1: p (Sunday night in New
    York), q; week 2: nobody; week 3: p, t.  Cohort 02-02: r, back in week 1."""
    found = _grid_of(apis[engine], date_range=WEEKS, period="week", periods=3)
    assert found == {"2026-01-26": (3, [3, 2, 0, 2]), "2026-02-02": (1, [1, 1, 0, 0])}


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_on_or_after_counts_later_returns(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """Last active week: p 3, q 1, t 3 (cohort 01-26); r 1 (cohort 02-02)."""
    found = _grid_of(
        apis[engine], date_range=WEEKS, period="week", periods=3, counting="on_or_after"
    )
    assert found == {"2026-01-26": (3, [3, 3, 2, 2]), "2026-02-02": (1, [1, 1, 0, 0])}


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_recurring_cohorts_hold_every_active_visitor(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """Week 01-26: p, q, s, t; week 02-02: p, q, r."""
    found = _grid_of(
        apis[engine], date_range=WEEKS, period="week", periods=3, cohort_type="recurring"
    )
    assert found == {"2026-01-26": (4, [4, 2, 0, 2]), "2026-02-02": (3, [3, 1, 1, 0])}


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_monthly_cohorts_cross_the_month_in_local_time(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """January: s, p, q (31 Jan in New York), t; back in February: p, q, t.  February: r."""
    found = _grid_of(
        apis[engine], date_range={"start": "2026-01-01", "end": "2026-02-28"}, period="month",
        periods=2,
    )  # fmt: skip
    assert found == {"2026-01-01": (4, [4, 3, 0]), "2026-02-01": (1, [1, 0, 0])}


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_return_event_and_sunday_weeks(apis: tuple[TestClient, TestClient], engine: int) -> None:
    """Returning means seeing /pricing.  Sunday weeks: 01-25, 02-01, 02-08, 02-15.
    Cohorts (first event): 01-25: p, t (q's first, Sat 31 Jan, too); 02-01: r.
    /pricing: p 02-17 (week 02-15: 3), q 02-02 (week 02-01: 1), r 02-11 (week 02-08: 1)."""
    found = _grid_of(
        apis[engine],
        date_range={"start": "2026-01-25", "end": "2026-02-07"},
        period="week",
        week_start="sunday",
        periods=3,
        return_event={"event_type": "pageview", "filters": {"page_path": "/pricing"}},
    )
    assert found == {"2026-01-25": (3, [0, 1, 0, 1]), "2026-02-01": (1, [0, 1, 0, 0])}


def test_periods_not_over_are_flagged_and_future_ones_left_out() -> None:
    spec = RetentionSpec(period="week", periods=3)
    today = dt.date(2026, 2, 11)  # a Wednesday of week 02-09
    week = period_of(spec, dt.date(2026, 2, 2))
    rows = [(week, -1, 5), (week, 0, 5), (week, 1, 2)]
    (cohort,) = _grid(spec, rows, today)
    assert cohort["cohort"] == "2026-02-02"
    assert cohort["counts"] == [5, 2]  # week 02-09 has begun; 02-16 has not: not a zero
    assert cohort["complete"] == [True, False]
    assert cohort["rates"] == [1.0, 0.4]


def test_bad_retention_requests_are_400(apis: tuple[TestClient, TestClient]) -> None:
    for body, field in [
        ({"period": "year"}, "period"),
        ({"periods": 0}, "periods"),
        ({"breakdown_by": "nope!"}, "breakdown_by"),
        ({"cohort_event": {"name": "x"}}, "cohort_event"),
        ({"colour": "red"}, "colour"),
    ]:
        answer = apis[0].post("/api/v1/retention", json={"tracking_id": "ST-TEST", **body})
        assert answer.status_code == 400 and field in answer.json()["detail"], answer.text


#: Grids the daily cube answers (no event conditions, breakdown or segment): ranges
#: starting inside a period, each period kind, both cohort types, both countings.
CUBE_SHAPES = [
    {"date_range": WEEKS, "period": "week", "periods": 3},
    {"date_range": {"start": "2026-01-28", "end": "2026-02-10"}, "period": "week", "periods": 3},
    {"date_range": {"start": "2026-01-28", "end": "2026-02-10"}, "period": "week",
     "periods": 3, "cohort_type": "recurring", "week_start": "sunday"},
    {"date_range": {"start": "2026-01-20", "end": "2026-02-03"}, "period": "day", "periods": 9},
    {"date_range": {"start": "2026-01-15", "end": "2026-02-28"}, "period": "month", "periods": 1},
    {"date_range": WEEKS, "period": "week", "periods": 3, "counting": "on_or_after"},
    {"date_range": {"start": "2026-01-21", "end": "2026-02-08"}, "period": "week", "periods": 2,
     "cohort_type": "recurring", "counting": "on_or_after"},
]  # fmt: skip


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
@pytest.mark.parametrize("body", CUBE_SHAPES, ids=range(len(CUBE_SHAPES)))
def test_the_daily_cube_answers_as_the_raw_events_do(
    apis: tuple[TestClient, TestClient], engine: int, body: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grid that needs only who was active on which day is read from the daily cube's
    visitors (bitmaps on ClickHouse for ``on``, the lake's lists on DuckDB) and equals the
    grid from the raw events, cohort by cohort."""
    import serving.analyses.retention as retention

    answer = apis[engine].post("/api/v1/retention", json={"tracking_id": "ST-TEST", **body})
    assert answer.status_code == 200, answer.text
    assert answer.json()["source"].endswith(".cube_daily_totals")
    monkeypatch.setattr(retention, "reads_visitor_days", lambda spec: False)
    raw = apis[engine].post("/api/v1/retention", json={"tracking_id": "ST-TEST", **body})
    assert raw.json()["source"].endswith(".events")
    assert answer.json()["cohorts"] == raw.json()["cohorts"]
    assert answer.json()["cohorts"]  # each shape has cohorts to compare


@pytest.mark.parametrize("engine", [0, 1], ids=["clickhouse", "duckdb"])
def test_mid_week_start_keeps_earlier_visitors_out(
    apis: tuple[TestClient, TestClient], engine: int
) -> None:
    """From Wednesday 01-28: t (first on 01-31) and q (01-31 in New York) start week
    01-26; p started on Monday 01-26, before the range, so is in no cohort.  Week 1: q;
    week 2: nobody; week 3: t.  Cohort 02-02: r, back in week 1."""
    found = _grid_of(
        apis[engine], date_range={"start": "2026-01-28", "end": "2026-02-08"}, period="week",
        periods=3,
    )  # fmt: skip
    assert found == {"2026-01-26": (2, [2, 1, 0, 1]), "2026-02-02": (1, [1, 1, 0, 0])}
