"""Bronze keeps one row per event_id, whatever arrives twice."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lake.transforms.bronze import only_new_events


def _frame(ids: list[str], received_minute: int) -> pl.LazyFrame:
    at = dt.datetime(2026, 3, 1, 10, received_minute, tzinfo=dt.UTC)
    return pl.LazyFrame(
        {"event_id": ids, "received_at": [at] * len(ids), "copy": [received_minute] * len(ids)}
    )


def test_duplicates_within_and_across_batches_collapse_to_the_existing_row() -> None:
    existing = _frame(["e1", "e2"], 1)
    new = pl.concat([_frame(["e2", "e3"], 5), _frame(["e3", "e4"], 3)])
    fresh = only_new_events(new, existing).collect().sort("event_id")
    # e2 is already in bronze; among the new copies of e3 the earliest received wins.
    assert fresh.select("event_id", "copy").rows() == [("e3", 3), ("e4", 3)]


def test_the_same_batch_twice_adds_nothing_the_second_time() -> None:
    empty = pl.LazyFrame(schema={"event_id": pl.String})
    once = only_new_events(_frame(["e1", "e2"], 1), empty).collect()
    assert once.height == 2
    assert only_new_events(_frame(["e1", "e2"], 1), once.lazy()).collect().height == 0
