"""Cubes: a rollup summed over the dimensions a cube drops, visitor lists united."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lake.storage import ROLLUP_DIMENSIONS
from lake.transforms import CUBES, ROLLUP_METRIC_COLUMNS, cube_of

DAY = dt.date(2026, 3, 1)


def _rollup(rows: list[dict]) -> pl.LazyFrame:
    """Daily rollup rows: every dimension ``x`` unless given, every measure 0 unless given."""
    full = []
    for r in rows:
        row = {"tracking_id": "ST-1", "date": DAY, **dict.fromkeys(ROLLUP_DIMENSIONS, "x")}
        row.update({m: 0 for m in ROLLUP_METRIC_COLUMNS if m != "users"})
        row["sum_session_duration_s"] = row["sum_revenue"] = 0.0
        full.append({**row, **r})
    return pl.LazyFrame(full)


ROWS = [
    {"page_path": "/a", "country": "US", "channel": "direct", "users": ["a", "b"],
     "count_pageviews": 2, "count_sessions": 1, "sum_revenue": 5.0},
    {"page_path": "/b", "country": "US", "channel": "direct", "users": ["b", "c"],
     "count_pageviews": 3, "count_sessions": 0, "sum_revenue": 0.0},
    {"page_path": "/a", "country": "DE", "channel": "search", "users": ["d"],
     "count_pageviews": 1, "count_sessions": 1, "sum_revenue": 2.5},
]  # fmt: skip


def _by(cube: str) -> dict[tuple, tuple]:
    out = cube_of(_rollup(ROWS), CUBES[cube]).collect()
    assert out.columns == ["tracking_id", "date", *CUBES[cube].dimensions, *ROLLUP_METRIC_COLUMNS]
    keys = list(CUBES[cube].dimensions)
    return {
        tuple(r[k] for k in keys): (
            r["count_pageviews"],
            r["count_sessions"],
            r["sum_revenue"],
            r["users"],
        )
        for r in out.to_dicts()
    }


def test_totals_add_counts_and_unite_visitors() -> None:
    # b visited twice: one visitor, not two
    assert _by("cube_daily_totals") == {(): (6, 2, 7.5, ["a", "b", "c", "d"])}


def test_each_cube_keeps_only_its_dimensions() -> None:
    assert _by("cube_daily_technology") == {
        ("US", "x", "x", "x"): (5, 1, 5.0, ["a", "b", "c"]),
        ("DE", "x", "x", "x"): (1, 1, 2.5, ["d"]),
    }
    assert _by("cube_daily_pages") == {
        ("/a",): (3, 2, 7.5, ["a", "b", "d"]),
        ("/b",): (3, 0, 0.0, ["b", "c"]),
    }
    assert _by("cube_daily_channels") == {
        ("direct", "x", "x", "x"): (5, 1, 5.0, ["a", "b", "c"]),
        ("search", "x", "x", "x"): (1, 1, 2.5, ["d"]),
    }


def test_hourly_cubes_keep_the_hour_and_its_utc_date() -> None:
    hour = dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC)
    rows = _rollup(ROWS).drop("date").with_columns(hour=pl.lit(hour), utc_date=pl.lit(DAY))
    out = cube_of(rows, CUBES["cube_hourly_totals"]).collect()
    assert out.select("hour", "utc_date", "count_pageviews", "users").to_dicts() == [
        {"hour": hour, "utc_date": DAY, "count_pageviews": 6, "users": ["a", "b", "c", "d"]}
    ]


def test_every_cube_keeps_rollup_dimensions_only() -> None:
    for cube in CUBES.values():
        assert set(cube.dimensions) <= set(ROLLUP_DIMENSIONS)
        assert cube.rollup in ("rollup_daily", "rollup_hourly")
