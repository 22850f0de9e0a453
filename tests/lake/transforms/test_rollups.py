"""Rollups computed per group of clients and merged equal the rollup of all clients."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from lake.storage import EVENT_SCHEMA
from lake.transforms import (
    ROLLUP_METRIC_COLUMNS,
    assign_sessions,
    build_sessions,
    client_bucket,
    merge_client_parts,
    rollup_daily,
    rollup_hourly,
)

T0 = dt.datetime(2026, 3, 1, 20, tzinfo=dt.UTC)


def _events(rows: list[tuple[str, int, str, str]]) -> pl.DataFrame:
    data: dict[str, list] = {c: [None] * len(rows) for c in EVENT_SCHEMA}
    data["event_id"] = [f"e{i}" for i in range(len(rows))]
    data["tracking_id"] = ["ST-1"] * len(rows)
    data["client_id"] = [r[0] for r in rows]
    data["event_at"] = [T0 + dt.timedelta(minutes=r[1]) for r in rows]
    data["event_type"] = [r[2] for r in rows]
    data["page_path"] = [r[3] for r in rows]
    data["is_bot"] = [False] * len(rows)
    return pl.DataFrame(data, schema=EVENT_SCHEMA)


def _canonical(df: pl.DataFrame) -> list[dict]:
    return df.sort([c for c in df.columns if c not in ROLLUP_METRIC_COLUMNS]).to_dicts()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([f"c{i}" for i in range(8)]),
            st.integers(min_value=0, max_value=8 * 60),
            st.sampled_from(["pageview", "pageview", "event"]),
            st.sampled_from(["/", "/a", "/b"]),
        ),
        min_size=1,
        max_size=60,
    ),
    buckets=st.integers(min_value=2, max_value=4),
)
def test_client_buckets_merge_to_the_whole_rollup(rows, buckets: int) -> None:
    events = _events(rows)
    sessions = build_sessions(assign_sessions(events.lazy())).collect()
    tz = {"ST-1": "America/New_York"}
    for build in (rollup_hourly, lambda e, s: rollup_daily(e, s, tz)):
        whole = build(events.lazy(), sessions.lazy()).collect()
        mine = [client_bucket(buckets) == b for b in range(buckets)]
        parts = [build(events.lazy().filter(m), sessions.lazy().filter(m)).collect() for m in mine]
        merged = merge_client_parts(parts)
        assert merged.columns == whole.columns
        assert _canonical(merged) == _canonical(whole)
