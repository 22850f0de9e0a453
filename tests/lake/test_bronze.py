"""Bronze keeps one row per (tracking_id, event_id), whatever arrives twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from lake import known_ids
from lake.io import Lake
from lake.known_ids import KnownIds
from lake.settings import Settings
from lake.transforms.bronze import only_new_events


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


def _events(
    ids: list[str], minute: int, site: str = "ST-1", day: dt.date = dt.date(2026, 3, 1)
) -> pl.DataFrame:
    at = dt.datetime.combine(day, dt.time(10, minute), dt.UTC)
    from lake.schemas import EVENT_SCHEMA

    return pl.DataFrame(
        {
            "tracking_id": [site] * len(ids),
            "event_id": ids,
            "client_id": [f"c{minute}"] * len(ids),
            "event_at": [at] * len(ids),
            "event_date": [day] * len(ids),
            "received_at": [at] * len(ids),
        },
        schema_overrides=EVENT_SCHEMA,
    )


def _lake(root: Path) -> Lake:
    return Lake(Settings.from_env({"STRATA_HOME": str(root)}))


def _run(root: Path, batches: list[pl.DataFrame]) -> list[tuple[str, str, str]]:
    """Batches through KnownIds into a real Delta table, as the bronze asset does."""
    lake = _lake(root)
    bronze, index = f"{root}/bronze", f"{root}/index"
    known = KnownIds(lake, bronze, index)
    for batch in batches:
        fresh = known.only_new(batch)
        if fresh.height:
            known.record(fresh)
            lake.append_partitioned(fresh, bronze, "event_date")
    rows = pl.read_delta(bronze).select("tracking_id", "event_id", "client_id").rows()
    return sorted(rows)


def test_known_ids_drop_every_copy_across_batches_and_runs(tmp_path: Path) -> None:
    first = [_events(["e1", "e2"], 1), _events(["e2", "e3"], 5), _events(["e3", "e4"], 3)]
    assert _run(tmp_path, first) == [
        ("ST-1", "e1", "c1"),
        ("ST-1", "e2", "c1"),
        ("ST-1", "e3", "c5"),
        ("ST-1", "e4", "c3"),
    ]
    # a later run (fresh cache) reads the site's index once
    assert _run(tmp_path, [_events(["e4", "e5"], 9)])[-1] == ("ST-1", "e5", "c9")


def test_a_resent_event_with_another_date_is_kept_once_across_runs(tmp_path: Path) -> None:
    _run(tmp_path, [_events(["e1"], 1, day=dt.date(2026, 3, 1))])
    # the retry carries another timestamp, so another day no run touched before
    rows = _run(tmp_path, [_events(["e1", "e2"], 2, day=dt.date(2026, 3, 9))])
    assert rows == [("ST-1", "e1", "c1"), ("ST-1", "e2", "c2")]


def test_two_sites_with_the_same_event_id_both_keep_their_event(tmp_path: Path) -> None:
    _run(tmp_path, [_events(["e1"], 1, site="ST-A")])
    rows = _run(tmp_path, [_events(["e1"], 2, site="ST-B"), _events(["e1"], 3, site="ST-A")])
    assert rows == [("ST-A", "e1", "c1"), ("ST-B", "e1", "c2")]


def test_the_index_is_built_from_an_existing_bronze(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    lake.append_partitioned(
        _events(["e1"], 1, day=dt.date(2026, 3, 1)), f"{tmp_path}/bronze", "event_date"
    )
    rows = _run(tmp_path, [_events(["e1", "e2"], 2, day=dt.date(2026, 3, 5))])
    assert rows == [("ST-1", "e1", "c1"), ("ST-1", "e2", "c2")]


def test_a_hash_collision_never_drops_an_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every key hashes alike: each new event is a suspect, decided by the exact keys
    monkeypatch.setattr(known_ids, "event_key_hash", lambda: pl.lit(7, pl.Int64).alias("h"))
    batches = [
        _events(["e1", "e2"], 1),
        _events(["e2", "e3"], 2, day=dt.date(2026, 3, 2)),
        _events(["e1"], 4, site="ST-2"),
    ]
    assert _run(tmp_path, batches) == [
        ("ST-1", "e1", "c1"),
        ("ST-1", "e2", "c1"),
        ("ST-1", "e3", "c2"),
        ("ST-2", "e1", "c4"),
    ]


def test_an_index_row_without_its_event_does_not_drop_the_event(tmp_path: Path) -> None:
    # a crash between recording the index and appending to bronze
    lake = _lake(tmp_path)
    known = KnownIds(lake, f"{tmp_path}/bronze", f"{tmp_path}/index")
    known.record(_events(["e1"], 1))
    assert _run(tmp_path, [_events(["e1"], 2)]) == [("ST-1", "e1", "c2")]


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
