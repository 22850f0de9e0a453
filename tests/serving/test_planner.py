"""The report query, the planner and the two dialects, without an engine."""

from __future__ import annotations

import datetime as dt

import pytest

from serving.planner import plan_report
from serving.report_query import Filter, ReportError, report_query
from serving.sql import ClickHouseDialect, DuckDBDialect, render_report
from serving.sql.base import utc_bounds


def _query(**changes: object):
    args: dict = {
        "tracking_id": "ST-1",
        "timezone": "Europe/Berlin",
        "start": dt.date(2026, 3, 1),
        "end": dt.date(2026, 3, 2),
        "metrics": ["pageviews", "bounce_rate"],
        "dimensions": [],
        "filters": [],
        "order_by": [],
        "limit": 10,
    }
    return report_query(**{**args, **changes})


@pytest.mark.parametrize(
    ("changes", "table"),
    [
        ({}, "cube_daily_totals"),
        ({"dimensions": ["week"], "metrics": ["visitors"]}, "cube_daily_totals"),
        ({"dimensions": ["hour"]}, "cube_hourly_totals"),
        ({"dimensions": ["date", "hour"]}, "cube_hourly_totals"),
        ({"dimensions": ["date", "channel"]}, "cube_daily_channels"),
        (
            {"dimensions": ["utm_campaign"], "filters": [Filter("channel", "eq", ("x",))]},
            "cube_daily_channels",
        ),
        ({"dimensions": ["country", "os"]}, "cube_daily_technology"),
        ({"dimensions": ["page_path"], "metrics": ["avg_time_on_page"]}, "cube_daily_pages"),
        # no cube keeps both: the rollup of the grain answers
        ({"dimensions": ["page_path", "country"]}, "rollup_daily"),
        ({"dimensions": ["channel"], "filters": [Filter("device", "eq", ("x",))]}, "rollup_daily"),
        ({"dimensions": ["hour", "channel"]}, "rollup_hourly"),
        ({"dimensions": ["event_name"], "metrics": ["events"]}, "events"),
    ],
)
def test_the_smallest_covering_table_answers(changes: dict, table: str) -> None:
    plan = plan_report(_query(**changes))
    assert plan.table == table
    assert plan.time_grain == (
        "moment" if table == "events" else "hour" if "hour" in table else "date"
    )


_CHANNELS = ["channel", "utm_source", "utm_medium", "utm_campaign"]


