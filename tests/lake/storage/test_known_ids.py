"""The event id index: bronze holds each (tracking_id, event_id) once, across runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from lake.settings import Settings
from lake.storage import KnownIds, Lake, known_ids


def _events(
    ids: list[str], minute: int, site: str = "ST-1", day: dt.date = dt.date(2026, 3, 1)
) -> pl.DataFrame:
    at = dt.datetime.combine(day, dt.time(10, minute), dt.UTC)
    from lake.storage import EVENT_SCHEMA

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


def test_sorted_hashes_agree_with_a_plain_set() -> None:
    import random

    import numpy as np

    rng = random.Random(5)
    kept = known_ids.SortedHashes()
    reference: dict[int, set[int]] = {}  # hash -> its days (as day numbers)
    for size in [1, 3, 8, 8, 2, 40, 1, 17, 5, 100, 3]:  # runs of every relative size
        hashes = [rng.randrange(-200, 200) for _ in range(size)]
        days = [rng.randrange(0, 30) for _ in range(size)]
        kept.add(np.array(hashes, dtype=np.int64), np.array(days, dtype="datetime64[D]"))
        for h, d in zip(hashes, days, strict=True):
            reference.setdefault(h, set()).add(d)
        probe = np.arange(-210, 210, dtype=np.int64)
        assert kept.contains(probe).tolist() == [int(h) in reference for h in probe]
        assert len(kept.runs) <= 1 + int(np.log2(sum(len(h) for h, _ in kept.runs)))
    some = np.array([-5, 0, 17, 199], dtype=np.int64)
    found = sorted(int(d) for d in kept.dates_of(some).astype(np.int64))
    assert sorted(set(found)) == sorted(set().union(*(reference.get(int(h), set()) for h in some)))
