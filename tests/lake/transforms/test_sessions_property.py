"""Property: however events arrive (shuffled, duplicated, late, in any number of batches),
merging them batch by batch gives the same sessions as one full recomputation and as an
independent reference sessionizer."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from lake.loads import sessions_by_day
from lake.storage import EVENT_SCHEMA
from lake.transforms import (
    SESSION_INPUT_COLUMNS,
    assign_sessions,
    build_sessions,
    only_new_events,
)
from tests.reference import SESSION_SUMMARY

T0 = dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC)  # near midnight: sessions cross days
GAP = dt.timedelta(minutes=30)

event_st = st.tuples(
    st.sampled_from(["c1", "c2", "c3"]),
    st.integers(min_value=0, max_value=6 * 60 * 60),  # seconds after T0
    st.sampled_from(["pageview", "pageview", "event", "web_vital"]),
)


def _frame(rows: list[tuple[str, str, int, str, int]]) -> pl.LazyFrame:
    """rows: (event_id, client, second, type, received second)."""
    data = {c: [None] * len(rows) for c in EVENT_SCHEMA}
    data["event_id"] = [r[0] for r in rows]
    data["tracking_id"] = ["ST-1"] * len(rows)
    data["client_id"] = [r[1] for r in rows]
    data["event_at"] = [T0 + dt.timedelta(seconds=r[2]) for r in rows]
    data["event_type"] = [r[3] for r in rows]
    data["received_at"] = [T0 + dt.timedelta(seconds=r[4]) for r in rows]
    data["page_path"] = [f"/{r[0]}" for r in rows]
    data["is_bot"] = [False] * len(rows)
    return pl.DataFrame(data, schema=EVENT_SCHEMA).lazy()


def _summary(events: pl.LazyFrame) -> set[tuple]:
    sessions = build_sessions(assign_sessions(events)).collect()
    return set(sessions.select(*SESSION_SUMMARY).rows())


def _reference(unique: dict[str, tuple[str, int, str]]) -> set[tuple]:
    by_client: dict[str, list[tuple[int, str, str]]] = {}
    for event_id, (client, second, etype) in unique.items():
        by_client.setdefault(client, []).append((second, event_id, etype))
    out = set()
    for client, evs in by_client.items():
        evs.sort()
        groups: list[list[tuple[int, str, str]]] = []
        for ev in evs:
            if not groups or dt.timedelta(seconds=ev[0] - groups[-1][-1][0]) >= GAP:
                groups.append([])
            groups[-1].append(ev)
        for g in groups:
            pv = sum(1 for e in g if e[2] == "pageview")
            engaged = any(e[2] == "event" for e in g)
            out.add(
                (
                    f"s_{g[0][1]}",
                    client,
                    T0 + dt.timedelta(seconds=g[0][0]),
                    T0 + dt.timedelta(seconds=g[-1][0]),
                    pv,
                    len(g),
                    pv == 1 and not engaged,
                )
            )
    return out


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(event_st, min_size=1, max_size=40),
    duplicate=st.lists(st.integers(min_value=0, max_value=39), max_size=15),
    batches=st.integers(min_value=1, max_value=5),
    order=st.randoms(use_true_random=False),
)
def test_batched_arrival_gives_the_same_sessions_as_full_and_reference(
    events: list[tuple[str, int, str]], duplicate: list[int], batches: int, order
) -> None:
    unique = {f"e{i:03d}": ev for i, ev in enumerate(events)}
    arrivals = [(eid, c, s, t) for eid, (c, s, t) in unique.items()]
    arrivals += [arrivals[i % len(arrivals)] for i in duplicate]  # re-sent copies
    order.shuffle(arrivals)  # late and out-of-order arrival
    rows = [(eid, c, s, t, n) for n, (eid, c, s, t) in enumerate(arrivals)]
    cut = max(1, len(rows) // batches)
    chunks = [rows[i : i + cut] for i in range(0, len(rows), cut)]

    bronze = pl.DataFrame(schema=EVENT_SCHEMA)
    for chunk in chunks:  # incremental, as the bronze asset does: append what is new
        fresh = only_new_events(_frame(chunk), bronze.lazy()).collect()
        bronze = pl.concat([bronze, fresh])
    incremental = _summary(bronze.lazy())
    full = _summary(only_new_events(_frame(rows), pl.LazyFrame(schema=EVENT_SCHEMA)))

    assert bronze.height == len(unique)
    assert incremental == full == _reference(unique)


DAY0 = dt.date(2026, 3, 1)


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", "c3"]),
            st.integers(min_value=0, max_value=5 * 24 * 3600),  # five days from DAY0
            st.sampled_from(["pageview", "event"]),
        ),
        max_size=60,
    ),
    chain=st.integers(min_value=0, max_value=150),  # a client active every 20 min: days long
    first=st.integers(min_value=0, max_value=4),
    span=st.integers(min_value=0, max_value=4),
    timeout=st.sampled_from([30, 90]),
    buckets=st.sampled_from([1, 3]),
)
def test_streaming_day_by_day_gives_the_sessions_of_a_full_recomputation(
    events: list[tuple[str, int, str]],
    chain: int,
    first: int,
    span: int,
    timeout: int,
    buckets: int,
) -> None:
    start = dt.datetime.combine(DAY0, dt.time(), dt.UTC) + dt.timedelta(hours=20)
    rows = [(f"e{i:03d}", c, s, t, s) for i, (c, s, t) in enumerate(events)]
    rows += [(f"k{i:03d}", "bot", 20 * 60 * i + 72_000, "pageview", 0) for i in range(chain)]
    bronze = (
        _frame(rows)
        .with_columns(event_at=pl.col("event_at") - (T0 - start) - dt.timedelta(hours=20))
        .with_columns(event_date=pl.col("event_at").dt.date())
        .collect()
    )
    lo = DAY0 + dt.timedelta(days=first)
    hi = lo + dt.timedelta(days=span)
    full = (
        build_sessions(assign_sessions(bronze.lazy(), timeout))
        .filter(pl.col("session_date").is_between(lo, hi))
        .collect()
    )
    loads: list[dt.date] = []

    def load_day(day: dt.date) -> pl.LazyFrame:
        loads.append(day)
        return bronze.lazy().filter(pl.col("event_date") == day).select(SESSION_INPUT_COLUMNS)

    streamed = list(sessions_by_day(load_day, lo, hi, timeout, buckets=buckets))
    assert [d for d, _ in streamed] == [lo + dt.timedelta(days=k) for k in range(span + 1)]
    for day, part in streamed:
        assert part["session_date"].unique().to_list() in ([], [day])
    got = pl.concat([p for _, p in streamed]).sort("session_id")
    assert got.to_dicts() == full.sort("session_id").to_dicts()
    assert len(loads) == buckets * len(set(loads))  # each day is read once per bucket
