"""Bronze keeps one row per event_id, whatever arrives twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from lake import known_ids
from lake.known_ids import KnownIds
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


def _events(ids: list[str], minute: int) -> pl.DataFrame:
    at = dt.datetime(2026, 3, 1, 10, minute, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "event_id": ids,
            "event_date": [at.date()] * len(ids),
            "received_at": [at] * len(ids),
            "copy": [minute] * len(ids),
        }
    )


def _run(bronze: Path, batches: list[pl.DataFrame]) -> list[tuple[str, int]]:
    """Batches through KnownIds into a real Delta table, as the bronze asset does."""
    from deltalake import write_deltalake

    def scan() -> pl.LazyFrame:
        if not (bronze / "_delta_log").exists():
            return pl.LazyFrame(schema=batches[0].schema)
        return pl.scan_delta(str(bronze))

    known = KnownIds(scan)
    for batch in batches:
        fresh = known.only_new(batch)
        if fresh.height:
            write_deltalake(str(bronze), fresh.to_arrow(), mode="append")
            known.add(fresh)
    return sorted(pl.read_delta(str(bronze)).select("event_id", "copy").rows())


def test_known_ids_drop_every_copy_across_batches_and_runs(tmp_path: Path) -> None:
    bronze = tmp_path / "bronze"
    first = [_events(["e1", "e2"], 1), _events(["e2", "e3"], 5), _events(["e3", "e4"], 3)]
    assert _run(bronze, first) == [("e1", 1), ("e2", 1), ("e3", 5), ("e4", 3)]
    # a later run (fresh cache) re-reads the day's ids once
    assert _run(bronze, [_events(["e4", "e5"], 9)])[-1] == ("e5", 9)


def test_a_hash_collision_never_drops_an_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every id hashes alike: each new event is a suspect, decided by the exact ids
    monkeypatch.setattr(known_ids, "_hashes", lambda ids: pl.lit(7, pl.UInt64).alias("h"))
    rows = _run(tmp_path / "b", [_events(["e1", "e2"], 1), _events(["e2", "e3"], 2)])
    assert rows == [("e1", 1), ("e2", 1), ("e3", 2)]


def test_rows_no_event_can_be_without_are_quarantined_with_the_reason() -> None:
    from lake.schemas import EVENT_SCHEMA
    from lake.transforms.bronze import split_quarantine

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