@pytest.mark.parametrize(
    ("changes", "one_row"),
    [
        ({"dimensions": ["date"], "metrics": ["visitors"]}, True),
        ({"dimensions": ["week"], "metrics": ["visitors"]}, False),  # 7 days merge
        ({"dimensions": [], "metrics": ["visitors"]}, False),
        ({"dimensions": ["date", *_CHANNELS], "metrics": ["visitors"]}, True),
        ({"dimensions": ["date", "channel"], "metrics": ["visitors"]}, False),  # sources merge
        ({"dimensions": ["page_path"], "metrics": ["visitors"]}, False),  # days merge
        # Berlin keeps +01:00 through 2 March: each local hour is one UTC hour
        ({"dimensions": ["hour"], "metrics": ["visitors"]}, True),
        ({"dimensions": ["date", "hour"], "metrics": ["visitors"]}, True),
        # 25 October 2026 holds 02:00-03:00 twice in Berlin: those hours would merge
        (
            {"dimensions": ["hour"], "start": dt.date(2026, 10, 24), "end": dt.date(2026, 10, 26)},
            False,
        ),
        (
            {"dimensions": ["hour"], "timezone": "Asia/Kolkata", "end": dt.date(2026, 12, 31)},
            True,
        ),
        ({"dimensions": ["hour", "channel"], "metrics": ["visitors"]}, False),  # the rollup
    ],
)
def test_rows_are_groups_when_each_answer_row_is_one_cube_row(changes: dict, one_row: bool) -> None:
    query = _query(**changes)
    plan = plan_report(query)
    assert plan.rows_are_groups is one_row
    sql = render_report(query, plan, DuckDBDialect()).sql
    # one row per group: its list's length; else the lists spread one row per visitor
    assert ("sum(len(users))" in sql) is (one_row and "visitors" in query.metrics)
    assert ("unnest" in sql) is (not one_row and "visitors" in query.metrics)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metrics": ["nope"]}, "unknown metric 'nope'; allowed: pageviews"),
        ({"dimensions": ["date", "date"]}, "dimension listed twice"),
        ({"filters": [Filter("hour", "eq", ("1",))]}, "unknown filter dimension 'hour'"),
        ({"filters": [Filter("os", "like", ("1",))]}, "unknown filter op 'like'"),
        ({"filters": [Filter("os", "eq", ("a", "b"))]}, "takes one string value"),
        ({"filters": [Filter("os", "regex", ("(",))]}, "is not valid"),
        ({"order_by": [("sessions", "desc")]}, "order_by field 'sessions'"),
        ({"end": dt.date(2026, 2, 1)}, "date_range.end is before date_range.start"),
    ],
)
def test_a_report_naming_what_does_not_exist_is_refused(changes: dict, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        _query(**changes)


def test_default_order_is_the_first_metric_unless_time_comes_first() -> None:
    assert _query(dimensions=["channel"]).order_by == (("pageviews", "desc"),)
    assert _query(dimensions=["date", "channel"]).order_by == ()
    assert _query(dimensions=["week", "channel"]).order_by == ()


def test_local_days_become_utc_bounds_across_a_daylight_saving_change() -> None:
    # Berlin moves to summer time on 2026-03-29: that day has 23 hours
    lo, hi = utc_bounds(dt.date(2026, 3, 29), dt.date(2026, 3, 29), "Europe/Berlin")
    assert (lo, hi) == (
        dt.datetime(2026, 3, 28, 23, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 22, tzinfo=dt.UTC),
    )


def test_both_dialects_bind_every_value_and_name_the_same_columns() -> None:
    query = _query(
        dimensions=["hour", "country"],
        filters=[Filter("country", "in", ("US", "x'); DROP TABLE t; --"))],
        order_by=[("bounce_rate", "asc")],
    )
    plan = plan_report(query)
    ch = render_report(query, plan, ClickHouseDialect())
    duck = render_report(query, plan, DuckDBDialect())
    for rendered in (ch, duck):
        assert "DROP" not in rendered.sql and "ST-1" not in rendered.sql
        assert rendered.parameters["f0"] == ["US", "x'); DROP TABLE t; --"]
        assert "AS d_0" in rendered.sql and "AS m_1" in rendered.sql  # hour, bounce_rate
        assert "ORDER BY m_1 ASC, d_0 ASC, d_1 ASC" in rendered.sql
    assert "{f0:Array(String)}" in ch.sql and "uniqCombined64Merge" not in ch.sql
    assert "list_contains(CAST($f0 AS VARCHAR[]), country)" in duck.sql
    assert ch.parameters["lo"] == dt.datetime(2026, 2, 28, 23)  # naive UTC for DateTime('UTC')
    assert duck.parameters["lo"] == dt.datetime(2026, 2, 28, 23, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "two_steps"),
    [
        ({"metrics": ["pageviews", "visitors"], "dimensions": ["page_path"]}, True),
        ({"metrics": ["visitors", "pageviews"], "dimensions": ["page_path"],
          "order_by": [("page_path", "asc")]}, True),
        # ranked by visitors, only visitors, time, or no dimension: one query
        ({"metrics": ["visitors", "pageviews"], "dimensions": ["page_path"]}, False),
        ({"metrics": ["visitors"], "dimensions": ["page_path"]}, False),
        ({"metrics": ["pageviews", "visitors"], "dimensions": ["date", "page_path"]}, False),
        ({"metrics": ["pageviews", "visitors"]}, False),
        ({"metrics": ["events", "visitors"], "dimensions": ["event_name"]}, True),  # raw
        ({"metrics": ["pageviews", "visitors"], "dimensions": ["entry_page"]}, True),  # raw
        # a custom property would be looked up in every event twice
        ({"metrics": ["events", "visitors"], "dimensions": ["properties.plan"]}, False),
    ],
)  # fmt: skip
def test_top_n_with_visitors_ranks_first_then_counts(changes: dict, two_steps: bool) -> None:
    from serving.analyses.report import _ranked_first

    query = _query(**changes)
    assert _ranked_first(query, plan_report(query)) is two_steps
