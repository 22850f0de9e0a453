"""Hot-tier tables on the embedded engine: idempotent day loads and distinct-user states."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pyarrow as pa
import pytest

from lake.hot_tier import DISTINCT_USERS_MERGE, ensure_schema, hot_tier, replace_partitions
from lake.storage import ROLLUP_DIMENSIONS
from lake.transforms import CUBES
from tests.conftest import Env


def _rows(day: dt.date, users: list[list[str]], pageviews: int = 1) -> pa.Table:
    n = len(users)
    return pl.DataFrame(
        {
            "tracking_id": ["ST-TEST"] * n,
            "date": [day] * n,
            **{d: [f"{d}-{i % 3}" for i in range(n)] for d in ROLLUP_DIMENSIONS},
            "count_pageviews": [pageviews] * n,
            "count_events": [pageviews] * n,
            "users": users,
            "count_sessions": [1] * n,
            "count_bounces": [0] * n,
            "sum_session_duration_s": [1.5] * n,
        },
        schema_overrides={
            "count_pageviews": pl.UInt64,
            "count_events": pl.UInt64,
            "count_sessions": pl.UInt64,
            "count_bounces": pl.UInt64,
        },
    ).to_arrow()


def _totals(env: Env) -> list[tuple]:
    with hot_tier(env.settings) as client:
        return client.query(
            f"SELECT toString(date), sum(count_pageviews), {DISTINCT_USERS_MERGE} "
            "FROM rollup_daily GROUP BY date ORDER BY date"
        ).result_rows


def test_reloading_a_day_replaces_it_and_missing_days_are_dropped(env: Env) -> None:
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        for _ in range(2):  # a rerun
            replace_partitions(
                client, "rollup_daily", _rows(d1, [["a", "b"], ["b"]]), ["2026-03-01"]
            )
            replace_partitions(client, "rollup_daily", _rows(d2, [["c"]], 5), ["2026-03-02"])
    assert _totals(env) == [("2026-03-01", 2, 2), ("2026-03-02", 5, 1)]
    with hot_tier(env.settings) as client:
        replace_partitions(client, "rollup_daily", None, ["2026-03-02"])
    assert _totals(env) == [("2026-03-01", 2, 2)]


@pytest.mark.parametrize(("distinct", "tolerance"), [(12_000, 0), (60_000, 0.002)])
def test_distinct_users_merge_across_rows_and_days(
    env: Env, distinct: int, tolerance: float
) -> None:
    # Each user appears on several rows and both days: a sum of per-row counts would be 4x.
    users = [f"client-{i}" for i in range(distinct)]
    chunks = [users[i::40] + users[(i + 1) % 40 :: 40] for i in range(40)]
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 2)):
            replace_partitions(client, "rollup_daily", _rows(day, chunks), [day.isoformat()])
        (merged,) = client.query(f"SELECT {DISTINCT_USERS_MERGE} FROM rollup_daily").result_rows[0]
    assert abs(merged - distinct) <= tolerance * distinct


def test_a_new_cube_is_filled_from_its_rollup_once(env: Env) -> None:
    # A hot tier loaded before the cubes existed: the next start makes them from the rollup.
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    with hot_tier(env.settings) as client:
        ensure_schema(client)
        replace_partitions(client, "rollup_daily", _rows(d1, [["a", "b"], ["b"], ["c"]]), [str(d1)])
        replace_partitions(client, "rollup_daily", _rows(d2, [["c"]], 5), [str(d2)])
        for cube in CUBES:
            client.command(f"DROP TABLE {cube}")
        ensure_schema(client)
        ensure_schema(client)  # the cube exists now: not filled twice
        totals = client.query(
            f"SELECT toString(date), sum(count_pageviews), {DISTINCT_USERS_MERGE} "
            "FROM cube_daily_totals GROUP BY date ORDER BY date"
        ).result_rows
        # rows of _rows(): country country-0, country-1, country-2 by position
        by_country = client.query(
            f"SELECT country, sum(count_sessions), {DISTINCT_USERS_MERGE} "
            "FROM cube_daily_technology GROUP BY country ORDER BY country"
        ).result_rows
    assert totals == [("2026-03-01", 3, 3), ("2026-03-02", 5, 1)]
    assert by_country == [("country-0", 2, 3), ("country-1", 1, 1), ("country-2", 1, 1)]
