"""Bronze merge keeps one row per event_id, whatever arrives twice."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lake.transforms.bronze import merge_new_events


def _frame(ids: list[str], received_minute: int) -> pl.LazyFrame:
    at = dt.datetime(2026, 3, 1, 10, received_minute, tzinfo=dt.UTC)
    return pl.LazyFrame(
        {"event_id": ids, "received_at": [at] * len(ids), "copy": [received_minute] * len(ids)}
    )


def test_duplicates_within_and_across_batches_collapse_to_the_existing_row() -> None:
    existing = _frame(["e1", "e2"], 1)
    new = pl.concat([_frame(["e2", "e3"], 5), _frame(["e3", "e4"], 3)])
    merged = merge_new_events(existing, new).collect().sort("event_id")
    assert merged["event_id"].to_list() == ["e1", "e2", "e3", "e4"]
    # The row already in bronze wins; among new copies the earliest received wins.
    assert merged["copy"].to_list() == [1, 1, 3, 3]


def test_merging_the_same_batch_twice_changes_nothing() -> None:
    once = merge_new_events(
        pl.LazyFrame(
            schema={
                "event_id": pl.String,
                "received_at": pl.Datetime("us", "UTC"),
                "copy": pl.Int64,
            }
        ),
        _frame(["e1", "e2"], 1),
    ).collect()
    twice = merge_new_events(once.lazy(), _frame(["e1", "e2"], 1)).collect()
    assert twice.sort("event_id").equals(once.sort("event_id"))
