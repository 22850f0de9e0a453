"""Bronze transforms: one row per (tracking_id, event_id), whatever arrives twice, and
rows no event can be without quarantined."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lake.transforms import only_new_events


def _frame(ids: list[str], received_minute: int, site: str = "ST-1") -> pl.LazyFrame:
    at = dt.datetime(2026, 3, 1, 10, received_minute, tzinfo=dt.UTC)
    return pl.LazyFrame(
        {
            "tracking_id": [site] * len(ids),
            "event_id": ids,
            "received_at": [at] * len(ids),
            "copy": [received_minute] * len(ids),
        }
    )


def test_duplicates_within_and_across_batches_collapse_to_the_existing_row() -> None:
    existing = _frame(["e1", "e2"], 1)
    new = pl.concat([_frame(["e2", "e3"], 5), _frame(["e3", "e4"], 3)])
    fresh = only_new_events(new, existing).collect().sort("event_id")
    # e2 is already in bronze; among the new copies of e3 the earliest received wins.
    assert fresh.select("event_id", "copy").rows() == [("e3", 3), ("e4", 3)]


def test_the_same_id_from_two_sites_is_two_events() -> None:
    existing = _frame(["e1"], 1, site="ST-A")
    new = pl.concat([_frame(["e1"], 2, site="ST-B"), _frame(["e1"], 3, site="ST-A")])
    fresh = only_new_events(new, existing).collect()
    assert fresh.select("tracking_id", "event_id").rows() == [("ST-B", "e1")]


def test_the_same_batch_twice_adds_nothing_the_second_time() -> None:
    empty = pl.LazyFrame(schema={"tracking_id": pl.String, "event_id": pl.String})
    once = only_new_events(_frame(["e1", "e2"], 1), empty).collect()
    assert once.height == 2
    assert only_new_events(_frame(["e1", "e2"], 1), once.lazy()).collect().height == 0


def test_rows_no_event_can_be_without_are_quarantined_with_the_reason() -> None:
    from lake.storage import EVENT_SCHEMA
    from lake.transforms import split_quarantine

    at = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    base = {"tracking_id": "ST-1", "client_id": "c", "event_type": "pageview"}
    rows = [
        {**base, "event_id": "ok"},
        {**base, "event_id": None},
        {**base, "event_id": "typo", "event_type": "pagevew"},
        {**base, "event_id": "old", "event_at": dt.datetime(2019, 12, 31, tzinfo=dt.UTC)},
    ]
    frame = pl.DataFrame(
        [{"event_at": at, "received_at": at, **r} for r in rows], schema_overrides=EVENT_SCHEMA
    ).with_columns(event_date=pl.col("event_at").dt.date())
    keep, out = split_quarantine(frame, 300, 24.0 * 365 * 20, None, dt.date(2020, 1, 1))
    assert keep["event_id"].to_list() == ["ok"]
    assert out.select("event_id", "reason").rows() == [
        (None, "event_id, tracking_id, client_id or event_at missing"),
        ("typo", "unknown event_type pagevew"),
        ("old", "event_date before the first partition, 2020-01-01"),
    ]
